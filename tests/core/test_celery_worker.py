"""A real Celery worker over Redis runs a real task of the project against the test database."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from config.celery import app
from core.models import AuditEvent
from governance.models import Accreditation
from governance.selectors import today
from governance.tasks import accreditations_expiring_notify
from tests.conftest import require_service
from tests.factories import AccreditationFactory, UserFactory

pytestmark = [pytest.mark.celery_worker, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def worker(tmp_path):
    """Start `celery worker` as its own process on a private queue; stop it by its PID."""
    broker = os.environ.get("REDIS_URL", settings.CELERY_BROKER_URL)
    require_service("Redis", broker)
    queue = f"test-{uuid.uuid4().hex[:8]}"
    db = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}",
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "CELERY_BROKER_URL": broker,
        "CELERY_RESULT_BACKEND": broker,
        "DJANGO_EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "DJANGO_EMAIL_FILE_PATH": str(tmp_path / "mail"),
    }
    log = (tmp_path / "worker.log").open("w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=solo", "-Q", queue,
         "--without-gossip", "--without-mingle", "--without-heartbeat", "-n", f"{queue}@%h", "--loglevel=INFO"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    try:
        yield queue, tmp_path / "mail", tmp_path / "worker.log"
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        log.close()


def test_worker_runs_the_expiry_notice_task(worker, council, seated):
    """The beat task's work is done by a separate worker process, and its result comes back."""
    # given an accreditation ending in five days, committed so the worker can see it
    queue, mail_dir, log = worker
    user = UserFactory(username="de-alt", email="alt@example.de")
    accreditation = AccreditationFactory(
        user=user,
        council=council,
        member_state=seated["DE"],
        role="alternate",
        valid_until=today() + dt.timedelta(days=5),
    )
    # when the task is sent over Redis (not run inline)
    app.conf.task_always_eager = False
    try:
        result = accreditations_expiring_notify.apply_async(queue=queue)
        sent = result.get(timeout=60)
    finally:
        app.conf.task_always_eager = True
    # then the worker process did the work, in the database and by mail
    assert sent == 1, log.read_text()
    accreditation.refresh_from_db()
    assert accreditation.expiry_notice_sent_at is not None
    row = AuditEvent.objects.get(action="accreditation.expiry_notice")
    assert row.source == "task"
    assert row.actor_label == "system:accreditations_expiring_notify"
    deadline = time.monotonic() + 10
    while not list(mail_dir.glob("*.log")) and time.monotonic() < deadline:
        time.sleep(0.1)
    mails = [p.read_text() for p in mail_dir.glob("*.log")]
    assert any("alt@example.de" in m for m in mails)
    assert "accreditations_expiring_notify" in log.read_text()
    assert Accreditation.objects.filter(expiry_notice_sent_at__isnull=False).count() == 1
