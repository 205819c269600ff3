"""PDF reports and letters: made by a task, with progress, hashes, text that adds up."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json

import pytest
from pypdf import PdfReader

from core.errors import NotAllowed, ValidationFailed
from funding import clock, services
from funding.models import Report, ReportKind, ReportStatus
from tests.funding.books import make_books, rate

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 6, 1)


@pytest.fixture
def books(monkeypatch):
    monkeypatch.setattr(clock, "today", lambda: TODAY)
    books = make_books(first_year=2025, last_year=2026)
    rate("USD", dt.date(2026, 1, 9), "1.1642")
    books.open_year(2025, 1_000_000_00, issued_on=dt.date(2025, 1, 15))
    books.pay("DE", "400000.00", on=dt.date(2025, 2, 1))  # in full, on time
    books.pay("FR", "100000.00", on=dt.date(2025, 2, 1))  # partly
    books.pay("IT", "200000.00", on=dt.date(2025, 3, 30))  # in full, late
    books.pay("NL", "116420.00", "USD", on=dt.date(2026, 1, 10))  # 100,000 EUR, a year late
    return books


def pdf_text(report: Report) -> tuple[str, int]:
    with report.file.open("rb") as fh:
        reader = PdfReader(io.BytesIO(fh.read()))
    return "\n".join(page.extract_text() for page in reader.pages), len(reader.pages)


def generate(books, kind, params, language="en", *, capture) -> Report:
    with capture(execute=True):
        report = services.report_request(
            actor=books.actor, kind=kind, params=params, language=language
        )
    report.refresh_from_db()
    return report


def test_status_report_pdf_adds_up_and_names_the_honour_roll(
    books, django_capture_on_commit_callbacks
):
    """Assessed, paid and outstanding per state; only DE paid in full within 30 days."""
    report = generate(
        books, "status", {"years": [2025]}, capture=django_capture_on_commit_callbacks
    )
    assert report.status == ReportStatus.DONE, report.error
    assert report.progress == 100 and report.step == "Ready"
    text, pages = pdf_text(report)
    assert pages == report.page_count and pages > 0
    assert "Status of contributions" in text
    assert "Honour roll 2025: paid in full within 30 days" in text
    honour = text.split("Honour roll 2025")[1]
    assert "DE" in honour and "IT" not in honour and "FR" not in honour
    for figure in ("1,000,000.00", "800,000.00", "200,000.00", "400,000.00"):
        assert figure in text, figure
    # the file and the data are kept with their hashes
    with report.file.open("rb") as fh:
        assert hashlib.sha256(fh.read()).hexdigest() == report.sha256
    assert hashlib.sha256(report.data.encode()).hexdigest() == report.data_sha256
    data = json.loads(report.data)
    year = data["years"][0]
    assert year["assessed"] == year["paid"] + year["outstanding"] == 1_000_000_00
    assert year["honour_roll"] == ["DE"]
    assert report.data_sha256[:16] in text.replace("\n", "")
    assert report.generated_at is not None


def test_statement_of_account_shows_payments_as_received(books, django_capture_on_commit_callbacks):
    report = generate(
        books, "statement", {"state": "NL"}, capture=django_capture_on_commit_callbacks
    )
    assert report.status == ReportStatus.DONE, report.error
    text, _pages = pdf_text(report)
    assert "Statement of account" in text
    assert "$116,420.00" in text  # as received, in its own currency
    assert "1.1642" in text
    assert "Call CFC/2025/NL" in text
    data = json.loads(report.data)
    assert data["outstanding"] == 0 and data["paid"] == 100_000_00
    assert [e["balance"] for e in data["entries"]] == [100_000_00, 0]


def test_call_letters_are_written_in_the_states_language(
    monkeypatch, django_capture_on_commit_callbacks
):
    """Germany gets its letter in German, France in French, Italy in English."""
    monkeypatch.setattr(clock, "today", lambda: TODAY)
    books = make_books(first_year=2026, last_year=2026)
    with django_capture_on_commit_callbacks(execute=True):
        calls = books.open_year(2026, 1_000_000_00, issued_on=dt.date(2026, 1, 15), letters=True)
    letters = {c.member_state.code: Report.objects.get(pk=c.letter_id) for c in calls}
    texts = {code: pdf_text(r)[0] for code, r in letters.items()}
    assert all(r.status == ReportStatus.DONE for r in letters.values())
    assert "Beitragsaufforderung für das Haushaltsjahr 2026" in texts["DE"]
    assert "15. Januar 2026" in texts["DE"] and "14. Februar 2026" in texts["DE"]
    assert "400.000,00\xa0€" in texts["DE"]
    assert "Seite 1 / 1" in texts["DE"]
    assert "Appel de contributions pour l'exercice 2026" in texts["FR"]
    assert "14 février 2026" in texts["FR"]
    assert "300\u202f000,00\xa0€" in texts["FR"]
    assert "Call for contributions for 2026" in texts["IT"]
    assert "14 February 2026" in texts["IT"] and "€200,000.00" in texts["IT"]
    assert letters["DE"].language == "de" and letters["IT"].language == "en"


def test_a_failed_report_says_why(books, monkeypatch, django_capture_on_commit_callbacks):
    from funding.reports import render

    def broken(html):
        raise RuntimeError("no fonts")

    monkeypatch.setattr(render, "layout", broken)
    report = generate(
        books, "status", {"years": [2025]}, capture=django_capture_on_commit_callbacks
    )
    assert report.status == ReportStatus.FAILED
    assert report.error == "RuntimeError: no fonts"
    assert not report.file


def test_reports_are_for_finance_staff_and_check_their_parameters(books, mfa_actor):
    from tests.factories import UserFactory

    with pytest.raises(NotAllowed):
        services.report_request(
            actor=mfa_actor(UserFactory(username="x")), kind="status", params={"years": [2025]}
        )
    with pytest.raises(ValidationFailed):
        services.report_request(actor=books.actor, kind="statement", params={"state": "ZZ"})
    with pytest.raises(ValidationFailed):
        services.report_request(actor=books.actor, kind=ReportKind.CALL_LETTER, params={})
    assert not Report.objects.filter(kind="statement").exists()


def test_long_tables_break_cleanly_with_running_headers_and_page_numbers(
    monkeypatch, django_capture_on_commit_callbacks
):
    """60 states over two years: every page is numbered "Page n / N", carries the running
    header, and every page of a table repeats its column headings."""
    monkeypatch.setattr(clock, "today", lambda: TODAY)
    codes = [a + b for a in "ABC" for b in "ABCDEFGHIJKLMNOPQRST"][:60]
    books = make_books(income={code: 1000 + i for i, code in enumerate(codes)}, first_year=2025)
    books.open_year(2025, 1_000_000_00, issued_on=dt.date(2025, 1, 15))
    books.open_year(2026, 1_000_000_00, issued_on=dt.date(2026, 1, 15))
    report = generate(
        books, "status", {"years": [2025, 2026]}, capture=django_capture_on_commit_callbacks
    )
    with report.file.open("rb") as fh:
        reader = PdfReader(io.BytesIO(fh.read()))
    pages = [page.extract_text() for page in reader.pages]
    assert len(pages) >= 4
    for number, text in enumerate(pages, start=1):
        assert f"Page {number} / {len(pages)}" in text
        assert "Assessed" in text  # the table's heading row, repeated on each page
        if number > 1:
            assert "Status of contributions" in text  # the running header
    assert any("Fiscal year 2026" in text for text in pages[2:])


def test_report_queries_stay_flat_as_the_books_grow(books):
    """The status data is read in a fixed number of queries, whatever the years and payments."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from funding.reports.data import build_statement, build_status

    def count(call) -> int:
        with CaptureQueriesContext(connection) as queries:
            call()
        return len(queries)

    small = count(lambda: build_status([2025], as_of=TODAY))
    statement_small = count(lambda: build_statement(books.states["FR"], as_of=TODAY))
    books.open_year(2026, 1_000_000_00, issued_on=dt.date(2026, 1, 15))
    for code in ("DE", "FR", "IT"):
        books.pay(code, "1000.00", on=dt.date(2026, 2, 1))
    assert count(lambda: build_status([2025, 2026], as_of=TODAY)) == small
    assert count(lambda: build_statement(books.states["FR"], as_of=TODAY)) == statement_small


def test_status_report_pages_render_as_images_with_the_chart_drawn(
    books, django_capture_on_commit_callbacks, tmp_path
):
    """Rasterised with pdftoppm, each page has ink, and the chart draws the colours it should."""
    import shutil
    import subprocess

    from PIL import Image

    from tests.conftest import IN_CI

    if shutil.which("pdftoppm") is None:
        if IN_CI:
            pytest.fail("pdftoppm is missing (bin/setup --test installs poppler-utils)")
        pytest.skip("pdftoppm is missing")
    report = generate(
        books, "status", {"years": [2025]}, capture=django_capture_on_commit_callbacks
    )
    pdf = tmp_path / "status.pdf"
    with report.file.open("rb") as fh:
        pdf.write_bytes(fh.read())
    subprocess.run(["pdftoppm", "-r", "50", "-png", str(pdf), str(tmp_path / "page")], check=True)
    pages = sorted(tmp_path.glob("page-*.png"))
    assert len(pages) == report.page_count
    for path in pages:
        image = Image.open(path).convert("L")
        histogram = image.histogram()  # 256 counts of grey levels
        dark = sum(histogram[:128])
        assert dark > 500, f"{path.name} looks blank"
    # the chart's bars are drawn in colour, not only text in black
    colours = {px for path in pages for px in Image.open(path).convert("RGB").get_flattened_data()}
    assert any(abs(r - g) > 40 or abs(g - b) > 40 for r, g, b in colours)
