"""Payments racing each other on PostgreSQL with real threads: nothing lost, nothing doubled."""

from __future__ import annotations

import datetime as dt

import pytest

from funding import clock
from funding.models import LedgerEntry, StateAccount, YearBalance
from funding.verification import verify_ledger
from tests.funding.books import make_books
from tests.governance.test_concurrency import run_together

pytestmark = pytest.mark.django_db(transaction=True)


def test_payments_of_one_state_at_the_same_moment_are_applied_one_after_the_other(monkeypatch):
    """Four payments of NL at once: each settles what the previous left; the excess is credit."""
    monkeypatch.setattr(clock, "today", lambda: dt.date(2026, 3, 1))
    books = make_books(first_year=2025, last_year=2026)
    books.open_year(2025, 1_000_000_00, issued_on=dt.date(2025, 1, 15))  # NL owes 100,000.00
    day = dt.date(2026, 1, 9)
    for _round in range(2):
        results = run_together([lambda: books.pay("NL", "30000.00", on=day) for _ in range(4)])
        assert not [r for r in results if isinstance(r, Exception)], results
    balance = YearBalance.objects.get(member_state=books.states["NL"])
    assert (balance.assessed_cents, balance.paid_cents) == (100_000_00, 100_000_00)
    assert StateAccount.objects.get(member_state=books.states["NL"]).credit_cents == 140_000_00
    assert LedgerEntry.objects.filter(member_state=books.states["NL"], kind="credit").count() >= 5
    assert verify_ledger() == []
