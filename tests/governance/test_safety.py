"""Safety escalations: raising, the chair's interim freeze, its lapse, uneven bars, outcomes."""

from __future__ import annotations

import dataclasses
import datetime as dt
import time

import pytest
from django.utils import timezone

from core.actors import Actor
from core.errors import MfaRequired, MfaStale, NotAllowed
from core.models import AuditEvent, AuditSource
from governance import services
from governance.models import (
    Escalation,
    FreezeStatus,
    InterimFreeze,
    ProjectStatus,
    SafetyLevel,
    StaffRoleKind,
)
from governance.signals import compute_freeze_ordered, compute_unfreeze_ordered
from tests.factories import StaffRoleFactory, UserFactory
from tests.governance.voting_fixtures import make_council5

pytestmark = pytest.mark.django_db

SECRET = "CONFIDENTIAL-7f3a9c"  # planted in the confidential account


@pytest.fixture
def board():
    c5 = make_council5(code="safety-board", kind="safety_board")
    chair = UserFactory(username="chair")
    services.council_chair_set(actor=Actor.system("t"), council=c5.council, user=chair)
    c5.actors["chair"] = Actor.for_user(chair, source=AuditSource.WEB, mfa_verified=True)
    officer = UserFactory(username="officer")
    StaffRoleFactory(user=officer, role=StaffRoleKind.SAFETY_OFFICER)
    c5.actors["officer"] = Actor.for_user(officer, source=AuditSource.WEB, mfa_verified=True)
    lead = Actor.for_user(UserFactory(username="lead"), source=AuditSource.WEB, mfa_verified=True)
    c5.project = services.project_submit(
        actor=lead, title="Frontier-9", abstract="A large model.", host_institution="CNRS",
        host_state=c5.states["FR"], gpu_hours_requested=900_000, period_start=dt.date(2027, 1, 1),
        period_end=dt.date(2027, 12, 31), safety_self_assessment="Level 2", proposed_safety_level=2,
    )  # fmt: skip
    services.project_status_change(
        actor=Actor.system("t"), project=c5.project, to=ProjectStatus.APPROVED
    )
    return c5


@pytest.fixture
def signals():
    got: dict[str, list] = {"freeze": [], "unfreeze": []}
    compute_freeze_ordered.connect(
        lambda **kw: got["freeze"].append(kw), weak=False, dispatch_uid="t-freeze"
    )
    compute_unfreeze_ordered.connect(
        lambda **kw: got["unfreeze"].append(kw), weak=False, dispatch_uid="t-unfreeze"
    )
    yield got
    compute_freeze_ordered.disconnect(dispatch_uid="t-freeze")
    compute_unfreeze_ordered.disconnect(dispatch_uid="t-unfreeze")


def raise_one(board, measure="freeze", level=None):
    return services.escalation_raise(
        actor=board.actors["officer"], projects=[board.project], severity="high",
        confidential_account=f"{SECRET} evaluation found uplift",
        public_summary="A capability evaluation raised concerns.",
        proposed_measure=measure, proposed_level=level,
    )  # fmt: skip


def vote_and_certify(board, motion, yes):
    services.motion_table(actor=board.sec, motion=motion)
    motion = services.motion_open(actor=board.sec, motion=motion)
    for state in ("DE", "IT", "ES", "NL"):
        board.vote(motion, state, "yes" if state in yes else "no")
    return board.close_and_certify(motion)


def safety_motion(board, escalation, measure, level=None):
    now = timezone.now()
    return services.safety_motion_create(
        actor=board.sec, escalation=escalation, measure=measure, level=level,
        opens_at=now, closes_at=now + dt.timedelta(days=2),
    )  # fmt: skip


def test_four_safety_levels_exist_with_their_controls():
    """Every installation starts with AI Safety Levels 1 to 4 and their controls."""
    levels = list(SafetyLevel.objects.order_by("level"))
    assert [lv.name_en for lv in levels] == [f"AI Safety Level {n}" for n in (1, 2, 3, 4)]
    assert not levels[2].weights_release_allowed
    assert levels[3].isolated_partition_required


def test_who_may_raise_and_the_audit_keeps_no_secret(board):
    """Officers and board delegates raise escalations; the audit row omits the confidential account."""
    escalation = raise_one(board)
    assert escalation.reference.startswith("SE/")
    row = AuditEvent.objects.get(action="escalation.raise")
    assert SECRET not in str(row.after)
    services.escalation_raise(
        actor=board.actors["DE"], projects=[board.project], severity="low", confidential_account="x",
        public_summary="y", proposed_measure="raise_level", proposed_level=3,
    )  # fmt: skip
    outsider = Actor.for_user(UserFactory(username="outsider"), source="web", mfa_verified=True)
    with pytest.raises(NotAllowed):
        raise_one(type("B", (), {"actors": {"officer": outsider}, "project": board.project}))


def test_reading_the_confidential_part_is_limited_and_recorded(board):
    """Only entitled people read it, and every read leaves an audit row."""
    escalation = raise_one(board)
    data = services.escalation_read_confidential(actor=board.actors["DE"], escalation=escalation)
    assert SECRET in str(data["confidential_account"])
    assert (
        AuditEvent.objects.filter(
            action="escalation.confidential_read", actor=board.heads["DE"]
        ).count()
        == 1
    )
    outsider = Actor.for_user(UserFactory(username="outsider"), source="web", mfa_verified=True)
    with pytest.raises(NotAllowed):
        services.escalation_read_confidential(actor=outsider, escalation=escalation)


def test_only_the_chair_with_mfa_orders_an_interim_freeze(
    board, signals, django_capture_on_commit_callbacks
):
    """The chair freezes at once; the freeze is sent to compute on commit and lapses in 72 hours."""
    escalation = raise_one(board)
    with pytest.raises(NotAllowed):
        services.interim_freeze_order(actor=board.actors["officer"], escalation=escalation)
    chair_no_mfa = Actor(
        user=board.actors["chair"].user, source="web", mfa_verified=False, label="chair"
    )
    with pytest.raises(MfaRequired):
        services.interim_freeze_order(actor=chair_no_mfa, escalation=escalation)
    with django_capture_on_commit_callbacks(execute=True):
        freeze = services.interim_freeze_order(actor=board.actors["chair"], escalation=escalation)
    assert freeze.lapses_at - freeze.ordered_at == dt.timedelta(hours=72)
    assert signals["freeze"][0]["project_ids"] == [board.project.pk]


def test_an_unconfirmed_freeze_lapses_by_itself(board, signals, django_capture_on_commit_callbacks):
    """Past its time, the freeze lapses, the lapse is recorded, and compute is told to unfreeze."""
    escalation = raise_one(board)
    freeze = services.interim_freeze_order(actor=board.actors["chair"], escalation=escalation)
    system = Actor.system("interim_freezes_lapse", source=AuditSource.TASK)
    assert services.interim_freezes_lapse(actor=system) == []
    with django_capture_on_commit_callbacks(execute=True):
        lapsed = services.interim_freezes_lapse(
            actor=system, now=freeze.lapses_at + dt.timedelta(seconds=1)
        )
    assert lapsed == [escalation.reference]
    freeze.refresh_from_db()
    assert freeze.status == FreezeStatus.LAPSED
    assert signals["unfreeze"][0]["project_ids"] == [board.project.pk]
    assert AuditEvent.objects.filter(action="escalation.interim_freeze_lapse").exists()


def test_host_nation_is_recused_from_the_safety_vote(board):
    """France hosts the project, so France leaves the base of the vote about it."""
    motion = safety_motion(board, raise_one(board), "freeze")
    services.motion_table(actor=board.sec, motion=motion)
    motion = services.motion_open(actor=board.sec, motion=motion)
    fr = next(e for e in motion.electorate.entries["electors"] if e["state"] == "FR")
    assert fr["recused"] is True


def test_freezing_passes_on_the_low_bar_and_confirms_the_interim_freeze(
    board, signals, django_capture_on_commit_callbacks
):
    """Two of the four voting members (≥ one third) confirm a freeze."""
    escalation = raise_one(board)
    freeze = services.interim_freeze_order(actor=board.actors["chair"], escalation=escalation)
    with django_capture_on_commit_callbacks(execute=True):
        motion = vote_and_certify(
            board, safety_motion(board, escalation, "freeze"), yes={"DE", "IT"}
        )
    assert motion.outcome == "adopted"
    freeze.refresh_from_db()
    assert freeze.status == FreezeStatus.CONFIRMED
    assert InterimFreeze.objects.get(pk=freeze.pk).motion == motion
    assert signals["freeze"]


def test_unfreezing_needs_the_high_bar(board, signals, django_capture_on_commit_callbacks):
    """The same two yes votes that froze the project cannot unfreeze it; three of four can."""
    escalation = raise_one(board)
    services.interim_freeze_order(actor=board.actors["chair"], escalation=escalation)
    vote_and_certify(board, safety_motion(board, escalation, "freeze"), yes={"DE", "IT"})
    failed = vote_and_certify(board, safety_motion(board, escalation, "unfreeze"), yes={"DE", "IT"})
    assert failed.outcome == "rejected"
    assert "two-thirds" in failed.tally["summary"]
    with django_capture_on_commit_callbacks(execute=True):
        passed = vote_and_certify(
            board, safety_motion(board, escalation, "unfreeze"), yes={"DE", "IT", "ES"}
        )
    assert passed.outcome == "adopted"
    assert signals["unfreeze"][-1]["project_ids"] == [board.project.pk]
    assert not InterimFreeze.objects.filter(status__in=["active", "confirmed"]).exists()


def test_a_decided_freeze_outlives_another_escalations_lapse(
    board, signals, django_capture_on_commit_callbacks
):
    """A freeze the Board decided (no interim order) is not lifted when an unrelated interim
    order on the same project lapses; only the Board's unfreeze lifts it."""
    # given a freeze decided on one escalation
    first = raise_one(board)
    with django_capture_on_commit_callbacks(execute=True):
        decided = vote_and_certify(board, safety_motion(board, first, "freeze"), yes={"DE", "IT"})
    assert signals["freeze"][-1]["authority"] == "decision"
    assert signals["freeze"][-1]["reference"] == decided.reference
    # and a second escalation whose interim order lapses
    second = raise_one(board)
    with django_capture_on_commit_callbacks(execute=True):
        interim = services.interim_freeze_order(actor=board.actors["chair"], escalation=second)
    assert signals["freeze"][-1]["authority"] == "interim"
    assert signals["freeze"][-1]["ordered_by"] == "chair"
    system = Actor.system("interim_freezes_lapse", source=AuditSource.TASK)
    with django_capture_on_commit_callbacks(execute=True):
        services.interim_freezes_lapse(
            actor=system, now=interim.lapses_at + dt.timedelta(seconds=1)
        )
    # then compute is not told to unfreeze
    assert signals["unfreeze"] == []


def test_raising_the_level_changes_the_project_and_sets_a_review(board):
    """An adopted level change moves the project and records the decision with a review date."""
    escalation = raise_one(board, measure="raise_level", level=3)
    motion = vote_and_certify(
        board, safety_motion(board, escalation, "raise_level", level=3), yes={"DE", "IT"}
    )
    board.project.refresh_from_db()
    assert board.project.safety_level == 3
    decision = motion.safety_decisions.get()
    assert (decision.from_level, decision.to_level) == (1, 3)
    assert decision.review_on is not None


def test_suspension_suspends_the_project_and_freezes(
    board, signals, django_capture_on_commit_callbacks
):
    """Suspending moves the project to suspended and freezes its compute."""
    escalation = raise_one(board, measure="suspend")
    with django_capture_on_commit_callbacks(execute=True):
        vote_and_certify(board, safety_motion(board, escalation, "suspend"), yes={"DE", "IT"})
    board.project.refresh_from_db()
    assert board.project.status == ProjectStatus.SUSPENDED
    assert signals["freeze"][-1]["project_ids"] == [board.project.pk]


def test_review_reminders_go_once(board, mailoutbox, django_capture_on_commit_callbacks):
    """When a decision's review date comes, the Safety Board is reminded once."""
    escalation = raise_one(board, measure="raise_level", level=3)
    vote_and_certify(
        board, safety_motion(board, escalation, "raise_level", level=2), yes={"DE", "IT"}
    )
    system = Actor.system("safety_reviews_remind", source=AuditSource.TASK)
    later = timezone.localdate() + dt.timedelta(days=400)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.safety_reviews_remind(actor=system, today=later) == 1
        assert services.safety_reviews_remind(actor=system, today=later) == 0
    assert len(mailoutbox) == 1
    assert Escalation.objects.get(pk=escalation.pk).status == "decided"


def test_an_interim_freeze_needs_a_fresh_second_factor(board, signals):
    """The chair whose code is 16 minutes old is asked again before freezing."""
    escalation = raise_one(board)
    stale = dataclasses.replace(board.actors["chair"], mfa_at=time.time() - 16 * 60)
    with pytest.raises(MfaStale):
        services.interim_freeze_order(actor=stale, escalation=escalation)
    assert not signals["freeze"]
