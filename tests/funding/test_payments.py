"""Payments in any currency against the calls: conversion, allocation, credit, reversal."""

from __future__ import annotations

import dataclasses
import datetime as dt
import time
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction

from core.actors import Actor
from core.errors import Conflict, MfaRequired, MfaStale, ValidationFailed
from core.models import AuditEvent, AuditSource
from funding import clock, ledger, selectors, services
from funding.errors import NoExchangeRate
from funding.models import (
    LedgerEntry,
    Payment,
    StateAccount,
    VoluntaryContribution,
    YearBalance,
)
from funding.verification import verify_ledger
from tests.funding.books import make_books, rate

pytestmark = pytest.mark.django_db

FRIDAY = dt.date(2026, 1, 9)
SATURDAY = dt.date(2026, 1, 10)


@pytest.fixture
def books(monkeypatch):
    monkeypatch.setattr(clock, "today", lambda: dt.date(2026, 3, 1))
    books = make_books(first_year=2025, last_year=2027)
    rate("USD", dt.date(2026, 1, 8), "1.1675")
    rate("USD", FRIDAY, "1.1642")
    rate("CHF", FRIDAY, "0.9314")
    rate("JPY", FRIDAY, "183.52")
    return books


def balance(books, code: str, year: int) -> YearBalance:
    return YearBalance.objects.get(member_state=books.states[code], fiscal_year__year=year)


def test_calls_assess_the_budget_to_the_cent_and_fall_due_after_thirty_days(books):
    """A budget that does not divide evenly is still assessed exactly, by largest remainders."""
    calls = books.open_year(2025, 1_000_000_01, issued_on=dt.date(2025, 1, 15))
    assert sum(c.amount_cents for c in calls) == 1_000_000_01
    assert {c.member_state.code: c.amount_cents for c in calls} == {
        "DE": 400_000_01, "FR": 300_000_00, "IT": 200_000_00, "NL": 100_000_00,
    }  # fmt: skip
    assert all(c.due_on == dt.date(2025, 2, 14) for c in calls)
    assert calls[0].reference == "CFC/2025/DE"


def test_a_payment_in_dollars_on_a_saturday_uses_fridays_ecb_rate(books):
    """The rate of the value date, or of the last ECB day before it, is kept with the payment."""
    books.open_year(2025, 1_000_000_00, issued_on=dt.date(2025, 1, 15))
    payment = books.pay("DE", "116420.00", "USD", on=SATURDAY)
    assert payment.rate == Decimal("1.1642")
    assert payment.rate_date == FRIDAY
    assert payment.value_date == SATURDAY
    assert payment.rate_source == "ECB euro reference rate"
    assert payment.base_amount_cents == 100_000_00
    assert payment.amount == Decimal("116420.00") and payment.currency == "USD"
    assert balance(books, "DE", 2025).paid_cents == 100_000_00


def test_no_rate_within_a_week_is_refused_with_a_reason(books):
    books.open_year(2025, 1_000_000_00, issued_on=dt.date(2025, 1, 15))
    with pytest.raises(NoExchangeRate, match="no ECB rate for GBP"):
        books.pay("DE", "100.00", "GBP", on=SATURDAY)
    with pytest.raises(NoExchangeRate):
        books.pay("DE", "100.00", "USD", on=dt.date(2026, 2, 20))  # Friday's rate is too old
    assert not Payment.objects.exists()


def test_partial_payments_then_an_overpayment_become_credit_for_the_next_call(books):
    """Partial payments accumulate; the excess is credit that settles the next call at once."""
    books.open_year(2025, 1_000_000_00, issued_on=dt.date(2025, 1, 15))
    books.pay("FR", "100000.00", on=FRIDAY)
    books.pay("FR", "150000.00", on=FRIDAY)
    assert balance(books, "FR", 2025).outstanding_cents == 50_000_00
    books.pay("FR", "80000.00", on=FRIDAY)
    account = StateAccount.objects.get(member_state=books.states["FR"])
    assert balance(books, "FR", 2025).outstanding_cents == 0
    assert account.credit_cents == 30_000_00
    # when the next year is called
    books.open_year(2026, 1_000_000_00, issued_on=dt.date(2026, 1, 15))
    account.refresh_from_db()
    assert account.credit_cents == 0
    assert balance(books, "FR", 2026).paid_cents == 30_000_00
    assert verify_ledger() == []


def test_payments_settle_the_oldest_year_first(books):
    books.open_year(2025, 1_000_000_00, issued_on=dt.date(2025, 1, 15))
    books.open_year(2026, 1_000_000_00, issued_on=dt.date(2026, 1, 15))
    books.pay("NL", "150000.00", on=FRIDAY)
    assert balance(books, "NL", 2025).outstanding_cents == 0
    assert balance(books, "NL", 2026).paid_cents == 50_000_00


def test_a_reversal_corrects_a_payment_without_changing_it(books):
    """The payment and its entries stay; reversal entries undo them and the figures follow."""
    books.open_year(2025, 1_000_000_00, issued_on=dt.date(2025, 1, 15))
    payment = books.pay("IT", "200000.00", on=FRIDAY)
    assert balance(books, "IT", 2025).outstanding_cents == 0
    services.payment_reverse(actor=books.actor, payment=payment, reason="Credited to IT in error")
    assert balance(books, "IT", 2025).outstanding_cents == 200_000_00
    assert Payment.objects.filter(pk=payment.pk).exists()
    kinds = list(
        LedgerEntry.objects.filter(member_state=books.states["IT"]).values_list("kind", flat=True)
    )
    assert kinds == ["assessment", "payment_applied", "reversal"]
    with pytest.raises(Conflict):
        services.payment_reverse(actor=books.actor, payment=payment, reason="again")
    assert AuditEvent.objects.filter(action="payment.reverse").count() == 1


def test_payments_are_append_only_in_the_database(books):
    """PostgreSQL refuses to change or delete a payment or an entry, even by raw SQL."""
    books.open_year(2025, 1_000_000_00, issued_on=dt.date(2025, 1, 15))
    payment = books.pay("IT", "1000.00", on=FRIDAY)
    for sql, params in (
        ("UPDATE funding_payment SET amount = 1 WHERE id = %s", [payment.pk]),
        ("DELETE FROM funding_payment WHERE id = %s", [payment.pk]),
        ("UPDATE funding_ledgerentry SET amount_cents = 1", []),
        ("DELETE FROM funding_ledgerentry", []),
    ):
        with (
            pytest.raises(Exception, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(sql, params)


def test_money_needs_a_second_factor(books):
    books.open_year(2025, 1_000_000_00, issued_on=dt.date(2025, 1, 15))
    without = Actor.for_user(books.officer, source=AuditSource.WEB, mfa_verified=False)
    with pytest.raises(MfaRequired):
        services.payment_record(
            actor=without, member_state=books.states["DE"], value_date=FRIDAY,
            amount=Decimal("1.00"), currency="EUR",
        )  # fmt: skip


@pytest.mark.parametrize(
    ("amount", "on", "field"),
    [
        (Decimal("0"), FRIDAY, "amount"),
        (Decimal("1.001"), FRIDAY, "amount"),
        (Decimal("1.00"), dt.date(2026, 3, 2), "value_date"),  # tomorrow
    ],
)
def test_bad_payments_are_refused_with_the_field(books, amount, on, field):
    with pytest.raises(ValidationFailed) as caught:
        services.payment_record(
            actor=books.actor, member_state=books.states["DE"], value_date=on, amount=amount,
            currency="EUR",
        )  # fmt: skip
    assert caught.value.field == field


def test_crossed_rates_for_a_swiss_franc_base(books, settings):
    """With CHF books a dollar payment is crossed via the euro on the same ECB day."""
    from funding.models import FiscalYear

    FiscalYear.objects.all().delete()  # no year opened yet in these books
    settings.FUNDING_BASE_CURRENCY = "CHF"
    quote = selectors.rate_on("USD", "CHF", SATURDAY)
    assert quote.rate_date == FRIDAY
    assert quote.per_base_unit == Decimal("1.2499463174")
    assert "crossed via EUR" in quote.source
    assert selectors.rate_on("EUR", "CHF", FRIDAY).per_base_unit == Decimal("1.0736525660")


def test_voluntary_and_in_kind_contributions_do_not_settle_assessments(books):
    """A contribution in kind keeps its valuation and its basis; a correction reverses it."""
    calls = books.open_year(2025, 1_000_000_00, issued_on=dt.date(2025, 1, 15))
    with pytest.raises(ValidationFailed, match="valued"):
        services.voluntary_record(
            actor=books.actor, member_state=books.states["DE"], fiscal_year=calls[0].fiscal_year,
            kind="in_kind", description="64 GPUs on loan", received_on=FRIDAY,
            amount=Decimal("1200000.00"), currency="EUR",
        )  # fmt: skip
    gift = services.voluntary_record(
        actor=books.actor, member_state=books.states["DE"], fiscal_year=calls[0].fiscal_year,
        kind="in_kind", description="64 GPUs on loan for 2025", received_on=FRIDAY,
        amount=Decimal("1200000.00"), currency="USD",
        valuation_basis="Vendor list price, quote Q-2025-17, less 40 % for a one-year loan",
    )  # fmt: skip
    assert gift.rate_date == FRIDAY and gift.base_amount_cents == 103_075_073
    assert balance(books, "DE", 2025).paid_cents == 0
    reversal = services.voluntary_reverse(actor=books.actor, contribution=gift, reason="Typo")
    assert reversal.reverses == gift
    assert VoluntaryContribution.objects.count() == 2


def test_with_bulk_create_the_database_refuses_what_full_clean_refuses(books):
    """Constraint and clean() agree: an in-kind gift needs its basis, paid never exceeds assessed."""
    from django.core.exceptions import ValidationError

    calls = books.open_year(2025, 1_000_000_00, issued_on=dt.date(2025, 1, 15))
    gift = VoluntaryContribution(
        member_state=books.states["DE"], fiscal_year=calls[0].fiscal_year, kind="in_kind",
        description="x", received_on=FRIDAY, amount=Decimal(1), currency="EUR", rate=Decimal(1),
        rate_date=FRIDAY, rate_source="same currency", base_amount_cents=100,
        recorded_by_label="t",
    )  # fmt: skip
    with pytest.raises(ValidationError):
        gift.full_clean()
    with pytest.raises(IntegrityError), transaction.atomic():
        VoluntaryContribution.objects.bulk_create([gift])
    with pytest.raises(IntegrityError), transaction.atomic():
        YearBalance.objects.filter(member_state=books.states["DE"]).update(paid_cents=10**12)


def test_stored_balances_always_equal_a_recount_of_the_entries(books):
    """After calls, partial and foreign payments, overpayments and reversals, a recount agrees."""
    books.open_year(2025, 1_000_000_00, issued_on=dt.date(2025, 1, 15))
    first = books.pay("DE", "116420.00", "USD", on=FRIDAY)
    books.pay("DE", "400000.00", on=FRIDAY)
    books.pay("FR", "5000000", "JPY", on=FRIDAY)
    books.open_year(2026, 1_000_000_00, issued_on=dt.date(2026, 1, 15))
    services.payment_reverse(actor=books.actor, payment=first, reason="Bounced")
    books.pay("NL", "900000.00", on=FRIDAY)
    # then every state's stored figures equal the recomputation from its entries
    for state in books.states.values():
        position = ledger.balances(selectors.entries_of(state))
        stored = {
            b.fiscal_year.year: (b.assessed_cents, b.paid_cents)
            for b in YearBalance.objects.filter(member_state=state).select_related("fiscal_year")
        }
        assert stored == {y: (b.assessed, b.paid) for y, b in position.years.items()}
        assert StateAccount.objects.get(member_state=state).credit_cents == position.credit
    assert verify_ledger() == []
    call_command("funding_verify_ledger")
    # and the total paid plus credit is exactly what was received and not reversed
    received = sum(p.base_amount_cents for p in Payment.objects.filter(reversal__isnull=True))
    paid = sum(b.paid_cents for b in YearBalance.objects.all())
    credit = sum(a.credit_cents for a in StateAccount.objects.all())
    assert paid + credit == received


def test_the_ledger_check_reports_a_tampered_balance(books):
    books.open_year(2025, 1_000_000_00, issued_on=dt.date(2025, 1, 15))
    YearBalance.objects.filter(member_state=books.states["DE"]).update(paid_cents=1)
    assert verify_ledger() == [
        "DE: years {2025: (40000000, 1)} stored, {2025: (40000000, 0)} from the entries"
    ]


def test_money_moves_only_with_a_fresh_second_factor(books):
    """A finance officer whose code is 16 minutes old may neither record nor reverse a payment."""
    # given
    books.open_year(2025, 1_000_000_00, issued_on=dt.date(2025, 1, 15))
    payment = books.pay("IT", "1000.00", on=FRIDAY)
    stale = dataclasses.replace(books.actor, mfa_at=time.time() - 16 * 60)
    # when / then
    with pytest.raises(MfaStale):
        services.payment_record(
            actor=stale, member_state=books.states["DE"], value_date=FRIDAY,
            amount=Decimal("5.00"), currency="EUR",
        )  # fmt: skip
    with pytest.raises(MfaStale):
        services.payment_reverse(actor=stale, payment=payment, reason="typo")
    assert Payment.objects.count() == 1
    assert not AuditEvent.objects.filter(action="payment.reverse").exists()
