"""Reads of governance data that pages, the API and other apps share."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from django.conf import settings
from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from core.clock import facility_today
from core.models import AuditEvent, User
from governance import registry, rules, wording
from governance.models import (
    CONFIDENTIAL_COUNCIL_KINDS,
    TIGHTENING,
    VOTING_ROLES,
    Accreditation,
    AccreditationApproval,
    Attendance,
    Ballot,
    ContributionShare,
    Council,
    Escalation,
    EscalationStatus,
    FreezeStatus,
    InterimFreeze,
    MemberState,
    Motion,
    MotionKind,
    MotionStatus,
    Programme,
    ProgrammeParticipation,
    ResearchProject,
    RuleVariant,
    Seat,
    StaffRole,
    StaffRoleKind,
    VotingRightsSuspension,
    VotingRulePolicy,
)
from governance.models.decision_log import DecisionStatement, TreeHead

DEFAULT_RULES: dict[str, rules.VotingRule] = {
    MotionKind.PROJECT_APPROVAL: rules.VotingRule.qualified_of_voting(),
    MotionKind.BUDGET: rules.VotingRule.weighted_double_majority(),
    MotionKind.SAFETY_ESCALATION: rules.VotingRule.qualified_of_voting(),
    MotionKind.GENERAL: rules.VotingRule.simple_majority(),
}

# Safety votes: a low bar to tighten (one third of the members), a high bar to loosen
# (two-thirds of all members), unless the council's policy says otherwise.
DEFAULT_VARIANT_RULES: dict[str, rules.VotingRule] = {
    RuleVariant.TIGHTEN: rules.VotingRule.qualified_of_members(Fraction(1, 3)),
    RuleVariant.LOOSEN: rules.VotingRule.qualified_of_members(Fraction(2, 3)),
}


def rule_for(council: Council, kind: str, variant: str = "") -> rules.VotingRule:
    """The council's rule for this kind (and variant) of motion, or the platform's default."""
    policy = VotingRulePolicy.objects.filter(
        council=council, motion_kind=kind, variant=variant
    ).first()
    if policy is None and variant:
        return DEFAULT_VARIANT_RULES[variant]
    return rules.VotingRule.from_dict(policy.rule) if policy else DEFAULT_RULES[kind]


def today() -> dt.date:
    """The date in the facility's time zone; periods are whole days there."""
    return facility_today()


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


# -- what the signed-in pages show (issue 14) -----------------------------------------------


def states_voted_many(motions: list[Motion]) -> dict[int, set[str]]:
    """For each motion, the states with a ballot in: two queries however many motions.

    Roll-call votes read the current ballots' tags; secret ones their participations (who voted,
    never how), as :func:`governance.services.ballots.states_voted` does for one motion.
    """
    from governance.models import BallotParticipation

    voted: dict[int, set[str]] = {m.pk: set() for m in motions}
    open_ids = [m.pk for m in motions if not m.secret]
    secret_ids = [m.pk for m in motions if m.secret]
    if open_ids:
        for motion_id, tag in Ballot.objects.filter(
            motion_id__in=open_ids, is_current=True
        ).values_list("motion_id", "tag"):
            voted[motion_id].add(tag)
    if secret_ids:
        for motion_id, code in BallotParticipation.objects.filter(
            motion_id__in=secret_ids
        ).values_list("motion_id", "member_state__code"):
            voted[motion_id].add(code)
    return voted


def states_not_voted(motion: Motion, voted: set[str]) -> list[str]:
    """The states of the frozen electorate, not recused, that have not voted (codes, in order)."""
    electorate = getattr(motion, "electorate", None)
    if electorate is None:
        return []
    return [
        e["state"]
        for e in electorate.entries["electors"]
        if not e["recused"] and e["state"] not in voted
    ]


def close_allowed(motion: Motion, *, waiting: list[str], now: dt.datetime) -> bool:
    """Whether voting may be closed now: the deadline has passed, or every delegation has voted.

    The one rule :func:`governance.services.motions.motion_close` enforces, so that a page offers
    the button exactly when the service would accept it.
    """
    return motion.status == MotionStatus.VOTING_OPEN and (now >= motion.closes_at or not waiting)


@dataclass(frozen=True)
class StateOpenVotes:
    """The open votes one state's delegate may cast: all of them, those not yet cast, the first deadline."""

    state: str
    motions: tuple[Motion, ...]
    waiting: tuple[Motion, ...]
    first_closes_at: dt.datetime


def open_votes_by_state(*, user: User) -> list[StateOpenVotes]:
    """The signed-in delegate's open votes grouped by the state they vote for (dashboard)."""
    by_state: dict[str, tuple[list[Motion], list[Motion]]] = {}
    for motion, states, voted in open_votes_for_user(user=user):
        for state in states:
            all_, waiting = by_state.setdefault(state, ([], []))
            all_.append(motion)
            if state not in voted:
                waiting.append(motion)
    return [
        StateOpenVotes(
            state=state,
            motions=tuple(all_),
            waiting=tuple(waiting),
            first_closes_at=min(m.closes_at for m in all_),
        )
        for state, (all_, waiting) in sorted(by_state.items())
    ]


@dataclass(frozen=True)
class OwnBallot:
    """How a state the viewer votes for voted on a motion, as far as the viewer may know it.

    `choice` is None in a secret ballot; `receipt` is None once a secret ballot's key is erased
    (nobody can find the state's ballot in the chain any more) or when the state has not voted.
    """

    state: str
    voted: bool
    choice: str | None
    receipt: str | None
    seq: int | None
    by_proxy: bool


def own_ballots(*, user: User, motion: Motion) -> list[OwnBallot]:
    """The viewer's state's ballot (and those it casts as proxy), read from the ballot chain.

    Only for a voting delegate of the council: the state's own ballot and any vote it holds as
    proxy. A roll-call ballot shows its choice and receipt; a secret one only that it was cast,
    and its receipt while the vote is open (the key that finds it is erased at the close).
    """
    from governance.chain import secret_tag
    from governance.models import BallotParticipation

    electorate = getattr(motion, "electorate", None)
    accreditation = voting_accreditation(user=user, council=motion.council)
    if electorate is None or accreditation is None:
        return []
    own = accreditation.member_state.code
    states = [
        e["state"]
        for e in electorate.entries["electors"]
        if not e["recused"]
        and ((e["state"] == own and not e["proxy_holder"]) or e["proxy_holder"] == own)
    ]
    result = []
    for state in states:
        ballot: Ballot | None = None
        if not motion.secret:
            ballot = Ballot.objects.filter(motion=motion, tag=state, is_current=True).first()
            voted = ballot is not None
        else:
            voted = BallotParticipation.objects.filter(
                motion=motion, member_state__code=state
            ).exists()
            if voted and motion.secret_key:
                tag = secret_tag(bytes(motion.secret_key), state)
                ballot = Ballot.objects.filter(motion=motion, tag=tag, is_current=True).first()
        result.append(
            OwnBallot(
                state=state,
                voted=voted,
                choice=None if motion.secret or ballot is None else ballot.choice,
                receipt=ballot.entry_hash if ballot else None,
                seq=ballot.seq if ballot else None,
                by_proxy=state != own,
            )
        )
    return result


def projects_awaiting_decision() -> QuerySet[ResearchProject]:
    """Proposed projects no approval motion is already under way for: what a new draft may name."""
    busy = Motion.objects.filter(kind=MotionKind.PROJECT_APPROVAL, project__isnull=False).exclude(
        status=MotionStatus.WITHDRAWN
    )
    return (
        ResearchProject.objects.filter(status="proposed")
        .exclude(pk__in=busy.values("project_id"))
        .select_related("host_state")
        .order_by("code")
    )


def voting_rules_table(councils: QuerySet[Council]) -> list[tuple[Council, list[tuple[str, str]]]]:
    """For each council, the rule each kind of motion drafted on the secretariat's form gets.

    (A measure put to the Safety Board from an escalation's page gets the bar of its direction
    instead: see :func:`rule_for` with a variant.)
    """
    policies: dict[tuple[int, str], dict[str, object]] = {
        (p.council_id, p.motion_kind): p.rule
        for p in VotingRulePolicy.objects.filter(council__in=councils, variant="")
    }
    table = []
    for council in councils:
        rows = []
        for kind in MotionKind:
            stored = policies.get((council.pk, kind.value))
            rule = rules.VotingRule.from_dict(stored) if stored else DEFAULT_RULES[kind.value]
            rows.append((str(kind.label), wording.rule_in_words(rule)))
        table.append((council, rows))
    return table


def project_get_for_user(*, user: User, code: str) -> ResearchProject | None:
    """A project's proposal, for those who have a reason to read it.

    Its lead and members, the secretariat (any council's secretary), the safety officers, and
    whoever may read a motion or an escalation about it; nobody else (a proposal is not public
    until a council decides on it, and the portal publishes only what it may).
    """
    project = (
        ResearchProject.objects.select_related("host_state", "lead")
        .prefetch_related("status_changes")
        .filter(code=code)
        .first()
    )
    if project is None:
        return None
    if user.is_superuser or project.lead_id == user.pk:
        return project
    if project.pk in registry.project_ids_of_member(user):
        return project
    # The whole secretariat (a council-wide secretary) and the safety officers; one council's
    # secretary reads a proposal once a motion of theirs is about it (below), not every proposal.
    if has_staff_role(user=user, role=StaffRoleKind.COUNCIL_SECRETARY) or has_staff_role(
        user=user, role=StaffRoleKind.SAFETY_OFFICER
    ):
        return project
    if motions_for_user(user=user).filter(project=project).exists():
        return project
    readers_of_escalations = council_ids_accredited(user=user) & set(
        Council.objects.filter(kind="safety_board").values_list("pk", flat=True)
    )
    if readers_of_escalations and project.escalations.exists():
        return project
    return None


@dataclass(frozen=True)
class ActionItem:
    """One thing waiting for a secretary, with the motion, accreditation or escalation it is about."""

    kind: str
    motion: Motion | None = None
    accreditation: Accreditation | None = None
    escalation: Escalation | None = None
    waiting: tuple[str, ...] = ()


def secretary_actions(*, user: User, now: dt.datetime | None = None) -> list[ActionItem]:
    """What waits for this secretary in the councils they serve, the most pressing first.

    Votes past their deadline to close, closed votes to certify, certified decisions to publish,
    open votes every delegation has already voted in (may close early), tabled motions whose
    opening time has passed, drafts to table, accreditations to approve; and, for the Safety
    Board, escalations not yet put to its vote and interim freezes no motion confirms yet.
    """
    now = now or timezone.now()
    councils = councils_served(user=user)
    motions = list(
        Motion.objects.filter(
            council__in=councils,
            status__in=[
                MotionStatus.DRAFT,
                MotionStatus.TABLED,
                MotionStatus.VOTING_OPEN,
                MotionStatus.VOTING_CLOSED,
                MotionStatus.CERTIFIED,
            ],
        )
        .select_related("council", "electorate")
        .order_by("closes_at", "id")
    )
    open_ = [m for m in motions if m.status == MotionStatus.VOTING_OPEN]
    voted = states_voted_many(open_)
    items: list[ActionItem] = []
    for m in open_:
        if now >= m.closes_at:
            items.append(ActionItem("close_due", motion=m))
    items += [
        ActionItem("certify", motion=m) for m in motions if m.status == MotionStatus.VOTING_CLOSED
    ]
    items += [
        ActionItem("publish", motion=m) for m in motions if m.status == MotionStatus.CERTIFIED
    ]
    for m in open_:
        if now < m.closes_at and not states_not_voted(m, voted[m.pk]):
            items.append(ActionItem("close_early", motion=m))
    items += [
        ActionItem("open_late", motion=m)
        for m in motions
        if m.status == MotionStatus.TABLED and m.opens_at <= now
    ]
    items += [ActionItem("table", motion=m) for m in motions if m.status == MotionStatus.DRAFT]
    items += [
        ActionItem("approve", accreditation=a) for a in accreditations_pending(councils=councils)
    ]
    if councils.filter(kind="safety_board").exists():
        for escalation in (
            Escalation.objects.filter(status=EscalationStatus.RAISED)
            .prefetch_related("motions", "freezes")
            .order_by("raised_at")
        ):
            live = [m for m in escalation.motions.all() if m.status != MotionStatus.WITHDRAWN]
            freeze = next(
                (f for f in escalation.freezes.all() if f.status == FreezeStatus.ACTIVE), None
            )
            if freeze is not None and not live:
                items.append(ActionItem("confirm_freeze", escalation=escalation))
            elif not live:
                items.append(ActionItem("escalation", escalation=escalation))
    return items


def council_secretaries(council: Council, *, on: dt.date | None = None) -> list[User]:
    """The people who run this council's votes today: its own secretaries, then council-wide ones."""
    on = on or today()
    roles = (
        StaffRole.objects.filter(_current("valid_", on), role=StaffRoleKind.COUNCIL_SECRETARY)
        .filter(Q(council=council) | Q(council__isnull=True))
        .select_related("user")
        .order_by("council_id", "user__last_name", "user__username")
    )
    people: dict[int, User] = {}
    for role in roles:
        people.setdefault(role.user_id, role.user)
    return list(people.values())


@dataclass(frozen=True)
class EscalationOutlook:
    """What happens next with an escalation, and who acts: the panel on its page."""

    board: Council | None
    chair: User | None
    secretaries: tuple[User, ...]
    tightening: bool
    rule_in_words: str
    freeze_hours: int
    review_months: int
    recused_hosts: tuple[str, ...]
    active_freeze: InterimFreeze | None
    live_motions: tuple[Motion, ...]


def escalation_outlook(escalation: Escalation) -> EscalationOutlook:
    """Who decides an escalation, under which bar, and by when (from the rules and settings)."""
    board = Council.objects.filter(kind="safety_board").select_related("chair").first()
    tightening = escalation.proposed_measure in TIGHTENING
    rule = (
        wording.rule_in_words(
            rule_for(
                board,
                "safety_escalation",
                RuleVariant.TIGHTEN if tightening else RuleVariant.LOOSEN,
            )
        )
        if board
        else ""
    )
    hosts = (
        tuple(sorted({p.host_state.code for p in escalation.projects.select_related("host_state")}))
        if settings.SAFETY_RECUSE_HOST_NATION
        else ()
    )
    return EscalationOutlook(
        board=board,
        chair=board.chair if board else None,
        secretaries=tuple(council_secretaries(board)) if board else (),
        tightening=tightening,
        rule_in_words=rule,
        freeze_hours=settings.INTERIM_FREEZE_HOURS,
        review_months=settings.SAFETY_REVIEW_MONTHS,
        recused_hosts=hosts,
        active_freeze=InterimFreeze.objects.filter(
            escalation=escalation, status=FreezeStatus.ACTIVE
        ).first(),
        live_motions=tuple(
            escalation.motions.exclude(status=MotionStatus.WITHDRAWN).order_by("-created_at")
        ),
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
    members = {e["state"]: e for e in electorate.entries["electors"] if not e["recused"]}
    present = sorted(states_present(motion, voted) & set(members))
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
    return {e["state"] for e in motion.electorate.entries["electors"] if not e["recused"]}
