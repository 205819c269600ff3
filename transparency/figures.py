"""The portal's charts, built from the apps' selector data: the same SVG on pages and in PDFs."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.utils.translation import get_language
from django.utils.translation import gettext as _

from funding.reports.formatting import money
from transparency.charts import Bar, bar_chart

MAX_BARS = 40


def _money(cents: int) -> str:
    return money(cents, get_language() or "en")


def contributions_chart(status: Mapping[str, Any], *, year: int | None = None) -> str:
    """Assessed and paid per state for one year of a status of contributions (largest first)."""
    block = next((b for b in status["years"] if year is None or b["year"] == year), None)
    if block is None or not block["rows"]:
        return ""
    rows = sorted(block["rows"], key=lambda r: (-r["assessed"], r["code"]))[:MAX_BARS]
    return bar_chart(
        chart_id=f"contributions-{block['year']}",
        title=_("Contributions %(year)s: assessed and paid, in %(currency)s")
        % {"year": block["year"], "currency": status["base_currency"]},
        description=_(
            "One bar per member state: the whole bar is the contribution assessed, the dark "
            "part what has been paid. The table beside the chart gives every figure."
        ),
        bars=[Bar(r["code"], r["assessed"], r["paid"]) for r in rows],
        fmt=_money,
    )


def quota_chart(quotas: Iterable[Any], *, chart_id: str = "quota-chart") -> str:
    """GPU quotas and their use (compute selectors' quota lines), largest first."""
    lines = sorted(quotas, key=lambda q: (-q.minutes, q.key))[:MAX_BARS]
    if not lines:
        return ""
    return bar_chart(
        chart_id=chart_id,
        title=_("GPU quotas and use, in GPU-minutes"),
        description=_(
            "Each bar is a quota; the dark part is what has been used. The table beside the "
            "chart gives every figure."
        ),
        bars=[Bar(q.key, q.minutes, q.used) for q in lines],
    )
