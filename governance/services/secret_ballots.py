"""Casting an encrypted ballot, and adding the ballots up under encryption at the close.

Who voted is public: the state's code is on the ballot (its proofs name it) and in the chain.
How it voted is encrypted on the delegation's device under the trustees' joint key; the
server checks the proofs and never sees a choice. The receipt is the ballot's tracker.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.actors import Actor
from core.audit import audit_record
from core.errors import Conflict, NotAllowed, ValidationFailed
from core.permissions import require_fresh_mfa, require_mfa
from governance import permissions
from governance.ballotcrypto import Ballot, tally_ballots, tracker, verify_ballot
from governance.chain import entry_hash
from governance.models import EncryptedBallot, MemberState, Motion, MotionStatus, SecretVote
from governance.rules import Electorate, ballot_refusal
from governance.rules.totals import weightings_for
from governance.secret_board import ballot_entry
from governance.services.ballots import _check_not_suspended, _refusal_message
from governance.services.trustees import problem_message


@dataclass(frozen=True)
class EncryptedReceipt:
    """What the delegation keeps: the tracker finds its ballot on the public board."""

    motion: str
    seq: int
    tracker: str
    entry_hash: str
    state: str
    superseded_earlier: bool


@transaction.atomic
def encrypted_ballot_cast(
    *, actor: Actor, motion: Motion, member_state: MemberState, ballot: Any
) -> EncryptedReceipt:
    """Cast (or change) a state's encrypted ballot; a bad ballot is a 400 naming the problem."""
    require_mfa(actor)
    locked = (
        Motion.objects.select_for_update(of=("self",))
        .select_related("council", "electorate")
        .get(pk=motion.pk)
    )
    secret_vote = SecretVote.objects.filter(motion=locked).first()
    if not locked.secret or secret_vote is None:
        raise Conflict(
            _("%(ref)s is not a vote with encrypted ballots.") % {"ref": locked.reference},
            code="not_encrypted",
        )
    now = timezone.now()
    if locked.status in (MotionStatus.DRAFT, MotionStatus.TABLED, MotionStatus.WITHDRAWN):
        raise Conflict(
            _("Voting on %(ref)s has not opened yet; this ballot was not recorded.")
            % {"ref": locked.reference},
            code="voting_not_open",
        )
    if locked.status != MotionStatus.VOTING_OPEN or now >= locked.closes_at:
        raise Conflict(
            _("Voting on %(ref)s has closed; this ballot was not recorded.")
            % {"ref": locked.reference},
            code="voting_closed",
        )
    electorate = Electorate.from_document(locked.electorate.entries)
    own = permissions.voting_delegation(actor, locked.council)
    refusal = ballot_refusal(electorate, member_state.code, own.code if own else None)
    if refusal is not None:
        raise NotAllowed(_refusal_message(refusal, locked.council.name))
    elector = electorate.elector(member_state.code)
    assert elector is not None  # noqa: S101 - ballot_refusal refuses a state outside it
    _check_not_suspended(member_state, elector.proxy_holder)
    require_fresh_mfa(actor)
    problems = verify_ballot(
        ballot,
        vote_id=locked.reference,
        public_key=bytes.fromhex(secret_vote.joint_public_key),
        voter=member_state.code,
    )
    if problems:
        raise ValidationFailed(problem_message(problems[0]), field="ballot", code=problems[0].code)
    normal = Ballot.from_json(ballot).to_json()
    receipt = tracker(normal)
    if EncryptedBallot.objects.filter(tracker=receipt).exists():
        raise Conflict(
            _("This very ballot was cast before; encrypt the choice again to cast it anew."),
            field="ballot",
            code="ballot_replayed",
        )
    last = (
        EncryptedBallot.objects.filter(motion=locked)
        .order_by("-seq")
        .only("seq", "entry_hash")
        .first()
    )
    prev = last.entry_hash if last else locked.electorate.sha256
    seq = last.seq + 1 if last else 1
    superseded = EncryptedBallot.objects.filter(
        motion=locked, state=member_state.code, is_current=True
    ).update(is_current=False)
    entry = ballot_entry(motion=locked.reference, seq=seq, state=member_state.code, tracker=receipt)
    row = EncryptedBallot.objects.create(
        motion=locked,
        seq=seq,
        state=member_state.code,
        ballot=normal,
        tracker=receipt,
        cast_by=actor.user,
        prev_hash=prev,
        entry_hash=entry_hash(prev, entry),
    )
    # Who voted, and the tracker, are public anyway; the choice is nowhere but encrypted.
    audit_record(
        actor=actor,
        action="ballot.cast",
        target=locked,
        after={"state": member_state.code, "seq": seq, "tracker": receipt},
    )
    return EncryptedReceipt(
        motion=locked.reference,
        seq=seq,
        tracker=receipt,
        entry_hash=row.entry_hash,
        state=member_state.code,
        superseded_earlier=bool(superseded),
    )


def encrypted_motion_close(*, actor: Actor, motion: Motion, now: dt.datetime) -> Motion:
    """Close an encrypted secret vote (inside `motion_close`, the motion locked).

    The current ballots are added up under encryption, once per weighting the rule needs;
    the count waits for the trustees' partial decryptions (`partial_decryption_post`), and so
    does the statement signed for the decision log.
    """
    secret_vote = SecretVote.objects.select_for_update().get(motion=motion)
    electorate = Electorate.from_document(motion.electorate.entries)
    weighting = weightings_for(electorate)
    current = {
        row.state: Ballot.from_json(row.ballot)
        for row in EncryptedBallot.objects.filter(motion=motion, is_current=True).order_by("state")
    }
    tally = tally_ballots(
        vote_id=motion.reference,
        public_key=bytes.fromhex(secret_vote.joint_public_key),
        ballots=current,
        weightings={
            name: {s: w for s, w in weights.items() if s in current}
            for name, weights in weighting.weights.items()
        },
    )
    secret_vote.encrypted_tally = tally.to_json()
    secret_vote.weightings = weighting.to_json()
    secret_vote.save(update_fields=["encrypted_tally", "weightings"])
    last = EncryptedBallot.objects.filter(motion=motion).order_by("-seq").first()
    motion.status = MotionStatus.VOTING_CLOSED
    motion.closed_at = now
    motion.tally = None
    motion.chain_head = last.entry_hash if last else motion.electorate.sha256
    motion.chain_length = last.seq if last else 0
    motion.secret_key = None
    motion.save(
        update_fields=["status", "closed_at", "tally", "chain_head", "chain_length", "secret_key"]
    )
    audit_record(
        actor=actor,
        action="motion.close",
        target=motion,
        before={"status": "voting_open"},
        after={
            "status": "voting_closed",
            "turnout": len(current),
            "chain_head": motion.chain_head,
            "encrypted_tally": tally.digest,
        },
    )
    return motion
