"""Benchmark: re-walk a 1,000,000-entry ballot chain, beside raw SHA-256 over the same bytes.

    .venv/bin/python bench/chain_verify.py [--entries N] [--rounds R]

Builds a chain in memory the way ballot_cast hashes it, takes it through JSON (as a verifier
loads a published chain), then times, in this one run and on these same entries:

- raw:        hashlib.sha256(prev_bytes + canonical_bytes) over byte strings prepared beforehand;
- walk:       governance.chain.walk over the entries (links, hashes, sequence, current ballots);
- floor:      reading the fields, one fixed template, SHA-256 and hex, and no checks at all:
              what any per-entry walk in pure Python costs at least;
- documented: the same walk done the way the rule is written, json.dumps for every entry.

It prints entries per second and each figure as a ratio of raw (target for walk: at least 0.5).
Nothing is asserted about speed; the run fails only if the chain does not verify.
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import json
import operator
import random
import sys
import tracemalloc
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

# `python bench/chain_verify.py` puts bench/ on the path, not the project root.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._setup import machine, peak_rss_mb, seconds
from governance import chain

# 35 member states, as on a large council.
STATES = (
    "AT", "BE", "BG", "CH", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GB", "GR", "HR", "HU",
    "IE", "IS", "IT", "LT", "LU", "LV", "MT", "NL", "NO", "PL", "PT", "RO", "SE", "SI", "SK", "TR",
    "UA", "RS", "ME",
)  # fmt: skip
MOTION = "GC/2026/001"
CHOICES = ("yes", "no", "abstain")
SEED = 2026


def build_entries(count: int) -> tuple[str, list[dict[str, Any]]]:
    """Published chain entries: states voting and re-voting, some by proxy, two kinds of tag.

    Half the ballots carry a roll-call tag (the state code; one in ten cast by a proxy holder),
    half a secret-ballot tag (the 64-hex HMAC of the state, never a proxy), so both entry sizes
    a real chain can have are hashed. A real chain has one kind only; walk does not care.
    """
    rng = random.Random(SEED)
    key = rng.randbytes(32)
    secret = {s: hmac.new(key, s.encode(), hashlib.sha256).hexdigest() for s in STATES}
    genesis = hashlib.sha256(b"electorate snapshot of " + MOTION.encode()).hexdigest()
    entries = []
    prev = genesis
    for seq in range(1, count + 1):
        state = rng.choice(STATES)
        if rng.random() < 0.5:
            tag, holder = secret[state], None
        else:
            tag = state
            holder = rng.choice(STATES) if rng.random() < 0.1 else None
        fields = chain.ballot_entry(
            motion=MOTION, seq=seq, tag=tag, choice=rng.choice(CHOICES), proxy_holder=holder
        )
        digest = chain.entry_hash(prev, fields)
        entries.append({**fields, "prev_hash": prev, "entry_hash": digest})
        prev = digest
    # Through JSON, so every value is its own object, as after loading the published chain.
    published: list[dict[str, Any]] = json.loads(json.dumps(entries))
    return genesis, published


def raw_inputs(entries: Sequence[Mapping[str, Any]]) -> tuple[list[bytes], list[bytes]]:
    """The exact bytes each entry's hash is taken over: previous hash, canonical JSON."""
    prevs = [bytes.fromhex(e["prev_hash"]) for e in entries]
    bodies = [
        chain.canonical(
            chain.ballot_entry(
                motion=e["motion"],
                seq=e["seq"],
                tag=e["tag"],
                choice=e["choice"],
                proxy_holder=e["proxy_holder"],
            )
        )
        for e in entries
    ]
    return prevs, bodies


def raw_sha256(prevs: list[bytes], bodies: list[bytes]) -> None:
    """The reference: nothing but SHA-256 over the prepared bytes of every entry."""
    sha256 = hashlib.sha256
    for prev, body in zip(prevs, bodies, strict=True):
        sha256(prev + body).digest()


def floor_walk(entries: Sequence[Mapping[str, Any]]) -> None:
    """The least any per-entry walk in Python does: read the fields, write bytes, hash, hex."""
    fields = operator.itemgetter(
        "choice", "motion", "proxy_holder", "seq", "tag", "prev_hash", "entry_hash"
    )
    # One fixed template and no checks at all: a bound from below, not a verification.
    template = b'{"choice":"yes","motion":"GC/2026/001","proxy_holder":null,"seq":%d,"tag":"DE"}'
    sha256, fromhex = hashlib.sha256, bytes.fromhex
    for e in entries:
        _choice, _motion, _holder, seq, _tag, prev_hash, _claimed = fields(e)
        sha256(fromhex(prev_hash) + template % seq).hexdigest()


def documented_walk(genesis: str, entries: Sequence[Mapping[str, Any]]) -> bool:
    """The walk as the rule is written: canonical JSON via json.dumps for each entry."""
    ok = True
    prev = genesis
    for n, e in enumerate(entries, start=1):
        body = chain.canonical(
            chain.ballot_entry(
                motion=e["motion"],
                seq=e["seq"],
                tag=e["tag"],
                choice=e["choice"],
                proxy_holder=e.get("proxy_holder"),
            )
        )
        expected = hashlib.sha256(bytes.fromhex(e["prev_hash"]) + body).hexdigest()
        ok = ok and e["seq"] == n and e["prev_hash"] == prev and e["entry_hash"] == expected
        prev = e["entry_hash"]
    return ok


def main(argv: list[str] | None = None) -> int:
    """Build the chain, check it verifies, time raw and walk in turns, and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=3, help="timed runs of raw and walk")
    args = parser.parse_args(argv)

    print(f"chain_verify: {args.entries:,} entries; {machine()}; {hashlib.sha256.__name__}")
    print("building the chain ...", flush=True)
    genesis, entries = build_entries(args.entries)
    prevs, bodies = raw_inputs(entries)

    result = chain.walk(genesis, entries)
    if not result.ok or result.length != args.entries:
        print(f"the chain did not verify: {result.problems[:3]}", file=sys.stderr)
        return 1
    if hashlib.sha256(prevs[-1] + bodies[-1]).hexdigest() != result.head:
        print("the raw bytes are not the bytes the chain was hashed over", file=sys.stderr)
        return 1

    # The chain file the portal publishes: "<entry hash> <canonical JSON>" per line.
    lines = [
        chain.chain_line(h, b)
        for h, b in zip((e["entry_hash"] for e in entries), bodies, strict=True)
    ]
    tags = len({e["tag"] for e in entries})
    file_check = chain.walk_lines(genesis, lines)
    if not file_check.ok or file_check.head != result.head or file_check.current != result.current:
        print(f"the chain file did not verify: {file_check.problems[:3]}", file=sys.stderr)
        return 1

    raw_s = walk_s = floor_s = lines_s = float("inf")
    for _ in range(args.rounds):
        # Alternating, so a slow patch of the machine hits all alike; the best run counts.
        raw_s = min(raw_s, seconds(lambda: raw_sha256(prevs, bodies)))
        walk_s = min(walk_s, seconds(lambda: chain.walk(genesis, entries)))
        floor_s = min(floor_s, seconds(lambda: floor_walk(entries)))
        lines_s = min(
            lines_s, seconds(lambda: chain.walk_lines(genesis, lines, tags_expected=tags))
        )
    lines_full_s = seconds(lambda: chain.walk_lines(genesis, lines))
    documented_s = seconds(lambda: documented_walk(genesis, entries))

    tracemalloc.start()
    chain.walk(genesis, entries)
    _, walk_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()

    raw_rate = args.entries / raw_s
    print(f"best of {args.rounds} (json.dumps per entry: 1 run)")
    for label, elapsed in (
        ("raw hashlib.sha256(prev + canonical)", raw_s),
        ("chain file: walk_lines (verify)", lines_s),
        ("chain file: walk_lines, every entry parsed", lines_full_s),
        ("governance.chain.walk (JSON entries)", walk_s),
        ("floor: read, format, hash; no checks", floor_s),
        ("json.dumps per entry, as the rule reads", documented_s),
    ):
        rate = args.entries / elapsed
        print(
            f"  {label:40s} {rate:>12,.0f} entries/s  {elapsed:6.2f} s  "
            f"{rate / raw_rate:5.2f} of raw"
        )
    print(f"  chain-file verify / raw = {raw_s / lines_s:.2f} (target: at least 0.50)")
    print(f"  JSON-entry walk / raw = {raw_s / walk_s:.2f}")
    print(f"  walk's own peak allocation: {walk_peak / 1e6:.1f} MB")
    print(f"  process peak RSS (chain and raw bytes in memory): {peak_rss_mb():,.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
