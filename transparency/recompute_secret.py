"""The offline recount of a secret vote with encrypted ballots, for `transparency.recompute`.

Django-free: the downloaded board (secret_boards.json, one row per published secret vote) is
checked by `governance.secret_board.verify_board`: every proof of every ballot, every
trustee's key and partial decryption, the chain, the product of the ballots and the
decrypted totals, then the count under the rule, compared with the published decision and
with the statement the platform signed. Each failure is named.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

from governance import chain, log_check
from governance.secret_board import verify_board


def check_secret_decision(
    decision: Mapping[str, Any],
    board_json: str,
    statement: Mapping[str, Any] | None,
    public_key: Any,
    fail: Callable[[str], None],
) -> None:
    """Report every problem with one published secret decision and its board."""
    ref = decision["reference"]
    try:
        board = json.loads(board_json)
    except ValueError:
        fail(f"{ref}: the published board is not JSON")
        return
    checked = verify_board(board)
    for problem in checked.problems:
        fail(f"{ref}: {problem}")
    if board.get("electorate", {}).get("sha256") != decision["electorate_sha256"]:
        fail(f"{ref}: the board's electorate is not the decision's")
    entries = board.get("ballots") or []
    head = entries[-1].get("entry_hash") if entries else decision["electorate_sha256"]
    if head != decision["chain_head"] or len(entries) != decision["chain_length"]:
        fail(
            f"{ref}: the board's chain ends at {str(head)[:12]}… ({len(entries)}) "
            f"but the decision says {decision['chain_head'][:12]}… ({decision['chain_length']})"
        )
    if checked.tally is None:
        if not checked.problems:
            fail(f"{ref}: the board has no decrypted totals to count")
        return
    for key in ("yes", "no", "abstain", "absent", "members", "outcome"):
        if str(checked.tally[key]) != str(decision[key]):
            fail(f"{ref}: recount gives {key} = {checked.tally[key]}, published {decision[key]}")
    if statement is None:
        fail(f"{ref}: no signed statement of this decision in decision_log")
        return
    walked = chain.ChainCheck(ok=True, length=len(entries), head=str(head), problems=(), current={})
    for signed in log_check.statement_problems(
        reference=ref,
        body=statement["statement"],
        signature=statement["signature"],
        public_key=public_key,
        electorate_sha256=decision["electorate_sha256"],
        chain_head=walked.head,
        chain_length=walked.length,
        recount=checked.tally,
        present_states=checked.tally.get("present_states"),
    ):
        fail(signed)
