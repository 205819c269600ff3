"""Against the real Slurm: the sync builds the tree, a 2-GPU job runs, is accounted, ingested.

Needs the daemons of the session fixture (skipped locally where they cannot run; a failure under
CI=true).
"""

from __future__ import annotations

import datetime as dt
import subprocess
import time

import pytest
from django.utils import timezone

from compute import services
from compute.backends.cli import CliBackend
from compute.models import JobUsage
from tests.compute.conftest import World
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def sacctmgr_assoc() -> dict[str, str]:
    out = subprocess.run(
        ["sacctmgr", "-P", "-n", "show", "assoc", "cluster=concordia",
         "format=Account,User,GrpTRESMins,GrpSubmit"],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    return {f"{a}/{u}": f"{m}|{s}" for a, u, m, s in (r.split("|") for r in out.splitlines())}


def test_a_real_2_gpu_job_runs_is_accounted_and_ingested(
    world: World, real: CliBackend, mfa_actor, settings
):
    """Sync, run `sbatch --gres=gpu:h100:2 --wrap 'sleep 5'`, then ingest it from sacct."""
    # 100 GPU-hours over 90 days would be capped at one GPU at a time: lift the cap to the
    # cluster's 8 GPUs (tests/compute/test_limits_real.py tries the cap itself).
    settings.COMPUTE_BURST_FACTOR = "1000000"
    # given a project whose members include root (the tests submit as root)
    project = world.project("DE", hours=100)
    world.allocate(project)
    services.project_member_add(
        actor=mfa_actor(project.lead), project=project, user=UserFactory(username="root")
    )
    # when the platform syncs
    first = services.sync_run(actor=world.op, cluster=world.cluster)
    # then Slurm holds the tree and limits
    assert first.status == "succeeded", [(c["stdout"], c["stderr"]) for c in first.commands]
    assoc = sacctmgr_assoc()
    assert assoc["de/"] == "gres/gpu=375417|"
    assert assoc[f"{project.code}/"] == "gres/gpu=6000|"
    assert f"{project.code}/root" in assoc
    # and a second run finds nothing to do
    again = services.sync_run(actor=world.op, cluster=world.cluster)
    assert (again.diff, again.commands, again.status) == ([], [], "succeeded")

    # when a real 2-GPU job runs under the project's account
    started = timezone.now() - dt.timedelta(minutes=1)
    job_id = subprocess.run(
        ["sbatch", "--parsable", "--gres=gpu:h100:2", "-A", project.code, "--wrap", "sleep 5"],
        capture_output=True, text=True, check=True,
    ).stdout.strip()  # fmt: skip
    deadline = time.monotonic() + 90
    state = ""
    while time.monotonic() < deadline:
        state = subprocess.run(
            ["sacct", "-n", "-X", "-P", "-j", job_id, "--format=State"],
            capture_output=True, text=True, check=True,
        ).stdout.strip()  # fmt: skip
        if state in ("COMPLETED", "FAILED", "CANCELLED", "TIMEOUT"):
            break
        time.sleep(0.5)
    assert state == "COMPLETED"
    # then it is ingested from sacct with its GPU time
    result = services.usage_ingest_window(
        actor=world.op,
        cluster=world.cluster,
        start=started,
        end=timezone.now() + dt.timedelta(minutes=1),
    )
    # (jobs other tests left on the shared cluster in the same window are ingested too)
    assert result.inserted >= 1
    assert JobUsage.objects.filter(job_id=int(job_id)).count() == 1
    job = JobUsage.objects.get(job_id=int(job_id))
    assert job.gpus == 2
    assert job.elapsed_seconds >= 5
    assert job.gpu_seconds == 2 * job.elapsed_seconds
    assert job.account == project.code
    # and ingesting the same window again changes nothing
    assert (
        services.usage_ingest_window(
            actor=world.op, cluster=world.cluster, start=started, end=timezone.now()
        ).inserted
        == 0
    )


def test_a_frozen_project_cannot_submit_on_the_real_cluster(
    world: World, real: CliBackend, mfa_actor, django_capture_on_commit_callbacks
):
    """The freeze order syncs on commit; sbatch is then refused with AssocGrpSubmitJobsLimit."""
    project = world.project("FR", hours=10)
    world.allocate(project)
    services.project_member_add(
        actor=mfa_actor(project.lead), project=project, user=UserFactory(username="root")
    )
    services.sync_run(actor=world.op, cluster=world.cluster)
    with django_capture_on_commit_callbacks(execute=True):
        services.project_compute_freeze(actor=world.op, project=project, reason="review")
    assert sacctmgr_assoc()[f"{project.code}/"] == "gres/gpu=600|0"
    refused = subprocess.run(
        ["sbatch", "--gres=gpu:h100:1", "-A", project.code, "--wrap", "true"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert refused.returncode != 0
    assert "AssocGrpSubmitJobsLimit" in refused.stderr or "policy" in refused.stderr
