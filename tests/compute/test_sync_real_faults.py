"""Faults of the sync found by an HPC operator (issue 17), each tried on the real Slurm.

Needs the daemons of the session fixture (skipped locally where they cannot run; a failure under
CI=true). Each test leaves the shared slurmdbd as it found it: extra clusters are removed.
"""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core import mail
from django.db import connection
from django.test import Client
from django.utils import timezone

from compute import services
from compute.backends.cli import CliBackend
from compute.models import QuotaNotice, SyncRun
from tests.compute.conftest import World, make_world
from tests.conftest import enable_totp, sign_in
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

REPO = Path(__file__).resolve().parents[2]


def sacctmgr(*args: str, check: bool = True) -> str:
    done = subprocess.run(
        ["sacctmgr", *args], capture_output=True, text=True, check=False, timeout=120
    )
    if check:
        assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def clusters() -> set[str]:
    return set(sacctmgr("-n", "-P", "show", "cluster", "format=Cluster").split())


def assoc(cluster: str = "concordia") -> set[tuple[str, str]]:
    """(account, user) of every association of the cluster but root's."""
    out = sacctmgr(
        "-n", "-P", "show", "assoc", f"cluster={cluster}", "format=Account,User"
    )  # fmt: skip
    return {(a, u) for a, u in (r.split("|") for r in out.split()) if a != "root"}


def limits(account: str) -> str:
    out = sacctmgr(
        "-n", "-P", "show", "assoc", "cluster=concordia", f"account={account}",
        "format=User,GrpTRESMins,GrpSubmit,GrpJobs",
    )  # fmt: skip
    return next(r for r in out.splitlines() if r.startswith("|"))


@pytest.fixture
def extra_clusters() -> Iterator[list[str]]:
    """Names of clusters a test registers in the shared slurmdbd; removed again at its end."""
    names: list[str] = []
    yield names
    for name in names:
        sacctmgr("-i", "delete", "cluster", name, check=False)


def test_a_cluster_slurm_does_not_serve_is_refused_and_nothing_is_written(
    world: World, real: CliBackend, extra_clusters: list[str]
):
    """Defect 1: the platform's cluster named checkclu, Slurm's controller serving concordia."""
    # given a platform cluster whose name is not the one Slurm's controller serves
    world.allocate(world.project("DE", hours=10))
    world.cluster.name = "checkclu"
    world.cluster.save()
    extra_clusters.append("checkclu")  # in case the old code creates it
    # when the platform syncs
    run = services.sync_run(actor=world.op, cluster=world.cluster)
    # then the run failed, saying which cluster it is and which one Slurm serves
    assert run.status == "failed"
    assert "checkclu" in run.error and "concordia" in run.error, run.error
    assert run.commands == []
    # and nothing was written: no second cluster, no account anywhere
    assert clusters() == {"concordia", "second"}
    assert assoc("concordia") == set()

    # given the same name registered in slurmdbd, while the controller still serves concordia
    sacctmgr("-i", "add", "cluster", "checkclu")
    # when the platform syncs again
    run = services.sync_run(actor=world.op, cluster=world.cluster)
    # then it is refused too, naming both
    assert run.status == "failed"
    assert "checkclu" in run.error and "concordia" in run.error, run.error
    assert assoc("checkclu") == set()


def test_a_user_leaving_this_cluster_keeps_their_associations_on_another(
    world: World, real: CliBackend, extra_clusters: list[str], mfa_actor
):
    """Defect 2: a lead whose last project here ended keeps their association elsewhere."""
    # given a second cluster in the same slurmdbd where the lead also works
    project = world.project("DE", hours=10)
    lead = project.lead.username
    other_project = world.project("FR", hours=10)
    member = UserFactory(username="shared-member")
    services.project_member_add(
        actor=mfa_actor(other_project.lead), project=other_project, user=member
    )
    services.project_member_add(actor=mfa_actor(project.lead), project=project, user=member)
    world.allocate(project)
    world.allocate(other_project)
    extra_clusters.append("elsewhere")
    sacctmgr("-i", "add", "cluster", "elsewhere")
    sacctmgr("-i", "add", "account", "theirs", "cluster=elsewhere")
    sacctmgr("-i", "add", "user", lead, "account=theirs", "cluster=elsewhere")
    sacctmgr("-i", "add", "user", "shared-member", "account=theirs", "cluster=elsewhere")
    assert services.sync_run(actor=world.op, cluster=world.cluster).status == "succeeded"
    assert (project.code, lead) in assoc()
    # when the project ends here, and two syncs retire it (freeze, then remove when idle)
    project.status = "ended"
    project.save()
    first = services.sync_run(actor=world.op, cluster=world.cluster)
    second = services.sync_run(actor=world.op, cluster=world.cluster)
    # then the lead and the member are gone from this cluster's project account
    assert (first.status, second.status) == ("succeeded", "succeeded"), second.commands
    assert not {row for row in assoc() if row[0] == project.code}
    assert (other_project.code, "shared-member") in assoc()
    # and their associations on the other cluster are untouched
    assert assoc("elsewhere") == {("theirs", ""), ("theirs", lead), ("theirs", "shared-member")}


def test_an_operators_own_account_is_left_alone_and_reported(
    world: World, real: CliBackend, settings: Any
):
    """Defect 3: an `ops` account at the root, made by hand, survives any number of syncs."""
    # given an account the operators made themselves, with a user and a limit
    world.allocate(world.project("DE", hours=10))
    sacctmgr("-i", "add", "account", "ops", "cluster=concordia", "description=operators")
    sacctmgr("-i", "add", "user", "root", "account=ops", "cluster=concordia")
    sacctmgr("-i", "modify", "account", "ops", "set", "GrpTRESMins=gres/gpu=60")
    # when the platform syncs three times
    runs = [services.sync_run(actor=world.op, cluster=world.cluster) for _ in range(3)]
    # then the account is still there, open, with its user and limit
    assert [r.status for r in runs] == ["succeeded"] * 3
    assert ("ops", "root") in assoc()
    assert limits("ops") == "|gres/gpu=60||"
    # and every run reports it for a person to decide
    assert all(r.unmanaged == ["ops"] for r in runs)
    # and the operators' page shows it under the drift
    enable_totp(world.operator)
    client = Client()
    sign_in(client, world.operator, with_mfa=True)
    page = client.get("/compute/operations/").content.decode()
    assert "Accounts the platform does not manage" in page
    assert '<span class="usa-tag">ops</span>' in page


def test_accounts_the_old_sync_made_are_marked_and_a_retired_one_still_goes(
    world: World, real: CliBackend
):
    """Defect 3: accounts made before the marker are adopted by the next sync; a managed one
    no longer wanted is frozen first and removed once idle, as before."""
    # given the tree as the sync without a marker left it (organisation = own or parent name)
    project = world.project("DE", hours=10)
    world.allocate(project)
    sacctmgr("-i", "add", "account", "de", "cluster=concordia", "organization=de")
    sacctmgr(
        "-i", "add", "account", project.code, "parent=de", "cluster=concordia",
        "organization=de", f"description={project.code}",
    )  # fmt: skip
    # when the platform syncs
    run = services.sync_run(actor=world.op, cluster=world.cluster)
    # then its accounts carry the platform's mark
    assert run.status == "succeeded", run.commands
    orgs = dict(
        r.split("|")
        for r in sacctmgr("-n", "-P", "show", "account", "format=Account,Organization").split()
    )
    assert orgs["de"] == orgs[project.code] == "concordia-platform"
    # when the project ends: frozen by the next run, removed by the one after
    project.status = "ended"
    project.save()
    services.sync_run(actor=world.op, cluster=world.cluster)
    assert limits(project.code).endswith("|0|0")
    services.sync_run(actor=world.op, cluster=world.cluster)
    assert project.code not in {a for a, _u in assoc()}


HOLDER_SHIM = """#!/bin/sh
# sacctmgr for the test: reads pass through; the first write announces itself and hangs.
case " $* " in
  *" -i "*) touch "{marker}"; exec sleep 600 ;;
esac
exec {real} "$@"
"""


def _subprocess_env(tmp_path: Path, *, hang_on_write: bool) -> dict[str, str]:
    """manage.py in a child process, on this test's database and the session's Slurm."""
    db = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": (
            f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
        ),
        "COMPUTE_SLURM_BACKEND": "cli",
    }
    if hang_on_write:
        bin_dir = tmp_path / "bin"
        bin_dir.mkdir()
        for name in ("squeue", "scontrol", "sacct"):
            (bin_dir / name).symlink_to(subprocess.check_output(["which", name], text=True).strip())
        real_sacctmgr = subprocess.check_output(["which", "sacctmgr"], text=True).strip()
        shim = bin_dir / "sacctmgr"
        shim.write_text(HOLDER_SHIM.format(marker=tmp_path / "writing", real=real_sacctmgr))
        shim.chmod(0o755)
        env["COMPUTE_SLURM_BIN_DIR"] = str(bin_dir)
    return env


def _start_holder(tmp_path: Path) -> subprocess.Popen[str]:
    """A real `manage.py compute_sync` that stops at its first write to Slurm."""
    holder = subprocess.Popen(
        [sys.executable, str(REPO / "manage.py"), "compute_sync"],
        env=_subprocess_env(tmp_path, hang_on_write=True),
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while not (tmp_path / "writing").exists():
        assert holder.poll() is None, holder.stdout.read() if holder.stdout else ""
        assert time.monotonic() < deadline, "the holder never reached its first write"
        time.sleep(0.1)
    return holder


def _kill(holder: subprocess.Popen[str]) -> None:
    os.killpg(holder.pid, signal.SIGKILL)  # the child and its hanging sacctmgr, by group id
    holder.wait(timeout=30)


@pytest.mark.django_db(transaction=True)
def test_a_sync_killed_mid_run_does_not_block_the_next_one(
    real: CliBackend, tmp_path: Path, django_capture_on_commit_callbacks
):
    """Defect 4: the holder dies at once; the next sync runs at once and marks its run
    abandoned (no 30-minute wait), then a freeze reaches Slurm."""
    # given a sync process stopped in the middle of its run, holding the cluster's sync lock
    world = make_world()
    project = world.project("DE", hours=10)
    world.allocate(project)
    holder = _start_holder(tmp_path)
    try:
        orphan = SyncRun.objects.get(status="running")
    finally:
        # when it dies (as a worker killed by the OOM killer would)
        _kill(holder)
    # then the next sync runs now and succeeds
    run = services.sync_run(actor=world.op, cluster=world.cluster)
    assert run.status == "succeeded", (run.error, run.commands)
    assert limits(project.code) == "|gres/gpu=600||"
    # and the dead one's run is marked abandoned
    orphan.refresh_from_db()
    assert orphan.status == "abandoned"
    assert orphan.finished_at is not None
    # and a freeze ordered now reaches Slurm
    with django_capture_on_commit_callbacks(execute=True):
        services.project_compute_freeze(actor=world.op, project=project, reason="review")
    assert limits(project.code) == "|gres/gpu=600|0|0"


@pytest.mark.django_db(transaction=True)
def test_compute_sync_while_another_runs_says_so_in_one_line(real: CliBackend, tmp_path: Path):
    """Defect 6: `manage.py compute_sync` beside a live sync: one plain line, exit code 75."""
    # given a live sync process in the middle of its run
    world = make_world()
    world.allocate(world.project("DE", hours=10))
    holder = _start_holder(tmp_path)
    try:
        # when an operator runs the command
        done = subprocess.run(
            [sys.executable, str(REPO / "manage.py"), "compute_sync"],
            env=_subprocess_env(tmp_path, hang_on_write=False),
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    finally:
        _kill(holder)
    # then it says so in one line, without a traceback, and exits with "try again later"
    assert "Traceback" not in done.stderr, done.stderr
    assert done.stderr.strip().count("\n") == 0, done.stderr
    assert "A sync of concordia is already running" in done.stderr, done.stderr
    assert done.returncode == 75, (done.returncode, done.stderr)


def test_usage_is_compared_with_the_quota_in_gpu_seconds(
    world: World, real: CliBackend, mfa_actor, django_capture_on_commit_callbacks, settings
):
    """Defect 5: 2 GPUs for 50 s on a 2-minute allocation is 83 %: the 80 % notice goes out."""
    # A 2-minute allocation over 90 days is capped at one GPU at a time; lift the concurrency
    # cap to the cluster's size so the 2-GPU job can run.
    settings.COMPUTE_BURST_FACTOR = "1000000"
    # given a project with a 2-GPU-minute allocation, on the real cluster
    project = world.project("DE", hours=1)
    world.allocate(project, minutes=2)
    project.lead.email = "lead@example.org"
    project.lead.save()
    services.project_member_add(
        actor=mfa_actor(project.lead), project=project, user=UserFactory(username="root")
    )
    assert services.sync_run(actor=world.op, cluster=world.cluster).status == "succeeded"
    # when a real job uses 2 GPUs for 50 seconds (1.67 GPU-minutes)
    started = timezone.now() - dt.timedelta(minutes=1)
    job_id = subprocess.run(
        ["sbatch", "--parsable", "--gres=gpu:h100:2", "--time=1", "-A", project.code,
         "--wrap", "sleep 50"],
        capture_output=True, text=True, check=True,
    ).stdout.strip()  # fmt: skip
    deadline = time.monotonic() + 180
    state = ""
    while time.monotonic() < deadline:
        state = subprocess.run(
            ["sacct", "-n", "-X", "-P", "-j", job_id, "--format=State"],
            capture_output=True, text=True, check=True,
        ).stdout.strip()  # fmt: skip
        if state in ("COMPLETED", "FAILED", "CANCELLED", "TIMEOUT"):
            break
        time.sleep(1)
    assert state == "COMPLETED"
    services.usage_ingest_window(
        actor=world.op,
        cluster=world.cluster,
        start=started,
        end=timezone.now() + dt.timedelta(minutes=1),
    )
    # and the platform applies its thresholds
    with django_capture_on_commit_callbacks(execute=True):
        services.usage_policy_apply(actor=world.op, cluster=world.cluster)
    # then the lead is told at 80 %, and the pages read 83 % or more, never 50 %
    assert list(QuotaNotice.objects.values_list("threshold", flat=True)) == [80]
    assert [m.subject for m in mail.outbox] == [
        f"{project.code} has used 80% of its GPU allocation"
    ]
    from compute import selectors

    [(_allocation, line)] = selectors.allocation_lines(period=world.period)
    assert 83 <= line.used_percent < 100
