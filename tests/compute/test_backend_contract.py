"""The same contract for both scheduler backends: the in-memory one and the real sacctmgr.

Each test runs twice: against the in-memory backend, and against a real slurmdbd/slurmctld/slurmd
started by the session's fixture (skipped locally where they cannot run; a failure under CI).
"""

from __future__ import annotations

import subprocess
import time
from typing import Any

import pytest

from compute.backends import SlurmBackend
from compute.backends.base import render
from compute.backends.cli import CliBackend
from compute.backends.memory import MemoryBackend
from compute.reconcile import (
    ROOT,
    AccountSpec,
    Association,
    DeleteUser,
    Load,
    Modify,
    Tree,
    plan,
)
from tests.compute.slurm_daemons import wipe

CLUSTER = "concordia"


@pytest.fixture(params=["memory", "cli"])
def backend(request: Any, settings: Any, memory_backend: MemoryBackend) -> SlurmBackend:
    if request.param == "memory":
        return memory_backend
    daemons = request.getfixturevalue("slurm_daemons")
    settings.COMPUTE_SLURM_CONF = str(daemons.conf)
    cli = CliBackend()
    wipe(cli)
    return cli


def tree(backend: SlurmBackend) -> Tree:
    return Tree.from_associations(backend.associations(CLUSTER), backend.organizations(CLUSTER))


def sync(backend: SlurmBackend, desired: list[AccountSpec]) -> Any:
    result = plan(desired, tree(backend))
    outcomes = [backend.run(CLUSTER, op) for op in result.ops]
    assert all(o.ok for o in outcomes), [o.to_dict() for o in outcomes if not o.ok]
    return result


DESIRED = [
    AccountSpec("de", ROOT, 50_000, description="de"),
    AccountSpec("fr", ROOT, 30_000, description="fr"),
    AccountSpec("p-2026-0001", "de", 6_000, users=frozenset({"alice", "bob"})),
    AccountSpec("p-2026-0002", "de", 1_200, frozen=True, users=frozenset({"carol"})),
    AccountSpec("p-2026-0003", "fr", 600, users=frozenset({"alice"})),
]


def test_an_empty_cluster_has_only_root(backend):
    """A fresh cluster reports root and nothing the platform manages."""
    assert tree(backend).managed() == set()


def test_load_builds_the_tree_with_limits_freezes_and_users(backend):
    """One load adds states, projects, limits, the freeze and the users; reading back matches."""
    # when
    result = sync(backend, DESIRED)
    # then
    assert [type(op).__name__ for op in result.ops] == ["Load"]
    t = tree(backend)
    assert t.accounts["de"].parent == ROOT
    assert t.accounts["p-2026-0001"] == Association("p-2026-0001", "de", "", 6_000, None, None)
    assert t.accounts["p-2026-0002"].frozen
    assert t.users["p-2026-0001"] == {"alice", "bob"}
    assert t.users["p-2026-0003"] == {"alice"}
    assert plan(DESIRED, t).empty


def test_modify_changes_limits_and_freezes_in_batches(backend):
    """Limits change, a freeze is lifted and another set, with one command per set of values."""
    sync(backend, DESIRED)
    changed = [
        AccountSpec("de", ROOT, 50_000),
        AccountSpec("fr", ROOT, None),  # limit cleared
        AccountSpec("p-2026-0001", "de", 9_000, frozen=True, users=frozenset({"alice", "bob"})),
        AccountSpec("p-2026-0002", "de", 9_000, users=frozenset({"carol"})),
        AccountSpec("p-2026-0003", "fr", 600, users=frozenset({"alice"})),
    ]
    # when
    result = sync(backend, changed)
    # then
    assert all(isinstance(op, Modify) for op in result.ops)
    assert len(result.ops) == 3  # fr clear; 0001 limit+freeze; 0002 limit+unfreeze
    t = tree(backend)
    assert t.accounts["fr"].gpu_minutes is None
    assert t.accounts["p-2026-0001"].gpu_minutes == 9_000
    assert t.accounts["p-2026-0001"].frozen
    assert not t.accounts["p-2026-0002"].frozen
    assert plan(changed, t).empty


def test_users_are_added_and_removed(backend):
    """A member added joins; a member removed loses that association, or the whole user goes
    when it was their last one (Slurm refuses to drop a user's default account otherwise)."""
    sync(backend, DESIRED)
    changed = [
        *DESIRED[:2],
        AccountSpec("p-2026-0001", "de", 6_000, users=frozenset({"alice", "dave"})),
        DESIRED[3],
        AccountSpec("p-2026-0003", "fr", 600),
    ]
    # when
    result = sync(backend, changed)
    # then
    assert [type(op).__name__ for op in result.ops] == ["Load", "DeleteUser", "DeleteUsers"]
    t = tree(backend)
    assert t.users["p-2026-0001"] == {"alice", "dave"}
    assert not t.users.get("p-2026-0003")
    assert plan(changed, t).empty


def test_a_retired_account_is_frozen_first_and_removed_once_idle(backend):
    """Removing an ended project never kills jobs: freeze on one run, delete on the next."""
    sync(backend, DESIRED)
    without = [d for d in DESIRED if d.name != "p-2026-0003"]
    # when
    first = sync(backend, without)
    # then
    assert [c.change for c in first.changes] == ["retire"]
    assert tree(backend).accounts["p-2026-0003"].frozen
    # when the next run finds it idle
    second = sync(backend, without)
    # then
    assert [c.change for c in second.changes] == ["delete"]
    assert "p-2026-0003" not in tree(backend).accounts
    assert plan(without, tree(backend)).empty


def test_a_busy_retired_account_waits(backend):
    """A frozen account with running jobs is kept until they finish."""
    sync(backend, DESIRED)
    without = [d for d in DESIRED if d.name != "p-2026-0003"]
    sync(backend, without)
    # when
    result = plan(without, tree(backend), busy={"p-2026-0003"})
    # then
    assert result.empty
    assert result.waiting == ["p-2026-0003"]


def test_reparenting_and_removing_a_state(backend):
    """A project moves to another state's account; a state with no projects is retired."""
    sync(backend, DESIRED)
    moved = [
        AccountSpec("de", ROOT, 50_000),
        AccountSpec("p-2026-0001", "de", 6_000, users=frozenset({"alice", "bob"})),
        AccountSpec("p-2026-0002", "de", 1_200, frozen=True, users=frozenset({"carol"})),
        AccountSpec("p-2026-0003", "de", 600, users=frozenset({"alice"})),
    ]
    sync(backend, moved)
    sync(backend, moved)
    t = tree(backend)
    assert t.accounts["p-2026-0003"].parent == "de"
    assert "fr" not in t.accounts
    assert plan(moved, t).empty


def test_writing_nothing_new_is_not_an_error(backend):
    """sacctmgr's "Nothing modified" (exit 1) counts as success for an idempotent sync."""
    sync(backend, DESIRED)
    outcome = backend.run(CLUSTER, DeleteUser("nobody", ("p-2026-0001",)))
    assert outcome.ok


def test_busy_accounts_are_read_from_the_queue(backend, slurm_if_cli):
    """An account with a job waiting or running is reported busy."""
    sync(backend, DESIRED)
    slurm_if_cli.hold_job(backend, "p-2026-0001", "alice")
    assert "p-2026-0001" in backend.busy_accounts(CLUSTER)


class _Jobs:
    """Starts a job that stays queued: in memory, or with sbatch on the real cluster."""

    def __init__(self) -> None:
        self.job_ids: list[str] = []

    def hold_job(self, backend: SlurmBackend, account: str, user: str) -> None:
        if isinstance(backend, MemoryBackend):
            backend.submit(CLUSTER, account=account, user=user, gpus=1, seconds=60, state="PENDING")
            return
        # sbatch runs as root here: root needs an association with the account.
        assert backend.run(CLUSTER, Load((), ((account, "root"),))).ok
        out = subprocess.run(
            ["sbatch", "--parsable", "--hold", "-A", account, "--wrap", "sleep 60"],
            capture_output=True,
            text=True,
            check=True,
        )
        self.job_ids.append(out.stdout.strip().split(";")[0])
        time.sleep(0.2)


@pytest.fixture
def slurm_if_cli() -> Any:
    jobs = _Jobs()
    yield jobs
    for job_id in jobs.job_ids:
        subprocess.run(["scancel", job_id], check=False)


def test_a_user_with_several_associations_leaves_this_cluster_whole(backend):
    """Alice loses both her projects here: Slurm 22.05 refuses to drop several associations of
    a user at once on one cluster, so one becomes her default and the others go first."""
    sync(backend, DESIRED)
    changed = [
        *DESIRED[:2],
        AccountSpec("p-2026-0001", "de", 6_000, users=frozenset({"bob"})),
        DESIRED[3],
        AccountSpec("p-2026-0003", "fr", 600),
    ]
    # when
    result = sync(backend, changed)
    # then
    assert [type(op).__name__ for op in result.ops] == [
        "SetDefaultAccount",
        "DeleteUser",
        "DeleteUsers",
    ]
    assert all("cluster=concordia" in render(CLUSTER, op).argv for op in result.ops)
    t = tree(backend)
    assert "alice" not in set().union(*t.users.values())
    assert plan(changed, t).empty
