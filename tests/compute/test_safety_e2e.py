"""Safety, end to end on the real Slurm: raise, freeze at once, confirm by vote, unfreeze on the high bar.

Needs the daemons of the session fixture (a failure under CI=true, never a skip).
"""

from __future__ import annotations

import datetime as dt
import subprocess

import pytest
from django.test import Client
from django.utils import timezone

from compute import services as compute
from core.actors import Actor
from core.models import AuditSource
from governance import services
from governance.models import FreezeStatus, InterimFreeze
from tests.compute.test_slurm_real import sacctmgr_assoc
from tests.conftest import enable_totp
from tests.factories import StaffRoleFactory, UserFactory
from tests.governance.voting_fixtures import make_council5

pytestmark = pytest.mark.django_db
SECRET = "PLANTED-e2e-confidential-5d1f"


def sbatch(account: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["sbatch", "--gres=gpu:h100:1", "-A", account, "--wrap", "true"],
        capture_output=True,
        text=True,
        check=False,
    )


def test_escalation_freeze_vote_and_unfreeze_on_the_real_scheduler(
    world, real, mfa_actor, api_as, django_capture_on_commit_callbacks
):
    """The whole safety path reaches Slurm, and the public page shows only what may be public."""
    # given a Safety Board of five, with a chair, a safety officer, and a French project running on Slurm
    board = make_council5(code="safety-board", kind="safety_board", with_shares=False)
    chair = UserFactory(username="chair")
    services.council_chair_set(actor=Actor.system("t"), council=board.council, user=chair)
    officer = UserFactory(username="officer")
    StaffRoleFactory(user=officer, role="safety_officer")
    project = world.project("FR", hours=10)
    world.allocate(project)
    compute.project_member_add(
        actor=mfa_actor(project.lead), project=project, user=UserFactory(username="root")
    )
    assert compute.sync_run(actor=world.op, cluster=world.cluster).status == "succeeded"
    assert sacctmgr_assoc()[f"{project.code}/"].endswith("|")  # no submit limit yet

    # when the officer raises an escalation and the chair orders the interim freeze
    escalation = services.escalation_raise(
        actor=Actor.for_user(officer, source=AuditSource.WEB, mfa_verified=True), projects=[project],
        severity="critical", confidential_account=SECRET, public_summary="An evaluation found a dangerous capability.",
        proposed_measure="freeze",
    )  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        services.interim_freeze_order(
            actor=Actor.for_user(chair, source=AuditSource.WEB, mfa_verified=True),
            escalation=escalation,
        )
    # then the scheduler has the freeze at once, and a job is refused
    assert sacctmgr_assoc()[f"{project.code}/"].endswith("|0")
    refused = sbatch(project.code)
    assert refused.returncode != 0
    assert "AssocGrpSubmitJobsLimit" in refused.stderr or "policy" in refused.stderr
    # and the compute operator cannot lift the Board's freeze
    enable_totp(world.operator)
    with django_capture_on_commit_callbacks(execute=True):
        lift = api_as(world.operator).delete(f"/api/v1/compute/projects/{project.code}/freeze/")
    assert lift.status_code == 409
    assert lift.json()["code"] == "safety_freeze_in_force"
    assert sacctmgr_assoc()[f"{project.code}/"].endswith("|0")

    # when the Safety Board confirms the freeze on the low bar (France, the host, is recused)
    def vote(measure: str, yes: set[str]):
        motion = services.safety_motion_create(
            actor=board.sec, escalation=escalation, measure=measure, level=None,
            opens_at=timezone.now(), closes_at=timezone.now() + dt.timedelta(days=2),
        )  # fmt: skip
        services.motion_table(actor=board.sec, motion=motion)
        motion = services.motion_open(actor=board.sec, motion=motion)
        for state in ("DE", "IT", "ES", "NL"):
            board.vote(motion, state, "yes" if state in yes else "no")
        with django_capture_on_commit_callbacks(execute=True):
            motion = board.close_and_certify(motion)
        return services.motion_publish(actor=board.sec, motion=motion)

    confirmed = vote("freeze", {"DE", "IT"})
    assert confirmed.outcome == "adopted"
    assert InterimFreeze.objects.get(escalation=escalation).status == FreezeStatus.CONFIRMED
    assert sacctmgr_assoc()[f"{project.code}/"].endswith("|0")

    # when the same two ask to unfreeze, the high bar (two-thirds of all members) stops them
    low = vote("unfreeze", {"DE", "IT"})
    assert low.outcome == "rejected"
    assert sacctmgr_assoc()[f"{project.code}/"].endswith("|0")
    # and three of four clear it
    high = vote("unfreeze", {"DE", "IT", "ES"})
    assert high.outcome == "adopted"
    assert sacctmgr_assoc()[f"{project.code}/"].endswith("|")

    # then the public page shows the summary and the three decisions, and nothing confidential
    page = Client().get("/portal/safety/").content.decode()
    assert "An evaluation found a dangerous capability." in page
    for motion in (confirmed, low, high):
        assert motion.reference in page
    assert SECRET not in page
    assert "officer" not in page  # the reporter is never named
