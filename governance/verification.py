"""Re-walk a motion's ballot chain and recount it from the recorded ballots."""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from governance import chain, rules
from governance.models import Ballot, Motion, MotionStatus

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


def recount(
    rule_data: dict[str, Any], electorate: dict[str, Any], current: dict[str, str], secret: bool
) -> rules.Tally:
    """The tally from the electorate and the last ballot of each tag, as an outsider would do it."""
    electors = [
        rules.Elector(
            state=e["state"],
            population=e["population"],
            contribution_share=Fraction(e["share"]),
            recused=e["recused"],
        )
        for e in electorate["electors"]
    ]
    if secret:
        # Tags are pseudonyms; count-based rules only need how many of each choice, so give
        # the choices to the voting members in any order (weighted rules are refused for secret votes).
        voters = [e.state for e in electors if not e.recused]
        choices = sorted(current.values())
        current = dict(zip(voters, choices, strict=False))
    ballots = {state: rules.Choice(choice) for state, choice in current.items()}
    return rules.evaluate(rules.VotingRule.from_dict(rule_data), electors, ballots)


def verify_motion(motion: Motion) -> Verification:
    """Check the electorate hash, every chain link, the head, and the recount against the stored tally."""
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
        tally = recount(snapshot.entries["rule"], snapshot.entries, walked.current, motion.secret)
        result.recount = {
            k: v
            for k, v in tally.to_dict().items()
            if k in ("outcome", "yes", "no", "abstain", "absent", "summary")
        }
        stored = motion.tally or {}
        for key in ("outcome", "yes", "no", "abstain", "absent"):
            if str(stored.get(key)) != str(result.recount[key]):
                result.fail(
                    f"recount gives {key} = {result.recount[key]} but the recorded tally says {stored.get(key)}"
                )
        if motion.outcome and motion.outcome != result.recount["outcome"]:
            result.fail(
                f"recount gives {result.recount['outcome']} but the certified outcome is {motion.outcome}"
            )
    return result


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
