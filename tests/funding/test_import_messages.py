"""A file's problems are written in the reader's language, each at its line and column."""

from __future__ import annotations

import datetime as dt
import html
import io
import re

import pytest
from django.test import Client
from django.utils import translation

from funding import clock
from funding.imports import parse_ecb_rates
from funding.models import DataImport, ImportStatus
from tests.conftest import enable_totp, sign_in
from tests.funding.books import make_books

pytestmark = pytest.mark.django_db

BAD_RATES = b"Date,USD,JPY,\n2026-01-12,1.1642,abc,\n12/01/2026,1.17,151,\n"
BAD_INCOME = b"code,year,currency,amount\nDE,2026,EUR,abc\nXX,2026,EUR,1000\n"


@pytest.fixture
def client(monkeypatch):
    monkeypatch.setattr(clock, "today", lambda: dt.date(2026, 3, 2))
    books = make_books(first_year=2026, last_year=2026)
    enable_totp(books.officer)
    client = Client()
    sign_in(client, books.officer, with_mfa=True)
    yield client
    translation.deactivate()  # the German request leaves German active in this thread


def german_preview(client: Client, content: bytes, kind: str) -> str:
    client.cookies["django_language"] = "de"
    file = io.BytesIO(content)
    file.name = "data.csv"
    response = client.post("/finance/imports/", {"kind": kind, "file": file}, follow=True)
    assert response.status_code == 200
    return response.content.decode()


def problem_rows(page: str) -> list[tuple[str, str, str]]:
    """(line, column, problem) for each row of the table of problems, as a person reads them."""
    table = page.split('id="problems-caption"', 1)[1].split("</table>", 1)[0]
    rows = re.findall(
        r'<tr><th scope="row" class="num">([^<]*)</th><td>([^<]*)</td>'
        r'<td class="cc-wrap">([^<]*)</td></tr>',
        table,
    )
    return [tuple(html.unescape(cell) for cell in row) for row in rows]


def test_a_german_reader_sees_a_bad_rates_file_s_problems_in_german(client):
    page = german_preview(client, BAD_RATES, "ecb_rates")
    assert DataImport.objects.get().status == ImportStatus.REJECTED
    assert problem_rows(page) == [
        ("2", "3 (JPY)", "'abc' ist keine Zahl"),
        ("3", "1 (Date)", "'12/01/2026' ist kein Datum (JJJJ-MM-TT)"),
    ]
    assert "is not a" not in page


def test_a_german_reader_sees_a_bad_national_income_file_s_problems_in_german(client):
    page = german_preview(client, BAD_INCOME, "national_income")
    assert DataImport.objects.get().status == ImportStatus.REJECTED
    assert problem_rows(page) == [
        ("2", "4 (amount)", "'abc' ist keine Zahl"),
        ("3", "1 (code)", "Unbekanntes Land 'XX'"),
    ]
    assert "is not a" not in page and "unknown country" not in page


def test_outside_a_page_the_problems_stay_english():
    """The command line reads files in English, the language of the settings."""
    with translation.override("en"):
        problems = [str(p) for p in parse_ecb_rates(BAD_RATES.decode()).problems]
    assert problems == [
        "line 2, column 3 (JPY): 'abc' is not a number",
        "line 3, column 1 (Date): '12/01/2026' is not a date (YYYY-MM-DD)",
    ]
