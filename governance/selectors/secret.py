"""Reads of secret votes with encrypted ballots: the ceremony's state and the public board."""

from __future__ import annotations

from typing import Any

from governance.models import EncryptedBallot, Motion, MotionStatus, SecretVote, Trustee
from governance.secret_board import FORMAT
from governance.selectors.rulebook import states_present

# A board is public once the vote has closed; while it is open, who voted is public too, but
# the board as a whole (with every encrypted ballot) is published with the close.
_BOARD_PUBLIC = (MotionStatus.VOTING_CLOSED, MotionStatus.CERTIFIED, MotionStatus.PUBLISHED)


def secret_vote_of(motion: Motion) -> SecretVote | None:
    """The encrypted set-up of a secret vote, or None (a roll-call or a pre-issue-16 vote)."""
    return SecretVote.objects.filter(motion=motion).first()


def is_encrypted(motion: Motion) -> bool:
    """Whether the motion is a secret vote with encrypted ballots (issue 16)."""
    return bool(motion.secret) and SecretVote.objects.filter(motion=motion).exists()


def encrypted_states_voted(motion: Motion) -> set[str]:
    """The states with a ballot in an encrypted vote: who voted (public), never how."""
    return set(
        EncryptedBallot.objects.filter(motion=motion, is_current=True).values_list(
            "state", flat=True
        )
    )


def tracker_find(motion: Motion, tracker: str) -> tuple[int, str, int] | None:
    """(its seq, its state, the seq of that state's last ballot) for a tracker on the board."""
    row = EncryptedBallot.objects.filter(motion=motion, tracker=tracker).first()
    if row is None:
        return None
    last = (
        EncryptedBallot.objects.filter(motion=motion, state=row.state)
        .order_by("-seq")
        .values_list("seq", flat=True)
        .first()
    )
    return row.seq, row.state, int(last or row.seq)


def trustee_rows(secret_vote: SecretVote) -> list[Trustee]:
    return list(secret_vote.trustees.select_related("member_state").order_by("number"))


def ceremony_state(motion: Motion, *, trustee: Trustee | None = None) -> dict[str, Any]:
    """What a trustee's device needs at each step: the parameters, every key, its shares."""
    secret_vote = SecretVote.objects.get(motion=motion)
    trustees = trustee_rows(secret_vote)
    state: dict[str, Any] = {
        "motion": motion.reference,
        "vote_id": motion.reference,
        "status": motion.status,
        "threshold": secret_vote.threshold,
        "trustees": [
            {
                "number": t.number,
                "state": t.member_state.code,
                "public_key": t.public_key,
                "key_published": t.key_published_at is not None,
                "shares_sent": t.shares_sent_at is not None,
                "confirmed": t.confirmed_at is not None,
            }
            for t in trustees
        ],
        "joint_public_key": secret_vote.joint_public_key or None,
        "encrypted_tally": secret_vote.encrypted_tally,
        "decrypted": secret_vote.totals is not None,
        "partials_posted": sorted(
            p.trustee.number for p in secret_vote.partial_decryptions.select_related("trustee")
        ),
    }
    if trustee is not None:
        state["me"] = trustee.number
        state["shares_for_me"] = [
            s.message
            for s in secret_vote.shares.filter(recipient=trustee.number).order_by("sender")
        ]
    return state


def board_document(motion: Motion) -> dict[str, Any]:
    """The public board of a closed secret vote: everything anyone needs to recount it."""
    secret_vote = SecretVote.objects.get(motion=motion)
    snapshot = motion.electorate
    ballots = EncryptedBallot.objects.filter(motion=motion).order_by("seq")
    return {
        "format": FORMAT,
        "motion": motion.reference,
        "electorate": {"canonical": snapshot.canonical, "sha256": snapshot.sha256},
        "rule": motion.rule,
        "threshold": secret_vote.threshold,
        "trustees": [
            {"number": t.number, "state": t.member_state.code, "public_key": t.public_key}
            for t in trustee_rows(secret_vote)
        ],
        "joint_public_key": secret_vote.joint_public_key,
        "ballots": [
            {
                "seq": b.seq,
                "state": b.state,
                "ballot": b.ballot,
                "tracker": b.tracker,
                "is_current": b.is_current,
                "prev_hash": b.prev_hash,
                "entry_hash": b.entry_hash,
            }
            for b in ballots
        ],
        # The states marked present (attendance), for rules that count those present.
        "attendance": sorted(states_present(motion, set())),
        "weighting": secret_vote.weightings,
        "encrypted_tally": secret_vote.encrypted_tally,
        "partial_decryptions": [
            p.data
            for p in secret_vote.partial_decryptions.select_related("trustee").order_by(
                "trustee__number"
            )
        ],
        "totals": secret_vote.totals,
        "tally": motion.tally,
        # The chair's casting vote after a tie, counted with the decrypted totals.
        "casting_vote": motion.casting_vote or None,
        "chain_head": motion.chain_head,
        "chain_length": motion.chain_length,
    }


def boards_public() -> list[Motion]:
    """Closed secret votes with encrypted ballots, for open data."""
    return list(
        Motion.objects.filter(status__in=_BOARD_PUBLIC, secret=True, secret_vote__isnull=False)
        .select_related("electorate", "council")
        .order_by("reference")
    )
