"""Every finance page has the same bones: breadcrumbs, one h1, tables that scroll on a phone."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from django.test import Client

from funding import clock, tasks
from funding.models import DataImport, Report
from tests.conftest import enable_totp, sign_in
from tests.funding.books import make_books, rate

pytestmark = pytest.mark.django_db


def check_bones(path: str, page: str) -> None:
    assert page.count("<h1") == 1, path
    assert '<nav class="usa-breadcrumb"' in page, path
    assert 'aria-current="page"><span>' in page, path  # the last crumb is this page
    tables = page.count("<table")
    assert tables == page.count('<table class="usa-table'), path
    assert tables == page.count(
        'class="usa-table-container--scrollable" tabindex="0" role="region"'
    ), path
    assert tables == page.count("<caption"), path
    # every form field has its label, and no raw Python structure leaks onto the page
    for field_id in re.findall(
        r'<(?:input|select|textarea)(?![^>]*type="hidden")[^>]* id="([^"]+)"', page
    ):
        assert f'for="{field_id}"' in page, (path, field_id)
    assert "{&#x27;" not in page and "[{" not in page, path


def test_every_finance_page_has_breadcrumbs_one_h1_and_scrolling_tables(monkeypatch):
    monkeypatch.setattr(clock, "today", lambda: dt.date(2026, 3, 2))
    books = make_books(first_year=2026, last_year=2026)
    books.open_year(2026, 1_000_000_00, issued_on=dt.date(2026, 1, 15))
    rate("USD", dt.date(2026, 1, 9), "1.1642")
    books.pay("NL", "116420.00", "USD", on=dt.date(2026, 1, 10))
    enable_totp(books.officer)
    client = Client()
    sign_in(client, books.officer, with_mfa=True)
    client.post("/finance/reports/", {"kind": "status", "years": ["2026"]})
    report = Report.objects.get()
    tasks.report_generate(report.pk)
    upload = io.BytesIO(b"Date,USD,\n2026-01-12,1.1,\n")
    upload.name = "rates.csv"
    client.post("/finance/imports/", {"kind": "ecb_rates", "file": upload})
    data_import = DataImport.objects.get()
    assert books.scale is not None
    paths = [
        "/finance/",
        "/finance/payments/new/",
        "/finance/voluntary/new/",
        "/finance/years/",
        "/finance/years/2026/",
        "/finance/scales/",
        f"/finance/scales/{books.scale.pk}/",
        "/finance/imports/",
        f"/finance/imports/{data_import.pk}/",
        "/finance/reports/",
        f"/finance/reports/{report.pk}/",
        "/finance/states/NL/",
    ]
    for path in paths:
        response = client.get(path)
        assert response.status_code == 200, path
        check_bones(path, response.content.decode())
    preview = client.post(
        "/finance/payments/new/",
        {"member_state": "NL", "value_date": "2026-01-09", "amount": "10", "currency": "USD"},
    )
    check_bones("payment preview", preview.content.decode())
