"""Several clusters: two real Slurm controllers sharing one slurmdbd, each synced on its own.

The session's daemons serve `concordia` and `second` (bin/slurm-up with CONCORDIA_CLUSTERS);
each cluster reaches its own controller through its own slurm.conf
(COMPUTE_SLURM_CLUSTER_CONFS).
"""

from __future__ import annotations

import datetime as dt
import subprocess
import time
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from compute import services
from compute.backends.cli import CliBackend
from compute.models import AllocationPeriod, AllocationRefusal, JobUsage, ProjectAllocation
from compute.services.quotas import period_for
from compute.tasks import compute_sync
from core.actors import Actor
from core.models import AuditSource
from tests.compute.conftest import World
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def second_period(world: World) -> AllocationPeriod:
    """A cluster `second` with its own period over the same days as the first cluster's."""
    system = Actor.system("tests", source=AuditSource.COMMAND)
    cluster = services.cluster_create(
        actor=system, name="second", description="test", gpu_types={"h100": 8}
    )
    period = services.period_create(
        actor=world.op,
        cluster=cluster,
        name="current",
        starts_on=world.period.starts_on,
        ends_on=world.period.ends_on,
        capacity_minutes=500_000,
        programme_share=Decimal("0.10"),
        reserve_share=Decimal("0.05"),
        equal_share=Decimal("0.35"),
    )
    return services.period_split(actor=world.op, period=period)


def accounts(conf: str, cluster: str) -> set[str]:
    out = subprocess.run(
        ["sacctmgr", "-n", "-P", "show", "assoc", f"cluster={cluster}", "format=Account,User"],
        capture_output=True, text=True, check=True, env={"SLURM_CONF": conf, "PATH": "/usr/bin"},
    ).stdout  # fmt: skip
    return {a for a, u in (r.split("|") for r in out.split()) if not u and a != "root"}


def test_each_cluster_gets_its_own_accounts_from_one_sync_of_all(
    world: World, real: CliBackend, slurm_daemons: Any, mfa_actor
):
    # given a project on each cluster
    period2 = second_period(world)
    here = world.project("DE", hours=10, code="p-2026-0700")
    there = world.project("FR", hours=10, code="p-2026-0701")
    world.allocate(here)
    services.allocation_create(actor=world.op, project=there, period=period2, minutes=600)
    services.project_member_add(
        actor=mfa_actor(there.lead), project=there, user=UserFactory(username="root")
    )
    # when the beat's task syncs every cluster
    runs = compute_sync()
    # then both runs succeeded, each against its own controller
    assert len(runs) == 2
    confs = {k: str(v) for k, v in slurm_daemons.confs.items()}
    # and each cluster holds its own project only (the state accounts on both)
    assert accounts(confs["concordia"], "concordia") == {"de", "fr", "it", "facility", here.code}
    assert accounts(confs["second"], "second") == {"de", "fr", "it", "facility", there.code}

    # when a job runs on the second cluster under its project
    started = timezone.now() - dt.timedelta(minutes=1)
    env = {"SLURM_CONF": confs["second"], "PATH": "/usr/bin:/bin"}
    job = subprocess.run(
        ["sbatch", "--parsable", "--gres=gpu:h100:1", "-A", there.code, "--wrap", "sleep 2"],
        capture_output=True, text=True, check=True, env=env,
    ).stdout.strip()  # fmt: skip
    deadline = time.monotonic() + 90
    state = ""
    while time.monotonic() < deadline and state != "COMPLETED":
        state = subprocess.run(
            ["sacct", "-n", "-X", "-P", "-M", "second", "-j", job, "--format=State"],
            capture_output=True, text=True, check=False, env=env,
        ).stdout.strip()  # fmt: skip
        time.sleep(0.5)
    assert state == "COMPLETED"
    # then the ingest of each cluster reads its own controller's jobs: `second` gets it,
    # `concordia` does not
    end = timezone.now() + dt.timedelta(minutes=1)
    for cluster in (world.cluster, period2.cluster):
        services.usage_ingest_window(actor=world.op, cluster=cluster, start=started, end=end)
    usage = JobUsage.objects.get(job_id=int(job), account=there.code)
    assert usage.cluster_id == period2.cluster_id
    assert not JobUsage.objects.filter(cluster=world.cluster, account=there.code).exists()


def test_a_cluster_whose_controller_is_another_is_refused_and_the_other_still_syncs(
    world: World, real: CliBackend, slurm_daemons: Any, settings
):
    """Defect 1's check, per cluster: `second` pointed at concordia's slurm.conf by mistake."""
    period2 = second_period(world)
    services.allocation_create(
        actor=world.op, project=world.project("FR", hours=10), period=period2, minutes=600
    )
    world.allocate(world.project("DE", hours=10))
    settings.COMPUTE_SLURM_CLUSTER_CONFS = {
        "concordia": str(slurm_daemons.confs["concordia"]),
        "second": str(slurm_daemons.confs["concordia"]),
    }
    compute_sync()
    first = world.cluster.sync_runs.get()
    wrong = period2.cluster.sync_runs.get()
    assert first.status == "succeeded"
    assert wrong.status == "failed"
    assert "second" in wrong.error and "concordia" in wrong.error, wrong.error
    assert accounts(str(slurm_daemons.confs["second"]), "second") == set()


def test_a_decision_is_not_given_silently_to_the_first_cluster_by_name(world: World, settings):
    """Periods of two clusters cover the project's first day: refused, or the default cluster."""
    second_period(world)
    project = world.project("DE", hours=10)
    settings.COMPUTE_DEFAULT_CLUSTER = ""
    from compute.errors import NoPeriod

    with pytest.raises(NoPeriod) as refused:
        period_for(project)
    assert "concordia, second" in refused.value.message
    settings.COMPUTE_DEFAULT_CLUSTER = "second"
    assert period_for(project).cluster.name == "second"
    assert not ProjectAllocation.objects.exists() and not AllocationRefusal.objects.exists()
