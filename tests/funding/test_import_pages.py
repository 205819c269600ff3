"""The import pages: the file's rows as a table, its lines of data counted right, the state after."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from django.test import Client

from core.models import AuditEvent
from funding import clock
from funding.models import DataImport, ExchangeRate, ImportStatus
from tests.conftest import enable_totp, sign_in
from tests.funding.books import make_books

pytestmark = pytest.mark.django_db

# A header, three lines of data with blank lines between them, five rates (N/A and empty skipped).
THREE_LINES = (
    b"Date,USD,JPY,RON,\n\n"
    b"2026-01-12,1.1642,150.5,N/A,\n"
    b"2026-01-13,1.1700,151,,\n\n"
    b"2026-01-14,1.1650,N/A,N/A,\n"
)


@pytest.fixture
def client(monkeypatch):
    monkeypatch.setattr(clock, "today", lambda: dt.date(2026, 3, 2))
    books = make_books(first_year=2026, last_year=2026)
    enable_totp(books.officer)
    client = Client()
    sign_in(client, books.officer, with_mfa=True)
    return client


def upload(client: Client, content: bytes, kind: str = "ecb_rates") -> str:
    file = io.BytesIO(content)
    file.name = "rates.csv"
    response = client.post("/finance/imports/", {"kind": kind, "file": file}, follow=True)
    assert response.status_code == 200
    return response.content.decode()


def test_the_preview_counts_lines_of_data_not_the_header_or_blank_lines(client):
    """Three lines of data read as three, and the five rates they hold are named as rates."""
    page = upload(client, THREE_LINES)
    assert re.search(r"<dt>Lines of data</dt><dd>3 ", page)
    assert "<dt>Values read</dt><dd>5 exchange rates</dd>" in page
    assert "What importing it would do" in page
    assert "Import these 3 rows" in page
    assert "Not imported yet" in page
    assert ExchangeRate.objects.count() == 0


def test_the_rows_are_a_table_with_columns_not_key_value_strings(client):
    """The first rows as read: one column each for line, date, currency and rate."""
    page = upload(client, THREE_LINES)
    assert "line=" not in page and "per_eur=" not in page and "; date=" not in page
    assert '<table class="usa-table usa-table--striped">' in page
    assert 'class="usa-table-container--scrollable" tabindex="0" role="region"' in page
    headings = re.findall(r'<th scope="col"[^>]*>([^<]+)</th>', page)
    assert headings == ["Line", "Date", "Currency", "Units per euro"]
    assert (
        '<tr><th scope="row" class="num">3</th><td>Jan. 12, 2026</td><td>USD</td>'
        '<td class="num">1.1642</td></tr>'
    ) in page
    assert '<td>JPY</td><td class="num">150.5</td>' in page


def test_after_importing_the_page_says_so_and_what_comes_next(client):
    """The heading changes to what was done; the next steps are links; the list agrees."""
    upload(client, THREE_LINES)
    data_import = DataImport.objects.get()
    page = client.post(f"/finance/imports/{data_import.pk}/apply/", follow=True).content.decode()
    assert "Imported 3 rows" in page
    assert "What importing it would do" not in page
    assert "What was imported" in page
    assert "Import these" not in page  # no button to import it twice
    assert 'href="/finance/payments/new/"' in page and "Import another file" in page
    assert ExchangeRate.objects.count() == 5
    data_import.refresh_from_db()
    assert data_import.status == ImportStatus.APPLIED
    assert AuditEvent.objects.filter(action="import.apply").count() == 1
    listing = client.get("/finance/imports/").content.decode()
    assert re.search(
        r'rates\.csv</a></th><td>[^<]+</td><td>imported</td><td class="num">3</td>', listing
    )


def test_national_income_leads_on_to_the_scale(client):
    content = (
        b"code,year,currency,amount\n"
        b"DE,2024,EUR,4000\nFR,2024,EUR,3000\nIT,2024,EUR,2000\nNL,2024,EUR,1000\n"
    )
    upload(client, content, kind="national_income")
    data_import = DataImport.objects.get()
    page = client.get(f"/finance/imports/{data_import.pk}/").content.decode()
    headings = re.findall(r'<th scope="col"[^>]*>([^<]+)</th>', page)
    assert headings[:5] == ["Line", "State", "Year", "Currency", "National income"]
    assert "<td>Germany (DE)</td>" in page
    page = client.post(f"/finance/imports/{data_import.pk}/apply/", follow=True).content.decode()
    assert "Imported 4 rows" in page
    assert 'href="/finance/scales/"' in page


def test_a_rejected_file_names_each_problem_in_a_table_and_imports_nothing(client):
    page = upload(client, b"Date,USD,\n2026-01-12,1.1,\n2026-01-12,x,\n")
    assert "One problem; nothing was imported" in page or "problems; nothing was imported" in page
    assert "usa-alert--error" in page
    assert "Upload a corrected file" in page
    assert "What importing it would do" not in page
    assert ExchangeRate.objects.count() == 0
