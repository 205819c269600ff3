"""Imports of national income and exchange rates: strict, previewed, all or nothing."""

from __future__ import annotations

import csv
import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from core.errors import MfaRequired, NotAllowed
from core.models import AuditEvent
from funding import services
from funding.imports import parse_annual_rates, parse_ecb_rates, parse_national_income
from funding.models import (
    AnnualExchangeRate,
    DataImport,
    ExchangeRate,
    ImportStatus,
    NationalIncomeFigure,
)
from tests.factories import MemberStateFactory
from tests.funding.books import finance_officer

DATA = Path(__file__).resolve().parents[2] / "demo" / "data"
CODES = {row["code"] for row in csv.DictReader((DATA / "member_states.csv").open())}
ECB_HEADER = "Date,USD,JPY,BGN,CYP,CZK,"


def problems(result) -> list[str]:
    return [str(p) for p in result.problems]


# --- parsers (pure) -------------------------------------------------------------------------


def test_the_real_ecb_sample_is_read_by_header_name_with_na_and_trailing_comma():
    """The ECB's own layout: trailing comma, N/A for BGN after the euro, newest first."""
    result = parse_ecb_rates((DATA / "exchange_rates_ecb_sample.csv").read_text())
    assert result.ok, problems(result)
    assert result.summary["dates"] == 15
    assert result.summary["first_date"] == "2025-12-18"
    assert result.summary["last_date"] == "2026-01-12"
    rates = {(r.currency, r.date): r.per_eur for r in result.rows}
    assert rates[("USD", dt.date(2026, 1, 12))] == Decimal("1.1692")
    assert rates[("BGN", dt.date(2025, 12, 31))] == Decimal("1.9558")
    assert ("BGN", dt.date(2026, 1, 2)) not in rates  # N/A after the changeover
    assert ("CYP", dt.date(2026, 1, 12)) not in rates  # legacy currency, always N/A
    assert "EEK" not in result.summary["currencies"]


def test_columns_are_read_by_name_not_position():
    """An older file with a different column order gives the same rates."""
    text = "Date,ZAR,USD,\n2016-01-04,17.0,1.09,\n"
    result = parse_ecb_rates(text)
    assert result.ok
    assert {(r.currency, r.per_eur) for r in result.rows} == {
        ("ZAR", Decimal("17.0")),
        ("USD", Decimal("1.09")),
    }


def test_a_bad_ecb_file_names_every_problem_with_line_and_column():
    """A repeated date, a non-number, a bad date and a short row are each reported where they are."""
    text = (
        f"{ECB_HEADER}\n"
        "2026-01-12,1.1692,184.42,N/A,N/A,24.288,\n"
        "2026-01-09,1.1642,abc,N/A,N/A,24.337,\n"
        "2026-01-12,1.1,183,N/A,N/A,24,\n"
        "12/01/2026,1.1,183,N/A,N/A,24,\n"
        "2026-01-07,1.1,183,\n"
    )
    result = parse_ecb_rates(text)
    assert not result.ok
    assert problems(result) == [
        "line 3, column 3 (JPY): 'abc' is not a number",
        "line 4, column 1 (Date): 2026-01-12 is already given on line 2",
        "line 5, column 1 (Date): '12/01/2026' is not a date (YYYY-MM-DD)",
        "line 6, column 5: 4 fields; the header has 7",
    ]


def test_ecb_header_must_start_with_date():
    result = parse_ecb_rates("Day,USD,\n2026-01-12,1.1,\n")
    assert problems(result) == ["line 1, column 1 (Day): the first column must be 'Date'"]


def test_the_real_national_income_file_is_read():
    """All 35 states, three years, amounts in US dollars as the World Bank gives them."""
    result = parse_national_income((DATA / "national_income.csv").read_text(), known_codes=CODES)
    assert result.ok, problems(result)
    assert result.summary["years"] == [2023, 2024, 2025]
    assert len(result.summary["states"]) == 35
    de_2024 = next(r for r in result.rows if r.code == "DE" and r.year == 2024)
    assert de_2024.currency == "USD"
    assert de_2024.national_income is not None and de_2024.national_income > 4 * 10**12


def test_a_bad_national_income_file_names_every_problem():
    """Unknown country, missing year (empty and absent), a non-number and a repeat."""
    text = (
        "code,year,amount,currency\n"
        "DE,2023,100,USD\n"
        "DE,2024,100,USD\n"
        "XX,2023,100,USD\n"
        "FR,2023,1e5,USD\n"
        "FR,,100,USD\n"
        "DE,2023,5,USD\n"
    )
    result = parse_national_income(text, known_codes=CODES)
    assert problems(result) == [
        "line 4, column 1 (code): unknown country 'XX'",
        "line 5, column 2 (year): missing year: FR has no figure for 2024, which the file gives "
        "for other states",
        "line 5, column 3 (amount): '1e5' is not a number",
        "line 6, column 2 (year): the year is missing",
        "line 7, column 2 (year): DE 2023 is already given on line 2",
    ]


def test_gdp_alone_is_accepted_for_an_estimate():
    text = "code,year,amount,gdp,currency\nDE,2023,,200,EUR\n"
    result = parse_national_income(text, known_codes=CODES)
    assert result.ok
    assert result.rows[0].national_income is None and result.rows[0].gdp == 200


def test_the_real_annual_rates_are_read_and_euro_rows_skipped():
    result = parse_annual_rates((DATA / "exchange_rates_annual.csv").read_text())
    assert result.ok, problems(result)
    assert result.summary["rates"] == 42
    assert all(r.currency != "EUR" for r in result.rows)


# --- services and the command ---------------------------------------------------------------


@pytest.fixture
def officer(db, mfa_actor):
    return mfa_actor(finance_officer())


@pytest.fixture
def demo_states(db):
    for row in csv.DictReader((DATA / "member_states.csv").open()):
        MemberStateFactory(code=row["code"], currency=row["currency"])


@pytest.mark.django_db
def test_preview_then_apply_imports_every_rate(officer):
    """A preview stores nothing but the file; applying it imports all its rates at once."""
    content = (DATA / "exchange_rates_ecb_sample.csv").read_bytes()
    preview = services.data_import_preview(
        actor=officer, kind="ecb_rates", filename="eurofxref-hist.csv", content=content
    )
    assert preview.status == ImportStatus.PREVIEWED
    assert preview.summary["changes"] == {"new": 443, "changed": 0, "unchanged": 0}
    assert not ExchangeRate.objects.exists()
    services.data_import_apply(actor=officer, data_import=preview)
    assert ExchangeRate.objects.count() == 443
    assert AuditEvent.objects.filter(action="import.apply").exists()
    # importing the same file again changes nothing
    again = services.data_import_preview(
        actor=officer, kind="ecb_rates", filename="eurofxref-hist.csv", content=content
    )
    assert again.summary["changes"] == {"new": 0, "changed": 0, "unchanged": 443}


@pytest.mark.django_db
def test_a_bad_file_is_kept_as_rejected_and_nothing_is_imported(officer, demo_states):
    """One bad cell in an otherwise good file: the whole file is refused, no figure stored."""
    lines = (DATA / "national_income.csv").read_text().splitlines()
    lines[40] = lines[40].replace(",USD,", ",US Dollar,")
    bad = services.data_import_preview(
        actor=officer, kind="national_income", filename="gni.csv",
        content="\n".join(lines).encode(),
    )  # fmt: skip
    assert bad.status == ImportStatus.REJECTED
    assert bad.problems == [
        {
            "line": 41,
            "column": 5,
            "column_name": "currency",
            "message": "'US Dollar' is not an ISO 4217 currency code (e.g. USD)",
        }
    ]
    with pytest.raises(Exception, match="previewed file without problems"):
        services.data_import_apply(actor=officer, data_import=bad)
    assert not NationalIncomeFigure.objects.exists()


@pytest.mark.django_db
def test_imports_need_a_finance_officer_with_a_second_factor(mfa_actor):
    from core.actors import Actor
    from core.models import AuditSource

    officer = finance_officer()
    with pytest.raises(MfaRequired):
        services.data_import_preview(
            actor=Actor.for_user(officer, source=AuditSource.WEB), kind="ecb_rates",
            filename="x.csv", content=b"Date,USD,\n",
        )  # fmt: skip
    from tests.factories import UserFactory

    with pytest.raises(NotAllowed):
        services.data_import_preview(
            actor=mfa_actor(UserFactory(username="someone")), kind="ecb_rates",
            filename="x.csv", content=b"Date,USD,\n",
        )  # fmt: skip


@pytest.mark.django_db
def test_the_command_previews_then_applies(demo_states, capsys):
    """`manage.py funding_import` shows the summary, and imports only with --apply."""
    path = DATA / "national_income.csv"
    call_command("funding_import", "national-income", str(path))
    assert not NationalIncomeFigure.objects.exists()
    assert "Preview only" in capsys.readouterr().out
    call_command("funding_import", "national-income", str(path), "--apply")
    assert NationalIncomeFigure.objects.count() == 105
    call_command(
        "funding_import", "annual-rates", str(DATA / "exchange_rates_annual.csv"), "--apply"
    )
    assert AnnualExchangeRate.objects.filter(currency="USD").count() == 3


@pytest.mark.django_db
def test_the_command_lists_problems_and_fails(tmp_path, capsys):
    path = tmp_path / "rates.csv"
    path.write_text("Date,USD,\n2026-01-12,1.1,\n2026-01-12,1.2,\n")
    with pytest.raises(CommandError, match="1 problem"):
        call_command("funding_import", "ecb-rates", str(path), "--apply")
    assert (
        "line 3, column 1 (Date): 2026-01-12 is already given on line 2" in capsys.readouterr().err
    )
    assert not ExchangeRate.objects.exists()
    assert DataImport.objects.get().status == ImportStatus.REJECTED
