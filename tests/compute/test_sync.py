"""The sync with the in-memory Slurm: runs recorded, no-change resyncs, dry runs, failures."""

from __future__ import annotations

import pytest

from compute import services
from compute.errors import SyncBusy
from compute.models import SyncRun
from compute.reconcile import Modify
from core.models import AuditEvent
from tests.compute.conftest import World
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def accounts(backend):
    return {a.account: a for a in backend.associations("concordia") if not a.user}


def users(backend, account):
    return {a.user for a in backend.associations("concordia") if a.user and a.account == account}


@pytest.fixture
def allocated(world: World, mfa_actor):
    de = world.project("DE", hours=100)
    fr = world.project("FR", hours=50, programme=True)
    world.allocate(de)
    world.allocate(fr)
    member = UserFactory(username="member1")
    services.project_member_add(actor=mfa_actor(de.lead), project=de, user=member)
    return world


def test_the_first_sync_builds_the_tree_and_is_recorded(allocated: World, memory_backend):
    """States, the programme and projects appear with limits and users; the run keeps it all."""
    run = services.sync_run(actor=allocated.op, cluster=allocated.cluster)
    assert run.status == "succeeded"
    assert run.backend == "memory"
    assert run.duration_ms is not None
    rows = accounts(memory_backend)
    assert rows["de"].gpu_minutes == 375_417
    assert rows["facility"].gpu_minutes == 100_000
    assert rows["p-2026-0001"].parent == "de"
    assert rows["p-2026-0001"].gpu_minutes == 6_000
    assert rows["p-2026-0002"].parent == "facility"
    assert users(memory_backend, "p-2026-0001") == {"lead-p-2026-0001", "member1"}
    assert [c["argv"][2] for c in run.commands] == ["load"]
    assert "Account - 'p-2026-0001'" in run.commands[0]["file"]
    assert {d["change"] for d in run.diff} == {"add"}
    assert run.steps_done == run.steps_total == 1
    assert AuditEvent.objects.filter(action="compute.sync").count() == 1


def test_a_second_run_with_nothing_changed_writes_nothing(allocated: World):
    services.sync_run(actor=allocated.op, cluster=allocated.cluster)
    again = services.sync_run(actor=allocated.op, cluster=allocated.cluster)
    assert again.status == "succeeded"
    assert again.diff == []
    assert again.commands == []
    assert AuditEvent.objects.filter(action="compute.sync").count() == 1
    assert SyncRun.objects.count() == 2


def test_a_dry_run_shows_the_commands_without_applying_them(allocated: World, memory_backend):
    run = services.sync_run(actor=allocated.op, cluster=allocated.cluster, dry_run=True)
    assert run.dry_run
    assert run.commands[0]["argv"][:3] == ["sacctmgr", "-i", "load"]
    assert run.commands[0]["ok"] is None
    assert set(accounts(memory_backend)) == {"root"}


def test_a_partial_failure_is_recorded_and_the_next_run_converges(allocated: World, memory_backend):
    services.sync_run(actor=allocated.op, cluster=allocated.cluster)
    services.project_compute_freeze(
        actor=allocated.op, project=allocated.projects["p-2026-0001"], reason="review"
    )
    memory_backend.fail = lambda op: "connection lost" if isinstance(op, Modify) else None
    # when
    failed = services.sync_run(actor=allocated.op, cluster=allocated.cluster)
    # then
    assert failed.status == "failed"
    assert "1 of 1 commands failed" in failed.error
    assert "connection lost" in failed.commands[0]["stderr"]
    assert not accounts(memory_backend)["p-2026-0001"].frozen
    # when the cluster answers again
    memory_backend.fail = None
    fixed = services.sync_run(actor=allocated.op, cluster=allocated.cluster)
    assert fixed.status == "succeeded"
    assert accounts(memory_backend)["p-2026-0001"].frozen
    assert services.sync_run(actor=allocated.op, cluster=allocated.cluster).diff == []


def test_drift_in_slurm_is_undone_never_copied_back(allocated: World, memory_backend):
    """Someone raised a limit by hand in Slurm; the sync puts back the platform's value."""
    services.sync_run(actor=allocated.op, cluster=allocated.cluster)
    memory_backend.run("concordia", Modify(("p-2026-0001",), set_limit=True, gpu_minutes=999_999))
    drift = services.drift(cluster=allocated.cluster)
    assert [c.change for c in drift.changes] == ["limit"]
    run = services.sync_run(actor=allocated.op, cluster=allocated.cluster)
    assert run.diff == [
        {"account": "p-2026-0001", "change": "limit", "before": 999_999, "after": 6_000}
    ]
    assert allocated.projects["p-2026-0001"].allocations.get().minutes == 6_000


def test_an_ended_allocation_is_frozen_then_removed_once_idle(allocated: World, memory_backend):
    services.sync_run(actor=allocated.op, cluster=allocated.cluster)
    project = allocated.projects["p-2026-0001"]
    job = memory_backend.submit(
        "concordia", account=project.code, user="member1", gpus=2, seconds=0, state="RUNNING"
    )
    services.allocation_end(actor=allocated.op, allocation=project.allocations.get(), reason="done")
    # when the first run after the end
    first = services.sync_run(actor=allocated.op, cluster=allocated.cluster)
    # then frozen, not removed (and its state, left without a running project, without a cap)
    assert [(d["account"], d["change"]) for d in first.diff] == [
        ("de", "cap"),
        (project.code, "retire"),
    ]
    assert accounts(memory_backend)[project.code].frozen
    # when a job still runs
    second = services.sync_run(actor=allocated.op, cluster=allocated.cluster)
    assert second.waiting == [project.code]
    assert project.code in accounts(memory_backend)
    # when it finished
    memory_backend.finish("concordia", job, seconds=60)
    third = services.sync_run(actor=allocated.op, cluster=allocated.cluster)
    assert {d["change"] for d in third.diff} == {"delete"}
    assert project.code not in accounts(memory_backend)
    assert "member1" not in {a.user for a in memory_backend.associations("concordia")}


def test_one_sync_at_a_time(allocated: World):
    """While another session holds the cluster's sync lock, a sync is refused at once."""
    from django.db import connections

    other = connections.create_connection("default")
    try:
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock(%s, %s)", [0x5C1C, allocated.cluster.pk])
        with pytest.raises(SyncBusy):
            services.sync_run(actor=allocated.op, cluster=allocated.cluster)
    finally:
        other.close()
    assert services.sync_run(actor=allocated.op, cluster=allocated.cluster).status == "succeeded"


def test_a_running_row_nobody_holds_the_lock_for_is_abandoned_at_once(allocated: World):
    """A run left `running` by a process that died does not wait COMPUTE_SYNC_STALE_MINUTES."""
    dead = SyncRun.objects.create(cluster=allocated.cluster, backend="memory", triggered_by="x")
    run = services.sync_run(actor=allocated.op, cluster=allocated.cluster)
    dead.refresh_from_db()
    assert (run.status, dead.status) == ("succeeded", "abandoned")
    assert "stopped before it finished" in dead.error
    assert AuditEvent.objects.filter(action="compute.sync_abandoned").count() == 1


def test_the_beat_task_syncs_every_cluster(allocated: World):
    from compute.tasks import compute_sync_all

    [run_id] = compute_sync_all()
    assert SyncRun.objects.get(pk=run_id).status == "succeeded"


def test_a_large_tree_is_loaded_in_chunks_parents_first_users_last():
    """2,500 projects under 3 states become 3 loads of at most 1,000 accounts, parents first."""
    from compute.reconcile import LOAD_CHUNK, AccountSpec, Load, Tree, plan

    # given an empty scheduler and a large desired tree
    states = [AccountSpec(name=c, parent="root", gpu_minutes=10**9) for c in ("de", "fr", "it")]
    projects = [
        AccountSpec(
            name=f"p-{i:05d}",
            parent=("de", "fr", "it")[i % 3],
            gpu_minutes=600,
            users=frozenset({f"u{i}"}),
        )
        for i in range(2_500)
    ]
    # when the reconciler plans
    result = plan([*projects, *states], Tree(accounts={}, users={}))
    loads = [op for op in result.ops if isinstance(op, Load)]
    # then no load holds more than a chunk, and every parent comes before its children
    assert all(len(op.accounts) <= LOAD_CHUNK and len(op.users) <= LOAD_CHUNK for op in loads)
    order = [spec.name for op in loads for spec in op.accounts]
    assert order[:3] == ["de", "fr", "it"]
    assert len(order) == 2_503
    assert sum(len(spec.users) for op in loads for spec in op.accounts) == 2_500
    assert len(loads) == 3


def test_a_cluster_the_controller_does_not_serve_is_refused_before_any_write(
    allocated: World, memory_backend
):
    """The platform's cluster is concordia; the controller reached serves checkclu."""
    memory_backend.controller = "checkclu"
    run = services.sync_run(actor=allocated.op, cluster=allocated.cluster)
    assert run.status == "failed"
    assert "concordia" in run.error and "checkclu" in run.error
    assert run.commands == []
    assert set(accounts(memory_backend)) == {"root"}
    assert AuditEvent.objects.filter(action="compute.sync_refused").count() == 1


def test_an_account_the_platform_did_not_make_is_left_alone_and_reported(
    allocated: World, memory_backend
):
    """An operator's `ops` at the root, and one below a project, survive every run; a
    managed account no longer wanted that holds such a child is frozen but not deleted."""
    services.sync_run(actor=allocated.op, cluster=allocated.cluster)
    memory_backend.add_account("concordia", "ops")
    memory_backend.add_account("concordia", "scratch", parent="p-2026-0001")
    allocated.projects["p-2026-0001"].status = "ended"
    allocated.projects["p-2026-0001"].save()
    # when
    runs = [services.sync_run(actor=allocated.op, cluster=allocated.cluster) for _ in range(3)]
    # then
    rows = accounts(memory_backend)
    assert {"ops", "scratch", "p-2026-0001"} <= set(rows)
    assert not rows["ops"].frozen
    assert rows["p-2026-0001"].frozen
    assert [r.unmanaged for r in runs] == [["ops", "scratch"]] * 3
    assert runs[-1].waiting == ["p-2026-0001"]
