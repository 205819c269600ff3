"""A real Slurm for the tests: bin/slurm-up once per session, bin/slurm-down at the end.

munged, MariaDB (if none runs), slurmdbd, slurmctld and slurmd with fake GPUs are started in
the background by PID under var/slurm/ (per xdist worker: its own dir and ports). Locally a
machine that cannot run them skips the Slurm tests; under CI=true that is a failure.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from compute.backends import SlurmBackend
from compute.reconcile import ROOT, DeleteAccounts, Tree, user_removal

REPO = Path(__file__).resolve().parents[2]
IN_CI = os.environ.get("CI", "").lower() == "true"


# The clusters the test daemons serve: two controllers (and slurmds) sharing one slurmdbd.
CLUSTERS = ("concordia", "second")


@dataclass(frozen=True)
class SlurmDaemons:
    conf: Path
    cluster: str
    env: dict[str, str]
    # each cluster's slurm.conf, the first's being `conf`
    confs: dict[str, Path]


def _missing(message: str) -> None:
    if IN_CI:
        pytest.fail(message + " (CI=true: the real-Slurm tests must run, so this is a failure)")
    pytest.skip(message)


@pytest.fixture(scope="session")
def slurm_daemons() -> Iterator[SlurmDaemons]:
    """Start the daemons once for the session and stop them, by PID, at its end."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    number = int(worker[2:]) if worker.startswith("gw") else 0
    # SLURM_STATE_DIR, SLURM_PORT_BASE and SLURM_ACCT_DB move the whole set (e.g. a second
    # checkout on the same machine, beside daemons already running); each worker adds its own.
    root = Path(os.environ.get("SLURM_STATE_DIR") or REPO / "var" / "slurm")
    state = root.with_name(f"{root.name}-{worker}") if worker else root
    base = int(os.environ.get("SLURM_PORT_BASE") or 6917)
    database = os.environ.get("SLURM_ACCT_DB") or "concordia_slurm_acct"
    env = {
        **os.environ,
        "SLURM_STATE_DIR": str(state),
        "SLURM_CLUSTER": CLUSTERS[0],
        "CONCORDIA_CLUSTERS": " ".join(CLUSTERS),
        "SLURM_PORT_BASE": str(base + 10 * number),
        "SLURM_ACCT_DB": f"{database}{number or ''}",
    }
    if os.geteuid() != 0 and subprocess.run(["sudo", "-n", "true"], check=False).returncode:
        _missing("The Slurm daemons need root (or password-less sudo) to install and start.")
    up = subprocess.run(
        [str(REPO / "bin" / "slurm-up"), "--fresh"],
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    if up.returncode != 0:
        # Undo what a half-done start left (daemons it did start, the loopback route change).
        subprocess.run(
            [str(REPO / "bin" / "slurm-down")],
            env=env,
            capture_output=True,
            timeout=120,
            check=False,
        )
        _missing(f"bin/slurm-up failed ({up.returncode}): {up.stderr[-2000:]}")
    conf = state / "etc" / "slurm.conf"
    previous = os.environ.get("SLURM_CONF")
    os.environ["SLURM_CONF"] = str(conf)
    try:
        confs = {CLUSTERS[0]: conf}
        confs |= {name: state / "clusters" / name / "etc" / "slurm.conf" for name in CLUSTERS[1:]}
        yield SlurmDaemons(
            conf=conf, cluster="concordia", env={**env, "SLURM_CONF": str(conf)}, confs=confs
        )
    finally:
        if previous is None:
            os.environ.pop("SLURM_CONF", None)
        else:
            os.environ["SLURM_CONF"] = previous
        subprocess.run(
            [str(REPO / "bin" / "slurm-down")],
            env=env,
            capture_output=True,
            timeout=120,
            check=False,
        )


def wipe(backend: SlurmBackend, cluster: str = "concordia") -> None:
    """Remove every account below root and every user but root, as on a fresh cluster."""
    rows = backend.associations(cluster)
    users = sorted({a.user for a in rows if a.user and a.user != ROOT})
    for op in user_removal(Tree.from_associations(rows), users):
        result = backend.run(cluster, op)
        assert result.ok, result
    tops = [a.account for a in rows if a.parent == ROOT and not a.user]
    if tops:
        assert backend.run(cluster, DeleteAccounts(tuple(sorted(tops)))).ok
