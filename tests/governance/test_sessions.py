"""Council sessions through the services: convocation, agenda vote, attendance, amendments, minutes."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.core import mail
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from core.errors import Conflict, NotAllowed, ValidationFailed
from core.models import AuditEvent, AuditSource
from governance import services
from governance.models import (
    AgendaItem,
    AmendmentStatus,
    ItemKind,
    MinutesStatus,
    MinutesVersion,
    Motion,
    MotionStatus,
    Session,
    SessionStatus,
)
from governance.rules import amendments as text_rules
from governance.selectors.sessions import presence
from governance.services.minutes import render_minutes
from tests.factories import AccreditationFactory, UserFactory
from tests.governance.voting_fixtures import Council5, make_council5

pytestmark = pytest.mark.django_db(transaction=False)

TEXT = "The Council:\nadopts the data policy;\nasks for a report in 2027;\nthanks the staff."


@pytest.fixture
def c5() -> Council5:
    return make_council5()


def plan(c5: Council5, *, days: int = 30, **kw: Any) -> Session:
    start = timezone.now() + dt.timedelta(days=days)
    return services.session_create(
        actor=c5.sec,
        council=c5.council,
        title=kw.pop("title", "Spring session"),
        starts_at=start,
        ends_at=start + dt.timedelta(hours=8),
        place="Geneva",
        **kw,
    )


def shift_to_now(session: Session) -> Session:
    """Move the session to today, as if the weeks of notice had passed."""
    now = timezone.now()
    Session.objects.filter(pk=session.pk).update(
        starts_at=now - dt.timedelta(minutes=5), ends_at=now + dt.timedelta(hours=8)
    )
    session.refresh_from_db()
    return session


def vote_all(c5: Council5, motion: Motion, choice: str = "yes") -> Motion:
    for code in c5.states:
        c5.vote(motion, code, choice)
    services.motion_close(actor=c5.sec, motion=motion)
    return services.motion_certify(actor=c5.sec, motion=motion)


def convened_and_open(c5: Council5, motion: Motion | None = None) -> Session:
    session = plan(c5)
    services.agenda_item_add(actor=c5.sec, session=session, title="Report of the Director")
    if motion is not None:
        services.agenda_item_add(actor=c5.sec, session=session, kind=ItemKind.MOTION, motion=motion)
    services.session_convene(actor=c5.sec, session=session)
    session = shift_to_now(session)
    session = services.session_open(actor=c5.sec, session=session)
    assert session.agenda_motion is not None
    vote_all(c5, session.agenda_motion)
    session.refresh_from_db()
    return session


def test_the_convocation_goes_to_every_delegate_in_their_language(
    c5, django_capture_on_commit_callbacks
):
    """Each delegate gets the convocation with the draft agenda in their own language."""
    # given
    c5.heads["DE"].preferred_language = "de"
    c5.heads["DE"].save()
    session = plan(c5)
    services.agenda_item_add(actor=c5.sec, session=session, title="Report of the Director")
    # when
    with django_capture_on_commit_callbacks(execute=True):
        services.session_convene(actor=c5.sec, session=session)
    # then
    assert sorted(m.to[0] for m in mail.outbox) == sorted(h.email for h in c5.heads.values())
    german = next(m for m in mail.outbox if m.to == [c5.heads["DE"].email])
    english = next(m for m in mail.outbox if m.to == [c5.heads["FR"].email])
    # each in the reader's language (the council's own name shows it before the lead merges
    # the translations of the new sentences)
    assert c5.council.name_de in german.subject
    assert c5.council.name_en in english.subject
    assert "1. Report of the Director" in english.body
    assert "/sessions/unsubscribe/" in english.body
    assert Session.objects.get(pk=session.pk).status == SessionStatus.CONVENED


def test_a_convocation_too_late_for_the_rules_of_procedure_is_refused(c5):
    """An ordinary session needs the council's days of notice; fewer are refused by name."""
    # given
    services.rules_of_procedure_set(actor=c5.sec, council=c5.council, convocation_days=21)
    session = plan(c5, days=10)
    services.agenda_item_add(actor=c5.sec, session=session, title="Report")
    # when / then
    with pytest.raises(Conflict, match="21 days"):
        services.session_convene(actor=c5.sec, session=session)
    # an extraordinary session needs only its shorter notice (5 days by default)
    extraordinary = plan(c5, days=10, kind="extraordinary", title="Extraordinary session")
    services.agenda_item_add(actor=c5.sec, session=extraordinary, title="Report")
    assert services.session_convene(actor=c5.sec, session=extraordinary).status == "convened"


def test_the_agenda_is_adopted_by_a_vote_whose_text_carries_its_hash(c5):
    """Opening the session opens a general motion with the agenda and its SHA-256."""
    # given
    session = plan(c5)
    services.agenda_item_add(actor=c5.sec, session=session, title="Report of the Director")
    services.session_convene(actor=c5.sec, session=session)
    session = shift_to_now(session)
    # when
    session = services.session_open(actor=c5.sec, session=session)
    # then
    motion = session.agenda_motion
    assert motion is not None and motion.status == MotionStatus.VOTING_OPEN
    assert motion.kind == "general"
    assert session.agenda_sha256 in motion.text
    assert "1. Report of the Director" in motion.text


def test_a_late_item_is_admitted_only_by_the_qualified_majority(c5):
    """A late item waits; 3 yes of 5 (below two-thirds) refuses it, 4 of 5 admits another."""
    # given
    session = convened_and_open(c5)
    late = services.agenda_item_add(actor=c5.sec, session=session, title="Urgent matter")
    assert late.late and not late.admitted
    # when: three yes, two no (60 % < 2/3)
    late = services.late_item_put_to_vote(actor=c5.sec, item=late)
    admission = late.admission_motion
    for code, choice in zip(c5.states, ("yes", "yes", "yes", "no", "no"), strict=True):
        c5.vote(admission, code, choice)
    services.motion_close(actor=c5.sec, motion=admission)
    services.motion_certify(actor=c5.sec, motion=admission)
    # then
    assert AgendaItem.objects.get(pk=late.pk).admitted is False
    other = services.agenda_item_add(actor=c5.sec, session=session, title="Other matter")
    other = services.late_item_put_to_vote(actor=c5.sec, item=other)
    for code, choice in zip(c5.states, ("yes", "yes", "yes", "yes", "no"), strict=True):
        c5.vote(other.admission_motion, code, choice)
    services.motion_close(actor=c5.sec, motion=other.admission_motion)
    services.motion_certify(actor=c5.sec, motion=other.admission_motion)
    assert AgendaItem.objects.get(pk=other.pk).admitted is True


def test_check_in_counts_towards_the_quorum_of_presence(c5):
    """Delegations check in with their people; a proxy for the session counts as represented."""
    # given
    session = plan(c5)
    services.agenda_item_add(actor=c5.sec, session=session, title="Report")
    services.session_convene(actor=c5.sec, session=session)
    assert presence(session).needed == 3 and not presence(session).reached
    de_head = c5.heads["DE"]
    accreditation = de_head.accreditations.get()
    # when
    services.session_check_in(
        actor=c5.actors["DE"],
        session=session,
        member_state=c5.states["DE"],
        people=[accreditation.pk],
    )
    services.session_check_in(actor=c5.actors["FR"], session=session, member_state=c5.states["FR"])
    services.session_proxy_grant(
        actor=c5.actors["IT"], session=session, grantor=c5.states["IT"], holder=c5.states["FR"]
    )
    services.session_attendance_mark(
        actor=c5.sec, session=session, member_state=c5.states["IT"], present=False
    )
    # then
    figures = presence(session)
    assert (figures.present, figures.represented, figures.reached) == (2, 1, True)
    assert list(session.attendance.get(member_state=c5.states["DE"]).people.all()) == [
        accreditation
    ]
    assert AuditEvent.objects.filter(action="session.attendance").count() == 3


def test_a_delegate_cannot_check_in_another_state(c5):
    """The head of DE checking in FR is refused, and nothing is recorded."""
    session = plan(c5)
    services.agenda_item_add(actor=c5.sec, session=session, title="Report")
    services.session_convene(actor=c5.sec, session=session)
    with pytest.raises(NotAllowed):
        services.session_check_in(
            actor=c5.actors["DE"], session=session, member_state=c5.states["FR"]
        )
    assert not session.attendance.exists()


def test_a_delegate_cannot_name_people_of_another_delegation(c5):
    """Only people accredited for the state checking in can be named present."""
    session = plan(c5)
    services.agenda_item_add(actor=c5.sec, session=session, title="Report")
    services.session_convene(actor=c5.sec, session=session)
    fr_accreditation = c5.heads["FR"].accreditations.get()
    with pytest.raises(ValidationFailed) as refused:
        services.session_check_in(
            actor=c5.actors["DE"],
            session=session,
            member_state=c5.states["DE"],
            people=[fr_accreditation.pk],
        )
    assert refused.value.field == "people"


def test_another_councils_secretary_cannot_run_the_session(c5):
    """A secretary limited to another council is refused every step of this one."""
    from governance.models import StaffRoleKind
    from tests.factories import CouncilFactory, StaffRoleFactory

    other = CouncilFactory(code="finance-committee", kind="finance_committee")
    user = UserFactory(username="other-secretary")
    StaffRoleFactory(user=user, role=StaffRoleKind.COUNCIL_SECRETARY, council=other)
    from core.actors import Actor

    actor = Actor.for_user(user, source=AuditSource.WEB, mfa_verified=True)
    session = plan(c5)
    with pytest.raises(NotAllowed):
        services.agenda_item_add(actor=actor, session=session, title="Smuggled item")
    with pytest.raises(NotAllowed):
        services.session_convene(actor=actor, session=session)
    with pytest.raises(NotAllowed):
        plan_as(actor, c5)


def plan_as(actor: Any, c5: Council5) -> Session:
    start = timezone.now() + dt.timedelta(days=30)
    return services.session_create(
        actor=actor,
        council=c5.council,
        title="Not mine",
        starts_at=start,
        ends_at=start + dt.timedelta(hours=1),
        place="Bern",
    )


def test_amendment_adopted_then_the_consolidated_text_is_voted(c5):
    """An adopted amendment changes the text the final vote adopts; both hashes are kept."""
    # given
    motion = c5.motion(text=TEXT)
    session = convened_and_open(c5, motion)
    amendment = services.amendment_propose(
        actor=c5.actors["FR"],
        motion=motion,
        member_state=c5.states["FR"],
        line_from=3,
        line_to=3,
        new_text="asks for a report in 2026;",
        reason="Sooner.",
    )
    recommendation = services.recommendation_propose(
        actor=c5.sec, motion=motion, line_from=4, line_to=4, new_text="thanks the staff warmly."
    )
    rejected = services.amendment_propose(
        actor=c5.actors["IT"],
        motion=motion,
        member_state=c5.states["IT"],
        line_from=2,
        line_to=2,
        new_text="rejects the data policy;",
    )
    # when
    services.recommendation_accept(actor=c5.sec, amendment=recommendation)
    amendment = services.amendment_put_to_vote(actor=c5.sec, amendment=amendment)
    vote_all(c5, amendment.vote)
    rejected = services.amendment_put_to_vote(actor=c5.sec, amendment=rejected)
    vote_all(c5, rejected.vote, "no")
    final = services.motion_final_vote(actor=c5.sec, motion=motion)
    # then
    expected = "The Council:\nadopts the data policy;\nasks for a report in 2026;\nthanks the staff warmly."
    assert final.text == expected
    assert final.status == MotionStatus.VOTING_OPEN
    assert final.consolidation.sha256 == text_rules.text_sha256(expected)
    assert final.consolidation.original_sha256 == text_rules.text_sha256(TEXT)
    assert final.consolidation.amendments == [1, 2]
    assert motion.amendments.get(number=3).status == AmendmentStatus.REJECTED
    vote_all(c5, final)
    adopted = Motion.objects.get(pk=motion.pk)
    assert adopted.outcome == "adopted"
    assert session.status == SessionStatus.OPEN
    # and the signed statement commits to the consolidated text and the changes that made it
    from governance.models import DecisionStatement
    from governance.verification import verify_motion

    signed = json.loads(DecisionStatement.objects.filter(motion=adopted).latest("index").body)
    assert (signed["text_sha256"], signed["amendments"]) == (
        text_rules.text_sha256(expected),
        [1, 2],
    )
    assert verify_motion(adopted).ok, verify_motion(adopted).problems
    # and a text swapped in the database afterwards is named by the recount
    Motion.objects.filter(pk=adopted.pk).update(text=TEXT)
    assert "the motion's text differs from the consolidated text the platform signed" in (
        verify_motion(Motion.objects.get(pk=adopted.pk)).problems
    )


def test_the_final_vote_waits_for_every_amendment(c5):
    """A motion with an amendment still undecided cannot go to its final vote."""
    motion = c5.motion(text=TEXT)
    convened_and_open(c5, motion)
    services.amendment_propose(
        actor=c5.actors["FR"],
        motion=motion,
        member_state=c5.states["FR"],
        line_from=1,
        line_to=1,
        new_text="The Assembly:",
    )
    with pytest.raises(Conflict, match="still to be decided"):
        services.motion_final_vote(actor=c5.sec, motion=motion)


def test_an_amendment_outside_the_text_is_refused_naming_the_line(c5):
    motion = c5.motion(text=TEXT)
    plan_session = plan(c5)
    services.agenda_item_add(
        actor=c5.sec, session=plan_session, kind=ItemKind.MOTION, motion=motion
    )
    with pytest.raises(ValidationFailed) as refused:
        services.amendment_propose(
            actor=c5.actors["FR"],
            motion=motion,
            member_state=c5.states["FR"],
            line_from=2,
            line_to=9,
            new_text="x",
        )
    assert refused.value.field == "line_to"


def test_minutes_drafted_circulated_approved_at_the_next_session_and_frozen(c5):
    """The minutes record the results with their hashes; the approved version is frozen."""
    # given: a session that decided a motion, and the next one planned
    motion = c5.motion(text=TEXT)
    session = convened_and_open(c5, motion)
    services.session_check_in(actor=c5.actors["DE"], session=session, member_state=c5.states["DE"])
    final = services.motion_final_vote(actor=c5.sec, motion=motion)
    vote_all(c5, final)
    services.session_close(actor=c5.sec, session=session)
    # when
    minutes = services.minutes_draft(actor=c5.sec, session=session)
    services.minutes_summary_set(
        actor=c5.sec, minutes=minutes, position=2, text="The delegations welcomed the policy."
    )
    minutes = services.minutes_circulate(actor=c5.sec, minutes=minutes)
    services.minutes_comment(
        actor=c5.actors["NL"], minutes=minutes, member_state=c5.states["NL"], text="Agreed."
    )
    following = plan(c5, days=60, title="Summer session")
    services.minutes_put_on_agenda(actor=c5.sec, minutes=minutes, session=following)
    services.agenda_item_add(actor=c5.sec, session=following, title="Any other business")
    with pytest.raises(Conflict):
        # the period for comments has not ended
        services.minutes_approve(actor=c5.sec, minutes=minutes)
    from governance.models import Minutes

    Minutes.objects.filter(pk=minutes.pk).update(
        comments_until=timezone.now() - dt.timedelta(seconds=1)
    )
    services.session_convene(actor=c5.sec, session=following)
    following = shift_to_now(following)
    following = services.session_open(actor=c5.sec, session=following)
    assert following.items.order_by("position").first().kind == ItemKind.MINUTES
    vote_all(c5, following.agenda_motion)
    version = services.minutes_approve(actor=c5.sec, minutes=minutes)
    # then
    minutes.refresh_from_db()
    assert minutes.status == MinutesStatus.APPROVED
    assert set(version.html) == {"en", "de", "fr"}
    final.refresh_from_db()
    refs = [d["reference"] for d in version.decisions]
    assert final.reference in refs and session.agenda_motion.reference in refs
    decided = next(d for d in version.decisions if d["reference"] == final.reference)
    assert decided["chain_head"] == final.chain_head
    assert final.chain_head in version.html["en"]
    assert "The delegations welcomed the policy." in version.html["fr"]
    assert c5.council.name_de in version.html["de"]
    assert version.html["en"] == render_minutes(minutes.record, minutes.summary, language="en")


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger is PostgreSQL's")
def test_the_database_refuses_to_rewrite_approved_minutes(c5):
    """Someone with the database cannot quietly change an approved version."""
    session = convened_and_open(c5)
    services.session_close(actor=c5.sec, session=session)
    minutes = services.minutes_draft(actor=c5.sec, session=session)
    version = MinutesVersion.objects.create(
        minutes=minutes, number=1, canonical="{}", sha256="0" * 64
    )
    with pytest.raises(IntegrityError, match="frozen"), transaction.atomic():
        MinutesVersion.objects.filter(pk=version.pk).update(sha256="1" * 64)


def test_a_session_must_end_after_it_starts_in_the_database_too(c5):
    start = timezone.now()
    with pytest.raises(IntegrityError), transaction.atomic():
        Session.objects.create(
            council=c5.council,
            reference="X/1",
            title="Backwards",
            starts_at=start,
            ends_at=start - dt.timedelta(hours=1),
        )


def test_unsubscribe_token_turns_off_session_emails_without_signing_in(
    c5, django_capture_on_commit_callbacks
):
    """After the link is followed, the next convocation skips that delegate."""
    from governance.services.sessions import subscription_for

    token = subscription_for(c5.heads["ES"]).unsubscribe_token
    services.session_emails_unsubscribe(token=token)
    session = plan(c5)
    services.agenda_item_add(actor=c5.sec, session=session, title="Report")
    with django_capture_on_commit_callbacks(execute=True):
        services.session_convene(actor=c5.sec, session=session)
    assert c5.heads["ES"].email not in [m.to[0] for m in mail.outbox]
    assert len(mail.outbox) == 4


def test_an_adviser_is_named_present_but_never_votes(c5):
    """People present may include advisers; the quorum counts delegations, not people."""
    adviser = UserFactory(username="de-adviser")
    acc = AccreditationFactory(
        user=adviser, council=c5.council, member_state=c5.states["DE"], role="adviser"
    )
    session = plan(c5)
    services.agenda_item_add(actor=c5.sec, session=session, title="Report")
    services.session_convene(actor=c5.sec, session=session)
    services.session_check_in(
        actor=c5.actors["DE"],
        session=session,
        member_state=c5.states["DE"],
        people=[c5.heads["DE"].accreditations.get().pk, acc.pk],
    )
    assert presence(session).present == 1


def test_the_votes_of_a_session_take_their_attendance_from_its_check_ins(c5):
    """Checked in once for the session, a delegation is present for each of its votes: a rule
    counting those present counts it though it did not vote (2 yes of 5 present fails; counted
    by the ballots alone, 2 of 2 would have carried it)."""
    from governance import rules
    from governance.models import Attendance

    # given: a motion under "a majority of the members present", and every delegation checked in
    motion = c5.motion(text=TEXT, rule=rules.VotingRule.qualified_of_present().to_dict())
    session = plan(c5)
    services.agenda_item_add(actor=c5.sec, session=session, kind=ItemKind.MOTION, motion=motion)
    services.session_convene(actor=c5.sec, session=session)
    session = shift_to_now(session)
    for code in ("DE", "FR", "IT", "ES"):
        services.session_check_in(
            actor=c5.actors[code], session=session, member_state=c5.states[code]
        )
    session = services.session_open(actor=c5.sec, session=session)
    agenda = session.agenda_motion
    present = set(
        Attendance.objects.filter(motion=agenda, present=True).values_list(
            "member_state__code", flat=True
        )
    )
    assert present == {"DE", "FR", "IT", "ES"}
    # a delegation checking in later reaches the vote already open
    services.session_check_in(actor=c5.actors["NL"], session=session, member_state=c5.states["NL"])
    assert Attendance.objects.filter(motion=agenda, member_state=c5.states["NL"]).exists()
    vote_all(c5, agenda)
    # when: the final vote opens, and only two delegations vote
    final = services.motion_final_vote(actor=c5.sec, motion=motion)
    c5.vote(final, "DE", "yes")
    c5.vote(final, "FR", "yes")
    final = c5.expire(final)
    final = services.motion_close(actor=c5.sec, motion=final)
    # then
    assert final.tally["present"] == 5
    assert final.outcome == "" and final.tally["outcome"] == "rejected"
