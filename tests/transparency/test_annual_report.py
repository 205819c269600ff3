"""The annual transparency report: a PDF per language, made by a task, published with hashes."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import re
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.core.files.base import ContentFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from pypdf import PdfReader

from compute import services as compute_services
from core.actors import Actor
from core.documents import canonical_json
from core.errors import MfaRequired, NotAllowed, ValidationFailed
from core.models import AuditEvent, AuditSource
from governance import services as governance_services
from governance.models import Escalation, Motion, ResearchProject
from tests.conftest import enable_totp, sign_in
from tests.funding.books import Books, make_books
from tests.governance.voting_fixtures import Council5, make_council5
from transparency import services
from transparency.models import AnnualReport, AnnualReportStatus
from transparency.reports import data as report_data

pytestmark = pytest.mark.django_db
YEAR = 2025
CONFIDENTIAL = "PLANTED-confidential-account-7c41"


@dataclass
class Year:
    books: Books
    c5: Council5
    decisions: list[Motion]
    escalation: Escalation


def _decide(c5: Council5, title: str, published: dt.datetime, yes: tuple[str, ...]) -> Motion:
    motion = c5.open(title=title)
    for state in ("DE", "FR", "IT", "ES", "NL"):
        c5.vote(motion, state, "yes" if state in yes else "no")
    motion = governance_services.motion_publish(actor=c5.sec, motion=c5.close_and_certify(motion))
    # the year of publication is a fixture: the motion is moved back into the report's year
    Motion.objects.filter(pk=motion.pk).update(published_at=published)
    motion.refresh_from_db()
    return motion


def make_year() -> Year:
    """A year of records: a called and partly paid budget, two decisions, an escalation, quotas."""
    books = make_books(first_year=YEAR, last_year=YEAR)
    books.open_year(YEAR, 1_000_000_00, issued_on=dt.date(YEAR, 1, 15))
    books.pay("DE", "400000.00", on=dt.date(YEAR, 2, 1))  # in full, on time: honour roll
    books.pay("FR", "100000.00", on=dt.date(YEAR, 2, 1))  # partly
    books.pay("IT", "200000.00", on=dt.date(YEAR, 3, 30))  # in full, late
    c5 = make_council5()
    decisions = [
        _decide(c5, "Open-weights policy", dt.datetime(YEAR, 3, 4, 10, tzinfo=dt.UTC), ("DE", "FR", "IT")),
        _decide(c5, "Data-retention rules", dt.datetime(YEAR, 9, 9, 10, tzinfo=dt.UTC), ("DE",)),
        _decide(c5, "Next year's plan", dt.datetime(YEAR + 1, 1, 5, 10, tzinfo=dt.UTC), ("DE", "FR", "IT")),
    ]  # fmt: skip
    project = ResearchProject.objects.create(
        code="p-2025-0001", title="Multilingual base model", abstract="A study.",
        host_institution="An institute", host_state=c5.states["FR"], lead=c5.secretary,
        gpu_hours_requested=100, period_start=dt.date(YEAR, 2, 1),
        period_end=dt.date(YEAR, 12, 1), safety_self_assessment="Low risk.", status="active",
        safety_level=2,
    )  # fmt: skip
    escalation = Escalation.objects.create(
        reference="ESC/2025/001", severity="high", confidential_account=CONFIDENTIAL,
        reporter=c5.secretary, public_summary="Evaluation found an unexpected capability.",
        proposed_measure="raise_level", proposed_level=3,
        raised_at=dt.datetime(YEAR, 5, 6, tzinfo=dt.UTC),
    )  # fmt: skip
    escalation.projects.add(project)
    system = Actor.system("tests", source=AuditSource.COMMAND)
    cluster = compute_services.cluster_create(
        actor=system, name="concordia", description="test", gpu_types={"h100": 8}
    )
    period = compute_services.period_create(
        actor=system, cluster=cluster, name="2025-H1", starts_on=dt.date(YEAR, 1, 1),
        ends_on=dt.date(YEAR, 7, 1), capacity_minutes=1_000_000,
        programme_share=Decimal("0.10"), reserve_share=Decimal("0.05"),
        equal_share=Decimal("0.35"),
    )  # fmt: skip
    compute_services.period_split(actor=system, period=period)
    return Year(books=books, c5=c5, decisions=decisions, escalation=escalation)


@pytest.fixture
def year(settings) -> Year:
    settings.COMPUTE_SLURM_BACKEND = "memory"
    return make_year()


def make(year: Year, capture, language: str = "en") -> AnnualReport:
    with capture(execute=True):
        report = services.annual_report_request(
            actor=year.books.actor, year=YEAR, language=language
        )
    report.refresh_from_db()
    assert report.status == AnnualReportStatus.DONE, report.error
    return report


def pdf_of(report: AnnualReport) -> PdfReader:
    with report.file.open("rb") as fh:
        return PdfReader(io.BytesIO(fh.read()))


def page_texts(report: AnnualReport) -> list[str]:
    return [page.extract_text() for page in pdf_of(report).pages]


CONTENTS = ("Contents", "Inhalt", "Sommaire")  # the heading in English, German and French


def contents(pages: list[str]) -> dict[str, int]:
    """The table of contents as printed: each entry's title and the page number after its dots."""
    toc = next(
        text
        for text in pages
        for word in CONTENTS
        if text.startswith(word) or f"\n{word}" in text[:40]
    )
    return {m[1].strip(): int(m[2]) for m in re.finditer(r"^(.+?)\s*\.{3,}\s*(\d+)$", toc, re.M)}


def test_the_report_has_a_cover_contents_that_point_at_each_section_and_the_figures(
    year, django_capture_on_commit_callbacks
):
    """Cover, contents whose page numbers are where each section starts, and every part's facts."""
    # given a year of records
    # when finance staff ask for the English report
    report = make(year, django_capture_on_commit_callbacks)
    # then it is made, hashed and numbered
    pages = page_texts(report)
    assert report.page_count == len(pages) >= 6
    assert report.progress == 100 and report.step == "Published"
    cover = pages[0]
    assert "Annual transparency report 2025" in cover
    assert report.data_sha256 in cover
    toc = contents(pages)
    assert set(toc) >= {"Finances", "Budget", "Status of contributions", "Honour roll",
                        "Arrears", "Decisions", "Safety", "Escalations", "Compute"}  # fmt: skip
    for title, number in toc.items():
        assert number > 2, title
        assert title in pages[number - 1], f"{title!r} is not on page {number}"
    for part in ("Finances", "Decisions", "Safety", "Compute"):
        assert pages[toc[part] - 1].lstrip().startswith(part), part
        assert part not in pages[toc[part] - 2].split("\n")[0]  # starts a new page
    text = "\n".join(pages)
    # finances: the budget, what was assessed, paid and is outstanding, the honour roll, arrears
    finances = "\n".join(pages[toc["Finances"] - 1 : toc["Decisions"] - 1])
    for figure in ("1,000,000.00", "700,000.00", "300,000.00", "400,000.00", "200,000.00"):
        assert figure in finances, figure
    honour = finances.split("Honour roll")[-1].split("Arrears")[0]
    assert "DE State DE" in honour and "IT" not in honour and "FR" not in honour
    arrears = finances.split("Member states in arrears")[-1]
    assert "FR State FR €200,000.00 €200,000.00" in arrears and "DE State DE" not in arrears
    # decisions of the year only, with their count
    first, second, next_year = year.decisions
    assert first.reference in text and second.reference in text
    assert next_year.reference not in text
    assert "2 decisions were published in 2025." in text
    assert f"{first.reference} 03/04/2025" in text
    # safety: the project's level and the escalation's public summary, never its secret account
    assert "p-2025-0001 — Multilingual base model FR active 2" in text
    assert "ESC/2025/001" in text and "unexpected capability" in text
    assert CONFIDENTIAL not in text and CONFIDENTIAL not in report.data
    # compute: the period starting in the year with its quotas
    assert "concordia — 2025-H1" in text and "programme — facility programme 100,000" in text
    # every page but the cover carries the running header; every page its number and data hash
    for number, page in enumerate(pages, start=1):
        assert f"Page {number} / {len(pages)}" in page
        assert f"Data SHA-256: {report.data_sha256}" in page
    # the file and the data are kept with their hashes
    with report.file.open("rb") as fh:
        assert hashlib.sha256(fh.read()).hexdigest() == report.sha256
    assert hashlib.sha256(report.data.encode()).hexdigest() == report.data_sha256
    data = json.loads(report.data)
    assert data["year"] == YEAR and data["as_of"] == "2025-12-31"
    assert data["finances"]["honour_roll"] == ["DE"]
    assert AuditEvent.objects.filter(action="annual_report.generate").count() == 1


def test_charts_are_drawn_with_their_text_alternative_and_figures_beside_them(
    year, django_capture_on_commit_callbacks, tmp_path
):
    """Each chart is SVG with a title and description; rasterised, the bars are in colour."""
    import shutil
    import subprocess

    from PIL import Image

    from tests.conftest import IN_CI
    from transparency.reports import render

    # given the report's HTML
    data = report_data.build_annual(YEAR)
    html = render.render_html(data, language="en", data_sha256="0" * 64)
    # then every chart has an accessible name and a description, and a table follows it
    charts = re.findall(r"<svg.*?</svg>", html, re.S)
    assert len(charts) == 3  # contributions, decisions per council, the period's quotas
    for chart in charts:
        assert re.search(r"<title id=\"[^\"]+\">[^<]+</title>", chart)
        assert re.search(r"<desc id=\"[^\"]+\">[^<]+</desc>", chart)
        after = html.split(chart, 1)[1]
        assert after.index("<table") < after.index("</section>")
    # and on paper the bars are drawn in colour
    if shutil.which("pdftoppm") is None:
        if IN_CI:
            pytest.fail("pdftoppm is missing (bin/setup --test installs poppler-utils)")
        pytest.skip("pdftoppm is missing")
    report = make(year, django_capture_on_commit_callbacks)
    pdf = tmp_path / "annual.pdf"
    with report.file.open("rb") as fh:
        pdf.write_bytes(fh.read())
    subprocess.run(["pdftoppm", "-r", "40", "-png", str(pdf), str(tmp_path / "page")], check=True)
    images = sorted(tmp_path.glob("page-*.png"))
    assert len(images) == report.page_count
    finances = Image.open(images[2]).convert("RGB")
    assert any(abs(r - b) > 60 for r, g, b in finances.get_flattened_data())  # the blue bars


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("de", ("Inhalt", "Beschlüsse", "Sicherheit", "Stand der Beiträge", "Seite 1 /")),
        ("fr", ("Sommaire", "Décisions", "Sûreté", "État des contributions", "Page 1 /")),
    ],
)
def test_german_and_french_reports_are_written_in_their_language(
    year, django_capture_on_commit_callbacks, language, words
):
    """The same data, in German or French: the PDF says its language, headings are translated."""
    # when the report is made in another language
    report = make(year, django_capture_on_commit_callbacks, language=language)
    english = make(year, django_capture_on_commit_callbacks, language="en")
    # then the PDF declares the language and its headings are in it
    reader = pdf_of(report)
    assert reader.trailer["/Root"]["/Lang"] == language
    text = "\n".join(page.extract_text() for page in reader.pages)
    for word in words:
        assert word in text, word
    assert "Status of contributions" not in text
    # the contents still point at the sections
    pages = [page.extract_text() for page in reader.pages]
    toc = contents(pages)
    assert len(toc) >= 9 and all(title in pages[n - 1] for title, n in toc.items())
    # the data is the same whatever the language; the file is not
    assert report.data_sha256 == english.data_sha256
    assert report.sha256 != english.sha256


def test_the_same_data_gives_the_same_pdf_and_changed_data_another_hash(
    year, django_capture_on_commit_callbacks
):
    """Made twice from the same records, the PDFs are byte for byte the same; a payment changes the data."""
    # given a published report
    first = make(year, django_capture_on_commit_callbacks)
    # when it is made again later from the same records
    second = make(year, django_capture_on_commit_callbacks)
    # then the file and the data are identical
    assert second.pk != first.pk
    assert (second.sha256, second.data_sha256) == (first.sha256, first.data_sha256)
    with first.file.open("rb") as a, second.file.open("rb") as b:
        assert a.read() == b.read()
    # when a payment for the year arrives
    year.books.pay("NL", "50000.00", on=dt.date(YEAR, 11, 2))
    # then the data, and so the report, differ
    changed = canonical_json(report_data.build_annual(YEAR))
    assert report_data.sha256_of(changed) != first.data_sha256


def test_only_finance_staff_with_a_second_factor_may_publish_a_report(year, mfa_actor):
    """A delegate is refused, so is finance staff without MFA, and so are bad years and languages."""
    # given a delegate, and finance staff who has not passed a second factor
    delegate = mfa_actor(year.c5.heads["DE"])
    officer_without_mfa = Actor.for_user(year.books.officer, source=AuditSource.WEB)
    # then neither may ask for a report
    with pytest.raises(NotAllowed):
        services.annual_report_request(actor=delegate, year=YEAR, language="en")
    with pytest.raises(MfaRequired):
        services.annual_report_request(actor=officer_without_mfa, year=YEAR, language="en")
    with pytest.raises(ValidationFailed):
        services.annual_report_request(actor=year.books.actor, year=1500, language="en")
    with pytest.raises(ValidationFailed):
        services.annual_report_request(actor=year.books.actor, year=YEAR, language="it")
    assert not AnnualReport.objects.exists()


def test_a_failed_report_says_why_and_is_not_published(
    year, monkeypatch, django_capture_on_commit_callbacks
):
    """When the layout fails, the report shows the error and stays off the archive."""
    from transparency.reports import render

    def broken(html: str) -> None:
        raise RuntimeError("no fonts")

    monkeypatch.setattr(render, "layout", broken)
    with django_capture_on_commit_callbacks(execute=True):
        report = services.annual_report_request(actor=year.books.actor, year=YEAR, language="en")
    report.refresh_from_db()
    assert report.status == AnnualReportStatus.FAILED
    assert report.error == "RuntimeError: no fonts" and not report.file
    assert Client().get(f"/portal/reports/{report.pk}.pdf").status_code == 404
    assert "No report has been published yet." in Client().get("/portal/reports/").content.decode()


def test_the_archive_lists_published_reports_and_the_downloads_match_their_hashes(
    year, django_capture_on_commit_callbacks
):
    """Anyone can list the reports, download PDF and data, and hash both to what is shown."""
    # given reports in three languages, and one still waiting
    with django_capture_on_commit_callbacks(execute=True):
        reports = services.annual_report_request_many(
            actor=year.books.actor, year=YEAR, languages=["fr", "en", "de"]
        )
    waiting = AnnualReport.objects.create(year=YEAR + 1, requested_by_label="tests")
    # when an anonymous visitor opens the archive
    client = Client()
    html = client.get("/portal/reports/").content.decode()
    # then each published report is listed with both hashes and its links
    for report in reports:
        report.refresh_from_db()
        assert report.sha256 in html and report.data_sha256 in html
        pdf = client.get(f"/portal/reports/{report.pk}.pdf")
        assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
        body = b"".join(pdf.streaming_content)
        assert hashlib.sha256(body).hexdigest() == report.sha256 == pdf["X-Content-SHA256"]
        data = client.get(f"/portal/reports/{report.pk}.json")
        assert hashlib.sha256(data.content).hexdigest() == report.data_sha256
        assert f'href="/portal/reports/{report.pk}.pdf"' in html
    assert f"/portal/reports/{waiting.pk}.pdf" not in html
    assert client.get(f"/portal/reports/{waiting.pk}.pdf").status_code == 404
    assert client.get(f"/portal/reports/{waiting.pk}.json").status_code == 404
    assert html.count('class="usa-card ') == 3  # one year, each of the three languages
    assert "Not published in" not in html
    assert 'href="/portal/reports/"' in html  # the portal's navigation links to it
    assert "/portal/reports/make/" not in html  # the staff page is not offered to the public


def _published(count: int) -> None:
    for i in range(count):
        report = AnnualReport(
            year=2000 + i % 30, language=("en", "de", "fr")[i % 3], status="done",
            sha256=f"{i:064x}", data="{}", data_sha256=f"{i + 1:064x}", page_count=10,
            generated_at=timezone.now(), requested_by_label="tests",
        )  # fmt: skip
        report.file.save(f"bulk-{i}.pdf", ContentFile(b"%PDF-1.7"), save=False)
        report.save()


def test_the_archive_reads_the_same_number_of_queries_for_10_or_60_reports(db):
    """The archive page costs a fixed number of queries however many reports it lists."""
    from django.core.cache import cache

    def count() -> int:
        cache.clear()
        with CaptureQueriesContext(connection) as queries:
            response = Client().get("/portal/reports/")
        assert response.status_code == 200
        return len(queries)

    # given 10 published reports, then 60
    _published(10)
    few = count()
    _published(50)
    many = count()
    # then the queries are as many
    assert AnnualReport.objects.count() == 60
    assert few == many <= 3


def test_finance_staff_make_all_three_languages_and_watch_the_progress(
    year, django_capture_on_commit_callbacks
):
    """Signed in with a second factor, finance staff confirm and get one report per language."""
    # given finance staff signed in with MFA
    enable_totp(year.books.officer)
    client = Client()
    sign_in(client, year.books.officer, with_mfa=True)
    assert 'href="/portal/reports/make/"' in client.get("/portal/reports/").content.decode()
    page = client.get("/portal/reports/make/").content.decode()
    assert "published on the public portal" in page
    # when they ask without confirming, nothing is made
    response = client.post("/portal/reports/make/", {"year": YEAR, "language": "all"})
    assert response.status_code == 200 and not AnnualReport.objects.exists()
    # when they confirm, a report per language is queued and the progress page refreshes itself
    response = client.post(
        "/portal/reports/make/", {"year": YEAR, "language": "all", "confirm": "on"}
    )
    assert response.status_code == 302
    progress = client.get(response["Location"]).content.decode()
    assert progress.count("<progress") == 3 and 'http-equiv="refresh"' in progress
    assert [r.language for r in AnnualReport.objects.order_by("id")] == ["en", "de", "fr"]
    # when the work is done, the page stops refreshing and links the PDFs
    for report in AnnualReport.objects.all():
        services.annual_report_generate(
            actor=Actor.system("tests", source=AuditSource.TASK), report_id=report.pk
        )
    progress = client.get(response["Location"]).content.decode()
    assert 'http-equiv="refresh"' not in progress and progress.count(".pdf") == 3


def test_the_staff_page_is_for_finance_staff_only(year):
    """A signed-in delegate gets 403; an anonymous visitor is sent to sign in."""
    assert Client().get("/portal/reports/make/").status_code == 302
    client = Client()
    sign_in(client, year.c5.heads["DE"], with_mfa=False)
    assert client.get("/portal/reports/make/").status_code == 403
    assert "/portal/reports/make/" not in client.get("/portal/reports/").content.decode()
    assert client.get("/portal/reports/make/progress/?id=1").status_code == 403


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_a_worker_process_makes_and_publishes_the_report(worker, settings):
    """The PDF is made by a real worker over Redis; the archive then lists it."""
    from config.celery import app
    from transparency.tasks import annual_report_generate

    # given committed records and a report waiting
    queue, log = worker.queue, worker.log
    settings.COMPUTE_SLURM_BACKEND = "memory"
    make_year()
    report = AnnualReport.objects.create(year=YEAR, language="de", requested_by_label="tests")
    # when the task is sent over Redis (not run inline)
    app.conf.task_always_eager = False
    try:
        outcome = annual_report_generate.apply_async(args=[report.pk], queue=queue).get(timeout=180)
    finally:
        app.conf.task_always_eager = True
    # then the worker made it, hashed it and audited it as the task
    assert outcome == AnnualReportStatus.DONE, log.read_text()
    report.refresh_from_db()
    assert report.page_count and report.file.read(5) == b"%PDF-"
    row = AuditEvent.objects.get(action="annual_report.generate")
    assert row.source == "task" and row.actor_label == "system:transparency.annual_report_generate"
    assert report.sha256 in Client().get("/portal/reports/").content.decode()
