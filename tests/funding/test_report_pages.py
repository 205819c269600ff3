"""The reports pages say what a report is about in words and tick the year a person wants."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.test import Client

from funding import clock, tasks
from funding.models import Report, ReportStatus
from tests.conftest import enable_totp, sign_in
from tests.factories import UserFactory
from tests.funding.books import make_books

pytestmark = pytest.mark.django_db


@pytest.fixture
def books(monkeypatch):
    monkeypatch.setattr(clock, "today", lambda: dt.date(2026, 3, 2))
    books = make_books(first_year=2026, last_year=2026)
    books.open_year(2026, 1_000_000_00, issued_on=dt.date(2026, 1, 15))
    return books


def signed_in(user) -> Client:
    enable_totp(user)
    client = Client()
    sign_in(client, user, with_mfa=True)
    return client


def test_the_only_fiscal_year_is_ticked_so_the_first_click_makes_the_pdf(books):
    """With one fiscal year its box is ticked; pressing the button as the page comes asks for it."""
    client = signed_in(books.officer)
    page = client.get("/finance/reports/").content.decode()
    assert re.search(r'<input type="checkbox" name="years" value="2026"[^>]* checked>', page)
    assert '<legend class="usa-legend">Fiscal years</legend>' in page
    # the form as the browser sends it untouched
    response = client.post("/finance/reports/", {"kind": "status", "years": ["2026"]})
    report = Report.objects.get()
    assert response["Location"] == f"/finance/reports/{report.pk}/"


def test_a_report_says_what_it_is_about_in_words_not_parameters(books):
    """ "Fiscal year 2026", never {'years': [2026]}; a statement names the state."""
    client = signed_in(books.officer)
    client.post("/finance/reports/", {"kind": "status", "years": ["2026"]})
    client.post("/finance/reports/", {"kind": "statement", "state": "NL"})
    status, statement = Report.objects.order_by("id")
    for report in (status, statement):
        assert tasks.report_generate(report.pk) == ReportStatus.DONE
    page = client.get(f"/finance/reports/{status.pk}/").content.decode()
    assert "{&#x27;years&#x27;" not in page and "Parameters" not in page
    assert "<dd>Fiscal year 2026</dd>" in page
    assert "Download the PDF (" in page
    assert re.search(r"<dt>Made</dt><dd><time datetime=\"[^\"]+\">[^<]+ CES?T</time></dd>", page)
    page = client.get(f"/finance/reports/{statement.pk}/").content.decode()
    assert "<dd>Member state: Netherlands (NL)</dd>" in page
    listing = client.get("/finance/reports/").content.decode()
    assert "<td>Fiscal year 2026</td>" in listing
    assert "<td>Member state: Netherlands (NL)</td>" in listing


def test_the_new_and_changed_finance_pages_refuse_other_roles(books):
    """A signed-in person without the finance role gets 403 on every finance page and step."""
    client = signed_in(UserFactory(username="delegate"))
    report = Report.objects.create(
        kind="status", params={"years": [2026]}, requested_by_label="finance"
    )
    for path in (
        "/finance/",
        "/finance/payments/new/",
        "/finance/reports/",
        f"/finance/reports/{report.pk}/",
        "/finance/imports/",
        "/finance/states/NL/",
        "/finance/years/2026/",
    ):
        assert client.get(path).status_code == 403, path
    assert client.post("/finance/payments/new/", {"action": "record"}).status_code == 403
    assert (
        client.post("/finance/reports/", {"kind": "status", "years": ["2026"]}).status_code == 403
    )
    assert Report.objects.count() == 1
