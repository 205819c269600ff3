"""Reads about council sessions: who may see them, the quorum of presence, the portal's list."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from fractions import Fraction

from django.db.models import Prefetch, Q, QuerySet

from core.clock import facility_date, facility_today
from core.models import User
from governance.models import (
    AgendaItem,
    Council,
    MemberStatus,
    MinutesStatus,
    MinutesVersion,
    Motion,
    MotionStatus,
    RulesOfProcedure,
    Session,
    SessionAttendance,
    SessionStatus,
)
from governance.selectors.membership import accreditation_list, councils_served, seat_list


@dataclass(frozen=True)
class Presence:
    """The quorum of presence of a session: who counts, who is there, how many are needed."""

    members: int
    present: int
    represented: int
    needed: int
    quorum: Fraction

    @property
    def reached(self) -> bool:
        return self.members > 0 and self.present + self.represented >= self.needed


def presence(session: Session) -> Presence:
    """Seated full members on the session's first day, those present or represented by a proxy."""
    day = facility_date(session.starts_at)
    members = {
        seat.member_state_id
        for seat in seat_list(council=session.council, on=day)
        if seat.member_state.status == MemberStatus.FULL
    }
    rows = SessionAttendance.objects.filter(session=session, member_state_id__in=members)
    present = sum(1 for r in rows if r.present)
    represented = sum(1 for r in rows if not r.present and r.represented_by_id)
    rop = RulesOfProcedure.objects.filter(council=session.council).first()
    quorum = Fraction(rop.presence_quorum if rop else "1/2")
    # "At least half": the smallest whole number of states not below the fraction of members.
    needed = -(-quorum.numerator * len(members) // quorum.denominator)
    return Presence(
        members=len(members),
        present=present,
        represented=represented,
        needed=needed,
        quorum=quorum,
    )


def sessions_for_user(*, user: User) -> QuerySet[Session]:
    """The sessions a signed-in person may follow: their councils' (delegate or secretary)."""
    today = facility_today()
    councils = set(councils_served(user=user).values_list("pk", flat=True))
    councils |= set(
        accreditation_list(on=today, approved_only=True)
        .filter(user=user)
        .values_list("council_id", flat=True)
    )
    return (
        Session.objects.filter(council_id__in=councils)
        .select_related("council", "agenda_motion")
        .order_by("-starts_at", "-id")
    )


def session_detail(qs: QuerySet[Session]) -> QuerySet[Session]:
    """The joins a session page needs, so it costs the same few queries however long it is."""
    return qs.select_related("council", "agenda_motion", "minutes").prefetch_related(
        Prefetch(
            "items",
            queryset=AgendaItem.objects.select_related(
                "motion", "admission_motion", "minutes__session"
            ).order_by("position", "id"),
        ),
        Prefetch(
            "attendance",
            queryset=SessionAttendance.objects.select_related(
                "member_state", "represented_by"
            ).prefetch_related("people__user"),
        ),
        "documents",
    )


def sessions_public() -> QuerySet[Session]:
    """Past sessions on the portal: closed ones; their minutes once approved."""
    return (
        Session.objects.filter(status=SessionStatus.CLOSED)
        .select_related("council", "minutes")
        .order_by("-starts_at", "-id")
    )


def session_of_motion(motion_id: int) -> Session | None:
    """The session a motion was decided in (as an item, an amendment, an admission or the agenda)."""
    return (
        Session.objects.filter(
            Q(items__motion_id=motion_id)
            | Q(items__admission_motion_id=motion_id)
            | Q(items__motion__amendments__vote_id=motion_id)
            | Q(agenda_motion_id=motion_id)
        )
        .select_related("council")
        .first()
    )


def approved_minutes_version(session: Session) -> MinutesVersion | None:
    """The latest approved (frozen) version of the session's minutes, if they are approved."""
    minutes = getattr(session, "minutes", None)
    if minutes is None or minutes.status != MinutesStatus.APPROVED:
        return None
    return minutes.versions.order_by("-number").first()


def published_decisions(references: list[str]) -> dict[str, int]:
    """Reference -> motion id of those among `references` published on the portal."""
    return dict(
        Motion.objects.filter(reference__in=references, status=MotionStatus.PUBLISHED).values_list(
            "reference", "pk"
        )
    )


def session_agenda_public(session: Session) -> QuerySet[AgendaItem]:
    """A past session's agenda as the portal shows it, with each item's motion."""
    return session.items.select_related("motion").order_by("position", "id")


def councils_of_user(user: User) -> QuerySet[Council]:
    today = facility_today()
    ids = set(councils_served(user=user).values_list("pk", flat=True))
    ids |= set(
        accreditation_list(on=today, approved_only=True)
        .filter(user=user)
        .values_list("council_id", flat=True)
    )
    return Council.objects.filter(pk__in=ids)


def upcoming_sessions(*, user: User, since: dt.datetime) -> QuerySet[Session]:
    return sessions_for_user(user=user).filter(ends_at__gte=since)
