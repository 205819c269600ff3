"""Template filters of the public portal: amounts kept in cents, exchange rates, council names."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from django import template

from core import l10n

register = template.Library()


@register.filter
def from_cents(value: Any) -> Decimal | None:
    """Whole cents (as funding keeps them) as an amount, to feed `money`: 3083435761 → 30834357.61."""
    if value is None or value == "":
        return None
    return Decimal(int(value)) / 100


@register.filter
def rate(value: Any) -> str:
    """An exchange rate with the reader's decimal sign and no trailing zeros (1.0850000000 → 1.085)."""
    if value is None or value == "":
        return ""
    try:
        exact = Decimal(str(value)).normalize()
    except InvalidOperation:
        return str(value)
    exponent = exact.as_tuple().exponent
    places = -exponent if isinstance(exponent, int) and exponent < 0 else 0
    return l10n.number(exact, places)


@register.filter
def as_date(value: Any) -> dt.date | None:
    """An ISO date as funding's report data keep them ("2026-02-14"), to feed `date` or `when`."""
    if value is None or value == "":
        return None
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value))
