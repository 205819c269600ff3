"""The personal calendar feed, parsed back with icalendar: the right events in the right zones."""

from __future__ import annotations

import datetime as dt

import icalendar
import pytest
from django.utils import timezone

from governance.calendar import feed_for
from tests.governance.voting_fixtures import make_council5

pytestmark = pytest.mark.django_db


def events(user) -> dict[str, icalendar.Event]:
    cal = icalendar.Calendar.from_ical(feed_for(user))
    return {str(e["summary"]): e for e in cal.walk("VEVENT")}


def test_a_finance_officer_sees_each_call_falling_due_as_a_whole_day():
    """Payment due dates come from funding through the feed's registry, as VALUE=DATE days."""
    from tests.funding.books import make_books

    books = make_books()
    today = timezone.localdate()
    calls = books.open_year(2026, 1_000_000_00, issued_on=today)
    found = events(books.officer)
    due = [e for s, e in found.items() if s.startswith("Contribution due")]
    assert len(due) == len(calls)
    first = due[0]
    assert first.decoded("dtstart") == calls[0].due_on  # a date, not a time: no zone at all
    assert isinstance(first.decoded("dtstart"), dt.date)
    assert not isinstance(first.decoded("dtstart"), dt.datetime)


def test_a_delegate_sees_no_payment_dates_and_a_session_in_utc():
    from governance import services

    c5 = make_council5()
    start = timezone.now().replace(microsecond=0) + dt.timedelta(days=20)
    session = services.session_create(
        actor=c5.sec,
        council=c5.council,
        title="Spring session",
        starts_at=start,
        ends_at=start + dt.timedelta(hours=8),
        place="Geneva",
    )
    found = events(c5.heads["DE"])
    assert not any(s.startswith("Contribution due") for s in found)
    event = next(e for s, e in found.items() if session.reference in s)
    assert event.decoded("dtstart") == start
    assert event.decoded("dtstart").tzinfo is not None
    assert event.decoded("dtstart").utcoffset() == dt.timedelta(0)
    assert event.decoded("dtend") - event.decoded("dtstart") == dt.timedelta(hours=8)
    assert str(event["status"]) == "TENTATIVE"  # planned, not yet convened
