"""The finance pages in a browser session: desk, payments, imports, calls, reports (no JavaScript)."""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

import pytest
from django.test import Client

from funding import clock, tasks
from funding.models import (
    ContributionCall,
    DataImport,
    ExchangeRate,
    Payment,
    Report,
    ReportStatus,
)
from tests.conftest import enable_totp, sign_in
from tests.factories import UserFactory
from tests.funding.books import make_books, rate

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 3, 2)
DATA = Path(__file__).resolve().parents[2] / "demo" / "data"


def browser(user, *, mfa: bool = True) -> Client:
    if mfa:
        enable_totp(user)
    client = Client()
    sign_in(client, user, with_mfa=mfa)
    return client


@pytest.fixture
def books(monkeypatch):
    monkeypatch.setattr(clock, "today", lambda: TODAY)
    books = make_books(first_year=2025, last_year=2026)
    books.open_year(2025, 1_000_000_00, issued_on=dt.date(2025, 1, 15))
    rate("USD", dt.date(2026, 1, 9), "1.1642")
    return books


def test_the_desk_is_for_finance_staff_only(books):
    """Anonymous visitors are sent to sign in; other signed-in people are refused."""
    assert Client().get("/finance/").status_code == 302
    other = browser(UserFactory(username="delegate"))
    assert other.get("/finance/").status_code == 403
    page = browser(books.officer).get("/finance/").content.decode()
    assert "Finance desk" in page
    assert "CFC/2025/DE" in page  # late: due 14 February 2025, nothing paid


def test_recording_a_payment_says_which_rate_and_date_converted_it(books):
    """A Saturday payment in dollars is converted at Friday's ECB rate, and the page says so."""
    client = browser(books.officer)
    form = client.get("/finance/payments/new/").content.decode()
    assert '<label class="usa-label" for="id_amount">' in form
    data = {
        "member_state": "NL",
        "value_date": "2026-01-10",
        "amount": "116420.00",
        "currency": "usd",
        "reference": "NL-2025",
    }
    preview = client.post("/finance/payments/new/", {**data, "action": "preview"})
    assert "€100,000.00" in preview.content.decode()
    response = client.post(
        "/finance/payments/new/",
        {**data, "action": "record", "expected_cents": "10000000"},
        follow=True,
    )
    page = response.content.decode()
    assert response.redirect_chain[-1][0] == "/finance/states/NL/"
    assert (
        "the ECB rate of Jan. 9, 2026, the last day with a rate before the value date Jan. 10, 2026"
        in page
    )
    assert "€100,000.00" in page
    payment = Payment.objects.get()
    assert payment.currency == "USD" and payment.base_amount_cents == 100_000_00


def test_without_a_second_factor_the_page_says_so_and_nothing_is_recorded(books):
    client = browser(books.officer, mfa=False)
    form = client.get("/finance/payments/new/").content.decode()
    assert "need a second factor" in form
    assert "/accounts/2fa/reauthenticate/?next=/finance/payments/new/" in form
    response = client.post(
        "/finance/payments/new/",
        {"member_state": "NL", "value_date": "2026-01-09", "amount": "1.00", "currency": "EUR"},
    )
    assert response.status_code == 200
    assert "This action needs a second factor" in response.content.decode()
    assert not Payment.objects.exists()


def test_reversing_a_payment_from_the_account_page(books):
    client = browser(books.officer)
    payment = books.pay("IT", "1000.00", on=dt.date(2026, 1, 9))
    page = client.get("/finance/states/IT/").content.decode()
    assert 'for="reason-' in page
    client.post(f"/finance/payments/{payment.pk}/reverse/", {"reason": "Wrong state"})
    page = client.get("/finance/states/IT/").content.decode()
    assert '<span class="usa-tag">reversed</span> Wrong state' in page


def test_a_bad_upload_shows_every_problem_and_imports_nothing(books):
    client = browser(books.officer)
    bad = io.BytesIO(b"Date,USD,\n2026-01-12,1.1,\n2026-01-12,1.2,\n2026-01-13,x,\n")
    bad.name = "rates.csv"
    response = client.post("/finance/imports/", {"kind": "ecb_rates", "file": bad}, follow=True)
    page = response.content.decode()
    assert "2 problems; nothing was imported" in page
    assert "2026-01-12 is already given on line 2" in page
    assert "(USD)" in page and "&#x27;x&#x27; is not a number" in page
    assert ExchangeRate.objects.count() == 1  # only the fixture's rate


def test_a_good_upload_is_previewed_then_imported(books):
    client = browser(books.officer)
    with (DATA / "exchange_rates_ecb_sample.csv").open("rb") as fh:
        response = client.post("/finance/imports/", {"kind": "ecb_rates", "file": fh}, follow=True)
    page = response.content.decode()
    assert "What importing it would do" in page
    data_import = DataImport.objects.get()
    assert ExchangeRate.objects.count() == 1
    client.post(f"/finance/imports/{data_import.pk}/apply/")
    assert ExchangeRate.objects.count() == 443  # the fixture's rate was the same as the file's


def test_issuing_calls_from_the_year_page(monkeypatch):
    monkeypatch.setattr(clock, "today", lambda: TODAY)
    books = make_books(first_year=2026, last_year=2026)
    books.open_year(2026, 500_000_00)
    client = browser(books.officer)
    page = client.get("/finance/years/2026/").content.decode()
    assert "4 calls will be issued, due 30 days after the issue date" in page
    client.post("/finance/years/2026/calls/", {"issued_on": "2026-01-15"})
    calls = ContributionCall.objects.order_by("member_state__code")
    assert [c.due_on for c in calls] == [dt.date(2026, 2, 14)] * 4
    assert all(c.letter_id for c in calls)
    page = client.get("/finance/years/2026/").content.decode()
    assert "letter" in page and "German" in page


def test_a_report_page_refreshes_until_the_pdf_is_ready(books):
    """While the task runs the page reloads itself (meta refresh); then it offers the PDF."""
    client = browser(books.officer)
    response = client.post("/finance/reports/", {"kind": "status", "years": ["2025"]})
    report = Report.objects.get()
    assert response["Location"] == f"/finance/reports/{report.pk}/"
    waiting = client.get(f"/finance/reports/{report.pk}/").content.decode()
    assert '<meta http-equiv="refresh" content="2">' in waiting
    assert 'role="status"' in waiting and "<progress" in waiting
    # when the worker has made it
    assert tasks.report_generate(report.pk) == ReportStatus.DONE
    ready = client.get(f"/finance/reports/{report.pk}/").content.decode()
    assert "http-equiv" not in ready
    assert "Download the PDF" in ready
    pdf = client.get(f"/finance/reports/{report.pk}/pdf/")
    assert pdf["Content-Type"] == "application/pdf"
    assert b"".join(pdf.streaming_content).startswith(b"%PDF")


def test_status_of_contributions_as_csv(books):
    books.pay("DE", "400000.00", on=dt.date(2025, 2, 1))
    client = browser(books.officer)
    response = client.get("/finance/reports/status.csv?year=2025")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    de = next(r for r in rows if r["code"] == "DE")
    assert (de["assessed"], de["paid"], de["outstanding"], de["honour_roll"]) == (
        "400000.00", "400000.00", "0.00", "yes",
    )  # fmt: skip
    nl = next(r for r in rows if r["code"] == "NL")
    assert nl["outstanding"] == "100000.00" and nl["honour_roll"] == "no"
    assert sum(float(r["assessed"]) for r in rows) == 1_000_000


def test_scale_pages_show_the_working(books):
    client = browser(books.officer)
    assert books.scale is not None
    page = client.get(f"/finance/scales/{books.scale.pk}/").content.decode()
    assert "Shares for 2025" in page
    assert "identical" in page  # recomputed from its frozen inputs


def test_recording_a_contribution_in_kind_from_its_page(books):
    client = browser(books.officer)
    page = client.get("/finance/voluntary/new/").content.decode()
    assert '<label class="usa-label" for="id_valuation_basis">' in page
    response = client.post(
        "/finance/voluntary/new/",
        {"member_state": "FR", "fiscal_year": "2025", "kind": "in_kind", "received_on": "2026-01-09",
         "description": "Detector time", "amount": "120000", "currency": "eur",
         "valuation_basis": "Agreed hourly rate x hours"},
        follow=True,
    )  # fmt: skip
    page = response.content.decode()
    assert "Valuation: Agreed hourly rate x hours" in page
    assert "€120,000.00" in page


def test_the_finance_csv_never_carries_a_formula(books):
    """A state named like a spreadsheet formula comes out as text; amounts stay numbers."""
    from governance.models import MemberState

    MemberState.objects.filter(code="NL").update(name_en='=HYPERLINK("http://evil.example","x")')
    client = browser(books.officer)
    rows = list(
        csv.DictReader(
            io.StringIO(client.get("/finance/reports/status.csv?year=2025").content.decode())
        )
    )
    nl = next(r for r in rows if r["code"] == "NL")
    assert nl["name"] == '\'=HYPERLINK("http://evil.example","x")'
    assert nl["outstanding"] == "100000.00"
