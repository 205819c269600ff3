"""From the annual report's data to HTML (a Django template with print styles) and to PDF.

The PDF carries no date or identifier of its own making: its creation date is the data's
reference date and its file identifier the data's SHA-256, so the same data in the same
language gives the same bytes.
"""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

from compute.selectors import QuotaLine
from governance.choices import (
    EscalationStatus,
    MotionKind,
    MotionOutcome,
    ProjectStatus,
    SafetyMeasure,
    Severity,
)
from transparency import figures
from transparency.charts import Bar, bar_chart

if TYPE_CHECKING:
    from weasyprint import Document

LANGUAGES = ("en", "de", "fr")
TEMPLATE = "transparency/print/annual.html"


def _named(row: dict[str, Any], language: str) -> dict[str, Any]:
    return {**row, "name": row.get(f"name_{language}") or row.get("name_en", "")}


def _label(choices: Any, value: str) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return value


def _contributions_chart(data: dict[str, Any]) -> str:
    """The portal's contributions chart, fed the year's block of the status of contributions."""
    finances = data["finances"]
    status = {
        "base_currency": finances["base_currency"],
        "years": [{"year": data["year"], "rows": finances["contributions"]}],
    }
    return figures.contributions_chart(status, year=data["year"])


def _quota_chart(quotas: list[dict[str, Any]], *, chart_id: str) -> str:
    """The portal's quota chart, fed the quota lines as the compute selectors give them."""
    return figures.quota_chart([QuotaLine(**q) for q in quotas], chart_id=chart_id)


def decisions_chart(rows: list[dict[str, Any]]) -> str:
    """Decisions published per council, with the part adopted drawn darker."""
    return bar_chart(
        chart_id="chart-decisions",
        title=_("Decisions published, by council"),
        description=_(
            "Each bar is the number of decisions a council published in the year; the dark "
            "part is the number adopted. The table beside the chart gives every figure."
        ),
        bars=[Bar(r["code"], r["total"], r["adopted"]) for r in rows],
    )


def _decisions_by_council(decisions: list[dict[str, Any]], language: str) -> list[dict[str, Any]]:
    total: Counter[str] = Counter()
    adopted: Counter[str] = Counter()
    names: dict[str, str] = {}
    for d in decisions:
        code = d["council"]["code"]
        total[code] += 1
        adopted[code] += d["outcome"] == MotionOutcome.ADOPTED
        names[code] = _named(d["council"], language)["name"]
    return [
        {"code": code, "name": names[code], "total": total[code], "adopted": adopted[code]}
        for code in sorted(total)
    ]


def context_for(data: dict[str, Any], language: str) -> dict[str, Any]:
    """What the template shows, with names and labels in ``language`` (call it inside it)."""
    finances = data["finances"]
    state_names = {
        r["code"]: _named(r, language)["name"]
        for r in [*finances["contributions"], *finances["arrears"]]
    }
    decisions = [
        {
            **d,
            "council_name": _named(d["council"], language)["name"],
            "kind_label": _label(MotionKind, d["kind"]),
            "outcome_label": _label(MotionOutcome, d["outcome"]),
        }
        for d in data["decisions"]
    ]
    by_council = _decisions_by_council(data["decisions"], language)
    periods = []
    for index, period in enumerate(data["compute"], start=1):
        quotas = [
            {
                **q,
                "name": state_names.get(q["key"])
                or (_("facility programme") if q["key"] == "programme" else q["label"]),
                # What the state may still hand out to projects: quota less what is allocated.
                "unallocated": q["minutes"] - q["allocated"],
            }
            for q in period["quotas"]
        ]
        periods.append(
            {
                **period,
                "quotas": quotas,
                "chart": _quota_chart(period["quotas"], chart_id=f"chart-quota-{index}"),
                "total_minutes": sum(q["minutes"] for q in quotas),
                "total_used": sum(q["used"] for q in quotas),
            }
        )
    safety = data["safety"]
    return {
        "data": data,
        "finances": finances,
        "contributions": [_named(r, language) for r in finances["contributions"]],
        "arrears": [_named(r, language) for r in finances["arrears"]],
        "honour_roll": [
            {"code": code, "name": state_names.get(code, code)} for code in finances["honour_roll"]
        ],
        "contributions_chart": _contributions_chart(data),
        "decisions": decisions,
        "by_council": by_council,
        "decisions_chart": decisions_chart(by_council) if by_council else "",
        "projects": [
            {**p, "status_label": _label(ProjectStatus, p["status"])} for p in safety["projects"]
        ],
        "escalations": [
            {
                **e,
                "severity_label": _label(Severity, e["severity"]),
                "measure_label": _label(SafetyMeasure, e["measure"]),
                "status_label": _label(EscalationStatus, e["status"]),
                "decisions": [
                    {**d, "measure_label": _label(SafetyMeasure, d["measure"])}
                    for d in e["decisions"]
                ],
            }
            for e in safety["escalations"]
        ],
        "periods": periods,
    }


def render_html(data: dict[str, Any], *, language: str, data_sha256: str) -> str:
    """The report as one HTML document with its print stylesheet inlined."""
    language = language if language in LANGUAGES else "en"
    with translation.override(language):
        context = {
            "language": language,
            "data_sha256": data_sha256,
            "title": _("Annual transparency report %(year)s") % {"year": data["year"]},
            **context_for(data, language),
        }
        return render_to_string(TEMPLATE, context)


def layout(html: str) -> Document:
    """Lay out the pages (the slow part of WeasyPrint); ``write_pdf`` on the result is the rest."""
    from weasyprint import HTML  # imported on first use: it costs every process half a second

    return HTML(string=html, base_url=str(settings.BASE_DIR)).render()


def write_pdf(document: Document, *, data_sha256: str) -> bytes:
    """The PDF's bytes; the file identifier is the data's hash, so it changes only with it."""
    pdf = document.write_pdf(pdf_identifier=data_sha256[:32].encode())
    assert pdf is not None  # noqa: S101 - write_pdf without a target returns the bytes
    return pdf
