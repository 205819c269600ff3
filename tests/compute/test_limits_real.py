"""Concurrency caps and fair share on the real Slurm: set by the sync, enforced by slurmctld."""

from __future__ import annotations

import subprocess
import time

import pytest

from compute import services
from compute.backends.cli import CliBackend
from tests.compute.conftest import World
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def assoc(fields: str, cluster: str = "concordia") -> dict[str, list[str]]:
    """Each account's own association: account -> the values of ``fields``."""
    out = subprocess.run(
        ["sacctmgr", "-P", "-n", "show", "assoc", f"cluster={cluster}",
         f"format=Account,User,{fields}"],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    return {r.split("|")[0]: r.split("|")[2:] for r in out.splitlines() if r.split("|")[1] == ""}


def pending_reason(job_id: str) -> str:
    deadline = time.monotonic() + 30
    reason = ""
    while time.monotonic() < deadline:
        reason = subprocess.run(
            ["squeue", "-h", "-j", job_id, "-o", "%T %r"],
            capture_output=True, text=True, check=False,
        ).stdout.strip()  # fmt: skip
        if reason and reason != "PENDING None":
            return reason
        time.sleep(0.5)
    return reason


def test_a_project_cannot_hold_more_gpus_at_once_than_its_cap(
    world: World, real: CliBackend, mfa_actor
):
    """100 GPU-hours over 90 days at burst 2 is a cap of 1 GPU: a 2-GPU job waits on it."""
    # given a small allocation on the real cluster, with root (who submits) a member
    project = world.project("DE", hours=100, code="p-2026-0900")
    world.allocate(project)
    services.project_member_add(
        actor=mfa_actor(project.lead), project=project, user=UserFactory(username="root")
    )
    # when the platform syncs
    run = services.sync_run(actor=world.op, cluster=world.cluster)
    assert run.status == "succeeded", [(c["stdout"], c["stderr"]) for c in run.commands]
    # then Slurm holds the cap on the project and on its state
    held = assoc("GrpTRES")
    assert held[project.code] == ["gres/gpu=1"]
    assert held["de"] == ["gres/gpu=1"]
    # and a 2-GPU job waits for the cap, while nothing else runs on the cluster
    job = subprocess.run(
        ["sbatch", "--parsable", "--gres=gpu:h100:2", "-A", project.code, "--wrap", "sleep 30"],
        capture_output=True, text=True, check=True,
    ).stdout.strip()  # fmt: skip
    try:
        assert pending_reason(job) == "PENDING AssocGrpGRES"
    finally:
        subprocess.run(["scancel", job], check=False)
    # and a second run finds nothing to change
    again = services.sync_run(actor=world.op, cluster=world.cluster)
    assert (again.diff, again.commands) == ([], [])
    # when the allocation grows to 40 GPUs' worth (cap 8, the whole cluster)
    allocation = project.allocations.get()
    allocation.minutes = 40 * 90 * 24 * 60
    allocation.save()
    run = services.sync_run(actor=world.op, cluster=world.cluster)
    # then the cap is raised in one modify
    assert {(d["account"], d["change"]) for d in run.diff} >= {
        (project.code, "cap"),
        ("de", "cap"),
    }
    assert assoc("GrpTRES")[project.code] == ["gres/gpu=8"]


def test_fair_share_reaches_slurm_from_the_contribution_shares(world: World, real: CliBackend):
    """DE 0.5, FR 0.3, IT 0.2 become RawShares 5000 / 3000 / 2000; the project its GPU-hours."""
    project = world.project("FR", hours=100, code="p-2026-0901")
    world.allocate(project)
    run = services.sync_run(actor=world.op, cluster=world.cluster)
    assert run.status == "succeeded", [(c["stdout"], c["stderr"]) for c in run.commands]
    shares = assoc("Fairshare")
    assert (shares["de"], shares["fr"], shares["it"]) == (["5000"], ["3000"], ["2000"])
    assert shares["facility"] == ["1176"]
    assert shares[project.code] == ["100"]
    # when an operator changes one by hand, the next sync puts it back in one command
    subprocess.run(
        ["sacctmgr", "-i", "modify", "account", "where", "name=de", "cluster=concordia",
         "set", "Fairshare=parent"],
        capture_output=True, check=True,
    )  # fmt: skip
    run = services.sync_run(actor=world.op, cluster=world.cluster)
    assert run.diff == [{"account": "de", "change": "fairshare", "before": None, "after": 5000}]
    assert assoc("Fairshare")["de"] == ["5000"]


def test_a_typed_allocation_is_capped_per_gpu_type_on_slurm(
    world: World, real: CliBackend, settings
):
    """GrpTRES=gres/gpu=2,gres/gpu:h100=2 reaches Slurm for an allocation on H100s."""
    settings.COMPUTE_BURST_FACTOR = "1"
    project = world.project("DE", hours=100, code="p-2026-0902")
    services.allocation_create(
        actor=world.op,
        project=project,
        period=world.period,
        minutes=2 * 90 * 24 * 60,  # two GPUs' worth over the 90-day period
        gpu_type="h100",
    )
    run = services.sync_run(actor=world.op, cluster=world.cluster)
    assert run.status == "succeeded", [(c["stdout"], c["stderr"]) for c in run.commands]
    held = assoc("GrpTRES")
    assert held[project.code] == ["gres/gpu:h100=2,gres/gpu=2"]
    assert held["de"] == ["gres/gpu:h100=2,gres/gpu=2"]
    again = services.sync_run(actor=world.op, cluster=world.cluster)
    assert again.diff == []
