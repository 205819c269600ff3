"""Converting amounts into the base currency with the ECB's euro reference rates: pure code.

The ECB quotes every rate as units of a currency for one euro. For a base currency other than
the euro the rate is crossed through the euro on the same day: units of ``currency`` for one
unit of the base = (currency per EUR) / (base per EUR), rounded to :data:`RATE_PLACES` places
with :data:`RATE_ROUNDING`. Amounts are converted with the stored rate and rounded to the cent
with :data:`AMOUNT_ROUNDING`; both roundings are named here and stated on every report.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from funding.rules import fraction_to_decimal

__all__ = [
    "AMOUNT_ROUNDING",
    "EURO",
    "RATE_PLACES",
    "RATE_ROUNDING",
    "cents_to_decimal",
    "convert_to_cents",
    "cross_rate",
]

EURO = "EUR"
RATE_PLACES = 10
RATE_ROUNDING = ROUND_HALF_UP
AMOUNT_ROUNDING = ROUND_HALF_UP  # "commercial" rounding, the usual rule for invoices


def cross_rate(currency_per_eur: Decimal, base_per_eur: Decimal) -> Decimal:
    """Units of a currency for one unit of the base currency, from two rates against the euro."""
    if currency_per_eur <= 0 or base_per_eur <= 0:
        raise ValueError("Exchange rates must be positive.")
    if base_per_eur == 1:
        return currency_per_eur
    return fraction_to_decimal(Fraction(currency_per_eur) / Fraction(base_per_eur), RATE_PLACES)


def convert_to_cents(amount: Decimal, per_base_unit: Decimal) -> int:
    """``amount`` of a currency in base-currency cents at ``per_base_unit``, half up."""
    if per_base_unit <= 0:
        raise ValueError("An exchange rate must be positive.")
    exact = Fraction(amount) / Fraction(per_base_unit) * 100
    return int(fraction_to_decimal(exact, 0))


def cents_to_decimal(cents: int) -> Decimal:
    """Whole cents as a Decimal amount with two places (for display and CSV)."""
    return Decimal(cents).scaleb(-2)
