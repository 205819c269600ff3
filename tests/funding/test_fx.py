"""Conversion into the base currency: rates crossed via the euro, amounts rounded half up."""

from __future__ import annotations

from decimal import Decimal

import pytest

from funding import fx


@pytest.mark.parametrize(
    ("amount", "rate", "cents"),
    [
        ("100.00", "1", 10000),
        ("1169.20", "1.1692", 100000),  # 1 EUR = 1.1692 USD
        ("0.01", "2", 1),  # half a cent rounds up
        ("0.01", "3", 0),  # a third of a cent rounds down
        ("1000000000.00", "184.42", 542240538),  # 5,422,405.3758 EUR
    ],
)
def test_convert_to_cents_rounds_half_up(amount, rate, cents):
    """Amounts are converted with the stored rate and rounded half up to the cent."""
    assert fx.convert_to_cents(Decimal(amount), Decimal(rate)) == cents


def test_cross_rate_via_the_euro():
    """With CHF as base, USD per CHF is USD per EUR over CHF per EUR, to ten places."""
    assert fx.cross_rate(Decimal("1.1692"), Decimal("0.9313")) == Decimal("1.2554493718")
    assert fx.cross_rate(Decimal("1.1692"), Decimal("1")) == Decimal("1.1692")


def test_rates_must_be_positive():
    with pytest.raises(ValueError, match="positive"):
        fx.convert_to_cents(Decimal(1), Decimal(0))
