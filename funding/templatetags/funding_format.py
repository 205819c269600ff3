"""Template filters for finance pages and PDFs: amounts in cents, ISO dates, shares."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django import template
from django.utils import formats
from django.utils.translation import get_language

from core import l10n
from funding.reports.formatting import iso_date, money

register = template.Library()


@register.filter
def cents(value: Any, language: str | None = None) -> str:
    """Write whole cents as an amount with two decimals, in the active (or given) language."""
    if value is None or value == "":
        return ""
    return money(int(value), language or get_language() or "en")


@register.filter
def isodate(value: Any, fmt: str = "DATE_FORMAT") -> str:
    """Format an ISO date string (as stored in report data) with a Django date format."""
    day = iso_date(value)
    if day is None:
        return ""
    return str(formats.date_format(day, fmt))


@register.filter
def percent(value: Any, places: int = 4) -> str:
    """A share (decimal string or Decimal) as a percentage with ``places`` decimals."""
    if value in (None, ""):
        return ""
    amount = f"{Decimal(str(value)) * 100:.{int(places)}f}"
    if (get_language() or "en")[:2] in ("de", "fr"):
        amount = amount.replace(".", ",")
    return f"{amount}\u00a0%"


@register.filter
def as_date(value: Any) -> dt.date | None:
    return iso_date(value)


@register.filter
def from_cents(value: Any) -> Decimal | None:
    """Whole cents as an amount, for ``|money``: ``{{ x.amount_cents|from_cents|money:"EUR" }}``."""
    if value is None or value == "":
        return None
    return Decimal(int(value)).scaleb(-2)


@register.filter
def rate(value: Any, at_least: Any = 0) -> str:
    """An exchange rate with every decimal it was quoted with (at least ``at_least`` of them).

    5.0000000000 stored with ``rate:4`` is "5.0000"; 150.5 as read from a file stays "150.5".
    """
    if value is None or value == "":
        return ""
    exact = Decimal(str(value))
    places = -exact.normalize().as_tuple().exponent  # type: ignore[operator]
    return l10n.number(exact, max(int(at_least or 0), min(10, max(0, int(places)))))
