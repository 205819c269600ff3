"""Benchmark: the minutes PDF of a long session (100 items, 35 delegations, roll calls).

Prints the seconds of freezing the minutes' HTML at approval (the Django template and the tally
in words for each of 100 roll-call votes, once per language), and of the portal's PDF made from
that frozen HTML (the print wrapper and WeasyPrint) beside WeasyPrint alone rendering the very
same final HTML, measured in the same run, and the ratio of the two (the target is an overhead
of at most 15 %).

The record is made in memory with the engine's own count (no database), as minutes keep it:

    DJANGO_SETTINGS_MODULE=config.settings.test .venv/bin/python -m bench.minutes_pdf [--rounds 3]
"""

from __future__ import annotations

import argparse
import hashlib
import random
from types import SimpleNamespace
from typing import Any

from bench._setup import machine, seconds, setup_django

ITEMS = 100
STATES = 35


def record() -> dict[str, Any]:
    from governance import rules

    rng = random.Random(18)
    codes = [f"{chr(65 + i // 26)}{chr(65 + i % 26)}" for i in range(STATES)]
    electors = [rules.Elector(state=c, population=1_000_000 + i) for i, c in enumerate(codes)]
    rule = rules.VotingRule.qualified_of_voting()
    items = []
    for position in range(1, ITEMS + 1):
        ballots = {c: rules.Choice(rng.choice(["yes", "yes", "no", "abstain"])) for c in codes}
        tally = rules.evaluate(rule, electors, ballots).to_dict()
        items.append(
            {
                "position": position,
                "kind": "motion",
                "title": f"Item {position}: a decision of the council",
                "description": "",
                "late": False,
                "admitted": True,
                "admission": None,
                "minutes_of": None,
                "amendments": [],
                "consolidation": None,
                "vote": {
                    "reference": f"GC/2026/{position:03d}",
                    "title": f"Decision {position}",
                    "status": "certified",
                    "outcome": tally["outcome"],
                    "rule": rule.to_dict(),
                    "tally": tally,
                    "roll_call": [
                        {"state": c, "choice": str(ballots[c].value), "proxy_holder": None}
                        for c in codes
                    ],
                    "chain_head": hashlib.sha256(str(position).encode()).hexdigest(),
                    "chain_length": STATES,
                    "electorate_sha256": hashlib.sha256(b"e%d" % position).hexdigest(),
                    "statements": [
                        {
                            "index": position,
                            "leaf_hash": hashlib.sha256(b"l%d" % position).hexdigest(),
                        }
                    ],
                    "certified_at": "2026-06-20T12:00:00+00:00",
                },
            }
        )
    return {
        "session": {
            "reference": "GOVERNING-COUNCIL/S/2026/02",
            "council": "governing-council",
            "council_names": {"en": "Governing Council", "de": "Verwaltungsrat", "fr": "Conseil"},
            "kind": "ordinary",
            "title": "Summer session",
            "starts_at": "2026-06-20T08:00:00+00:00",
            "ends_at": "2026-06-20T18:00:00+00:00",
            "format": "in_person",
            "place": "Geneva",
            "opened_at": "2026-06-20T08:05:00+00:00",
            "closed_at": "2026-06-20T17:55:00+00:00",
            "agenda_sha256": "0" * 64,
        },
        "agenda_vote": None,
        "presence": {
            "members": STATES,
            "present": STATES,
            "represented": 0,
            "needed": 18,
            "reached": True,
        },
        "attendance": [
            {"state": c, "present": True, "represented_by": None, "people": []} for c in codes
        ],
        "items": items,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    setup_django()
    from django.conf import settings
    from django.template.loader import render_to_string
    from weasyprint import HTML

    from governance.services.minutes import render_minutes
    from transparency.views_sessions import minutes_pdf_bytes

    data = record()
    import datetime as dt

    words: list[float] = []
    whole: list[float] = []
    alone: list[float] = []
    pages = 0
    for _round in range(args.rounds):
        html: dict[str, str] = {}

        def freeze(html: dict[str, str] = html) -> None:
            html["en"] = render_minutes(data, {}, language="en")

        words.append(seconds(freeze))

        def full(html: dict[str, str] = html) -> None:
            version = SimpleNamespace(
                html=html,
                html_sha256={"en": hashlib.sha256(html["en"].encode()).hexdigest()},
                sha256="1" * 64,
                approved_at=dt.datetime(2026, 9, 1, tzinfo=dt.UTC),
            )
            minutes_pdf_bytes(version, "en")

        whole.append(seconds(full))
        final = render_to_string(
            "transparency/print/minutes.html",
            {
                "body": html["en"],
                "language": "en",
                "sha256": "1" * 64,
                "html_sha256": hashlib.sha256(html["en"].encode()).hexdigest(),
                "approved_at": dt.datetime(2026, 9, 1, tzinfo=dt.UTC),
            },
        )

        def weasy(final: str = final) -> None:
            nonlocal pages
            document = HTML(string=final, base_url=str(settings.BASE_DIR)).render()
            pages = len(document.pages)
            document.write_pdf()

        alone.append(seconds(weasy))
    # The fastest of the rounds: on a shared machine the slower ones measure the neighbours.
    f, w, a = min(words), min(whole), min(alone)
    print(machine())
    print(f"minutes of {ITEMS} items, {STATES} delegations, roll calls: {pages} pages")
    print(f"frozen HTML at approval (template, words), one language: {f:.2f} s")
    print(f"portal's PDF from the frozen HTML: {w:.2f} s (fastest of {args.rounds})")
    print(f"WeasyPrint alone on the same HTML:       {a:.2f} s")
    print(f"ratio: {w / a:.2f} (target <= 1.15)")


if __name__ == "__main__":
    main()
