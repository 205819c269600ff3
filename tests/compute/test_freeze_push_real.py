"""A freeze reaches the real Slurm at once, even while a long sync of the cluster holds its lock."""

from __future__ import annotations

import subprocess

import pytest
from django.db import connections

from compute import services
from compute.backends.cli import CliBackend
from core.models import AuditEvent
from tests.compute.conftest import World

pytestmark = pytest.mark.django_db(transaction=True)


def grp_submit(account: str) -> str:
    out = subprocess.run(
        ["sacctmgr", "-n", "-P", "show", "assoc", "cluster=concordia", f"account={account}",
         "format=User,GrpSubmit,GrpJobs"],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    return next(r for r in out.splitlines() if r.startswith("|"))


def test_a_freeze_ordered_during_a_running_sync_is_on_slurm_when_the_order_returns(
    world: World, real: CliBackend
):
    # given a project on Slurm, and another process running a sync of the cluster (its lock)
    project = world.project("DE", hours=10, code="p-2026-0800")
    world.allocate(project)
    assert services.sync_run(actor=world.op, cluster=world.cluster).status == "succeeded"
    other = connections.create_connection("default")
    try:
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock(%s, %s)", [0x5C1C, world.cluster.pk])
        # when the operator freezes the project (the sync it asks for finds the cluster busy)
        services.project_compute_freeze(actor=world.op, project=project, reason="incident")
        # then Slurm already refuses new jobs: GrpSubmitJobs=0, GrpJobs=0
        assert grp_submit(project.code) == "|0|0"
    finally:
        other.close()
    pushed = AuditEvent.objects.filter(action="compute.freeze_pushed").get()
    assert pushed.after["ok"] is True and pushed.after["cluster"] == "concordia"
