"""The demo's sessions: one past session with approved minutes, one upcoming with its agenda."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.utils import timezone

from governance.models import MinutesStatus, Session, SessionStatus

pytestmark = pytest.mark.django_db


def test_the_demo_has_a_past_session_with_approved_minutes_and_an_upcoming_one():
    call_command("seed_demo", stdout=io.StringIO())
    now = timezone.now()
    past = Session.objects.get(title="Spring session")
    assert past.status == SessionStatus.CLOSED and past.ends_at < now
    assert past.minutes.status == MinutesStatus.APPROVED
    version = past.minutes.versions.get()
    assert {"en", "de", "fr"} <= set(version.html)
    assert any(d["outcome"] == "adopted" for d in version.decisions)
    upcoming = Session.objects.get(title="Autumn session")
    assert upcoming.starts_at > now and upcoming.status == SessionStatus.CONVENED
    assert upcoming.items.count() >= 2
    # and running it again changes nothing
    call_command("seed_demo", stdout=io.StringIO())
    assert Session.objects.count() == 3
