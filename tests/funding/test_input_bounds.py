"""Amounts, rates, incomes, dates and files in funding stay in their range: a 400, never a 500.

Issue 13 items 2, 3, 7 (import command messages) and 8 (note, measure, header-only file).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import IntegrityError, transaction

from core.errors import ValidationFailed
from funding import clock, services
from funding.errors import ImportRejected
from funding.models import (
    DataImport,
    ExchangeRate,
    ImportStatus,
    NationalIncomeFigure,
    Payment,
)
from tests.conftest import enable_totp
from tests.factories import MemberStateFactory
from tests.funding.books import make_books, rate

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 3, 2)
INCOME_HEADER = "code,year,gni_or_nni,amount,currency,unit,source\n"


@pytest.fixture
def books(monkeypatch):
    monkeypatch.setattr(clock, "today", lambda: TODAY)
    books = make_books(first_year=2025, last_year=2026)
    books.open_year(2025, 1_000_000_00, issued_on=dt.date(2025, 1, 15))
    rate("USD", dt.date(2026, 1, 9), "1.1642")
    return books


@pytest.fixture
def api(books, api_as):
    enable_totp(books.officer)
    return api_as(books.officer)


def pay(api, **overrides):
    body = {"member_state": "DE", "value_date": "2026-01-10", "amount": "10", "currency": "USD"}
    return api.post("/api/v1/funding/payments/", {**body, **overrides}, format="json")


def test_a_payment_dated_near_year_1_is_a_400_not_an_overflow(books, api):
    """A value date before the facility's founding is refused before the rate lookup."""
    # when a payment is dated 0001-01-02 through the API and the service
    response = pay(api, value_date="0001-01-02")
    with pytest.raises(ValidationFailed) as raised:
        books.pay("DE", "10", "USD", on=dt.date(1, 1, 2))
    with pytest.raises(ValidationFailed) as early:
        books.pay("DE", "10", "USD", on=dt.date(2019, 12, 31))
    # then each is refused on the value date, and nothing is recorded
    assert response.status_code == 400
    assert "value_date" in response.json()["fields"]
    assert raised.value.field == early.value.field == "value_date"
    assert not Payment.objects.exists()


@pytest.mark.parametrize("amount", ["9999999999999999.99", "1000000000000.01", "1e30"])
def test_a_payment_above_a_trillion_is_refused_on_every_path(books, api, amount):
    """Amounts above 10^12 are refused by the API, the service and the form."""
    response = pay(api, amount=amount, currency="EUR")
    assert response.status_code == 400, response.content
    assert "amount" in response.json()["fields"]
    with pytest.raises(ValidationFailed) as raised:
        books.pay("DE", "9999999999999999.99")
    assert raised.value.field == "amount"
    page = api.post(
        "/finance/payments/new/",
        {"member_state": "DE", "value_date": "2026-01-10", "amount": amount, "currency": "EUR"},
    )
    assert page.status_code == 200
    assert not Payment.objects.exists()


def test_the_database_refuses_an_amount_above_a_trillion(books):
    """A payment written past the services is refused by a CheckConstraint."""
    payment = books.pay("DE", "10")
    with pytest.raises(IntegrityError), transaction.atomic():
        Payment.objects.bulk_create(
            [
                Payment(
                    member_state=payment.member_state, value_date=payment.value_date,
                    amount=Decimal("1000000000000.01"), currency="EUR", base_currency="EUR",
                    rate=Decimal(1), rate_date=payment.value_date, rate_source="x",
                    base_amount_cents=1, recorded_by_label="x",
                )
            ]
        )  # fmt: skip


def test_a_payment_note_over_2000_characters_is_refused(books, api):
    """A 1 MB note is refused by the API; the service and the database hold 2,000 characters."""
    response = pay(api, note="n" * 1_000_000)
    assert response.status_code == 400
    assert "note" in response.json()["fields"]
    with pytest.raises(ValidationFailed) as raised:
        services.payment_record(
            actor=books.actor, member_state=books.states["DE"], value_date=dt.date(2026, 1, 10),
            amount=Decimal(10), currency="EUR", note="n" * 2001,
        )  # fmt: skip
    assert raised.value.field == "note"
    payment = books.pay("DE", "10")
    with pytest.raises(IntegrityError), transaction.atomic():
        Payment.objects.filter(pk=payment.pk).update(note="n" * 2001)


def test_the_bounds_come_from_the_model_field():
    """One helper derives a field's range from its column and its validators."""
    from core.bounds import decimal_range

    assert decimal_range(Payment._meta.get_field("amount")) == (
        Decimal("0.01"),
        Decimal(10) ** 12,
    )
    low, high = decimal_range(NationalIncomeFigure._meta.get_field("national_income"))
    assert (low, high) == (Decimal("0.000001"), Decimal(10) ** 21)
    low, high = decimal_range(ExchangeRate._meta.get_field("per_eur"))
    assert (low, high) == (Decimal("0.000001"), Decimal(10) ** 7)


@pytest.fixture
def officer(db, mfa_actor):
    from tests.funding.books import finance_officer

    return mfa_actor(finance_officer())


def preview(officer, kind, text: str | bytes) -> DataImport:
    content = text.encode() if isinstance(text, str) else text
    return services.data_import_preview(actor=officer, kind=kind, filename="f.csv", content=content)


def test_a_national_income_of_thirty_nines_is_rejected_at_preview(officer):
    """A figure too large for its column is a problem of the preview, not a 500 on apply."""
    MemberStateFactory(code="DE")
    text = INCOME_HEADER + f"DE,2024,GNI,{'9' * 30},EUR,units,x\n"
    data_import = preview(officer, "national_income", text)
    assert data_import.status == ImportStatus.REJECTED
    [problem] = data_import.problems
    assert (problem["line"], problem["column"]) == (2, 4)
    assert "too large" in problem["message"]
    assert not NationalIncomeFigure.objects.exists()


@pytest.mark.parametrize("value", ["999999999999999", "10000000.000001"])
def test_an_exchange_rate_out_of_range_is_rejected_at_preview(officer, value):
    """An exchange rate beyond ten million units per euro is a problem with its line and column."""
    data_import = preview(officer, "ecb_rates", f"Date,USD,JPY,\n2026-01-09,1.16,{value},\n")
    assert data_import.status == ImportStatus.REJECTED
    [problem] = data_import.problems
    assert (problem["line"], problem["column"], problem["column_name"]) == (2, 3, "JPY")
    annual = preview(officer, "annual_rates", f"currency,year,avg_rate_per_eur\nUSD,2025,{value}\n")
    assert annual.status == ImportStatus.REJECTED
    assert not ExchangeRate.objects.exists()


def test_an_ecb_rate_dated_before_the_euro_is_rejected(officer):
    """A rate of 0001-01-01 (or before the euro) is a problem, not a row the database refuses."""
    data_import = preview(officer, "ecb_rates", "Date,USD,\n0001-01-01,1.16,\n1998-12-31,1.1,\n")
    assert data_import.status == ImportStatus.REJECTED
    assert [p["line"] for p in data_import.problems] == [2, 3]


def test_a_measure_longer_than_its_column_is_refused_not_cut(officer):
    """A `gni_or_nni` of 101 characters is a problem naming the line, not silently cut to 100."""
    MemberStateFactory(code="DE")
    data_import = preview(
        officer, "national_income", INCOME_HEADER + f"DE,2024,{'G' * 101},5,EUR,units,x\n"
    )
    assert data_import.status == ImportStatus.REJECTED
    [problem] = data_import.problems
    assert (problem["line"], problem["column_name"]) == (2, "gni_or_nni")
    assert "101 characters" in problem["message"]


def test_a_header_only_file_says_it_has_no_rows_and_imports_nothing(officer, tmp_path, capsys):
    """A file with a header and no rows is rejected, on the command line too (not "Imported 0")."""
    data_import = preview(officer, "national_income", INCOME_HEADER)
    assert data_import.status == ImportStatus.REJECTED
    assert "no rows" in data_import.problems[0]["message"]
    path = tmp_path / "header.csv"
    path.write_text(INCOME_HEADER)
    with pytest.raises(CommandError, match="nothing was imported"):
        call_command("funding_import", "national-income", str(path), "--apply")
    assert "Imported" not in capsys.readouterr().out


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"", "The file is empty."),
        (b"  \n\n", "The file is empty."),
        (INCOME_HEADER.encode() + "DE,2024,GNI,5,EUR,units,Statistik Österreich\n".encode("latin-1"),
         "line 2 has the byte 0xD6"),
        (INCOME_HEADER.encode("utf-16"), "UTF-16"),
    ],
    ids=["empty", "blank", "latin-1", "utf-16"],
)  # fmt: skip
def test_the_import_command_answers_a_bad_file_with_a_message(tmp_path, content, expected):
    """An empty, Latin-1 or UTF-16 file is a CommandError naming the line, never a traceback."""
    MemberStateFactory(code="DE")
    path = tmp_path / "bad.csv"
    path.write_bytes(content)
    with pytest.raises(CommandError) as raised:
        call_command("funding_import", "national-income", str(path), "--apply")
    assert expected in str(raised.value)
    assert not DataImport.objects.filter(status=ImportStatus.APPLIED).exists()


def test_a_bad_file_through_the_service_is_rejected_with_its_line(officer):
    """The service's rejection carries the line (not a byte offset) for the pages and the API."""
    with pytest.raises(ImportRejected) as raised:
        preview(officer, "national_income", b"code,year\n\xe9\n")
    assert raised.value.problems[0]["line"] == 2
    assert "position" not in raised.value.message


def test_a_fiscal_year_of_year_1_is_refused(books):
    """A fiscal year must lie between the facility's founding and five years ahead."""
    with pytest.raises(ValidationFailed) as raised:
        services.fiscal_year_create(actor=books.actor, year=1)
    assert raised.value.field == "year"
    with pytest.raises(ValidationFailed):
        services.fiscal_year_create(actor=books.actor, year=2200)
