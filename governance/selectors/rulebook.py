"""Reads for the rule-book features: programmes and their keys, attendance, the latest statement."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Q, QuerySet

from governance import rules
from governance.models import (
    Attendance,
    Ballot,
    DecisionStatement,
    Motion,
    Programme,
    ProgrammeParticipation,
)


def programme_list() -> QuerySet[Programme]:
    """Programmes with their deciding council, by code."""
    return Programme.objects.select_related("council").order_by("code")


def programme_key_on(programme: Programme, day: dt.date) -> dict[str, Decimal]:
    """The programme's participants on `day` and each one's share of its key (state code → share)."""
    rows = ProgrammeParticipation.objects.filter(
        Q(valid_until__isnull=True) | Q(valid_until__gte=day),
        programme=programme,
        valid_from__lte=day,
    ).values_list("member_state__code", "share")
    return dict(sorted(rows))


def programmes_with_keys(day: dt.date) -> list[tuple[Programme, list[tuple[str, Decimal]]]]:
    """Every programme with its participants and keys on `day` (two queries, whatever the count)."""
    programmes = list(programme_list())
    keys: dict[int, list[tuple[str, Decimal]]] = {p.pk: [] for p in programmes}
    rows = (
        ProgrammeParticipation.objects.filter(
            Q(valid_until__isnull=True) | Q(valid_until__gte=day), valid_from__lte=day
        )
        .order_by("member_state__code")
        .values_list("programme_id", "member_state__code", "share")
    )
    for programme_id, code, share in rows:
        keys[programme_id].append((code, share))
    return [(p, keys[p.pk]) for p in programmes]


def attendance_marks(motion: Motion) -> QuerySet[Attendance]:
    """The attendance marks of a motion, with who marked them."""
    return (
        Attendance.objects.filter(motion=motion)
        .select_related("member_state", "marked_by")
        .order_by("member_state__code")
    )


def states_present(motion: Motion, voted: set[str]) -> set[str]:
    """The states present for the vote: marked present (the latest mark), or having voted.

    A state that cast a ballot, abstention included, was there to cast it, whatever its mark.
    """
    marked = {
        code
        for code, present in Attendance.objects.filter(motion=motion).values_list(
            "member_state__code", "present"
        )
        if present
    }
    return marked | voted


@dataclass(frozen=True)
class AttendanceSummary:
    """What the secretary sees while a vote runs: present n of m; the quorum needs k."""

    present: int
    members: int
    quorum_needed: int | None
    present_states: tuple[str, ...]


def attendance_summary(motion: Motion, voted: set[str]) -> AttendanceSummary | None:
    """Present members against the quorum, over the frozen electorate (None before it is frozen)."""
    electorate = getattr(motion, "electorate", None)
    if electorate is None:
        return None
    members = {e.state for e in electorate.as_electorate().voting_members}
    present = sorted(states_present(motion, voted) & members)
    rule = rules.VotingRule.from_dict(motion.rule)
    needed = None
    if rule.quorum is not None:
        needed = math.ceil(rule.quorum * len(members))
    return AttendanceSummary(
        present=len(present),
        members=len(members),
        quorum_needed=needed,
        present_states=tuple(present),
    )


def decision_statement_latest(motion: Motion) -> DecisionStatement | None:
    """The statement that counts for a motion: the latest one signed (a casting vote adds one)."""
    return DecisionStatement.objects.filter(motion=motion).order_by("-index").first()


def present_states_for(motions: QuerySet[Motion]) -> dict[int, set[str]]:
    """For each of `motions` where attendance was taken or the rule counts presence, the states
    present as recorded now: marked present (the latest mark), or having voted.

    At most four queries however many motions; the same figure `verify_votes` compares with the
    signed statement, so the open data shows what the database holds, not what was stored.
    Intersect with the motion's voting members (`voting_members`) before showing it.
    """
    from governance.models import BallotParticipation

    ids = motions.values("pk")
    marks = list(
        Attendance.objects.filter(motion_id__in=ids).values_list(
            "motion_id", "member_state__code", "present"
        )
    )
    by_rule = motions.filter(
        Q(rule__kind="qualified_of_present") | Q(rule__quorum_base="present")
    ).values_list("pk", "secret")
    needing: dict[int, bool] = dict(by_rule)
    if marks:
        needing |= dict(
            Motion.objects.filter(pk__in={m for m, _c, _p in marks}).values_list("pk", "secret")
        )
    present: dict[int, set[str]] = {pk: set() for pk in needing}
    for motion_id, code, is_present in marks:
        if is_present:
            present[motion_id].add(code)
    open_ids = [pk for pk, secret in needing.items() if not secret]
    secret_ids = [pk for pk, secret in needing.items() if secret]
    if open_ids:
        for motion_id, tag in Ballot.objects.filter(
            motion_id__in=open_ids, is_current=True
        ).values_list("motion_id", "tag"):
            present[motion_id].add(tag)
    if secret_ids:
        for motion_id, code in BallotParticipation.objects.filter(
            motion_id__in=secret_ids
        ).values_list("motion_id", "member_state__code"):
            present[motion_id].add(code)
    return present


def voting_members(motion: Motion) -> set[str]:
    """The states of a motion's frozen electorate that are not recused."""
    return {e.state for e in motion.electorate.as_electorate().voting_members}
