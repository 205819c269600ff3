"""Reads of governance data that pages, the API and other apps share."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from core.models import AuditEvent, User
from governance import registry
from governance.models import (
    CONFIDENTIAL_COUNCIL_KINDS,
    VOTING_ROLES,
    Accreditation,
    AccreditationApproval,
    Ballot,
    ContributionShare,
    Council,
    Escalation,
    EscalationStatus,
    MemberState,
    Motion,
    MotionStatus,
    ResearchProject,
    Seat,
    StaffRole,
    StaffRoleKind,
    VotingRightsSuspension,
)
from governance.models.decision_log import DecisionStatement, TreeHead


def today() -> dt.date:
    """The date in the facility's time zone; periods are whole days there."""
    return timezone.localdate()


def _current(prefix: str, on: dt.date) -> Q:
    return Q(**{f"{prefix}from__lte": on}) & (
        Q(**{f"{prefix}until__isnull": True}) | Q(**{f"{prefix}until__gt": on})
    )


def member_state_list(*, status: str | None = None) -> QuerySet[MemberState]:
    qs = MemberState.objects.all()
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("code")


def member_state_get(*, code: str) -> MemberState | None:
    return MemberState.objects.filter(code=code.upper()).first()


def seat_list(
    *,
    council: Council | None = None,
    member_state: MemberState | None = None,
    on: dt.date | None = None,
) -> QuerySet[Seat]:
    """Seats, with their council and state joined; only those held on `on` if given."""
    qs = Seat.objects.select_related("council", "member_state")
    if council is not None:
        qs = qs.filter(council=council)
    if member_state is not None:
        qs = qs.filter(member_state=member_state)
    if on is not None:
        qs = qs.filter(_current("seated_", on))
    return qs.order_by("council__code", "member_state__code", "seated_from")


def council_list(*, on: dt.date | None = None) -> QuerySet[Council]:
    """Councils with the seats held on `on` (today by default) prefetched in one query."""
    on = on or today()
    return Council.objects.prefetch_related(
        Prefetch("seats", queryset=seat_list(on=on), to_attr="current_seats")
    ).order_by("code")


def council_get(*, code: str) -> Council | None:
    return Council.objects.filter(code=code).first()


def accreditation_list(
    *,
    council: Council | None = None,
    member_state: MemberState | None = None,
    on: dt.date | None = None,
    approved_only: bool = False,
) -> QuerySet[Accreditation]:
    """Accreditations; `approved_only` leaves out those awaiting the secretariat's approval."""
    qs = Accreditation.objects.select_related("user", "member_state", "council")
    if council is not None:
        qs = qs.filter(council=council)
    if member_state is not None:
        qs = qs.filter(member_state=member_state)
    if on is not None:
        qs = qs.filter(_current("valid_", on))
    if approved_only:
        qs = qs.filter(approval=AccreditationApproval.APPROVED)
    return qs.order_by("council__code", "member_state__code", "role", "user__username")


def accreditations_for_user(*, user: User, on: dt.date | None = None) -> QuerySet[Accreditation]:
    """The user's accreditations held on `on` (today by default): the 'my councils' page.

    Pending ones are included (the page says they await approval); they grant nothing.
    """
    return accreditation_list(on=on or today()).filter(user=user)


def voting_accreditation(
    *, user: User, council: Council, on: dt.date | None = None
) -> Accreditation | None:
    """The approved accreditation through which `user` may cast a state's vote in `council`."""
    return (
        accreditation_list(council=council, on=on or today(), approved_only=True)
        .filter(user=user, role__in=VOTING_ROLES)
        .first()
    )


def council_ids_accredited(*, user: User, on: dt.date | None = None) -> set[int]:
    """The councils where `user` holds an approved accreditation on `on`, in any role."""
    return set(
        accreditation_list(on=on or today(), approved_only=True)
        .filter(user=user)
        .values_list("council_id", flat=True)
    )


def accreditations_pending(*, councils: QuerySet[Council] | None = None) -> QuerySet[Accreditation]:
    """Accreditations awaiting the secretariat's approval that have not ended, oldest first."""
    qs = accreditation_list(approved_only=False).filter(
        Q(valid_until__isnull=True) | Q(valid_until__gt=today()),
        approval=AccreditationApproval.PENDING,
    )
    if councils is not None:
        qs = qs.filter(council__in=councils)
    return qs.order_by("valid_from", "id")


def needs_secretariat_approval(council: Council) -> bool:
    """Whether accreditations to `council` open confidential material (the Safety Board)."""
    return council.kind in CONFIDENTIAL_COUNCIL_KINDS


def projects_under_escalation_for_user(*, user: User) -> QuerySet[ResearchProject]:
    """Projects under an escalation not yet closed that `user` leads or is a member of.

    Leads are governance's own facts; members come from the apps that keep them (compute
    registers its project members in :mod:`governance.registry`).
    """
    member_of = registry.project_ids_of_member(user)
    return (
        ResearchProject.objects.filter(
            escalations__status__in=[EscalationStatus.RAISED, EscalationStatus.DECIDED]
        )
        .filter(Q(lead=user) | Q(pk__in=member_of))
        .distinct()
        .order_by("code")
    )


def staff_roles_for_user(*, user: User, on: dt.date | None = None) -> QuerySet[StaffRole]:
    on = on or today()
    return StaffRole.objects.filter(_current("valid_", on), user=user).select_related("council")


def has_staff_role(
    *, user: User, role: StaffRoleKind, council: Council | None = None, on: dt.date | None = None
) -> bool:
    """Whether `user` holds `role` on `on`.

    For a council secretary: with a council, a secretary of that council or a council-wide one;
    without a council, only a council-wide secretary (one council's secretary is not "the
    secretariat").
    """
    qs = staff_roles_for_user(user=user, on=on).filter(role=role)
    if role == StaffRoleKind.COUNCIL_SECRETARY:
        if council is None:
            qs = qs.filter(council__isnull=True)
        else:
            qs = qs.filter(Q(council__isnull=True) | Q(council=council))
    return qs.exists()


def councils_served(*, user: User, on: dt.date | None = None) -> QuerySet[Council]:
    """The councils `user` serves as secretary on `on`: every council for a council-wide role."""
    roles = staff_roles_for_user(user=user, on=on).filter(role=StaffRoleKind.COUNCIL_SECRETARY)
    if user.is_superuser or roles.filter(council__isnull=True).exists():
        return Council.objects.order_by("code")
    return Council.objects.filter(pk__in=roles.values("council_id")).order_by("code")


def accreditations_expiring(
    *, within_days: int, on: dt.date | None = None
) -> QuerySet[Accreditation]:
    """Current accreditations that end within `within_days` and whose holder was not yet told."""
    on = on or today()
    return accreditation_list(on=on, approved_only=True).filter(
        valid_until__isnull=False,
        valid_until__lte=on + dt.timedelta(days=within_days),
        expiry_notice_sent_at__isnull=True,
    )


def states_suspended() -> set[str]:
    """The codes of the states whose voting rights are suspended right now."""
    return set(
        VotingRightsSuspension.objects.filter(restored_at__isnull=True).values_list(
            "member_state__code", flat=True
        )
    )


def electorate_rule_in_words() -> str:
    """Who may vote in an open vote, and what a suspension of voting rights does to it."""
    return _(
        "Who may vote is fixed when the vote opens: the full members seated on the council whose "
        "voting rights are not suspended at that moment. A suspension takes effect at once, even "
        "while a vote is open: from then on the suspended state can neither cast nor change a "
        "ballot, nor cast a vote it holds as proxy. A ballot it cast before the suspension stays "
        "counted; otherwise the count uses the electorate frozen at opening, so a suspended state "
        "that had not voted counts as absent. A restoration during the vote gives back the vote "
        "only to a state that was in the electorate when it opened."
    )


# Until it is tabled a motion is a working draft: its council's delegates and its secretariat
# read it, nobody else. A draft withdrawn before it was tabled stays one.
_UNTABLED = Q(status=MotionStatus.DRAFT) | Q(status=MotionStatus.WITHDRAWN, tabled_at__isnull=True)


def motions_for_user(*, user: User | None) -> QuerySet[Motion]:
    """The motions `user` may read: every tabled one, and the drafts of their own councils.

    Drafts are for the council's (approved) delegates, in any role, and for the secretariat:
    a secretary of that council, a council-wide secretary or an administrator. Pages, the API
    and document downloads all read motions through here.
    """
    qs = Motion.objects.select_related("council", "project", "electorate")
    if user is None or not getattr(user, "is_authenticated", False):
        return qs.exclude(_UNTABLED)
    if user.is_superuser:
        return qs
    councils = council_ids_accredited(user=user) | set(
        councils_served(user=user).values_list("pk", flat=True)
    )
    return qs.exclude(_UNTABLED & ~Q(council_id__in=councils))


def motion_get_for_user(*, user: User | None, motion_id: int) -> Motion | None:
    """One motion if `user` may read it (see :func:`motions_for_user`), else None."""
    return motions_for_user(user=user).filter(pk=motion_id).first()


def motions_public() -> QuerySet[Motion]:
    """Motions whose count may be seen by anyone: closed, certified or published."""
    return Motion.objects.filter(
        status__in=[MotionStatus.VOTING_CLOSED, MotionStatus.CERTIFIED, MotionStatus.PUBLISHED]
    ).select_related("council", "electorate")


def open_votes_for_user(*, user: User) -> list[tuple[Motion, list[str], set[str]]]:
    """Open motions where the user may cast a vote: (motion, states they may vote for, states done)."""
    from governance.services.ballots import states_voted

    result: list[tuple[Motion, list[str], set[str]]] = []
    accreditations = {
        a.council_id: a
        for a in accreditations_for_user(user=user).filter(
            role__in=VOTING_ROLES, approval=AccreditationApproval.APPROVED
        )
    }
    if not accreditations:
        return result
    motions = (
        Motion.objects.filter(status=MotionStatus.VOTING_OPEN, council_id__in=list(accreditations))
        .select_related("council", "electorate")
        .order_by("closes_at")
    )
    suspended = states_suspended()
    for motion in motions:
        own = accreditations[motion.council_id].member_state.code
        states = []
        for entry in motion.electorate.entries["electors"]:
            if entry["recused"] or entry["state"] in suspended or own in suspended:
                continue
            holder = entry["proxy_holder"]
            if (entry["state"] == own and holder is None) or holder == own:
                states.append(entry["state"])
        if states:
            result.append((motion, states, states_voted(motion)))
    return result


def decisions_published() -> QuerySet[Motion]:
    """Published decisions, newest first, with what their pages show joined in."""
    return (
        Motion.objects.filter(status=MotionStatus.PUBLISHED)
        .select_related("council", "project", "electorate", "escalation")
        .order_by("-published_at", "-id")
    )


def roll_call(motion: Motion) -> list[dict[str, object]]:
    """Each state's counting vote after closing (roll-call votes only; empty for secret ones)."""
    from governance.models import Ballot

    if motion.secret or motion.closed_at is None:
        return []
    current = {
        b.tag: b
        for b in Ballot.objects.filter(motion=motion, is_current=True).select_related(
            "proxy_holder"
        )
    }
    rows: list[dict[str, object]] = []
    for entry in motion.electorate.entries["electors"]:
        ballot = current.get(entry["state"])
        choice = ballot.choice if ballot else ("recused" if entry["recused"] else "absent")
        holder = ballot.proxy_holder.code if ballot and ballot.proxy_holder else None
        rows.append({"state": entry["state"], "choice": choice, "proxy_holder": holder})
    return rows


def escalations_public() -> QuerySet[Escalation]:
    """Escalations with their public facts only (never select the confidential columns)."""
    return (
        Escalation.objects.only(
            "id",
            "reference",
            "severity",
            "public_summary",
            "proposed_measure",
            "proposed_level",
            "status",
            "raised_at",
        )
        .prefetch_related("projects", "decisions__motion")
        .order_by("-raised_at")
    )


def projects_with_levels() -> QuerySet[ResearchProject]:
    return (
        ResearchProject.objects.exclude(status__in=["proposed", "rejected"])
        .select_related("host_state")
        .order_by("code")
    )


def state_vote_record(member_state: MemberState, *, limit: int = 100) -> QuerySet[Ballot]:
    """How a state voted in published roll-call decisions, newest first (one query)."""
    return (
        Ballot.objects.filter(
            tag=member_state.code,
            is_current=True,
            motion__status=MotionStatus.PUBLISHED,
            motion__secret=False,
        )
        .select_related("motion", "motion__council", "proxy_holder")
        .order_by("-motion__published_at", "-motion_id")[:limit]
    )


def voting_rights_history(member_state: MemberState) -> QuerySet[VotingRightsSuspension]:
    """Every suspension of a state's voting rights, with its restoration if any, newest first."""
    return VotingRightsSuspension.objects.filter(member_state=member_state).order_by(
        "-suspended_at", "-id"
    )


def ballots_published(*, current_only: bool = False) -> QuerySet[Ballot]:
    """Every ballot of the published decisions in one query: newest decision first, chain order.

    The order is that of :func:`decisions_published`, so the two can be read side by side.
    """
    qs = Ballot.objects.filter(motion__status=MotionStatus.PUBLISHED)
    if current_only:
        qs = qs.filter(is_current=True)
    return qs.select_related("proxy_holder").order_by("-motion__published_at", "-motion_id", "seq")


def contribution_shares_on(day: dt.date) -> dict[str, Decimal]:
    """Each state's contribution share valid on `day` (the latest begun by then), by state code."""
    shares: dict[str, Decimal] = {}
    for code, share in (
        ContributionShare.objects.filter(valid_from__lte=day)
        .order_by("member_state_id", "valid_from")
        .values_list("member_state__code", "share")
    ):
        shares[code] = share  # the latest valid one wins
    return shares


# The public decision log (governance.services.decision_log writes it).


def decision_statements() -> QuerySet[DecisionStatement]:
    """Every signed decision statement, in log order, with its motion."""
    return DecisionStatement.objects.select_related("motion").order_by("index")


def decision_log_leaf_hashes(tree_size: int | None = None) -> list[bytes]:
    """The log's leaf hashes in order; the first `tree_size` of them if given."""
    qs = DecisionStatement.objects.order_by("index").values_list("leaf_hash", flat=True)
    if tree_size is not None:
        qs = qs[:tree_size]
    return [bytes.fromhex(h) for h in qs]


def tree_head_latest() -> TreeHead | None:
    """The most recently signed tree head."""
    return TreeHead.objects.order_by("-signed_at", "-id").first()


def tree_head_of_size(tree_size: int) -> TreeHead | None:
    """The latest signed tree head of a given size, if one was signed."""
    return TreeHead.objects.filter(tree_size=tree_size).order_by("-signed_at", "-id").first()


def tree_head_get(tree_head_id: int) -> TreeHead | None:
    return TreeHead.objects.filter(pk=tree_head_id).first()


def tree_heads() -> QuerySet[TreeHead]:
    """Every signed tree head, oldest first."""
    return TreeHead.objects.order_by("signed_at", "id")


def decision_log_key_info() -> dict[str, str]:
    """The key id and PEM public key of the decision log's signatures."""
    from governance.log_keys import key_info

    return key_info()


# A vote is closed, and its roll call readable, from these statuses on.
CLOSED_VOTE = (MotionStatus.VOTING_CLOSED, MotionStatus.CERTIFIED, MotionStatus.PUBLISHED)


def ballot_cast_rows_for_reading(rows: list[AuditEvent]) -> None:
    """Show `ballot.cast` audit rows as anyone may read them now (core's presenter hook).

    While the vote is open a row says who cast a ballot for which state, never how: the
    choice and the receipt (the chain entry's hash, from which the choice can be guessed in
    three tries) are left out, including from rows written before they stopped being stored.
    Once a roll-call vote has closed, both are read from the ballot chain, which is the record.
    A secret vote's ballots are never shown.
    """
    ids = {int(r.target_id) for r in rows if r.target_id.isdigit()}
    motions = {m.pk: m for m in Motion.objects.filter(pk__in=ids).only("pk", "status", "secret")}
    readable = [m.pk for m in motions.values() if m.status in CLOSED_VOTE and not m.secret]
    chain = {
        (b.motion_id, b.seq): b
        for b in Ballot.objects.filter(motion_id__in=readable).only(
            "motion_id", "seq", "choice", "entry_hash"
        )
    }
    for row in rows:
        after = {k: v for k, v in (row.after or {}).items() if k not in ("choice", "receipt")}
        motion = motions.get(int(row.target_id)) if row.target_id.isdigit() else None
        seq = after.get("seq")
        ballot = (
            chain.get((motion.pk, seq)) if motion is not None and isinstance(seq, int) else None
        )
        if ballot is not None:
            after["choice"] = ballot.choice
            after["receipt"] = ballot.entry_hash
        row.after = after or None
