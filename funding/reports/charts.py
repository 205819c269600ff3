"""Small SVG charts for the PDFs, drawn as plain markup (WeasyPrint renders inline SVG)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

from funding.reports.formatting import money

PAID = "#2e7d32"
OUTSTANDING = "#c62828"
INK = "#222"


@dataclass(frozen=True)
class Bar:
    label: str
    paid: int
    outstanding: int


def stacked_bars(
    bars: Sequence[Bar],
    *,
    title: str,
    paid_label: str,
    outstanding_label: str,
    language: str = "en",
    width: int = 640,
) -> str:
    """Horizontal bars, paid then outstanding, one per label; amounts written at the bar's end."""
    row = 18
    left = 70
    right = 150
    top = 34
    height = top + row * max(len(bars), 1) + 10
    scale_to = max((b.paid + b.outstanding for b in bars), default=0) or 1
    span = width - left - right
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="{escape(title)}" '
        'font-family="DejaVu Sans" font-size="9">',
        f"<title>{escape(title)}</title>",
        f'<rect x="{left}" y="6" width="10" height="10" fill="{PAID}"/>',
        f'<text x="{left + 14}" y="15" fill="{INK}">{escape(paid_label)}</text>',
        f'<rect x="{left + 140}" y="6" width="10" height="10" fill="{OUTSTANDING}"/>',
        f'<text x="{left + 154}" y="15" fill="{INK}">{escape(outstanding_label)}</text>',
    ]
    for index, bar in enumerate(bars):
        y = top + index * row
        paid_w = round(span * bar.paid / scale_to, 2)
        out_w = round(span * bar.outstanding / scale_to, 2)
        parts.append(
            f'<text x="{left - 6}" y="{y + 11}" text-anchor="end" fill="{INK}">'
            f"{escape(bar.label)}</text>"
        )
        parts.append(
            f'<rect x="{left}" y="{y + 2}" width="{paid_w}" height="{row - 6}" fill="{PAID}"/>'
        )
        if out_w:
            parts.append(
                f'<rect x="{left + paid_w}" y="{y + 2}" width="{out_w}" height="{row - 6}" '
                f'fill="{OUTSTANDING}"/>'
            )
        total = money(bar.paid + bar.outstanding, language)
        parts.append(
            f'<text x="{left + paid_w + out_w + 4}" y="{y + 11}" fill="{INK}">{total}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)
