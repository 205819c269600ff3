"""Checking a decision against its signed statement and the log against a kept tree head.

Pure code: `verify_votes`, the public verification endpoint and the offline
`python -m transparency.recompute` all call these same functions, so all three find the same
differences in the same words.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from governance import merkle, rules
from governance.chain import canonical

if TYPE_CHECKING:
    # Only signature checks need `cryptography`; the rest runs on a bare Python.
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

TALLY_KEYS = ("outcome", "yes", "no", "abstain", "absent")


class TooManyTags(ValueError):
    """A secret vote with more counted pseudonyms than states that may vote."""


def recount(
    rule_data: Mapping[str, Any],
    electorate: Mapping[str, Any],
    current: Mapping[str, str],
    *,
    secret: bool,
    participants: Iterable[str] | None = None,
    attendance: Iterable[str] = (),
    casting_vote: str | None = None,
) -> rules.Tally:
    """The tally as an outsider recounts it, through the one pure `rules.tally`: the frozen
    electorate document, the last ballot of each tag (a state's code, or a secret vote's
    pseudonym), the states present and the chair's casting vote.

    A secret vote's choices go to the states that took part (`rules.anonymous_ballots`):
    `participants` where they are known (the database keeps who voted, never how); otherwise,
    as in the open data, to as many of the states present as there are choices, so that no
    choice makes a state present that was not (rules counting heads cannot tell them apart).
    """
    typed = rules.Electorate.from_document(electorate)
    rule = rules.VotingRule.from_dict(rule_data)
    present = sorted(set(attendance))
    ballots: Mapping[str, str | rules.Choice]
    if secret:
        voting = [e.state for e in typed.voting_members]
        if len(current) > len(voting):
            # More pseudonyms than electors means ballots were added by someone who is not one.
            raise TooManyTags(
                f"{len(current)} secret ballots are counted but only {len(voting)} states may vote"
            )
        if participants is None:
            order = [s for s in present if s in voting] + [s for s in voting if s not in present]
            participants = order[: len(current)]
        ballots = rules.anonymous_ballots(typed, participants, current.values())
    else:
        ballots = dict(current)
    return rules.tally(
        typed,
        ballots,
        attendance=present,
        casting_vote=casting_vote or None,
        rule=rule,
    )


def statement_problems(
    *,
    reference: str,
    body: str,
    signature: str,
    public_key: Ed25519PublicKey | None,
    electorate_sha256: str,
    chain_head: str,
    chain_length: int,
    recount: Mapping[str, Any] | None,
    present_states: Sequence[str] | None = None,
    casting_vote: str | None = None,
) -> list[str]:
    """How the re-walked chain and recount differ from what the platform signed at closing.

    `present_states` (the states present, as recorded today) and `casting_vote` (the chair's,
    as recorded today) are compared with the statement when it signed them, and a casting vote
    it did not sign is named too.
    """
    problems: list[str] = []
    try:
        document = json.loads(body)
    except ValueError:
        return [f"{reference}: the signed statement is not JSON"]
    if canonical(document).decode() != body:
        problems.append(f"{reference}: the signed statement is not in canonical form")
    if public_key is not None:
        from governance import signing

        try:
            signing.verify(public_key, document, signature)
        except signing.SignatureError as exc:
            problems.append(f"{reference}: the signed statement does not verify ({exc})")
    if document.get("motion") != reference:
        problems.append(f"{reference}: the signed statement is about {document.get('motion')!r}")
    if document.get("electorate_sha256") != electorate_sha256:
        problems.append(
            f"{reference}: the electorate hash is {electorate_sha256[:12]}… but the platform "
            f"signed {str(document.get('electorate_sha256'))[:12]}… at closing"
        )
    if document.get("chain_head") != chain_head or document.get("chain_length") != chain_length:
        problems.append(
            f"{reference}: the ballot chain ends at {chain_head[:12]}… ({chain_length} entries) "
            f"but the platform signed {str(document.get('chain_head'))[:12]}… "
            f"({document.get('chain_length')} entries) at closing: the ballots were rewritten"
        )
    if "present_states" in document and present_states is not None:
        signed_present = sorted(document.get("present_states") or [])
        if signed_present != sorted(present_states):
            problems.append(
                f"{reference}: the states present are {', '.join(sorted(present_states)) or 'none'} "
                f"but the platform signed {', '.join(signed_present) or 'none'}"
            )
    if (document.get("casting_vote") or None) != (casting_vote or None):
        problems.append(
            f"{reference}: the chair's casting vote is {casting_vote or 'none'} but the platform "
            f"signed {document.get('casting_vote') or 'none'}"
        )
    if recount is not None:
        signed = document.get("tally") or {}
        for key in TALLY_KEYS:
            if str(signed.get(key)) != str(recount.get(key)):
                problems.append(
                    f"{reference}: recount gives {key} = {recount.get(key)} but the platform "
                    f"signed {key} = {signed.get(key)} at closing"
                )
    return problems


def tree_head_problems(
    head: Mapping[str, Any], public_key: Ed25519PublicKey, *, name: str = "tree head"
) -> list[str]:
    """Whether a signed tree head ({"tree_head": {...}, "signature": "..."}) is the platform's."""
    from governance import signing

    document, signature = head.get("tree_head"), head.get("signature")
    if not isinstance(document, dict) or not isinstance(signature, str):
        return [f"the {name} has no tree_head and signature"]
    try:
        signing.verify(public_key, document, signature)
    except signing.SignatureError as exc:
        return [f"the {name} does not verify ({exc})"]
    return []


def checkpoint_problems(
    checkpoint: Mapping[str, Any],
    public_key: Ed25519PublicKey,
    leaf_hashes: Sequence[bytes],
    latest: Mapping[str, Any] | None,
) -> list[str]:
    """Whether today's log still begins with the log a kept (signed) tree head described.

    `leaf_hashes` are the leaves the platform shows today, `latest` its newest signed tree head.
    The consistency proof is built from today's leaves and checked only against the two signed
    roots, as a watcher holding just the two tree heads would check it.
    """
    problems = tree_head_problems(checkpoint, public_key, name="checkpoint")
    if problems:
        return problems
    old = checkpoint["tree_head"]
    size, old_root = int(old["tree_size"]), bytes.fromhex(old["root_hash"])
    if latest is None:
        return ["the platform shows no signed tree head at all"]
    problems = tree_head_problems(latest, public_key, name="latest tree head")
    if problems:
        return problems
    new = latest["tree_head"]
    new_size, new_root = int(new["tree_size"]), bytes.fromhex(new["root_hash"])
    if merkle.root(leaf_hashes).hex() != new["root_hash"] or len(leaf_hashes) != new_size:
        problems.append(
            "the log's entries do not hash to the platform's latest signed tree head "
            f"(size {new_size})"
        )
    if size > new_size:
        return [
            *problems,
            f"the log has shrunk: your checkpoint holds {size} decisions, the platform now {new_size}",
        ]
    if size == 0:
        return problems
    try:
        proof = merkle.consistency_proof(size, leaf_hashes[:new_size])
        merkle.verify_consistency(size, new_size, old_root, new_root, proof)
    except merkle.ProofError as exc:
        problems.append(
            f"the log is not consistent with your checkpoint of {size} decisions: {exc}"
        )
    return problems


def log_problems(
    entries: Sequence[tuple[int, str]],
    latest: Mapping[str, Any] | None,
    public_key: Ed25519PublicKey | None,
    checkpoint: Mapping[str, Any] | None = None,
) -> list[str]:
    """Problems with a whole log: its (index, statement) entries, its newest signed tree head
    ({"tree_head", "signature"}) and, if given, a signed tree head the user kept earlier.

    Leaves are hashed again from the statements, never taken from a stored column. Without a
    key nothing is said about signatures (a checkpoint needs one: it is only as good as its
    signature).
    """
    problems: list[str] = []
    if [index for index, _ in entries] != list(range(len(entries))):
        problems.append("the log's entries are not numbered 0, 1, 2, … without gaps")
    leaves = [merkle.leaf_hash(body.encode()) for _, body in entries]
    if latest is not None:
        if public_key is not None:
            problems += tree_head_problems(latest, public_key, name="latest tree head")
        size = int(latest["tree_head"]["tree_size"])
        if (
            size > len(leaves)
            or merkle.root(leaves[:size]).hex() != latest["tree_head"]["root_hash"]
        ):
            problems.append(
                f"the log's first {size} entries do not hash to the latest signed tree head's root"
            )
    elif leaves:
        problems.append("the log has entries but no signed tree head")
    if checkpoint is not None and public_key is not None:
        problems += checkpoint_problems(checkpoint, public_key, leaves, latest)
    return problems
