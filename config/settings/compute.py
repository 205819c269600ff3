"""Settings of the compute app (imported at the end of base.py)."""

from celery.schedules import crontab
from environ import Env

env = Env()

# Which scheduler backend the sync talks to: "memory" (tests, local demo; shown as simulated)
# or "cli" (the real sacctmgr/squeue/sacct; production and the Slurm tests).
COMPUTE_SLURM_BACKEND = env("COMPUTE_SLURM_BACKEND", default="memory")
# Where the Slurm commands live (empty: on PATH) and which slurm.conf they read (empty: theirs).
COMPUTE_SLURM_BIN_DIR = env("COMPUTE_SLURM_BIN_DIR", default="")
COMPUTE_SLURM_CONF = env("SLURM_CONF", default="")
# Several clusters: each cluster's own slurm.conf (its controller; they may share a slurmdbd),
# "concordia=/etc/slurm/concordia.conf,second=/etc/slurm/second.conf". A cluster not listed
# uses COMPUTE_SLURM_CONF.
COMPUTE_SLURM_CLUSTER_CONFS: dict[str, str] = env.dict("COMPUTE_SLURM_CLUSTER_CONFS", default={})
# The cluster an adopted project's allocation goes to when periods of several clusters cover its
# first day (empty: such a decision is refused, visibly, for an operator to allocate by hand).
COMPUTE_DEFAULT_CLUSTER = env("COMPUTE_DEFAULT_CLUSTER", default="")
COMPUTE_SLURM_TIMEOUT = env.int("COMPUTE_SLURM_TIMEOUT", default=600)
# The account of the facility's own programme, beside the member states' accounts under root.
COMPUTE_PROGRAMME_ACCOUNT = env("COMPUTE_PROGRAMME_ACCOUNT", default="facility")
# Accounts under root that the sync must leave alone (never frozen or removed). Accounts without
# the platform's organisation are left alone anyway; listing them here stops the sync from
# reporting them as unmanaged.
COMPUTE_UNMANAGED_ACCOUNTS: list[str] = env.list("COMPUTE_UNMANAGED_ACCOUNTS", default=[])
# The Slurm organisation the sync writes on every account it manages: only accounts carrying it
# are ever frozen for retirement or removed. Lower-case (Slurm stores it so).
COMPUTE_SLURM_ORGANIZATION = env("COMPUTE_SLURM_ORGANIZATION", default="concordia-platform")
# SQLite only (the demo): a sync run still "running" after this long is taken to have died. On
# PostgreSQL a dead sync's lock goes with its process, and the next run marks it abandoned at once.
COMPUTE_SYNC_STALE_MINUTES = env.int("COMPUTE_SYNC_STALE_MINUTES", default=30)
# Concurrency caps (GrpTRES=gres/gpu=N) set by the sync: a project may hold at once
# ceil(allocation / period length x this factor) GPUs, a state the sum of its projects', never
# more than the cluster has. 1 spreads an allocation evenly over its period; 2 lets it run twice
# as fast. A decimal written as text ("2", "1.5"), read exactly.
COMPUTE_BURST_FACTOR = env("COMPUTE_BURST_FACTOR", default="2")
# Usage is read from sacct this far back on each beat run (ingesting twice changes nothing).
COMPUTE_USAGE_WINDOW_HOURS = env.int("COMPUTE_USAGE_WINDOW_HOURS", default=48)

# Merge into CELERY_BEAT_SCHEDULE (the lead does it in base.py).
COMPUTE_BEAT_SCHEDULE = {
    "compute-sync": {"task": "compute.tasks.compute_sync_all", "schedule": 300.0},
    "compute-usage-ingest": {
        "task": "compute.tasks.compute_usage_ingest_recent",
        "schedule": crontab(minute="*/15"),
    },
}
