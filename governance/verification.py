"""Re-walk a motion's ballot chain and recount it from the recorded ballots."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from core.models import AuditEvent
from governance import chain, log_check, rules
from governance.log_keys import public_key
from governance.models import (
    Attendance,
    Ballot,
    BallotParticipation,
    DecisionStatement,
    Motion,
    MotionStatus,
    TreeHead,
)
from governance.selectors.secret import is_encrypted
from governance.verification_secret import check_encrypted

COUNTED = (MotionStatus.VOTING_CLOSED, MotionStatus.CERTIFIED, MotionStatus.PUBLISHED)


@dataclass
class Verification:
    """What a re-check of one motion found; `ok` only if nothing at all differs."""

    motion: str
    ok: bool = True
    chain_length: int = 0
    chain_head: str = ""
    electorate_sha256: str = ""
    recount: dict[str, Any] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    def fail(self, problem: str) -> None:
        self.ok = False
        self.problems.append(problem)


def chain_entries(motion: Motion) -> list[dict[str, Any]]:
    """The published form of the chain: what anyone needs to re-walk it."""
    rows = Ballot.objects.filter(motion=motion).order_by("seq").select_related("proxy_holder")
    return [
        {
            "motion": motion.reference,
            "seq": b.seq,
            "tag": b.tag,
            "choice": b.choice,
            "proxy_holder": b.proxy_holder.code if b.proxy_holder else None,
            "prev_hash": b.prev_hash,
            "entry_hash": b.entry_hash,
        }
        for b in rows
    ]


TooManyTags = log_check.TooManyTags


def signed_head(head: TreeHead) -> dict[str, Any]:
    """A tree head as published (and as a watcher saves it to use as a checkpoint)."""
    return {"tree_head": json.loads(head.body), "signature": head.signature}


def verify_log(
    *, key: Ed25519PublicKey | None = None, checkpoint: dict[str, Any] | None = None
) -> list[str]:
    """Problems with the whole log: leaves, the latest signed head and an optional checkpoint."""
    entries = list(DecisionStatement.objects.order_by("index").values_list("index", "body"))
    latest = TreeHead.objects.order_by("-signed_at", "-id").first()
    return log_check.log_problems(
        entries, signed_head(latest) if latest else None, key or public_key(), checkpoint
    )


def _audit_problems(motion: Motion, walked: chain.ChainCheck) -> list[str]:
    """Whether the close and certify rows of the append-only audit trail tell the same story."""
    problems = []
    rows = AuditEvent.objects.filter(
        target_type="governance.motion",
        target_id=str(motion.pk),
        action__in=["motion.close", "motion.certify"],
    ).order_by("occurred_at", "id")
    seen = set()
    for row in rows:
        seen.add(row.action)
        after = row.after or {}
        if after.get("chain_head") != walked.head:
            problems.append(
                f"the {row.action} audit row recorded chain head {str(after.get('chain_head'))[:12]}… "
                f"but the chain ends at {walked.head[:12]}…"
            )
        if (
            row.action == "motion.certify"
            and motion.outcome
            and after.get("outcome") != motion.outcome
        ):
            problems.append(
                f"the certify audit row recorded outcome {after.get('outcome')} but the motion says {motion.outcome}"
            )
    if "motion.close" not in seen:
        problems.append("no audit row records this vote's close")
    if motion.status != MotionStatus.VOTING_CLOSED and "motion.certify" not in seen:
        problems.append("no audit row records this result's certification")
    return problems


def recount(
    rule_data: dict[str, Any],
    electorate: dict[str, Any],
    current: dict[str, str],
    secret: bool,
    *,
    participants: Iterable[str] | None = None,
    attendance: Iterable[str] = (),
    casting_vote: str | None = None,
) -> rules.Tally:
    """The tally from the electorate and the last ballot of each tag, as an outsider would do it."""
    return log_check.recount(
        rule_data,
        electorate,
        current,
        secret=secret,
        participants=participants,
        attendance=attendance,
        casting_vote=casting_vote,
    )


def present_recorded(motion: Motion, walked: chain.ChainCheck) -> list[str]:
    """The states present as the database records them today: marked present, or voted.

    Voters come from the re-walked chain (a roll-call vote's tags are the states) or, for a
    secret vote, from the participation list; a recount must not trust the stored tally.
    """
    voted = (
        set(
            BallotParticipation.objects.filter(motion=motion).values_list(
                "member_state__code", flat=True
            )
        )
        if motion.secret
        else set(walked.current)
    )
    marked = Attendance.objects.filter(motion=motion, present=True).values_list(
        "member_state__code", flat=True
    )
    voting = {e.state for e in motion.electorate.as_electorate().voting_members}
    return sorted((set(marked) | voted) & voting)


def verify_motion(
    motion: Motion,
    *,
    key: Ed25519PublicKey | None = None,
) -> Verification:
    """Check the electorate hash, chain links, head and recount against the stored tally, the
    signed statement and the audit trail."""
    result = Verification(motion=motion.reference)
    snapshot = getattr(motion, "electorate", None)
    if snapshot is None:
        result.fail("no electorate was frozen for this motion")
        return result
    result.electorate_sha256 = snapshot.sha256
    if chain.sha256_hex(snapshot.canonical.encode()) != snapshot.sha256:
        result.fail("the electorate snapshot does not match its SHA-256")
    if chain.canonical(snapshot.entries).decode() != snapshot.canonical:
        result.fail("the electorate entries differ from the hashed encoding")
    if is_encrypted(motion):
        return _verify_encrypted(motion, result, key)
    walked = chain.walk(snapshot.sha256, chain_entries(motion))
    result.chain_length, result.chain_head = walked.length, walked.head
    for problem in walked.problems:
        result.fail(problem)
    if motion.status in COUNTED:
        if motion.chain_head != walked.head or motion.chain_length != walked.length:
            result.fail(
                f"the certified chain head is {motion.chain_head[:12]}… ({motion.chain_length} entries) "
                f"but the chain ends at {walked.head[:12]}… ({walked.length} entries)"
            )
        present = present_recorded(motion, walked)
        participants: list[str] | None = None
        if motion.secret:
            participants = sorted(
                BallotParticipation.objects.filter(motion=motion).values_list(
                    "member_state__code", flat=True
                )
            )
        try:
            tally = recount(
                snapshot.as_electorate().rule,
                snapshot.entries,
                walked.current,
                motion.secret,
                participants=participants,
                attendance=present,
                casting_vote=motion.casting_vote or None,
            )
        except (TooManyTags, rules.RuleError) as exc:
            result.fail(str(exc))
            return result
        result.recount = {
            k: v
            for k, v in tally.to_dict().items()
            if k in ("outcome", "yes", "no", "abstain", "absent", "summary")
        }
        stored = motion.tally or {}
        for name in ("outcome", "yes", "no", "abstain", "absent"):
            if str(stored.get(name)) != str(result.recount[name]):
                result.fail(
                    f"recount gives {name} = {result.recount[name]} but the recorded tally says {stored.get(name)}"
                )
        if motion.outcome and motion.outcome != result.recount["outcome"]:
            result.fail(
                f"recount gives {result.recount['outcome']} but the certified outcome is {motion.outcome}"
            )
        for problem in _audit_problems(motion, walked):
            result.fail(problem)
        _check_statement(motion, walked, result, key or public_key(), present)
    return result


def _verify_encrypted(
    motion: Motion, result: Verification, key: Ed25519PublicKey | None
) -> Verification:
    """An encrypted secret vote: its public board, then the audit trail and signed statement."""
    checked = check_encrypted(motion)
    assert checked.walked is not None  # noqa: S101 - always set by check_encrypted
    result.chain_length, result.chain_head = checked.walked.length, checked.walked.head
    for problem in checked.problems:
        result.fail(problem)
    if motion.status in COUNTED:
        if motion.chain_head != checked.walked.head or motion.chain_length != checked.walked.length:
            result.fail("the closed chain head or length differs from the ballots on the board")
        for problem in _audit_problems(motion, checked.walked):
            result.fail(problem)
        if checked.recount is not None:
            result.recount = checked.recount
            _check_statement(motion, checked.walked, result, key or public_key(), checked.present)
    return result


def _check_statement(
    motion: Motion,
    walked: chain.ChainCheck,
    result: Verification,
    key: Ed25519PublicKey,
    present: list[str],
) -> None:
    """Compare the re-walked chain and recount with what the platform signed at closing.

    (A kept checkpoint cannot say which entry changed, only that the log changed: the whole
    log is compared with it in `verify_log`.)"""
    # The latest statement counts: a casting vote after a tie adds a second one.
    statement = DecisionStatement.objects.filter(motion=motion).order_by("-index").first()
    if statement is None:
        result.fail("the platform's signed statement of this result is missing from the log")
        return
    for problem in log_check.statement_problems(
        reference=motion.reference,
        body=statement.body,
        signature=statement.signature,
        public_key=key,
        electorate_sha256=result.electorate_sha256,
        chain_head=walked.head,
        chain_length=walked.length,
        recount=result.recount,
        present_states=present,
        casting_vote=motion.casting_vote or None,
    ):
        result.fail(problem)
    signed_text = json.loads(statement.body).get("text_sha256")
    if signed_text is not None and signed_text != chain.sha256_hex(motion.text.encode()):
        result.fail("the motion's text differs from the consolidated text the platform signed")


def chain_file(motion: Motion) -> bytes:
    """The chain as the portal publishes it: one "<entry hash> <canonical JSON>" line per ballot."""
    from governance.chain import ballot_entry_bytes, chain_line

    lines = [
        chain_line(
            e["entry_hash"],
            ballot_entry_bytes(
                motion=e["motion"],
                seq=e["seq"],
                tag=e["tag"],
                choice=e["choice"],
                proxy_holder=e["proxy_holder"],
            ),
        )
        for e in chain_entries(motion)
    ]
    return b"".join(lines)
