"""The per-motion ballot hash chain: canonical encoding, hashing and re-walking.

entry_hash = SHA-256(prev_hash_bytes || canonical_entry_bytes), where canonical_entry_bytes is
the entry as JSON with sorted keys, no spaces, UTF-8. The first entry's prev_hash is the
electorate snapshot's SHA-256, so a chain is bound to the electorate it was cast under.
Anyone can re-walk a published chain with only this module and hashlib.

`walk` writes the JSON of ordinary entries from a template instead of calling `json.dumps`
for each one; the bytes are the same (tests/governance/test_chain.py proves it), and anything
out of the ordinary goes through `canonical` as before.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import operator
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any


def canonical(data: Any) -> bytes:
    """The one byte encoding of a JSON-able value that everyone hashes the same way."""
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def secret_tag(key: bytes, state_code: str) -> str:
    """The pseudonym of a state in one secret vote; unlinkable once the key is erased."""
    return hmac.new(key, state_code.encode(), hashlib.sha256).hexdigest()


def ballot_entry(
    *, motion: str, seq: int, tag: str, choice: str, proxy_holder: str | None
) -> dict[str, Any]:
    """The fields of a ballot that the chain commits to."""
    return {
        "motion": motion,
        "seq": seq,
        "tag": tag,
        "choice": choice,
        "proxy_holder": proxy_holder,
    }


def entry_hash(prev_hash: str, entry: Mapping[str, Any]) -> str:
    return hashlib.sha256(bytes.fromhex(prev_hash) + canonical(entry)).hexdigest()


def _plain(value: object) -> bool:
    """Whether JSON writes this value as the string itself between quotes, with nothing escaped."""
    # json.dumps escapes only '"', '\\' and characters below U+0020; printable ASCII without
    # the first two needs no escape and is its own UTF-8. Anything else takes `canonical`.
    return (
        type(value) is str
        and value.isascii()
        and value.isprintable()
        and '"' not in value
        and "\\" not in value
    )


def _template(choice: Any, motion: Any, proxy_holder: Any, tag: Any) -> bytes | None:
    """The canonical bytes of a ballot entry with `%d` where its seq goes; None unless all plain.

    Keys in sorted order (choice, motion, proxy_holder, seq, tag) and the separators of
    `canonical`, so `template % seq` equals `canonical(ballot_entry(...))` for an int seq.
    """
    if not (
        _plain(choice)
        and _plain(motion)
        and _plain(tag)
        and (proxy_holder is None or _plain(proxy_holder))
    ):
        return None
    # A '%' in a value must come out as itself, not start a conversion.
    c, m, t = (v.replace("%", "%%") for v in (choice, motion, tag))
    holder = "null" if proxy_holder is None else '"' + proxy_holder.replace("%", "%%") + '"'
    return (
        f'{{"choice":"{c}","motion":"{m}","proxy_holder":{holder},"seq":%d,"tag":"{t}"}}'.encode()
    )


def ballot_entry_bytes(*, motion: Any, seq: Any, tag: Any, choice: Any, proxy_holder: Any) -> bytes:
    """`canonical(ballot_entry(...))`, written from a template when every value is plain."""
    # Exactly int: bool and float pass for numbers in `%d` but JSON writes them differently.
    template = _template(choice, motion, proxy_holder, tag) if type(seq) is int else None
    if template is None:
        return canonical(
            ballot_entry(motion=motion, seq=seq, tag=tag, choice=choice, proxy_holder=proxy_holder)
        )
    return template % seq


_TEMPLATES_KEPT = 65_536


class _Templates(dict[tuple[str, str, str | None, str], bytes | None]):
    """Templates by (choice, motion, proxy_holder, tag), made on first use; a chain has few."""

    def __missing__(self, key: tuple[str, str, str | None, str]) -> bytes | None:
        if len(self) >= _TEMPLATES_KEPT:
            # Bounds memory on a chain of all-different tags; a busy chain refills quickly.
            self.clear()
        template = self[key] = _template(*key)
        return template


@dataclass(frozen=True)
class ChainCheck:
    """What re-walking a chain found."""

    ok: bool
    length: int
    head: str
    problems: tuple[str, ...]
    current: dict[str, str]  # tag -> the choice of its last ballot


_FIELDS = operator.itemgetter(
    "choice", "motion", "proxy_holder", "seq", "tag", "prev_hash", "entry_hash"
)


def _check(n: int, raw: Mapping[str, Any], prev: str, problems: list[str]) -> None:
    """The documented check of one entry, field by field; for entries the fast loop does not take."""
    entry = ballot_entry(
        motion=raw["motion"],
        seq=raw["seq"],
        tag=raw["tag"],
        choice=raw["choice"],
        proxy_holder=raw.get("proxy_holder"),
    )
    if raw["seq"] != n:
        problems.append(f"entry {n}: sequence number {raw['seq']} where {n} was expected")
    if raw["prev_hash"] != prev:
        problems.append(
            f"entry {n}: links to {raw['prev_hash'][:12]}… but the previous hash is {prev[:12]}…"
        )
    expected = entry_hash(raw["prev_hash"], entry)
    if raw["entry_hash"] != expected:
        problems.append(
            f"entry {n}: hash {raw['entry_hash'][:12]}… does not match its content ({expected[:12]}…)"
        )


def walk(genesis: str, entries: Iterable[Mapping[str, Any]]) -> ChainCheck:
    """Re-walk a chain: every link, every hash, sequence without gaps; the last ballot per tag counts.

    Each entry holds the ballot fields plus `prev_hash` and `entry_hash` as published.
    """
    problems: list[str] = []
    prev = genesis
    current: dict[str, str] = {}
    n = 0
    templates = _Templates()
    sha256, fromhex = hashlib.sha256, bytes.fromhex
    for n, raw in enumerate(entries, start=1):
        try:
            choice, motion, proxy_holder, seq, tag, prev_hash, claimed = _FIELDS(raw)
        except Exception:
            # A missing proxy_holder (allowed) or a malformed entry: the documented steps decide,
            # so a bad entry fails exactly as it always did.
            _check(n, raw, prev, problems)
            prev = raw["entry_hash"]
            current[raw["tag"]] = raw["choice"]
            continue
        if seq != n:
            problems.append(f"entry {n}: sequence number {seq} where {n} was expected")
        if prev_hash != prev:
            problems.append(
                f"entry {n}: links to {prev_hash[:12]}… but the previous hash is {prev[:12]}…"
            )
        template = None
        # Only exact str/None keys reach the templates, so a look-up never matches a value that
        # merely compares equal to a string; seq must be exactly int (a bool passes `%d`).
        if (
            type(seq) is int
            and type(choice) is str
            and type(motion) is str
            and type(tag) is str
            and (proxy_holder is None or type(proxy_holder) is str)
        ):
            template = templates[(choice, motion, proxy_holder, tag)]
        if template is None:
            entry = ballot_entry(
                motion=motion, seq=seq, tag=tag, choice=choice, proxy_holder=proxy_holder
            )
            expected = sha256(fromhex(prev_hash) + canonical(entry)).hexdigest()
        else:
            expected = sha256(fromhex(prev_hash) + template % seq).hexdigest()
        if claimed != expected:
            problems.append(
                f"entry {n}: hash {claimed[:12]}… does not match its content ({expected[:12]}…)"
            )
        prev = claimed
        current[tag] = choice
    return ChainCheck(
        ok=not problems, length=n, head=prev, problems=tuple(problems), current=current
    )


# The chain file: what the portal publishes for download and what verifiers read fastest.
# One line per entry, in order: the entry's hash in hex, one space, its canonical JSON, "\n".
# The previous hash is not written: it is the line before's hash (the electorate hash for the
# first), so a removed, added or reordered line breaks the next line's hash.


def chain_line(entry_hash_hex: str, body: bytes) -> bytes:
    """One line of the chain file."""
    return entry_hash_hex.encode() + b" " + body + b"\n"


def walk_lines(
    genesis: str, lines: Iterable[bytes], *, tags_expected: int | None = None
) -> ChainCheck:
    """Re-walk a chain file: each line's hash must be SHA-256 of the previous hash and its JSON.

    The current ballot of each tag is then read from the end, stopping once `tags_expected`
    tags are found (every tag when it is None); a line whose JSON is not a ballot entry is a
    problem like any other.
    """
    sha256 = hashlib.sha256
    problems: list[str] = []
    kept = lines if isinstance(lines, list) else list(lines)
    prev = bytes.fromhex(genesis)
    bad = False
    # The hot loop does only what integrity needs; the layout of each line is checked below,
    # on the lines read for the tally, and a wrong hash names its line after the loop.
    for line in kept:
        digest = sha256(prev + line[65:-1]).digest()
        if digest.hex().encode() != line[:64]:
            bad = True
        prev = digest
    if bad:
        # Rare: walk again, slowly, to name every failing line by its number.
        prev = bytes.fromhex(genesis)
        for number, line in enumerate(kept, start=1):
            digest = sha256(prev + line[65:-1]).digest()
            if digest.hex().encode() != line[:64]:
                problems.append(
                    f"line {number}: the hash does not match the previous hash and the entry"
                )
            prev = digest
    n = len(kept)
    current: dict[str, str] = {}
    seen = 0
    for n_back, line in enumerate(reversed(kept)):
        if tags_expected is not None and seen >= tags_expected:
            break
        try:
            if line[64:65] != b" " or line[-1:] != b"\n":
                raise ValueError("layout")
            entry = json.loads(line[65:-1])
            tag, choice = str(entry["tag"]), str(entry["choice"])
            if entry["seq"] != len(kept) - n_back:
                problems.append(f"line {len(kept) - n_back}: sequence number {entry['seq']}")
        except (ValueError, KeyError, TypeError):
            problems.append(f"line {len(kept) - n_back}: not a ballot entry")
            continue
        if tag not in current:
            current[tag] = choice
            seen += 1
    return ChainCheck(
        ok=not problems, length=n, head=prev.hex(), problems=tuple(problems), current=current
    )
