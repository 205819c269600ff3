"""Attendance for a vote: who is present, as the secretary marks it or a delegation checks in.

Rules that count members *present* (the CERN Council, the Council of the EU) need it; at the
close the states present (plus every state that cast a ballot) are frozen into the tally.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.actors import Actor
from core.audit import audit_record
from core.clock import facility_today
from core.errors import Conflict, ValidationFailed
from governance import permissions, selectors
from governance.models import (
    Attendance,
    AttendanceSource,
    MemberState,
    MemberStatus,
    Motion,
    MotionStatus,
    Recusal,
    VotingRightsSuspension,
)

# Attendance is taken for a vote that is coming or running; after the close it is frozen.
OPEN_FOR_ATTENDANCE = (MotionStatus.TABLED, MotionStatus.VOTING_OPEN)


def _lock(motion: Motion) -> Motion:
    return (
        Motion.objects.select_for_update(of=("self",)).select_related("council").get(pk=motion.pk)
    )


def _check_may_attend(motion: Motion, state: MemberState) -> None:
    """Only a state that may vote on the motion can be present for it (not recused)."""
    if motion.status not in OPEN_FOR_ATTENDANCE:
        raise Conflict(
            _("Attendance is taken only while the motion is tabled or its vote is open."),
            field="member_state",
        )
    if Recusal.objects.filter(motion=motion, member_state=state).exists():
        raise ValidationFailed(
            _("%(state)s is recused on this motion and does not take part.")
            % {"state": state.code},
            field="member_state",
        )
    electorate = getattr(motion, "electorate", None)
    if electorate is not None:
        voting = {e.state for e in electorate.as_electorate().voting_members}
        if state.code not in voting:
            raise ValidationFailed(
                _("%(state)s is not in the electorate frozen for this vote.")
                % {"state": state.code},
                field="member_state",
            )
        return
    # Before the vote opens: the electorate it would freeze now (seated, full, not suspended,
    # and taking part in the motion's programme, if it has one).
    day = facility_today()
    seated = selectors.seat_list(council=motion.council, member_state=state, on=day).exists()
    suspended = VotingRightsSuspension.objects.filter(
        member_state=state, restored_at__isnull=True
    ).exists()
    takes_part = motion.programme is None or state.code in selectors.programme_key_on(
        motion.programme, day
    )
    if not (seated and state.status == MemberStatus.FULL and not suspended and takes_part):
        raise ValidationFailed(
            _("%(state)s may not vote on this motion, so it cannot be marked present.")
            % {"state": state.code},
            field="member_state",
        )


def _mark(
    *, actor: Actor, motion: Motion, state: MemberState, present: bool, source: str
) -> Attendance:
    before = Attendance.objects.filter(motion=motion, member_state=state).first()
    attendance, _created = Attendance.objects.update_or_create(
        motion=motion,
        member_state=state,
        defaults={
            "present": present,
            "source": source,
            "marked_by": actor.user,
            "marked_at": timezone.now(),
        },
    )
    audit_record(
        actor=actor,
        action="attendance.mark",
        target=motion,
        before={"state": state.code, "present": before.present} if before else None,
        after={"state": state.code, "present": present, "source": source},
    )
    return attendance


@transaction.atomic
def attendance_mark(
    *, actor: Actor, motion: Motion, member_state: MemberState, present: bool
) -> Attendance:
    """The council's secretary marks a state present or absent for a motion's vote."""
    locked = _lock(motion)
    permissions.check_mark_attendance(actor, locked.council)
    _check_may_attend(locked, member_state)
    return _mark(
        actor=actor,
        motion=locked,
        state=member_state,
        present=present,
        source=AttendanceSource.SECRETARY,
    )


@transaction.atomic
def attendance_check_in(*, actor: Actor, motion: Motion, member_state: MemberState) -> Attendance:
    """A voting delegate checks their own state in as present for a motion's vote."""
    locked = _lock(motion)
    permissions.check_check_in(actor, locked.council, member_state)
    _check_may_attend(locked, member_state)
    return _mark(
        actor=actor,
        motion=locked,
        state=member_state,
        present=True,
        source=AttendanceSource.CHECK_IN,
    )


def present_for_tally(motion: Motion) -> list[str]:
    """The states present for the count: marked present or having voted, among those voting."""
    from governance.services.ballots import states_voted

    voting = {e.state for e in motion.electorate.as_electorate().voting_members}
    return sorted(selectors.states_present(motion, states_voted(motion)) & voting)


def attendance_taken(motion: Motion) -> bool:
    """Whether anyone recorded attendance for this vote (then the count and statement carry it)."""
    return Attendance.objects.filter(motion=motion).exists()
