"""Numbers, names and times written for people, in the reader's language (CLDR data via Babel).

One place for what every page and report needs: a country's name in the reader's language,
lists sorted by the reader's collation (the Unicode Collation Algorithm, so "Österreich" sorts
with the O's), money with its currency sign and the locale's separators, GPU-hours, percentages.
Storage and the API keep codes, integers and exact decimals; only the display changes.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from decimal import Decimal
from fractions import Fraction
from functools import cache
from typing import TypeVar

from babel import Locale, UnknownLocaleError
from babel import numbers as babel_numbers
from django.utils import translation
from pyuca import Collator

T = TypeVar("T")

_collator = Collator()
_LETTERS_THEN_DIGIT = re.compile(r"(?<=[A-Za-z])(?=\d)|(?<=\d)(?=[A-Za-z])")


def language() -> str:
    return (translation.get_language() or "en").split("-")[0]


@cache
def _locale(lang: str) -> Locale:
    try:
        return Locale.parse(lang)
    except (UnknownLocaleError, ValueError):
        return Locale.parse("en")


def country_name(code: str, fallback: str = "", lang: str | None = None) -> str:
    """The country's name in the reader's language ("DE" → "Deutschland" in German).

    Codes CLDR does not know (an organisation, a test state) keep the name stored with them.
    """
    name = _locale(lang or language()).territories.get((code or "").upper())
    return name or fallback or code


def collation_key(text: str) -> tuple[int, ...]:
    return tuple(_collator.sort_key(text or ""))


def sorted_by_name(items: Iterable[T], name: Callable[[T], str]) -> list[T]:
    """Sorted as a reader expects names to be sorted (not by code, not by code point)."""
    return sorted(items, key=lambda item: collation_key(name(item)))


def money(amount: Decimal | int | str | None, currency: str = "EUR", digits: int = 2) -> str:
    """€30,834,357.61 in English, 30.834.357,61 € in German, 30 834 357,61 € in French.

    With digits=0 the amount is rounded to whole units in the locale's own pattern (the sign
    stays where the reader expects it: "30.834.358 €" in German).
    """
    if amount is None or amount == "":
        return ""
    value = Decimal(str(amount))
    locale = _locale(language())
    if digits == 2:
        text = babel_numbers.format_currency(value, currency, locale=locale)
    else:
        pattern = locale.currency_formats["standard"].pattern.replace(".00", "").replace(",00", "")
        text = babel_numbers.format_currency(
            value, currency, format=pattern, locale=locale, currency_digits=False,
            decimal_quantization=True,
        )  # fmt: skip
    # CLDR's currency spacing, which Babel does not apply: a currency written in letters is kept
    # apart from the digits ("RON 10,000,000.00", not "RON10,000,000.00").
    return _LETTERS_THEN_DIGIT.sub("\u00a0", text)


def number(value: Decimal | int | float | str | None, places: int | None = None) -> str:
    """A number with the reader's grouping and decimal signs (places fixed when given)."""
    if value is None or value == "":
        return ""
    dec = Decimal(str(value))
    if places is None:
        return babel_numbers.format_decimal(dec, locale=_locale(language()))
    pattern = "#,##0" + ("." + "0" * places if places else "")
    return babel_numbers.format_decimal(
        dec, format=pattern, locale=_locale(language()), decimal_quantization=True
    )


def percent(value: Fraction | Decimal | float | None, places: int = 1) -> str:
    """A share as a percentage: Fraction(2, 3) → "66.7 %" (the locale's sign and spacing)."""
    if value is None:
        return ""
    dec = (
        Decimal(value.numerator) / Decimal(value.denominator)
        if isinstance(value, Fraction)
        else Decimal(str(value))
    )
    # The locale's own pattern (its sign and spacing: "66.7%", "66,7 %"), with the places asked.
    pattern = _locale(language()).percent_formats[None].pattern
    if places:
        last = pattern.rindex("0")
        pattern = pattern[: last + 1] + "." + "0" * places + pattern[last + 1 :]
    return babel_numbers.format_percent(dec, format=pattern, locale=_locale(language()))


def gpu_hours(minutes: int | Decimal | None) -> str:
    """GPU-minutes as GPU-hours, grouped, with one decimal only where it is not whole."""
    if minutes is None or minutes == "":
        return ""
    hours = (Decimal(minutes) / 60).quantize(Decimal("0.1"))
    return number(hours, 0 if hours == hours.to_integral_value() else 1)
