"""Casting a state's vote: checks, the hash chain, the receipt, and the secret-ballot split."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.actors import Actor
from core.audit import audit_record
from core.errors import Conflict, NotAllowed, ValidationFailed
from core.permissions import require_fresh_mfa, require_mfa
from governance import permissions
from governance.chain import ballot_entry, entry_hash, secret_tag
from governance.models import (
    Ballot,
    BallotChoice,
    BallotParticipation,
    MemberState,
    Motion,
    MotionStatus,
    VotingRightsSuspension,
)
from governance.rules import Electorate, Refusal, RefusalCode, ballot_refusal
from governance.selectors import secret as secret_selectors


@dataclass(frozen=True)
class Receipt:
    """What the caster keeps: the entry's hash proves the ballot is in the published chain."""

    motion: str
    seq: int
    entry_hash: str
    state: str
    choice: str | None  # None for a secret ballot: the receipt must not prove how one voted
    superseded_earlier: bool


def _refusal_message(refusal: Refusal, council_name: str) -> str:
    """The message a refused caster reads, one per code of governance.rules.eligibility."""
    code = refusal.code
    if code is RefusalCode.NOT_IN_ELECTORATE:
        return _("%(state)s is not in the electorate of this vote.") % {"state": refusal.state}
    if code is RefusalCode.RECUSED:
        return _("%(state)s has recused itself from this vote.") % {"state": refusal.state}
    if code is RefusalCode.NO_ACCREDITATION:
        return _("You hold no voting accreditation to %(council)s.") % {"council": council_name}
    if code is RefusalCode.PROXY_GIVEN:
        return _(
            "%(state)s has given its vote to %(holder)s as proxy; only %(holder)s can cast it."
        ) % {"state": refusal.state, "holder": refusal.holder}
    return _("You may vote only for your own state, %(state)s.") % {"state": refusal.own_state}


def _check_not_suspended(member_state: MemberState, holder: str | None) -> None:
    """A suspension takes effect at once, even in a vote already open (see ELECTORATE_RULE).

    Neither the state whose vote it is nor a proxy holder casting it may be suspended now.
    Ballots cast before the suspension stay counted; the frozen electorate is not changed.
    """
    involved = sorted({member_state.code, *([holder] if holder else [])})
    # Lock the states' rows: voting_rights_suspend locks the same row, so a ballot lands either
    # wholly before a suspension (and counts) or after it (and is refused), never in between.
    list(
        MemberState.objects.select_for_update(no_key=True)
        .filter(code__in=involved)
        .order_by("code")
    )
    suspension = (
        VotingRightsSuspension.objects.filter(
            member_state__code__in=involved, restored_at__isnull=True
        )
        .select_related("member_state")
        .order_by("member_state__code")
        .first()
    )
    if suspension is None:
        return
    when = timezone.localtime(suspension.suspended_at).strftime("%Y-%m-%d %H:%M %Z")
    if suspension.member_state.code == member_state.code:
        message = _(
            "The voting rights of %(state)s are suspended since %(when)s; it can no longer vote "
            "in this vote. A ballot it cast before the suspension stays counted."
        ) % {"state": member_state.code, "when": when}
    else:
        message = _(
            "The voting rights of %(holder)s are suspended since %(when)s; it can no longer cast "
            "the vote of %(state)s that it holds as proxy."
        ) % {"holder": suspension.member_state.code, "state": member_state.code, "when": when}
    raise NotAllowed(message, code="voting_rights_suspended")


@transaction.atomic
def ballot_cast(*, actor: Actor, motion: Motion, member_state: MemberState, choice: str) -> Receipt:
    """Cast (or change) a state's vote; the server clock decides whether voting is still open."""
    require_mfa(actor)
    if motion.secret and secret_selectors.is_encrypted(motion):
        raise Conflict(
            _(
                "%(ref)s is a secret vote: its ballots are encrypted on your device and sent as "
                "a ballot document, not as a plain choice."
            )
            % {"ref": motion.reference},
            code="encrypted_ballot_required",
        )
    if choice not in BallotChoice.values:
        raise ValidationFailed(_("Choose yes, no or abstain."), field="choice")
    # Every ballot of a motion goes through this lock: the chain has one order, and a ballot
    # either lands before the close (counted) or sees the closed motion (refused).
    locked = (
        Motion.objects.select_for_update(of=("self",))
        .select_related("council", "electorate")
        .get(pk=motion.pk)
    )
    now = timezone.now()
    if locked.status in (MotionStatus.DRAFT, MotionStatus.TABLED):
        raise Conflict(
            _("Voting on %(ref)s has not opened yet; this ballot was not recorded.")
            % {"ref": locked.reference},
            code="voting_not_open",
        )
    if locked.status == MotionStatus.WITHDRAWN:
        raise Conflict(
            _("%(ref)s was withdrawn; there is no vote on it.") % {"ref": locked.reference},
            code="voting_not_open",
        )
    if locked.status != MotionStatus.VOTING_OPEN or now >= locked.closes_at:
        closed = min(locked.closed_at or locked.closes_at, locked.closes_at)
        when = timezone.localtime(closed).strftime("%Y-%m-%d %H:%M:%S %Z")
        raise Conflict(
            _("Voting on %(ref)s closed at %(when)s; this ballot was not recorded.")
            % {"ref": locked.reference, "when": when},
            code="voting_closed",
        )
    electorate = Electorate.from_document(locked.electorate.entries)
    # Who may cast this state's ballot is pure (governance.rules.eligibility); whose
    # accreditation the actor holds today needs the database.
    own = permissions.voting_delegation(actor, locked.council)
    refusal = ballot_refusal(electorate, member_state.code, own.code if own else None)
    if refusal is not None:
        raise NotAllowed(_refusal_message(refusal, locked.council.name))
    elector = electorate.elector(member_state.code)
    assert elector is not None  # noqa: S101 - ballot_refusal refuses a state outside it
    holder = elector.proxy_holder
    _check_not_suspended(member_state, holder)
    require_fresh_mfa(actor)
    tag = (
        secret_tag(bytes(locked.secret_key or b""), member_state.code)
        if locked.secret
        else member_state.code
    )
    last = Ballot.objects.filter(motion=locked).order_by("-seq").only("seq", "entry_hash").first()
    prev = last.entry_hash if last else locked.electorate.sha256
    seq = last.seq + 1 if last else 1
    superseded = Ballot.objects.filter(motion=locked, tag=tag, is_current=True).update(
        is_current=False
    )
    proxy_code = None if locked.secret else holder
    entry = ballot_entry(
        motion=locked.reference, seq=seq, tag=tag, choice=choice, proxy_holder=proxy_code
    )
    ballot = Ballot.objects.create(
        motion=locked,
        seq=seq,
        tag=tag,
        choice=choice,
        cast_by=None if locked.secret else actor.user,
        cast_at=None if locked.secret else now,
        proxy_holder=MemberState.objects.get(code=holder)
        if (holder and not locked.secret)
        else None,
        prev_hash=prev,
        entry_hash=entry_hash(prev, entry),
    )
    if locked.secret:
        # Who voted is kept apart from how: no timestamp, a random key, and no audit row that
        # would order the participations against the chain.
        assert actor.user is not None  # noqa: S101 - require_mfa and voting_delegation need a person
        BallotParticipation.objects.get_or_create(
            motion=locked,
            member_state=member_state,
            defaults={"id": uuid.uuid4(), "cast_by": actor.user},
        )
    else:
        # Who cast a ballot for which state, never how: the chain holds the choice, and the
        # trail is read by staff while the vote is open. The receipt stays out too, since
        # the choice can be guessed from it in three tries. Readers see both after the close.
        audit_record(
            actor=actor,
            action="ballot.cast",
            target=locked,
            after={"state": member_state.code, "seq": seq, "proxy_holder": holder},
        )
    return Receipt(
        motion=locked.reference,
        seq=seq,
        entry_hash=ballot.entry_hash,
        state=member_state.code,
        choice=None if locked.secret else choice,
        superseded_earlier=bool(superseded),
    )


def resolve_tags(motion: Motion, ballots: Iterable[Ballot]) -> list[Ballot]:
    """Ballots with their tags as state codes (a secret vote's tags need its key, before erasure)."""
    ballots = list(ballots)
    if not motion.secret:
        return ballots
    if not motion.secret_key:
        raise Conflict(
            _("The key of this secret vote is gone; its ballots can no longer be told apart.")
        )
    key = bytes(motion.secret_key)
    states = {secret_tag(key, state): state for state in motion.electorate.as_electorate().states}
    resolved = []
    for ballot in ballots:
        copy = Ballot(
            motion=motion,
            seq=ballot.seq,
            tag=states[ballot.tag],
            choice=ballot.choice,
            entry_hash=ballot.entry_hash,
        )
        resolved.append(copy)
    return resolved


def states_voted(motion: Motion) -> set[str]:
    """Which states have a ballot in (turnout only: for a secret vote, from the participations)."""
    if motion.secret and secret_selectors.is_encrypted(motion):
        return secret_selectors.encrypted_states_voted(motion)
    if motion.secret:
        return set(
            BallotParticipation.objects.filter(motion=motion).values_list(
                "member_state__code", flat=True
            )
        )
    return set(Ballot.objects.filter(motion=motion, is_current=True).values_list("tag", flat=True))
