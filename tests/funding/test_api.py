"""The funding API: the same services, JSON errors with stable codes and fields."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import call_command

from funding import clock
from funding.models import Payment, Report
from tests.conftest import enable_totp
from tests.factories import UserFactory
from tests.funding.books import make_books, rate

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 3, 2)


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


def test_record_a_payment_in_dollars(api):
    response = api.post(
        "/api/v1/funding/payments/",
        {"member_state": "DE", "value_date": "2026-01-10", "amount": "1164.20", "currency": "USD"},
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["rate"], body["rate_date"], body["base_amount_cents"]) == (
        "1.1642000000", "2026-01-09", 100000,
    )  # fmt: skip
    reversed_ = api.post(
        f"/api/v1/funding/payments/{body['id']}/reverse/", {"reason": "Test"}, format="json"
    )
    assert reversed_.json()["reversed"] is True


def test_record_a_contribution_in_kind_with_its_valuation(api):
    payload = {
        "member_state": "DE", "fiscal_year": 2025, "kind": "in_kind", "received_on": "2026-01-09",
        "description": "Cooling plant for the cluster", "amount": "2500000.00", "currency": "EUR",
    }  # fmt: skip
    refused = api.post("/api/v1/funding/voluntary/", payload, format="json")
    assert refused.status_code == 400
    assert refused.json()["fields"] == {
        "valuation_basis": ["Say how the contribution in kind was valued."]
    }
    payload["valuation_basis"] = "Invoice of the supplier, delivered and installed"
    created = api.post("/api/v1/funding/voluntary/", payload, format="json")
    assert created.status_code == 201
    assert created.json()["base_amount_cents"] == 250_000_000


def test_a_payment_without_a_rate_is_a_400_with_a_code_and_a_field(api):
    response = api.post(
        "/api/v1/funding/payments/",
        {"member_state": "DE", "value_date": "2026-01-10", "amount": "10", "currency": "GBP"},
        format="json",
    )
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "no_exchange_rate"
    assert "currency" in body["fields"]
    assert not Payment.objects.exists()


def test_others_may_not_read_or_touch_the_accounts(books, api_as):
    outsider = UserFactory(username="outsider")
    enable_totp(outsider)
    client = api_as(outsider)
    assert client.get("/api/v1/funding/fiscal-years/").status_code == 403
    response = client.post(
        "/api/v1/funding/payments/",
        {"member_state": "DE", "value_date": "2026-01-10", "amount": "10", "currency": "EUR"},
        format="json",
    )
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"


def test_a_bad_import_lists_each_problem_and_imports_nothing(api):
    upload = io.BytesIO(b"Date,USD,\n2026-01-12,1.1,\n2026-01-12,1.2,\n")
    upload.name = "rates.csv"
    response = api.post("/api/v1/funding/imports/", {"kind": "ecb_rates", "file": upload})
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "import_rejected"
    assert body["fields"]["file"] == [
        "line 3, column 1 (Date): 2026-01-12 is already given on line 2"
    ]


def test_status_statement_and_scales_as_json(api, books):
    status = api.get("/api/v1/funding/fiscal-years/2025/status/").json()
    assert status["years"][0]["assessed"] == 1_000_000_00
    statement = api.get("/api/v1/funding/states/NL/statement/").json()
    assert statement["outstanding"] == 100_000_00
    scales = api.get("/api/v1/funding/scales/").json()
    detail = api.get(f"/api/v1/funding/scales/{scales[0]['id']}/").json()
    assert detail["results"]["2025"]["members"][0]["code"] == "DE"


def test_ask_for_a_report_and_poll_it(api):
    response = api.post(
        "/api/v1/funding/reports/", {"kind": "statement", "params": {"state": "NL"}}, format="json"
    )
    assert response.status_code == 202
    report = Report.objects.get()
    polled = api.get(f"/api/v1/funding/reports/{report.pk}/").json()
    assert polled["status"] in ("queued", "done")
    assert polled["progress"] in (0, 100)


def test_the_openapi_schema_describes_the_funding_api(client):
    """The schema validates without a single warning (enum names included)."""
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", "/dev/null")
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    assert "/api/v1/funding/payments/" in schema["paths"]
