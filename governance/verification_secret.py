"""Re-checking a secret vote with encrypted ballots from the database: the public board's check.

`verify_motion` hands an encrypted secret vote here; the board the database holds is checked
exactly as the offline recompute checks the downloaded one (`governance.secret_board`), and
what it recounts goes on to the same audit-trail and signed-statement checks as a roll call.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from governance import chain
from governance.models import Motion, MotionStatus
from governance.secret_board import verify_board
from governance.selectors.secret import board_document

COUNTED = (MotionStatus.VOTING_CLOSED, MotionStatus.CERTIFIED, MotionStatus.PUBLISHED)


@dataclass
class SecretCheck:
    """The board's problems in words, the chain as walked, and the recount (once decrypted)."""

    problems: list[str] = field(default_factory=list)
    walked: chain.ChainCheck | None = None
    recount: dict[str, Any] | None = None
    present: list[str] = field(default_factory=list)


def check_encrypted(motion: Motion) -> SecretCheck:
    """Check an encrypted secret vote's whole board as it stands in the database."""
    board = board_document(motion)
    if motion.status not in COUNTED:
        board["encrypted_tally"] = None
    checked = verify_board(board)
    entries = board["ballots"]
    head = entries[-1]["entry_hash"] if entries else board["electorate"]["sha256"]
    walked = chain.ChainCheck(
        ok=checked.ok, length=len(entries), head=head, problems=(), current={}
    )
    recount = None
    if checked.tally is not None:
        recount = {
            k: v
            for k, v in checked.tally.items()
            if k in ("outcome", "yes", "no", "abstain", "absent", "summary")
        }
    voting = {e["state"] for e in motion.electorate.entries["electors"] if not e["recused"]}
    present = sorted((set(board["attendance"]) | set(checked.voters)) & voting)
    return SecretCheck([str(p) for p in checked.problems], walked, recount, present)
