"""The public board of a secret vote, and the one check of it everyone runs.

Pure Python, no Django: the platform builds the board from its database
(`governance.selectors.secret.board_document`), `verify_votes` and the public verification
endpoint check it with `verify_board`, and so does `python -m transparency.recompute` from the
downloaded JSON. Every failure is a named `Problem` (code, where, detail).

What is checked, in order:

1. the electorate: its canonical bytes hash to the published SHA-256;
2. the trustees' keys: each key's proofs of knowledge, one per trustee 1..n, t of n as
   published, and the joint key as the sum of their first commitments;
3. the ballot chain: every entry links to the one before (the first to the electorate hash),
   its hash, its tracker, its ballot's proofs (bound to this vote, this key and its state),
   its state a voting member, the current ballot of each state the last it cast, and the
   chain's head and length as published;
4. the encrypted totals: the product of the current ballots under the weights the rule needs
   (recomputed from the electorate), equal to the published tally ciphertexts;
5. the partial decryptions: each proved against the trustee's verification key, t sound ones
   combine to the published totals;
6. the count: the rule applied to those totals gives the published outcome and figures.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from governance.ballotcrypto import Ballot, Problem, combine, tally_ballots, tracker, verify_ballot
from governance.ballotcrypto.problems import Malformed
from governance.ballotcrypto.tally import Tally as EncryptedTally
from governance.ballotcrypto.threshold import (
    TrusteeKey,
    joint_public_key,
    verify_partial_decryption,
    verify_trustee_keys,
)
from governance.chain import entry_hash, sha256_hex
from governance.rules import Electorate, RuleError
from governance.rules.totals import Totals, Weighting, tally_from_totals, weightings_for

FORMAT = "concordia-secret-board/1"


def ballot_entry(*, motion: str, seq: int, state: str, tracker: str) -> dict[str, Any]:
    """What the chain commits to for an encrypted ballot: who (public), when in order, which."""
    return {"motion": motion, "seq": seq, "state": state, "tracker": tracker}


@dataclass
class BoardCheck:
    """The result of checking a board: problems (empty: all holds) and what was recomputed."""

    problems: list[Problem] = field(default_factory=list)
    voters: tuple[str, ...] = ()
    totals: dict[str, int] | None = None
    tally: dict[str, Any] | None = None

    @property
    def ok(self) -> bool:
        return not self.problems


def _electorate(board: Mapping[str, Any], check: BoardCheck) -> Electorate | None:
    data = board.get("electorate") or {}
    canonical = data.get("canonical")
    if not isinstance(canonical, str):
        check.problems.append(Problem("electorate.missing", "electorate"))
        return None
    if sha256_hex(canonical.encode()) != data.get("sha256"):
        check.problems.append(
            Problem("electorate.hash_mismatch", "electorate", "the bytes do not hash to sha256")
        )
    try:
        return Electorate.from_json(canonical)
    except RuleError as error:
        check.problems.append(Problem("electorate.malformed", "electorate", str(error)))
        return None


def _keys(board: Mapping[str, Any], check: BoardCheck, vote_id: str) -> list[TrusteeKey] | None:
    trustees = board.get("trustees") or []
    threshold = board.get("threshold")
    if not isinstance(threshold, int) or not trustees:
        check.problems.append(Problem("trustee_keys.missing", "trustees"))
        return None
    keys_json = [t.get("public_key") for t in trustees]
    found = verify_trustee_keys(
        keys_json, vote_id=vote_id, threshold=threshold, trustees=len(trustees)
    )
    if found:
        check.problems.extend(found)
        return None
    keys = [TrusteeKey.from_json(k) for k in keys_json]
    if joint_public_key(keys).hex() != board.get("joint_public_key"):
        check.problems.append(
            Problem("joint_key.mismatch", "joint_public_key", "not the sum of the trustees' keys")
        )
        return None
    return keys


def _chain(
    board: Mapping[str, Any], check: BoardCheck, electorate: Electorate, key: bytes
) -> dict[str, Ballot]:
    motion = board["motion"]
    members = {e.state for e in electorate.voting_members}
    prev = board["electorate"]["sha256"]
    current: dict[str, tuple[int, Ballot]] = {}
    flagged: dict[int, bool] = {}
    entries = board.get("ballots") or []
    for position, item in enumerate(entries, start=1):
        where = f"ballot #{position}"
        seq, state = item.get("seq"), item.get("state")
        if seq != position:
            check.problems.append(Problem("chain.sequence", where, f"seq {seq!r}"))
        if item.get("prev_hash") != prev:
            check.problems.append(Problem("chain.broken_link", where))
        data = item.get("ballot")
        try:
            computed_tracker = tracker(data)
        except (TypeError, ValueError, AttributeError):
            computed_tracker = ""
        if computed_tracker != item.get("tracker"):
            check.problems.append(Problem("chain.tracker_mismatch", where))
        entry = ballot_entry(
            motion=motion, seq=position, state=str(state), tracker=computed_tracker
        )
        expected = entry_hash(prev, entry) if isinstance(prev, str) and len(prev) == 64 else ""
        if expected != item.get("entry_hash"):
            check.problems.append(Problem("chain.entry_hash_mismatch", where))
        prev = item.get("entry_hash")
        if state not in members:
            check.problems.append(Problem("chain.not_a_voter", where, f"{state!r}"))
            continue
        found = verify_ballot(data, vote_id=motion, public_key=key, voter=state)
        for problem in found:
            check.problems.append(
                Problem(problem.code, f"{where} ({state}) {problem.where}".strip(), problem.detail)
            )
        if not found:
            current[state] = (position, Ballot.from_json(data))
        flagged[position] = bool(item.get("is_current"))
    last = {seq for seq, _ in current.values()}
    for position, is_current in flagged.items():
        if is_current != (position in last):
            check.problems.append(
                Problem("chain.current_flag", f"ballot #{position}", "not the state's last ballot")
            )
    head = prev if entries else board["electorate"]["sha256"]
    if board.get("chain_head") not in (None, "") and board.get("chain_head") != head:
        check.problems.append(Problem("chain.head_mismatch", "chain_head"))
    if board.get("chain_length") not in (None, 0) and board.get("chain_length") != len(entries):
        check.problems.append(Problem("chain.length_mismatch", "chain_length"))
    return {state: ballot for state, (_, ballot) in sorted(current.items())}


def verify_board(board: Mapping[str, Any]) -> BoardCheck:
    """Check a secret vote's whole board; recompute its totals and count where it is decrypted."""
    check = BoardCheck()
    if not isinstance(board, Mapping) or board.get("format") != FORMAT:
        check.problems.append(Problem("board.malformed", "format", f"expected {FORMAT}"))
        return check
    vote_id = board.get("motion")
    electorate = _electorate(board, check)
    if electorate is None or not isinstance(vote_id, str):
        return check
    keys = _keys(board, check, vote_id)
    if keys is None:
        return check
    joint = joint_public_key(keys)
    current = _chain(board, check, electorate, joint)
    check.voters = tuple(current)
    weighting = weightings_for(electorate)
    published_weighting = board.get("weighting")
    if published_weighting is not None and published_weighting != weighting.to_json():
        check.problems.append(
            Problem("tally.weights_differ", "weighting", "not the electorate's weights")
        )
    published = board.get("encrypted_tally")
    if published is None:
        return check
    voted = current
    recomputed = tally_ballots(
        vote_id=vote_id,
        public_key=joint,
        ballots=voted,
        weightings={
            name: {s: w for s, w in weights.items() if s in voted}
            for name, weights in weighting.weights.items()
        },
    )
    if recomputed.to_json() != published:
        check.problems.append(
            Problem(
                "tally.ciphertexts_differ",
                "encrypted_tally",
                "not the product of the current ballots",
            )
        )
        return check
    partials = board.get("partial_decryptions") or []
    for partial in partials:
        check.problems.extend(
            verify_partial_decryption(partial, tally=recomputed, trustee_keys=keys)
        )
    if board.get("totals") is None:
        return check
    combined = combine(tally=recomputed, partials=partials, trustee_keys=keys)
    if combined.totals is None:
        check.problems.extend(p for p in combined.problems if p not in check.problems)
        return check
    check.totals = combined.totals
    if combined.totals != board.get("totals"):
        check.problems.append(
            Problem("totals.mismatch", "totals", "the partial decryptions give other totals")
        )
    try:
        voting = {e.state for e in electorate.voting_members}
        counted = tally_from_totals(
            electorate,
            voters=voted,
            totals=Totals.from_decrypted(combined.totals, weighting),
            attendance=[s for s in board.get("attendance") or [] if s in voting],
            casting_vote=board.get("casting_vote") or None,
        )
    except RuleError as error:
        check.problems.append(Problem("count.impossible", "totals", str(error)))
        return check
    check.tally = counted.to_dict()
    stored = board.get("tally")
    if stored is not None:
        for name in ("outcome", "yes", "no", "abstain", "absent", "yes_population", "yes_share"):
            if str(stored.get(name)) != str(check.tally.get(name)):
                check.problems.append(
                    Problem(
                        "count.mismatch",
                        f"tally.{name}",
                        f"published {stored.get(name)!r}, recounted {check.tally.get(name)!r}",
                    )
                )
    return check


def parse_tally(data: Any) -> EncryptedTally | None:
    """The encrypted tally from untrusted JSON, or None if malformed."""
    try:
        return EncryptedTally.from_json(data)
    except Malformed:
        return None


__all__ = ["FORMAT", "BoardCheck", "Weighting", "ballot_entry", "parse_tally", "verify_board"]
