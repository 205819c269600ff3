"""The portal's charts, built from the apps' selector data: the same SVG on pages and in PDFs."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Any

from django.urls import reverse
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from core import l10n
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


# -- the portal's charts: rows of HTML (names and figures stay text at any width), each with a
# bar drawn as a small SVG whose rectangles are sized by attributes (the CSP allows no inline
# style). The SVG functions above stay for the PDFs.


@dataclass(frozen=True)
class BarRow:
    """One row of a portal chart; widths are percentages of the longest bar, written for SVG."""

    label: str
    url: str
    value: str
    note: str
    whole: str
    middle: str
    part: str


def _width(value: int, top: int) -> str:
    # A dot as the decimal sign whatever the language: this goes into an SVG attribute.
    return f"{max(0.0, min(100.0, 100 * value / top)):.2f}" if top > 0 else "0"


def _share(part: int, whole: int) -> str:
    """A whole percentage, or one decimal where rounding would say 0 % or 100 % and be wrong."""
    share = Fraction(part, whole) if whole else Fraction(0)
    rounded = round(share * 100)
    exact_edge = rounded in (0, 100) and share not in (0, 1)
    return l10n.percent(share, 1 if exact_edge else 0)


def contributions_bars(rows: Iterable[Mapping[str, Any]], *, currency: str) -> list[BarRow]:
    """Assessed (whole bar) and paid (dark part) per state, largest first, named in the reader's language."""
    ordered = sorted(rows, key=lambda r: (-r["assessed"], r["code"]))
    top = max((r["assessed"] for r in ordered), default=0)
    bars = []
    for r in ordered:
        paid = min(r["paid"], r["assessed"])
        note = ""
        if r["assessed"] and paid < r["assessed"]:
            note = _("%(share)s paid") % {"share": _share(paid, r["assessed"])}
        bars.append(
            BarRow(
                label=l10n.country_name(r["code"], r.get("name_en", "")),
                url=reverse("transparency:state", args=[r["code"]]),
                value=l10n.money(Decimal(r["assessed"]) / 100, currency),
                note=note,
                whole=_width(r["assessed"], top),
                middle="0",
                part=_width(paid, top),
            )
        )
    return bars


def quota_bars(quotas: Iterable[Any]) -> list[BarRow]:
    """Each quota (whole bar), what was allocated of it (middle) and used (dark), in GPU-hours."""
    ordered = sorted(quotas, key=lambda q: (-q.minutes, q.key))
    top = max((q.minutes for q in ordered), default=0)
    return [
        BarRow(
            label=quota_name(q),
            url=reverse("transparency:state", args=[q.key]) if q.key != PROGRAMME else "",
            value=_("%(hours)s GPU-hours") % {"hours": l10n.gpu_hours(q.minutes)},
            note=_("%(allocated)s allocated, %(used)s used")
            % {"allocated": _share(q.allocated, q.minutes), "used": _share(q.used, q.minutes)},
            whole=_width(q.minutes, top),
            middle=_width(min(q.allocated, q.minutes), top),
            part=_width(min(q.used, q.minutes), top),
        )
        for q in ordered
    ]


PROGRAMME = "programme"

# The keys of each chart's colours (kind of rectangle, what it stands for).
CONTRIBUTIONS_LEGEND = [
    ("whole", gettext_lazy("Contribution assessed")),
    ("part", gettext_lazy("Paid")),
]
QUOTAS_LEGEND = [
    ("whole", gettext_lazy("Quota")),
    ("middle", gettext_lazy("Allocated to projects")),
    ("part", gettext_lazy("Used")),
]


def quota_name(line: Any) -> str:
    """Who a quota line belongs to: a state by its name in the reader's language, or the programme."""
    if line.key == PROGRAMME:
        return str(_("Facility programme"))
    return l10n.country_name(line.key, line.label)
