"""Attendance for a vote: the secretary marks it, a delegation checks itself in, and it is signed."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import CommandError, call_command

from core.actors import Actor
from core.errors import Conflict, NotAllowed, ValidationFailed
from core.models import AuditEvent, AuditSource
from governance import selectors, services
from governance.models import Attendance, DecisionStatement, StaffRoleKind
from governance.services.ballots import states_voted
from tests.factories import CouncilFactory, StaffRoleFactory, UserFactory
from tests.governance.voting_fixtures import make_council5
from tests.transparency.test_recompute import download_json
from transparency import recompute

pytestmark = pytest.mark.django_db


def test_the_secretary_marks_and_a_delegation_checks_in():
    """Marks are one row per state, the latest wins, and each is audited."""
    # given a tabled motion
    c5 = make_council5()
    motion = c5.motion()
    services.motion_table(actor=c5.sec, motion=motion)
    # when the secretary marks FR absent, then FR checks itself in, and DE is marked present
    services.attendance_mark(
        actor=c5.sec, motion=motion, member_state=c5.states["FR"], present=False
    )
    services.attendance_check_in(actor=c5.actors["FR"], motion=motion, member_state=c5.states["FR"])
    services.attendance_mark(
        actor=c5.sec, motion=motion, member_state=c5.states["DE"], present=True
    )
    # then FR's latest mark is its check-in, and three audit rows record the marks
    fr = Attendance.objects.get(motion=motion, member_state=c5.states["FR"])
    assert (fr.present, fr.source, fr.marked_by) == (True, "check_in", c5.heads["FR"])
    assert Attendance.objects.filter(motion=motion).count() == 2
    assert AuditEvent.objects.filter(action="attendance.mark").count() == 3
    # and once voting opens the secretary sees present 2 of 5
    motion = services.motion_open(actor=c5.sec, motion=motion)
    summary = selectors.attendance_summary(motion, states_voted(motion))
    assert (summary.present, summary.members, summary.quorum_needed) == (2, 5, None)


def test_wrong_hands_and_wrong_times_are_refused():
    """Another state's delegate, another council's secretary, a recused state, a closed vote."""
    c5 = make_council5()
    motion = c5.open()
    # another state's delegate cannot check in a state not its own
    with pytest.raises(NotAllowed, match="Only a voting delegate of FR"):
        services.attendance_check_in(
            actor=c5.actors["DE"], motion=motion, member_state=c5.states["FR"]
        )
    # a secretary of another council cannot mark it
    other = CouncilFactory(code="finance-committee")
    user = UserFactory(username="other-secretary")
    StaffRoleFactory(user=user, role=StaffRoleKind.COUNCIL_SECRETARY, council=other)
    other_sec = Actor.for_user(user, source=AuditSource.WEB, mfa_verified=True)
    with pytest.raises(NotAllowed):
        services.attendance_mark(
            actor=other_sec, motion=motion, member_state=c5.states["FR"], present=True
        )
    # a delegate cannot mark attendance as the secretary does
    with pytest.raises(NotAllowed):
        services.attendance_mark(
            actor=c5.actors["FR"], motion=motion, member_state=c5.states["FR"], present=True
        )
    # a recused state takes no part
    draft = c5.motion(title="Recused")
    services.recusal_declare(
        actor=c5.actors["IT"], motion=draft, member_state=c5.states["IT"], reason="Conflict."
    )
    services.motion_table(actor=c5.sec, motion=draft)
    with pytest.raises(ValidationFailed, match="IT is recused"):
        services.attendance_check_in(
            actor=c5.actors["IT"], motion=draft, member_state=c5.states["IT"]
        )
    # and after the close attendance is frozen
    motion = services.motion_close(actor=c5.sec, motion=c5.expire(motion))
    with pytest.raises(Conflict, match="tabled or its vote is open"):
        services.attendance_mark(
            actor=c5.sec, motion=motion, member_state=c5.states["FR"], present=True
        )
    assert not Attendance.objects.exists()


def test_a_state_outside_the_electorate_cannot_be_present():
    """A state seated but without a vote (an observer) is not in the frozen electorate."""
    from governance.models import MemberStatus
    from tests.factories import MemberStateFactory, SeatFactory

    c5 = make_council5()
    observer = MemberStateFactory(code="CH", status=MemberStatus.OBSERVER)
    SeatFactory(council=c5.council, member_state=observer)
    motion = c5.open()
    with pytest.raises(ValidationFailed, match="CH is not in the electorate"):
        services.attendance_mark(actor=c5.sec, motion=motion, member_state=observer, present=True)


def test_attendance_is_signed_and_a_flipped_row_is_found(tmp_path):
    """The states present are signed at the close; a row flipped afterwards is named by both recounts."""
    # given a vote where DE and FR were marked present and IT voted
    c5 = make_council5()
    motion = c5.open()
    for code in ("DE", "FR"):
        services.attendance_mark(
            actor=c5.sec, motion=motion, member_state=c5.states[code], present=True
        )
    c5.vote(motion, "IT", "yes")
    motion = c5.close_and_certify(motion)
    services.motion_publish(actor=c5.sec, motion=motion)
    # then the statement signed DE, FR and IT as present
    signed = json.loads(DecisionStatement.objects.get(motion=motion).body)
    assert signed["present_states"] == ["DE", "FR", "IT"]
    # when someone with the database marks FR absent after the fact
    Attendance.objects.filter(motion=motion, member_state=c5.states["FR"]).update(present=False)
    # then verify_votes names the motion and the difference
    out = io.StringIO()
    with pytest.raises(CommandError):
        call_command("verify_votes", stdout=out)
    assert (
        f"{motion.reference}: the states present are DE, IT but the platform signed DE, FR, IT"
        in out.getvalue()
    )
    # and so does the offline recompute over the open data
    download_json(tmp_path)
    lines: list[str] = []
    assert recompute.check_decisions(tmp_path, lines.append) == 1
    assert lines[0] == (
        f"{motion.reference}: the states present are DE, IT but the platform signed DE, FR, IT"
    )
