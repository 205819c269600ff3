"""Recompute the portal's published results from its open data alone: no database, no access.

Usage, in a folder where you saved the portal's JSON downloads (decisions.json,
roll_calls.json, ballot_chains.json, electorates.json, quotas.json):

    python -m transparency.recompute FOLDER

It re-walks every ballot chain from its electorate's hash, checks each electorate against its
SHA-256, recounts every roll-call vote under its published rule, recomputes every national GPU
quota from the published split inputs, and reports any difference.
Only the standard library and the platform's pure rule modules are used.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from collections import defaultdict
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path
from typing import Any

from governance import chain, rules


def _load(folder: Path, name: str) -> list[dict[str, Any]]:
    path = folder / f"{name}.json"
    if not path.exists():
        return []
    data = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(data, list):
        raise SystemExit(f"{path}: expected a JSON list")
    return data


def check_decisions(folder: Path, report: Callable[[str], None]) -> int:
    """Every difference found in the published votes; returns how many there were."""
    problems = 0
    decisions = _load(folder, "decisions")
    electorates = {e["reference"]: e for e in _load(folder, "electorates")}
    chains: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for entry in _load(folder, "ballot_chains"):
        chains[entry["motion"]].append(entry)
    roll_calls: dict[str, dict[str, str]] = defaultdict(dict)
    for row in _load(folder, "roll_calls"):
        roll_calls[row["reference"]][row["state"]] = row["choice"]

    def fail(message: str) -> None:
        nonlocal problems
        problems += 1
        report(message)

    for d in decisions:
        ref = d["reference"]
        electorate = electorates.get(ref)
        if electorate is None:
            fail(f"{ref}: no published electorate")
            continue
        if (
            hashlib.sha256(electorate["canonical"].encode()).hexdigest() != electorate["sha256"]
            or electorate["sha256"] != d["electorate_sha256"]
        ):
            fail(f"{ref}: the electorate does not match its SHA-256")
            continue
        walked = chain.walk(
            d["electorate_sha256"], sorted(chains.get(ref, []), key=lambda e: e["seq"])
        )
        for problem in walked.problems:
            fail(f"{ref}: {problem}")
        if walked.head != d["chain_head"] or walked.length != d["chain_length"]:
            fail(
                f"{ref}: the chain ends at {walked.head[:12]}… ({walked.length}) "
                f"but the decision says {d['chain_head'][:12]}… ({d['chain_length']})"
            )
        body = json.loads(electorate["canonical"])
        electors = [
            rules.Elector(
                state=e["state"],
                population=e["population"],
                contribution_share=Fraction(e["share"]),
                recused=e["recused"],
            )
            for e in body["electors"]
        ]
        rule = rules.VotingRule.from_dict(json.loads(d["rule"]))
        if d["secret"]:
            voters = [e.state for e in electors if not e.recused]
            counted = dict(zip(voters, sorted(walked.current.values()), strict=False))
        else:
            counted = dict(walked.current)
            published = {
                s: c for s, c in roll_calls.get(ref, {}).items() if c in ("yes", "no", "abstain")
            }
            if published != counted:
                fail(f"{ref}: the roll call differs from the ballot chain")
        tally = rules.evaluate(rule, electors, {s: rules.Choice(c) for s, c in counted.items()})
        for key in ("yes", "no", "abstain", "absent", "members"):
            if str(getattr(tally, key)) != str(d[key]):
                fail(f"{ref}: recount gives {key} = {getattr(tally, key)}, published {d[key]}")
        if tally.outcome.value != d["outcome"]:
            fail(f"{ref}: recount gives {tally.outcome.value}, published {d['outcome']}")
    report(f"{len(decisions)} decision(s) recomputed, {problems} difference(s).")
    return problems


def check_quotas(folder: Path, report: Callable[[str], None]) -> int:
    """Recompute every period's split from its published inputs; returns the differences found."""
    from decimal import Decimal

    from compute import rules as split_rules

    periods: dict[Any, list[dict[str, Any]]] = defaultdict(list)
    for row in _load(folder, "quotas"):
        periods[row["period_id"]].append(row)
    problems = 0
    for rows in periods.values():
        first = rows[0]
        shares = {r["state"]: Fraction(Decimal(r["share"])) for r in rows}
        total = sum(shares.values(), Fraction(0))
        split = split_rules.split_capacity(
            split_rules.SplitInputs(
                capacity_minutes=int(first["capacity_minutes"]),
                programme_share=Fraction(Decimal(first["programme_share"])),
                reserve_share=Fraction(Decimal(first["reserve_share"])),
                policy=split_rules.SplitPolicy(equal=Fraction(Decimal(first["equal_share"]))),
                states=tuple(
                    split_rules.StateShare(c, s / total) for c, s in sorted(shares.items())
                ),
            )
        )
        name = f"{first['cluster']} {first['period']}"
        if split.programme_minutes != int(
            first["programme_minutes"]
        ) or split.reserve_minutes != int(first["reserve_minutes"]):
            problems += 1
            report(
                f"{name}: recomputed programme/reserve {split.programme_minutes}/{split.reserve_minutes} differ"
            )
        for r in rows:
            got = split.state(r["state"])
            if (got.minutes, got.equal_minutes, got.proportional_minutes) != (
                int(r["minutes"]),
                int(r["equal_minutes"]),
                int(r["proportional_minutes"]),
            ):
                problems += 1
                report(
                    f"{name}: {r['state']} recomputes to {got.minutes} GPU-minutes, published {r['minutes']}"
                )
    report(f"{len(periods)} quota split(s) recomputed, {problems} difference(s).")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("folder", type=Path, help="folder holding the portal's JSON downloads")
    args = parser.parse_args(argv)
    problems = check_decisions(args.folder, print) + check_quotas(args.folder, print)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
