"""A real Celery worker over Redis runs a real task of the project against the test database."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

import pytest

from config.celery import app
from core.models import AuditEvent
from governance.models import Accreditation
from governance.selectors import today
from governance.tasks import accreditations_expiring_notify
from tests.factories import AccreditationFactory, UserFactory

pytestmark = [pytest.mark.celery_worker, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]


def test_worker_runs_the_expiry_notice_task(worker, council, seated):
    """The beat task's work is done by a separate worker process, and its result comes back."""
    # given an accreditation ending in five days, committed so the worker can see it
    queue, mail_dir, log = worker.queue, worker.mail_dir, worker.log
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
