"""From report data to HTML (Django templates with print styles) and to PDF (WeasyPrint)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

from funding.reports.charts import Bar, stacked_bars

if TYPE_CHECKING:
    from weasyprint import Document

LETTER_LANGUAGES = ("en", "de", "fr")


def _named(row: dict[str, Any], language: str) -> dict[str, Any]:
    return {**row, "name": row.get(f"name_{language}") or row.get("name_en", "")}


def _context_status(data: dict[str, Any], language: str) -> dict[str, Any]:
    years = [
        {**block, "rows": [_named(r, language) for r in block["rows"]]} for block in data["years"]
    ]
    chart = stacked_bars(
        [Bar(str(b["year"]), b["paid"], b["outstanding"]) for b in data["years"]],
        title=_("Contributions paid and outstanding per year"),
        paid_label=_("Paid"),
        outstanding_label=_("Outstanding"),
        language=language,
    )
    return {
        "years": years,
        "states": [_named(s, language) for s in data["states"]],
        "chart": chart,
        "title": _("Status of contributions"),
    }


def _context_statement(data: dict[str, Any], language: str) -> dict[str, Any]:
    chart = stacked_bars(
        [Bar(str(y["year"]), y["paid"], y["outstanding"]) for y in data["years"]],
        title=_("Paid and outstanding per year"),
        paid_label=_("Paid"),
        outstanding_label=_("Outstanding"),
        language=language,
    )
    state = _named(data["state"], language)
    return {
        "state": state,
        "chart": chart,
        "title": _("Statement of account: %(state)s") % {"state": state["name"]},
    }


def _context_letter(data: dict[str, Any], language: str) -> dict[str, Any]:
    return {"state": _named(data["state"], language)}


def template_for(kind: str, language: str) -> str:
    if kind == "call_letter":
        lang = language if language in LETTER_LANGUAGES else "en"
        return f"funding/print/letter_{lang}.html"
    return f"funding/print/{kind}.html"


def render_html(kind: str, data: dict[str, Any], *, language: str, data_sha256: str) -> str:
    """The report as one HTML document with its print stylesheet inlined."""
    builders = {
        "status": _context_status,
        "statement": _context_statement,
        "call_letter": _context_letter,
    }
    with translation.override(language):
        context = {
            "data": data,
            "data_sha256": data_sha256,
            "language": language,
            "sender": settings.FUNDING_LETTER_SENDER,
            **builders[kind](data, language),
        }
        return render_to_string(template_for(kind, language), context)


def layout(html: str) -> Document:
    """Lay out the pages (the slow part of WeasyPrint); ``write_pdf`` on the result is the rest."""
    from weasyprint import HTML  # imported on first use: it costs every process half a second

    return HTML(string=html, base_url=str(settings.BASE_DIR)).render()
