"""A real Celery worker over Redis makes a report's PDF against the test database."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from config.celery import app
from core.models import AuditEvent
from funding.models import Report, ReportStatus
from funding.tasks import report_generate
from tests.conftest import require_service
from tests.funding.books import make_books

pytestmark = [pytest.mark.celery_worker, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def worker(tmp_path):
    """Start `celery worker` as its own process on a private queue; stop it by its PID."""
    broker = os.environ.get("REDIS_URL", settings.CELERY_BROKER_URL)
    require_service("Redis", broker)
    queue = f"test-funding-{uuid.uuid4().hex[:8]}"
    db = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}",
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "CELERY_BROKER_URL": broker,
        "CELERY_RESULT_BACKEND": broker,
        "DJANGO_MEDIA_ROOT": str(settings.MEDIA_ROOT),
    }
    log = (tmp_path / "worker.log").open("w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=solo", "-Q", queue,
         "--without-gossip", "--without-mingle", "--without-heartbeat", "-n", f"{queue}@%h", "--loglevel=INFO"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    try:
        yield queue, tmp_path / "worker.log"
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        log.close()


def test_a_worker_process_makes_the_status_report(worker):
    """The PDF is made by the worker; the report row shows it finished, hashed and audited."""
    # given committed books with a called year, and a report waiting
    queue, log = worker
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
