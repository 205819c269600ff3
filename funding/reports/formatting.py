"""Amounts and dates written the way each language writes them: pure code."""

from __future__ import annotations

import datetime as dt

NARROW_NBSP = "\u202f"
_SEPARATORS = {"en": (",", "."), "de": (".", ","), "fr": (NARROW_NBSP, ",")}


def money(cents: int, language: str = "en") -> str:
    """Whole cents as "1,234,567.89" (en), "1.234.567,89" (de) or "1 234 567,89" (fr)."""
    thousands, decimal = _SEPARATORS.get(language[:2], _SEPARATORS["en"])
    sign = "−" if cents < 0 else ""
    whole, rest = divmod(abs(int(cents)), 100)
    grouped = f"{whole:,}".replace(",", thousands)
    return f"{sign}{grouped}{decimal}{rest:02d}"


def iso_date(value: str | dt.date | None) -> dt.date | None:
    if value is None or value == "":
        return None
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(value)
