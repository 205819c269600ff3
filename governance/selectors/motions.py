"""Reads of motions, ballots and votes: what each reader may see, roll calls, the rules in force."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from fractions import Fraction

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from core.models import AuditEvent, User
from governance import rules, wording
from governance.models import (
    VOTING_ROLES,
    Accreditation,
    AccreditationApproval,
    Ballot,
    Council,
    Escalation,
    EscalationStatus,
    FreezeStatus,
    MemberState,
    Motion,
    MotionKind,
    MotionStatus,
    RuleVariant,
    VotingRulePolicy,
)
from governance.selectors.membership import (
    accreditations_for_user,
    accreditations_pending,
    council_ids_accredited,
    councils_served,
    states_suspended,
    voting_accreditation,
)

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
        for elector in motion.electorate.as_electorate().voting_members:
            if elector.state in suspended or own in suspended:
                continue
            holder = elector.proxy_holder
            if (elector.state == own and holder is None) or holder == own:
                states.append(elector.state)
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
    for elector in motion.electorate.as_electorate().electors:
        ballot = current.get(elector.state)
        choice = ballot.choice if ballot else ("recused" if elector.recused else "absent")
        holder = ballot.proxy_holder.code if ballot and ballot.proxy_holder else None
        rows.append({"state": elector.state, "choice": choice, "proxy_holder": holder})
    return rows


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


def ballots_published(*, current_only: bool = False) -> QuerySet[Ballot]:
    """Every ballot of the published decisions in one query: newest decision first, chain order.

    The order is that of :func:`decisions_published`, so the two can be read side by side.
    """
    qs = Ballot.objects.filter(motion__status=MotionStatus.PUBLISHED)
    if current_only:
        qs = qs.filter(is_current=True)
    return qs.select_related("proxy_holder").order_by("-motion__published_at", "-motion_id", "seq")


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
    from governance.models import BallotParticipation, EncryptedBallot

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
        # Secret votes since issue 16 hold encrypted ballots, whose state is public.
        for motion_id, code in EncryptedBallot.objects.filter(
            motion_id__in=secret_ids, is_current=True
        ).values_list("motion_id", "state"):
            voted[motion_id].add(code)
    return voted


def states_not_voted(motion: Motion, voted: set[str]) -> list[str]:
    """The states of the frozen electorate, not recused, that have not voted (codes, in order)."""
    electorate = getattr(motion, "electorate", None)
    if electorate is None:
        return []
    return [
        e.state
        for e in electorate.as_electorate().electors
        if not e.recused and e.state not in voted
    ]


def close_allowed(motion: Motion, *, waiting: list[str], now: dt.datetime) -> bool:
    """Whether voting may be closed now: the deadline has passed, or every delegation has voted.

    The one rule :func:`governance.services.voting.motion_close` enforces, so that a page offers
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
    from governance.models import BallotParticipation, EncryptedBallot

    electorate = getattr(motion, "electorate", None)
    accreditation = voting_accreditation(user=user, council=motion.council)
    if electorate is None or accreditation is None:
        return []
    own = accreditation.member_state.code
    states = [
        e.state
        for e in electorate.as_electorate().electors
        if not e.recused and ((e.state == own and not e.proxy_holder) or e.proxy_holder == own)
    ]
    result = []
    for state in states:
        ballot: Ballot | None = None
        encrypted = (
            EncryptedBallot.objects.filter(motion=motion, state=state, is_current=True).first()
            if motion.secret
            else None
        )
        if not motion.secret:
            ballot = Ballot.objects.filter(motion=motion, tag=state, is_current=True).first()
            voted = ballot is not None
        elif encrypted is not None:
            # An encrypted ballot: that the state voted is public, and its tracker is the
            # receipt, which says nothing of the choice (issue 16).
            result.append(
                OwnBallot(state, True, None, encrypted.tracker, encrypted.seq, state != own)
            )
            continue
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


# -- what other apps read of motions and ballots ----------------------------------------------


def motion_get(*, motion_id: int | str) -> Motion | None:
    """A motion by id whatever its status, for a service that checks it itself; None if unknown."""
    return Motion.objects.filter(pk=motion_id).first()


def motion_for_update(*, motion_id: int) -> Motion:
    """The motion, its row locked until the caller's transaction ends (an idempotent consumer)."""
    return Motion.objects.select_for_update().get(pk=motion_id)


def motions_before_vote(*, kind: str, council_code: str) -> QuerySet[Motion]:
    """A council's motions of a kind still in drafting (draft or tabled), newest first."""
    return Motion.objects.filter(
        kind=kind,
        council__code=council_code,
        status__in=[MotionStatus.DRAFT, MotionStatus.TABLED],
    ).order_by("-created_at")


def motion_unpublished(motion_id: int) -> bool:
    """Whether a motion with this number is on its way to a published decision (tabled or later).

    Drafts and withdrawn motions answer as if they did not exist: the portal must not let anyone
    walk the numbers and learn that a (perhaps confidential) draft is being prepared.
    """
    return (
        Motion.objects.filter(pk=motion_id)
        .exclude(status__in=[MotionStatus.PUBLISHED, MotionStatus.DRAFT, MotionStatus.WITHDRAWN])
        .exists()
    )


def ballot_with_receipt(*, motion: Motion, receipt: str) -> Ballot | None:
    """The entry of the motion's ballot chain whose hash is `receipt`, with its proxy holder."""
    return (
        Ballot.objects.filter(motion=motion, entry_hash=receipt)
        .select_related("proxy_holder")
        .first()
    )


def ballot_published_with_receipt(*, receipt: str) -> Ballot | None:
    """The entry whose hash is `receipt` in any published decision's chain, with its motion."""
    return (
        Ballot.objects.filter(entry_hash=receipt, motion__status=MotionStatus.PUBLISHED)
        .select_related("motion")
        .first()
    )


def ballot_last_seq(*, motion: Motion, tag: str) -> int | None:
    """The highest sequence number of the tag's entries in the motion's chain (the one counted)."""
    return (
        Ballot.objects.filter(motion=motion, tag=tag)
        .order_by("-seq")
        .values_list("seq", flat=True)
        .first()
    )
