"""The per-motion ballot hash chain: canonical encoding, hashing and re-walking.

entry_hash = SHA-256(prev_hash_bytes || canonical_entry_bytes), where canonical_entry_bytes is
the entry as JSON with sorted keys, no spaces, UTF-8. The first entry's prev_hash is the
electorate snapshot's SHA-256, so a chain is bound to the electorate it was cast under.
Anyone can re-walk a published chain with only this module and hashlib.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any


def canonical(data: Any) -> bytes:
    """The one byte encoding of a JSON-able value that everyone hashes the same way."""
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


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


@dataclass(frozen=True)
class ChainCheck:
    """What re-walking a chain found."""

    ok: bool
    length: int
    head: str
    problems: tuple[str, ...]
    current: dict[str, str]  # tag -> the choice of its last ballot


def walk(genesis: str, entries: Iterable[Mapping[str, Any]]) -> ChainCheck:
    """Re-walk a chain: every link, every hash, sequence without gaps; the last ballot per tag counts.

    Each entry holds the ballot fields plus `prev_hash` and `entry_hash` as published.
    """
    problems: list[str] = []
    prev = genesis
    current: dict[str, str] = {}
    n = 0
    for n, raw in enumerate(entries, start=1):
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
        prev = raw["entry_hash"]
        current[raw["tag"]] = raw["choice"]
    return ChainCheck(
        ok=not problems, length=n, head=prev, problems=tuple(problems), current=current
    )
