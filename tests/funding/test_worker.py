"""A real Celery worker over Redis makes a report's PDF against the test database."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from config.celery import app
from core.models import AuditEvent
from funding.models import Report, ReportStatus
from funding.tasks import report_generate
from tests.funding.books import make_books

pytestmark = [pytest.mark.celery_worker, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]


def test_a_worker_process_makes_the_status_report(worker):
    """The PDF is made by the worker; the report row shows it finished, hashed and audited."""
    # given committed books with a called year, and a report waiting
    queue, log = worker.queue, worker.log
    books = make_books(first_year=2025, last_year=2025)
    books.open_year(2025, 1_000_000_00, issued_on=dt.date(2025, 1, 15))
    report = Report.objects.create(
        kind="status", params={"years": [2025]}, requested_by_label="tests"
    )
    # when the task is sent over Redis (not run inline)
    app.conf.task_always_eager = False
    try:
        result = report_generate.apply_async(args=[report.pk], queue=queue)
        outcome = result.get(timeout=120)
    finally:
        app.conf.task_always_eager = True
    # then the worker did the work
    assert outcome == ReportStatus.DONE, log.read_text()
    report.refresh_from_db()
    assert report.progress == 100 and report.page_count and report.page_count > 0
    assert report.file and Path(report.file.path).read_bytes().startswith(b"%PDF")
    row = AuditEvent.objects.get(action="report.generate")
    assert row.source == "task" and row.actor_label == "system:funding.report_generate"
    assert "funding.tasks.report_generate" in log.read_text()
