"""Long finance PDFs: a total is printed once, at the end of its table, and every page's running
header names the section that page is in (pages read back from the PDF, as a reader sees them)."""

from __future__ import annotations

import copy
import datetime as dt
import io

import pytest
from pypdf import PdfReader

from funding import clock
from funding.reports import data as report_data
from funding.reports import render
from tests.funding.books import make_books, rate

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 6, 1)


@pytest.fixture
def books(monkeypatch):
    monkeypatch.setattr(clock, "today", lambda: TODAY)
    books = make_books(first_year=2025, last_year=2026)
    rate("USD", dt.date(2026, 1, 9), "1.1642")
    books.open_year(2025, 1_000_000_00, issued_on=dt.date(2025, 1, 15))
    books.pay("DE", "400000.00", on=dt.date(2025, 2, 1))
    books.pay("NL", "116420.00", "USD", on=dt.date(2026, 1, 10))
    return books


def pages_of(kind: str, data: dict, language: str = "en") -> list[str]:
    html = render.render_html(kind, data, language=language, data_sha256="ab" * 32)
    pdf = render.layout(html).write_pdf()
    return [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]


def long_status(books) -> dict:
    """The 2025 status with its four states repeated until each table runs over several pages."""
    data = report_data.build_status([2025], as_of=TODAY)
    data["states"] = data["states"] * 25
    block = data["years"][0]
    block["rows"] = block["rows"] * 25
    data["years"] = [block, {**copy.deepcopy(block), "year": 2026}]
    return data


def test_a_long_status_prints_each_total_once_and_heads_each_page_with_its_section(books):
    """100 rows a table: one Total per table, on its last page; headers name the page's section."""
    pages = pages_of("status", long_status(books))
    assert len(pages) >= 5
    totals = [
        n
        for n, text in enumerate(pages, start=1)
        for line in text.splitlines()
        if line.startswith("Total")
    ]
    # the summary and the two years: three tables, three totals, none repeated on later pages
    assert len(totals) == 3, totals
    first_2025 = next(n for n, t in enumerate(pages, start=1) if "Contributions for 2025" in t)
    first_2026 = next(n for n, t in enumerate(pages, start=1) if "Contributions for 2026" in t)
    assert totals == [first_2025 - 1, first_2026 - 1, len(pages)]
    others: tuple[str, ...]
    for number, text in enumerate(pages, start=1):
        if number == 1:
            continue  # the title page has no running section
        if number < first_2025:
            expected, others = "Summary by member state", ("Fiscal year",)
        elif number < first_2026:
            expected, others = "Fiscal year 2025", ("Summary by member state", "Fiscal year 2026")
        else:
            expected, others = "Fiscal year 2026", ("Summary by member state", "Fiscal year 2025")
        assert expected in text, (number, text[:200])
        assert not any(other in text for other in others), (number, text[:200])


SECTIONS = ("Position", "Entries", "Payments as received", "Voluntary and in-kind contributions")


def running_section(text: str, title: str) -> str:
    header = next(line for line in text.splitlines() if line.startswith(title))
    return header[len(title) :].strip()


def test_a_page_that_carries_on_a_table_is_headed_by_it_not_by_the_next_section(books):
    """Where the entries run onto the page on which the payments begin, the page says Entries."""
    from governance.models import MemberState

    base = report_data.build_statement(MemberState.objects.get(code="NL"), as_of=TODAY)
    title = "Statement of account: State NL"
    carried_on = 0
    for copies in (40, 47, 55):
        data = {**base, "entries": base["entries"] * copies}
        current = ""
        for number, text in enumerate(pages_of("statement", data), start=1):
            body = [line for line in text.splitlines() if not line.startswith((title, "Data SHA"))]
            opens_with = next((s for s in SECTIONS if body and body[0] == s), None)
            expected = opens_with or current
            if number > 1:
                assert running_section(text, title) == expected, (copies, number)
            if opens_with is None and "Payments as received" in body:
                carried_on += 1  # entries at the top, the payments' heading lower down
            current = next((s for s in reversed(SECTIONS) if s in body), current)
    assert carried_on >= 1  # the case the header used to get wrong did occur


def test_german_pdf_keeps_every_column_of_the_summary_on_the_page(books):
    """Long German headings wrap instead of pushing the votes column off the page."""
    pages = pages_of("status", report_data.build_status([2025], as_of=TODAY), language="de")
    assert "Abstimmun" in pages[0]  # the heading of the votes column, hyphenated or whole
    assert "stimmberechtigt" in pages[0]
    assert "1.000.000,00\xa0€" in "\n".join(pages)
