"""Recompute the portal's published results from its open data alone: no database, no access.

Usage, in a folder where you saved the portal's JSON downloads (/portal/data/<table>.json for
decisions, roll_calls, ballot_chains, secret_boards, electorates, quotas, scales, scale_shares, budgets,
assessments, contributions and member_states):

    python -m transparency.recompute FOLDER

It checks, and reports every difference it finds, naming the decision, period, scale, year or
state:

- votes: each electorate against its SHA-256; each ballot chain re-walked from its
  electorate's hash to the published head; each roll call against the chain; each tally and
  outcome recounted under its published rule (governance.rules);
- secret votes with encrypted ballots (secret_boards): every proof of every ballot, trustee
  key and partial decryption, the chain, the product of the ballots, the decrypted totals and
  the count under the rule (transparency.recompute_secret, governance.secret_board);
- quotas: each period's national GPU quotas recomputed from the published split inputs
  (compute.rules);
- scales: each adopted scale's frozen inputs against their SHA-256, and every share
  recomputed from those inputs with funding.rules.compute_scale (exact fractions), compared
  with scale_shares (share_exact, the 18-place share, full_share, reasons);
- assessments: each year's budget total (the sum of its lines in budgets) apportioned over the
  year's shares with funding.rules.apportion (largest remainder, to the cent), compared with
  assessments; the shares used against the scale's; and the assessed amounts in contributions
  and member_states against the assessments.

- the decision log (decision_log, tree_heads): each published decision against the statement
  the platform signed when its vote closed (chain head, electorate hash, tally); every Merkle
  leaf hashed again and the latest signed tree head's root recomputed; with `--public-key
  PEM`, every signature; with `--checkpoint FILE` (a signed tree head you kept from
  /api/v1/public/log/), that the log still begins with the log you saw then. A rewrite of a
  result after it was published is found even by someone who holds the database.

A missing file counts as an empty table. Only the standard library and the platform's pure
rule modules are used (governance.rules, .chain, .merkle and .log_check, compute.rules,
funding.rules and .scale_io): a bare Python with this source tree runs it; checking signatures
needs the `cryptography` package as well. The exit status is 1 if anything differs, else 0.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from collections import defaultdict
from collections.abc import Callable
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

from governance import chain, log_check, rules
from transparency.recompute_secret import check_secret_decision

SHARE_PLACES = 18  # as funding stores a share's decimal (funding.services.scales)


def _load(folder: Path, name: str) -> list[dict[str, Any]]:
    path = folder / f"{name}.json"
    if not path.exists():
        return []
    data = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(data, list):
        raise SystemExit(f"{path}: expected a JSON list")
    return data


def check_decisions(folder: Path, report: Callable[[str], None], public_key: Any = None) -> int:
    """Every difference found in the published votes; returns how many there were.

    Each decision is also compared with the statement the platform signed when its vote closed
    (decision_log.json): a rewrite of ballots, chain and tally after closing shows there.
    """
    problems = 0
    decisions = _load(folder, "decisions")
    # A motion's latest statement is the one that counts (a casting vote adds a second one).
    statements = {
        row["motion"]: row
        for row in sorted(_load(folder, "decision_log"), key=lambda r: int(r["index"]))
    }
    electorates = {e["reference"]: e for e in _load(folder, "electorates")}
    chains: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for entry in _load(folder, "ballot_chains"):
        chains[entry["motion"]].append(entry)
    roll_calls: dict[str, dict[str, str]] = defaultdict(dict)
    for row in _load(folder, "roll_calls"):
        roll_calls[row["reference"]][row["state"]] = row["choice"]
    boards = {row["motion"]: row["board"] for row in _load(folder, "secret_boards")}

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
        if ref in boards:  # a secret vote with encrypted ballots: its board says it all
            check_secret_decision(d, boards[ref], statements.get(ref), public_key, fail)
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
        present = sorted((d.get("present_states") or "").split())
        casting = d.get("casting_vote") or None
        if not d["secret"]:
            published = {
                s: c for s, c in roll_calls.get(ref, {}).items() if c in ("yes", "no", "abstain")
            }
            if published != walked.current:
                fail(f"{ref}: the roll call differs from the ballot chain")
        try:
            tally = log_check.recount(
                json.loads(d["rule"]),
                body,
                walked.current,
                secret=bool(d["secret"]),
                attendance=present,
                casting_vote=casting,
            )
        except (rules.RuleError, log_check.TooManyTags) as exc:
            fail(f"{ref}: the published ballots cannot be counted: {exc}")
            continue
        for key in ("yes", "no", "abstain", "absent", "members"):
            if str(getattr(tally, key)) != str(d[key]):
                fail(f"{ref}: recount gives {key} = {getattr(tally, key)}, published {d[key]}")
        if tally.outcome.value != d["outcome"]:
            fail(f"{ref}: recount gives {tally.outcome.value}, published {d['outcome']}")
        statement = statements.get(ref)
        if statement is None:
            fail(f"{ref}: no signed statement of this decision in decision_log")
            continue
        for problem in log_check.statement_problems(
            reference=ref,
            body=statement["statement"],
            signature=statement["signature"],
            public_key=public_key,
            electorate_sha256=d["electorate_sha256"],
            chain_head=walked.head,
            chain_length=walked.length,
            recount=tally.to_dict(),
            present_states=present,
            casting_vote=casting,
        ):
            fail(problem)
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


def check_scales(folder: Path, report: Callable[[str], None]) -> int:
    """Recompute every adopted scale's shares from its frozen inputs; returns the differences."""
    from funding.rules import ScaleError, compute_scale, fraction_to_decimal, fraction_to_str
    from funding.scale_io import inputs_from_dict

    published: dict[tuple[str, int], dict[str, dict[str, Any]]] = defaultdict(dict)
    for row in _load(folder, "scale_shares"):
        published[(row["scale"], int(row["year"]))][row["state"]] = row
    problems = 0

    def fail(message: str) -> None:
        nonlocal problems
        problems += 1
        report(message)

    scales = _load(folder, "scales")
    for scale in scales:
        ref = scale["reference"]
        years = range(int(scale["first_year"]), int(scale["last_year"]) + 1)
        if hashlib.sha256(scale["inputs"].encode()).hexdigest() != scale["inputs_sha256"]:
            fail(f"{ref}: the inputs do not match their SHA-256")
            for year in years:
                published.pop((ref, year), {})  # nothing can be recomputed from them
            continue
        inputs = json.loads(scale["inputs"])
        for year in years:
            shares = published.pop((ref, year), {})
            data = inputs.get(str(year))
            if data is None:
                fail(f"{ref} {year}: no frozen inputs for this year")
                continue
            if data["parameters"] != json.loads(scale["parameters"]):
                fail(f"{ref} {year}: the inputs' parameters differ from the scale's")
            try:
                result = compute_scale(inputs_from_dict(data))
            except (ScaleError, ValueError, KeyError, TypeError) as exc:
                fail(f"{ref} {year}: the inputs do not compute: {exc}")
                continue
            for line in result.members:
                if line.code not in shares:
                    fail(f"{ref} {year} {line.code}: no published share")
                    continue
                row = shares.pop(line.code)
                exact = fraction_to_str(line.applied_share)
                if row["share_exact"] != exact:
                    fail(
                        f"{ref} {year} {line.code}: recomputed share {exact}, "
                        f"published {row['share_exact']}"
                    )
                expected = {
                    "share": fraction_to_decimal(line.applied_share, SHARE_PLACES),
                    "full_share": fraction_to_decimal(line.full_share, SHARE_PLACES),
                }
                for key, value in expected.items():
                    if Decimal(row[key]) != value:
                        fail(
                            f"{ref} {year} {line.code}: recomputed {key} {value}, published {row[key]}"
                        )
                reasons = " ".join(reason.value for reason in line.reasons)
                if (row["reasons"] or "") != reasons:
                    fail(
                        f"{ref} {year} {line.code}: recomputed reasons '{reasons}', "
                        f"published '{row['reasons']}'"
                    )
            for code in sorted(shares):
                fail(f"{ref} {year} {code}: a published share the inputs do not give")
    for (ref, year), shares in sorted(published.items()):
        fail(f"{ref} {year}: {len(shares)} share(s) of no published scale year")
    report(f"{len(scales)} scale(s) recomputed, {problems} difference(s).")
    return problems


def check_assessments(folder: Path, report: Callable[[str], None]) -> int:
    """Re-apportion every year's budget over its shares; returns the differences found."""
    from funding.rules import apportion

    problems = 0

    def fail(message: str) -> None:
        nonlocal problems
        problems += 1
        report(message)

    lines: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for line in _load(folder, "budgets"):
        lines[int(line["year"])].append(line)
    budgets = {
        year: sum(int(line["amount_cents"]) for line in rows) for year, rows in lines.items()
    }
    for year, rows in sorted(lines.items()):
        stated = {int(line["budget_total_cents"]) for line in rows}
        if stated != {budgets[year]}:
            fail(
                f"budget {year}: the lines add up to {budgets[year]} cents, "
                f"published total {', '.join(map(str, sorted(stated)))}"
            )
    scale_shares = {
        (r["scale"], int(r["year"]), r["state"]): r["share_exact"]
        for r in _load(folder, "scale_shares")
    }
    years: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for row in _load(folder, "assessments"):
        years[int(row["year"])].append(row)
    assessed: dict[tuple[int, str], int] = {}
    for year, rows in sorted(years.items()):
        if year not in budgets:
            fail(f"assessments {year}: no published budget for the year")
            continue
        for r in rows:
            if (
                scale_shares
                and scale_shares.get((r["scale"], year, r["state"])) != r["share_exact"]
            ):
                fail(f"assessments {year} {r['state']}: the share differs from scale {r['scale']}")
        try:
            amounts = apportion(
                budgets[year], {r["state"]: Fraction(r["share_exact"]) for r in rows}
            )
        except (ValueError, ZeroDivisionError) as exc:
            fail(f"assessments {year}: the shares do not apportion: {exc}")
            continue
        for r in rows:
            assessed[(year, r["state"])] = int(r["amount_cents"])
            if amounts[r["state"]] != int(r["amount_cents"]):
                fail(
                    f"assessments {year} {r['state']}: recomputed {amounts[r['state']]} cents, "
                    f"published {r['amount_cents']}"
                )
    # The status of contributions: what was called is what was assessed, and it adds up.
    totals: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    for c in _load(folder, "contributions"):
        key = (int(c["year"]), c["state"])
        called, paid, outstanding = (
            int(c["assessed_cents"]), int(c["paid_cents"]), int(c["outstanding_cents"]),
        )  # fmt: skip
        if assessed and called != assessed.get(key, 0):
            fail(
                f"contributions {key[0]} {key[1]}: {called} cents called, "
                f"assessed {assessed.get(key, 0)}"
            )
        if outstanding != called - paid:
            fail(f"contributions {key[0]} {key[1]}: outstanding is not called minus paid")
        for i, value in enumerate((called, paid, outstanding)):
            totals[c["state"]][i] += value
    if totals:
        for s in _load(folder, "member_states"):
            got = [int(s["assessed_cents"]), int(s["paid_cents"]), int(s["outstanding_cents"])]
            if got != totals.get(s["state"], [0, 0, 0]):
                fail(
                    f"member_states {s['state']}: assessed/paid/outstanding {got} differ from "
                    f"the sum of its contributions {totals.get(s['state'], [0, 0, 0])}"
                )
    report(f"{len(years)} year(s) of assessments recomputed, {problems} difference(s).")
    return problems


def check_log(
    folder: Path,
    report: Callable[[str], None],
    key: Any = None,
    checkpoint: dict[str, Any] | None = None,
) -> int:
    """The decision log: every leaf hashed again, the latest signed tree head, a kept checkpoint."""
    from governance import log_check

    statements = sorted(_load(folder, "decision_log"), key=lambda r: r["index"])
    heads = _load(folder, "tree_heads")
    latest = None
    if heads:
        newest = max(heads, key=lambda h: (h["signed_at"], h["tree_size"]))
        latest = {"tree_head": json.loads(newest["tree_head"]), "signature": newest["signature"]}
    entries = [(row["index"], row["statement"]) for row in statements]
    problems = [
        f"decision_log: {p}" for p in log_check.log_problems(entries, latest, key, checkpoint)
    ]
    if key is not None:
        from governance import signing

        for row in statements:
            try:
                signing.verify(key, json.loads(row["statement"]), row["signature"])
            except (ValueError, signing.SignatureError) as exc:
                problems.append(f"{row['motion']}: the signed statement does not verify ({exc})")
    for problem in problems:
        report(problem)
    verb = "checked against your checkpoint" if checkpoint is not None else "checked"
    if key is None:
        report("decision_log: signatures not checked (pin the platform's key with --public-key).")
    report(f"decision log of {len(statements)} statement(s) {verb}, {len(problems)} difference(s).")
    return len(problems)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("folder", type=Path, help="folder holding the portal's JSON downloads")
    parser.add_argument(
        "--public-key",
        type=Path,
        help="the platform's Ed25519 public key (PEM), as published on /portal/log/ and in the "
        "README; needed to check signatures (and the `cryptography` package)",
    )
    parser.add_argument(
        "--checkpoint",
        type=Path,
        help="a signed tree head you saved earlier (/api/v1/public/log/): proves that the log "
        "still begins with what it held then",
    )
    args = parser.parse_args(argv)
    key = checkpoint = None
    if args.public_key is not None:
        from governance import signing

        key = signing.load_public_pem(args.public_key.read_bytes())
    if args.checkpoint is not None:
        if key is None:
            parser.error(
                "--checkpoint needs --public-key: a tree head is only as good as its signature"
            )
        checkpoint = json.loads(args.checkpoint.read_text(encoding="utf-8"))
    problems = check_decisions(args.folder, print, key)
    problems += check_log(args.folder, print, key, checkpoint)
    problems += sum(
        check(args.folder, print) for check in (check_quotas, check_scales, check_assessments)
    )
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
