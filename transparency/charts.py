"""Bar charts as SVG, drawn on the server: the same markup in pages and PDFs, with a text alternative."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from html import escape

from django.utils.formats import number_format


@dataclass(frozen=True)
class Bar:
    label: str
    value: int
    part: int = 0  # the filled part of the bar (e.g. used), drawn darker


def whole(value: int) -> str:
    """An integer with the active language's thousands separator."""
    return number_format(value, force_grouping=True)


def bar_chart(
    *,
    chart_id: str,
    title: str,
    description: str,
    bars: list[Bar],
    unit: str = "",
    fmt: Callable[[int], str] = whole,
) -> str:
    """A horizontal bar chart; `title` and `description` are its accessible name and text alternative."""
    width, label_w, row_h, pad = 640, 150, 22, 6
    height = pad * 2 + row_h * max(len(bars), 1)
    top = max((b.value for b in bars), default=0) or 1
    rows = []
    for i, bar in enumerate(bars):
        y = pad + i * row_h
        full = round((width - label_w - 90) * bar.value / top)
        used = round((width - label_w - 90) * min(bar.part, bar.value) / top) if bar.value else 0
        rows.append(
            f'<g><text x="{label_w - 6}" y="{y + 15}" text-anchor="end" font-size="12">{escape(bar.label)}</text>'
            f'<rect x="{label_w}" y="{y + 3}" width="{full}" height="{row_h - 6}" fill="#9ec1e0"/>'
            f'<rect x="{label_w}" y="{y + 3}" width="{used}" height="{row_h - 6}" fill="#0b4f8a"/>'
            f'<text x="{label_w + full + 4}" y="{y + 15}" font-size="11">'
            f"{escape(fmt(bar.value))}{escape(unit)}</text></g>"
        )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" viewBox="0 0 {width} {height}" '
        f'width="100%" aria-labelledby="{chart_id}-t {chart_id}-d" class="chart">'
        f'<title id="{chart_id}-t">{escape(title)}</title><desc id="{chart_id}-d">{escape(description)}</desc>'
        + "".join(rows)
        + "</svg>"
    )
