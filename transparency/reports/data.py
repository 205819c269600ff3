"""The data of the annual report, as one plain JSON-ready dict (cents as integers, ISO dates).

Read only through the other apps' selectors. Nothing here depends on the reader's language
or on today's date: the report describes the year as of its last day, so the same records
give the same data, the same SHA-256 and the same PDF whenever and wherever it is made.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Mapping
from typing import Any

from django.utils import translation

from compute import selectors as compute_selectors
from funding import selectors as funding_selectors
from governance import selectors as governance_selectors

KIND = "annual"
# Bump when the shape of the data changes, so an old hash is never mistaken for a new one.
SCHEMA = 1


def sha256_of(canonical: bytes) -> str:
    return hashlib.sha256(canonical).hexdigest()


def as_of_for(year: int) -> dt.date:
    """The report's reference date: the last day of its year (never the day it is made)."""
    return dt.date(year, 12, 31)


def _names(prefix: str, row: Mapping[str, Any]) -> dict[str, str]:
    english = row[f"{prefix}name_en"] or ""
    return {
        "name_en": english,
        "name_de": row[f"{prefix}name_de"] or english,
        "name_fr": row[f"{prefix}name_fr"] or english,
    }


def _finances(year: int, as_of: dt.date) -> dict[str, Any]:
    fiscal_year = funding_selectors.fiscal_year_get(year)
    status = funding_selectors.status_of_contributions([year], as_of=as_of)
    block = status["years"][0]
    lines = (
        [
            {"code": line.code, "title": line.title, "amount": int(line.amount_cents)}
            for line in sorted(fiscal_year.lines.all(), key=lambda line: (line.code, line.pk))
        ]
        if fiscal_year is not None
        else []
    )
    return {
        "opened": fiscal_year is not None,
        "budget": funding_selectors.budget_cents(fiscal_year) if fiscal_year else 0,
        "budget_lines": lines,
        "base_currency": status["base_currency"],
        "rounding": status["rounding"],
        "arrears_rule": status["arrears_rule"],
        "call_due_days": status["call_due_days"],
        "assessed": block["assessed"],
        "paid": block["paid"],
        "outstanding": block["outstanding"],
        "contributions": [
            {
                "code": r["code"],
                "name_en": r["name_en"],
                "name_de": r["name_de"],
                "name_fr": r["name_fr"],
                "assessed": r["assessed"],
                "paid": r["paid"],
                "outstanding": r["outstanding"],
                "due_on": r["due_on"],
                "honour": r["honour"],
            }
            for r in block["rows"]
        ],
        "honour_roll": block["honour_roll"],
        "arrears": [
            {
                "code": s["code"],
                "name_en": s["name_en"],
                "name_de": s["name_de"],
                "name_fr": s["name_fr"],
                "outstanding": s["outstanding"],
                "arrears": s["arrears"],
                "threshold": s["threshold"],
                "over_line": s["over_line"],
                "exempt": s["exempt"],
                "votes_suspended": s["votes_suspended"],
            }
            for s in status["states"]
            if s["arrears"] > 0 or s["over_line"] or s["votes_suspended"]
        ],
        "arrears_total": sum(s["arrears"] for s in status["states"]),
    }


def _decisions(year: int) -> list[dict[str, Any]]:
    rows = (
        governance_selectors.decisions_published()
        .filter(published_at__year=year)
        .order_by("published_at", "id")
        .values(
            "id", "reference", "kind", "title", "outcome", "published_at", "tally",
            "council__code", "council__name_en", "council__name_de", "council__name_fr",
        )
    )  # fmt: skip
    decisions = []
    for row in rows:
        published_at = row["published_at"]
        assert published_at is not None  # noqa: S101 - the selector's filter on the year
        tally = row["tally"] or {}
        decisions.append(
            {
                "id": row["id"],
                "reference": row["reference"],
                "kind": row["kind"],
                "title": row["title"],
                "outcome": row["outcome"],
                "published_on": published_at.date().isoformat(),
                "council": {"code": row["council__code"], **_names("council__", row)},
                "yes": int(tally.get("yes", 0)),
                "no": int(tally.get("no", 0)),
                "abstain": int(tally.get("abstain", 0)),
                "absent": int(tally.get("absent", 0)),
            }
        )
    return decisions


def _safety(year: int) -> dict[str, Any]:
    projects = [
        {
            "code": p.code,
            "title": p.title,
            "host": p.host_state.code,
            "status": p.status,
            "safety_level": p.safety_level,
        }
        for p in governance_selectors.projects_with_levels()
    ]
    escalations = []
    for e in governance_selectors.escalations_public().filter(raised_at__year=year):
        escalations.append(
            {
                "reference": e.reference,
                "severity": e.severity,
                "measure": e.proposed_measure,
                "level": e.proposed_level,
                "status": e.status,
                "raised_on": e.raised_at.date().isoformat(),
                "summary": e.public_summary,
                "projects": sorted(p.code for p in e.projects.all()),
                "decisions": sorted(
                    (
                        {
                            "motion": d.motion.reference,
                            "measure": d.measure,
                            "adopted": d.adopted,
                        }
                        for d in e.decisions.all()
                    ),
                    key=lambda d: (d["motion"], d["measure"]),
                ),
            }
        )
    escalations.sort(key=lambda e: (e["raised_on"], e["reference"]))
    return {"projects": projects, "escalations": escalations}


def _compute(year: int) -> list[dict[str, Any]]:
    periods = []
    for period in (
        compute_selectors.period_list().filter(starts_on__year=year).order_by("starts_on", "id")
    ):
        periods.append(
            {
                "cluster": period.cluster.name,
                "name": period.name,
                "starts_on": period.starts_on.isoformat(),
                "ends_on": period.ends_on.isoformat(),
                "capacity": int(period.capacity_minutes),
                "quotas": [
                    {
                        "key": q.key,
                        "label": q.label,
                        "minutes": q.minutes,
                        "allocated": q.allocated,
                        "used": q.used,
                    }
                    for q in compute_selectors.quota_lines(period=period)
                ],
            }
        )
    return periods


def build_annual(year: int) -> dict[str, Any]:
    """The year's finances, decisions, safety and compute, as of the year's last day."""
    # Some labels the selectors give follow the active language (quota lines name the state
    # that way): read everything in English, so the data is the same for every reader.
    with translation.override("en"):
        return _build(year)


def _build(year: int) -> dict[str, Any]:
    as_of = as_of_for(year)
    return {
        "kind": KIND,
        "schema": SCHEMA,
        "year": year,
        "as_of": as_of.isoformat(),
        "finances": _finances(year, as_of),
        "decisions": _decisions(year),
        "safety": _safety(year),
        "compute": _compute(year),
    }
