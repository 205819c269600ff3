"""Recording a payment shows the conversion first: the ECB rate, its date, the converted sum."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from core.models import AuditEvent
from funding import clock
from funding.models import LedgerEntry, Payment
from tests.conftest import enable_totp, sign_in
from tests.factories import UserFactory
from tests.funding.books import make_books, rate

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 3, 2)
RON = {
    "member_state": "NL",
    "value_date": "2026-01-10",  # a Saturday: Friday's rate applies
    "amount": "10000000",
    "currency": "ron",
    "reference": "NL-RON-1",
}


@pytest.fixture
def books(monkeypatch):
    monkeypatch.setattr(clock, "today", lambda: TODAY)
    books = make_books(first_year=2026, last_year=2026)
    rate("RON", dt.date(2026, 1, 9), "5.0000")
    return books


def officer(books) -> Client:
    enable_totp(books.officer)
    client = Client()
    sign_in(client, books.officer, with_mfa=True)
    return client


def test_the_first_step_shows_the_rate_its_date_and_the_converted_amount_and_saves_nothing(books):
    """10,000,000 RON on a Saturday: Friday's ECB rate, its date and €2,000,000.00, not yet saved."""
    # given
    client = officer(books)
    # when
    response = client.post("/finance/payments/new/", {**RON, "action": "preview"})
    # then
    page = response.content.decode()
    assert response.status_code == 200
    assert "Check the payment before recording it" in page
    assert "Netherlands paid RON\xa010,000,000.00" in page
    assert "1 EUR = 5.0000 RON" in page
    assert '<time datetime="2026-01-09">Jan. 9, 2026</time>' in page
    assert "the last day before the value date with an ECB rate" in page
    assert "€2,000,000.00" in page
    assert 'aria-current="step"' in page
    assert (
        '<button type="submit" class="usa-button" name="action" value="record">Record payment'
        in page
    )
    assert '<input type="hidden" name="expected_cents" value="200000000">' in page
    assert not Payment.objects.exists()
    assert not LedgerEntry.objects.filter(payment__isnull=False).exists()
    assert not AuditEvent.objects.filter(action="payment.record").exists()


def test_confirming_records_the_payment_the_preview_showed(books):
    """The second step records exactly what was shown and says so in the reader's money format."""
    client = officer(books)
    preview = client.post("/finance/payments/new/", {**RON, "action": "preview"})
    assert preview.status_code == 200
    response = client.post(
        "/finance/payments/new/",
        {**RON, "action": "record", "expected_cents": "200000000"},
        follow=True,
    )
    page = response.content.decode()
    assert response.redirect_chain[-1][0] == "/finance/states/NL/"
    assert (
        "RON\xa010,000,000.00 recorded for Netherlands as €2,000,000.00, at 5.0000 RON per EUR: "
        "the ECB rate of Jan. 9, 2026, the last day with a rate before the value date "
        "Jan. 10, 2026."
    ) in page
    payment = Payment.objects.get()
    assert (payment.base_amount_cents, payment.rate_date) == (2_000_000_00, dt.date(2026, 1, 9))
    assert AuditEvent.objects.filter(action="payment.record").count() == 1


def test_the_confirm_step_checks_everything_again(books):
    """Hidden fields edited between the steps are validated again; nothing is saved."""
    client = officer(books)
    response = client.post(
        "/finance/payments/new/",
        {**RON, "amount": "-5", "action": "record", "expected_cents": "200000000"},
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "usa-form-group--error" in page and 'id="id_amount_error"' in page
    assert "Record a payment" in page
    assert not Payment.objects.exists()


def test_a_conversion_that_changed_since_the_preview_is_shown_again_not_recorded(books):
    """An amount edited in the hidden fields, or a rate imported meanwhile, is not trusted."""
    client = officer(books)
    response = client.post(
        "/finance/payments/new/",
        {**RON, "amount": "20000000", "action": "record", "expected_cents": "200000000"},
    )
    page = response.content.decode()
    assert "The conversion has changed since you checked it" in page
    assert "€4,000,000.00" in page
    assert not Payment.objects.exists()
    # a rate for the Saturday itself, imported between the two steps
    rate("RON", dt.date(2026, 1, 10), "4.0000")
    response = client.post(
        "/finance/payments/new/", {**RON, "action": "record", "expected_cents": "200000000"}
    )
    assert "The conversion has changed since you checked it" in response.content.decode()
    assert "€2,500,000.00" in response.content.decode()
    assert not Payment.objects.exists()


def test_change_the_details_goes_back_to_the_filled_form(books):
    client = officer(books)
    page = client.post("/finance/payments/new/", {**RON, "action": "edit"}).content.decode()
    assert "Check the conversion" in page
    assert 'value="10000000"' in page and '<option value="NL" selected>' in page
    assert not Payment.objects.exists()


def test_the_preview_is_in_the_readers_language(books):
    client = officer(books)
    client.cookies["django_language"] = "de"
    page = client.post("/finance/payments/new/", {**RON, "action": "preview"}).content.decode()
    assert "2.000.000,00\xa0€" in page
    assert "10.000.000,00\xa0RON" in page


def test_a_currency_without_a_rate_is_refused_at_the_first_step(books):
    client = officer(books)
    page = client.post(
        "/finance/payments/new/", {**RON, "currency": "JPY", "action": "preview"}
    ).content.decode()
    assert "There is no ECB rate for JPY against EUR" in page
    assert 'id="id_currency_error"' in page
    assert not Payment.objects.exists()


def test_the_preview_is_for_finance_staff_only(books):
    """A delegate (no finance role) is refused at both steps, and nothing is saved."""
    delegate = UserFactory(username="delegate")
    enable_totp(delegate)
    client = Client()
    sign_in(client, delegate, with_mfa=True)
    assert client.post("/finance/payments/new/", {**RON, "action": "preview"}).status_code == 403
    response = client.post(
        "/finance/payments/new/", {**RON, "action": "record", "expected_cents": "200000000"}
    )
    assert response.status_code == 403
    assert not Payment.objects.exists()
