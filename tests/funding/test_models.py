"""Every model rule holds twice: full_clean() refuses it, and so does the database."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from funding.models import (
    ArrearsExemption,
    ContributionCall,
    DataImport,
    FiscalYear,
    LedgerEntry,
    NationalIncomeFigure,
    Payment,
    Report,
)
from tests.factories import MemberStateFactory
from tests.funding.books import budget_motion, finance_council, make_books

pytestmark = pytest.mark.django_db
DAY = dt.date(2026, 1, 15)


def both_refuse(instance) -> None:
    with pytest.raises(ValidationError):
        instance.full_clean()
    with pytest.raises(IntegrityError), transaction.atomic():
        type(instance).objects.bulk_create([instance])


def test_fiscal_year_currency_is_iso():
    both_refuse(FiscalYear(year=2026, base_currency="eur"))


def test_income_needs_a_figure():
    state = MemberStateFactory(code="DE")
    both_refuse(NationalIncomeFigure(member_state=state, year=2024, currency="EUR"))


def test_payment_rate_cannot_come_from_after_the_value_date():
    state = MemberStateFactory(code="DE")
    both_refuse(
        Payment(
            member_state=state,
            value_date=DAY,
            amount=Decimal(1),
            currency="USD",
            base_currency="EUR",
            rate=Decimal("1.1"),
            rate_date=DAY + dt.timedelta(days=1),
            rate_source="ECB",
            base_amount_cents=91,
            recorded_by_label="t",
        )
    )


def test_a_call_falls_due_after_it_is_issued():
    books = make_books(first_year=2026, last_year=2026)
    books.open_year(2026, 100_00)
    assessment = books.years[2026].assessments.first()
    both_refuse(
        ContributionCall(
            fiscal_year=books.years[2026],
            member_state=assessment.member_state,
            assessment=assessment,
            reference="CFC/X",
            issued_on=DAY,
            due_on=DAY,
            amount_cents=1,
            language="en",
            issued_by_label="t",
        )
    )


def test_a_reversal_names_its_entry_and_nothing_else_does():
    state = MemberStateFactory(code="DE")
    both_refuse(
        LedgerEntry(
            member_state=state,
            kind="reversal",
            amount_cents=5,
            value_date=DAY,
            created_by_label="t",
        )
    )


def test_an_exemption_ends_after_it_starts():
    state = MemberStateFactory(code="DE")
    motion = budget_motion(finance_council())
    both_refuse(
        ArrearsExemption(
            member_state=state,
            council=motion.council,
            motion=motion,
            valid_from=DAY,
            valid_until=DAY,
            reason="x",
            recorded_by_label="t",
        )
    )


def test_a_finished_report_has_its_hashes():
    with pytest.raises(IntegrityError), transaction.atomic():
        Report.objects.create(
            kind="status", status="done", generated_at=timezone.now(), requested_by_label="t"
        )


def test_an_import_is_dated_exactly_when_applied():
    with pytest.raises(IntegrityError), transaction.atomic():
        DataImport.objects.create(
            kind="ecb_rates", filename="x", sha256="0" * 64, content="", status="applied",
            created_by_label="t",
        )  # fmt: skip
