"""The daily notice of accreditations about to end."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail

from core.models import AuditEvent
from governance.selectors import today
from governance.tasks import accreditations_expiring_notify
from tests.factories import AccreditationFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_holder_is_told_once_in_their_language(council, seated):
    """An accreditation ending within 14 days brings one mail, in German for a German user."""
    # given
    user = UserFactory(username="de-alt", preferred_language="de", email="alt@example.de")
    AccreditationFactory(
        user=user,
        council=council,
        member_state=seated["DE"],
        role="alternate",
        valid_until=today() + dt.timedelta(days=5),
    )
    AccreditationFactory(
        user=UserFactory(username="fr-alt"),
        council=council,
        member_state=seated["FR"],
        role="alternate",
        valid_until=today() + dt.timedelta(days=60),
    )
    # when the beat task runs twice
    first = accreditations_expiring_notify.delay().get()
    second = accreditations_expiring_notify.delay().get()
    # then one mail went out, to the right person, and one audit row says so
    assert (first, second) == (1, 0)
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["alt@example.de"]
    assert "Akkreditierung" in mail.outbox[0].subject
    assert AuditEvent.objects.filter(action="accreditation.expiry_notice").count() == 1


def test_beat_schedule_names_registered_tasks():
    """Every entry of the beat schedule points at a task the worker knows."""
    from django.conf import settings

    from config.celery import app

    app.loader.import_default_modules()
    for entry in settings.CELERY_BEAT_SCHEDULE.values():
        assert entry["task"] in app.tasks, entry["task"]
