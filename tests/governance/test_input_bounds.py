"""Dates, texts and names in governance stay in their range: a 400 naming the field, never a 500.

Issue 13 items 2, 7 (the ballot on a motion that never opened) and 8.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from core.errors import Conflict, ValidationFailed
from governance import services
from governance.models import Motion, ResearchProject
from tests.governance.test_api_voting import client_for
from tests.governance.voting_fixtures import make_council5

pytestmark = pytest.mark.django_db

ZERO_WIDTH = "\u200b\u200c\u200d\u2060\ufeff"
RLO = "\u202e"


@pytest.fixture
def c5():
    return make_council5()


def motion_body(**overrides):
    now = timezone.now()
    return {
        "council": "governing-council",
        "kind": "general",
        "title": "Open-weights policy",
        "text": "Weights of level-1 models are published.",
        "opens_at": now.isoformat(),
        "closes_at": (now + dt.timedelta(days=2)).isoformat(),
        **overrides,
    }


@pytest.mark.parametrize(
    ("opens_at", "closes_at"),
    [
        ("0001-01-01T12:00:00Z", "0001-01-05T00:00:00Z"),  # aware, year 1
        ("0001-01-01T00:00:00", "0001-01-05T00:00:00"),  # naive, year 1: DRF overflowed
        ("9999-12-30T00:00:00Z", "9999-12-31T00:00:00Z"),
    ],
)
def test_a_motion_dated_in_year_1_is_a_400_and_the_pages_still_work(c5, opens_at, closes_at):
    """A motion in year 1 (aware or naive) is refused with a 400 on its field; pages stay up."""
    # given the secretary signed in
    sec = client_for(c5.secretary)
    # when a motion dated in year 1 (or 9999) is posted
    response = sec.post(
        "/api/v1/motions/", motion_body(opens_at=opens_at, closes_at=closes_at), format="json"
    )
    # then it is a 400 naming the field, nothing is stored, and the pages read fine
    assert response.status_code == 400, response.content
    assert "opens_at" in response.json()["fields"]
    assert not Motion.objects.exists()
    assert sec.get("/secretariat/").status_code == 200


def test_a_motion_more_than_a_year_back_or_five_years_ahead_is_refused_by_the_service(c5):
    """The service bounds a motion's window to [now - 1 year, now + 5 years], naming the field."""
    now = timezone.now()
    # when the window opens two years ago
    with pytest.raises(ValidationFailed) as back:
        c5.motion(opens_at=now - dt.timedelta(days=730), closes_at=now + dt.timedelta(days=1))
    # or closes six years ahead
    with pytest.raises(ValidationFailed) as ahead:
        c5.motion(opens_at=now, closes_at=now + dt.timedelta(days=6 * 365))
    # then each names its field
    assert back.value.field == "opens_at"
    assert ahead.value.field == "closes_at"
    # and an update is held to the same window
    motion = c5.motion()
    with pytest.raises(ValidationFailed) as updated:
        services.motion_update(
            actor=c5.sec, motion=motion, closes_at=dt.datetime(1, 1, 2, tzinfo=dt.UTC)
        )
    assert updated.value.field == "closes_at"


def test_the_secretariat_form_refuses_a_year_1_motion_with_a_message(c5):
    """Through the page, a year-1 date is a form error, not a server error."""
    # given the secretary on the new-draft page
    sec = client_for(c5.secretary)
    # when the form is posted with year 1
    response = sec.post(
        "/secretariat/motions/new/",
        {
            "council": "governing-council",
            "kind": "general",
            "title": "T",
            "text": "x",
            "opens_at": "0001-01-01T00:00",
            "closes_at": "0001-01-05T00:00",
            "procedure": "ordinary",
        },
    )
    # then the page comes back with the form's error on the field, before any service runs
    assert response.status_code == 200
    assert "Give a time from 2000-01-01 to 2100-12-31." in response.content.decode()
    assert not Motion.objects.exists()


def test_the_database_refuses_a_motion_outside_the_years_it_stores(c5):
    """A row written past the services (year 1) is refused by a CheckConstraint."""
    motion = c5.motion()
    with pytest.raises(IntegrityError), transaction.atomic():
        Motion.objects.filter(pk=motion.pk).update(
            opens_at=dt.datetime(1, 1, 1, 12, tzinfo=dt.UTC),
            closes_at=dt.datetime(1, 1, 5, tzinfo=dt.UTC),
        )


def test_a_seat_an_accreditation_and_a_proxy_dated_in_year_1_are_400s(c5):
    """Other date inputs are bounded too: seats, accreditations, proxy sessions."""
    sec = client_for(c5.secretary)
    seat = sec.post(
        "/api/v1/councils/governing-council/seats/",
        {"member_state": "DE", "seated_from": "0001-01-01"},
        format="json",
    )
    assert seat.status_code == 400, seat.content
    with pytest.raises(ValidationFailed) as raised:
        services.seat_grant(
            actor=c5.sec,
            council=c5.council,
            member_state=c5.states["DE"],
            seated_from=dt.date(1999, 12, 31),
        )
    assert raised.value.field == "seated_from"
    with pytest.raises(ValidationFailed) as proxy:
        services.proxy_grant(
            actor=c5.actors["DE"],
            council=c5.council,
            grantor=c5.states["DE"],
            holder=c5.states["FR"],
            session_from=dt.date(2026, 1, 1),
            session_until=dt.date(9999, 1, 1),
        )
    assert proxy.value.field == "session_until"


def test_a_ballot_on_a_motion_that_never_opened_says_so(c5):
    """The 409 for a tabled motion says voting has not opened, not that it closed in the future."""
    # given a tabled motion
    motion = c5.motion()
    services.motion_table(actor=c5.sec, motion=motion)
    # when a head votes through the API
    response = client_for(c5.heads["DE"]).post(
        f"/api/v1/motions/{motion.pk}/ballots/",
        {"member_state": "DE", "choice": "yes"},
        format="json",
    )
    # then the refusal says it has not opened yet
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "voting_not_open"
    assert "has not opened yet" in body["message"]
    assert "closed" not in body["message"]
    with pytest.raises(Conflict, match="has not opened yet"):
        c5.vote(motion, "FR", "yes")


def test_a_motion_text_over_100000_characters_is_refused_everywhere(c5):
    """The API, the service and the database refuse a 1 MB motion text."""
    sec = client_for(c5.secretary)
    huge = "x" * 1_000_000
    response = sec.post("/api/v1/motions/", motion_body(text=huge), format="json")
    assert response.status_code == 400
    assert "text" in response.json()["fields"]
    with pytest.raises(ValidationFailed) as raised:
        c5.motion(text="x" * 100_001)
    assert raised.value.field == "text"
    assert c5.motion(text="x" * 100_000).pk  # the limit itself is fine
    motion = Motion.objects.first()
    with pytest.raises(IntegrityError), transaction.atomic():
        Motion.objects.filter(pk=motion.pk).update(text="x" * 100_001)


@pytest.mark.parametrize(
    "title",
    [ZERO_WIDTH, " \u200b ", RLO + "Budget", "Budget\u2066x\u2069", "\u202a\u202c"],
    ids=["zero-width", "spaces-and-zwsp", "rlo", "isolate", "embedding"],
)
def test_a_title_of_invisible_or_bidi_control_characters_is_refused(c5, title):
    """One validator refuses bidi controls and titles with nothing visible, API and service."""
    sec = client_for(c5.secretary)
    response = sec.post("/api/v1/motions/", motion_body(title=title), format="json")
    assert response.status_code == 400, response.content
    assert "title" in response.json()["fields"]
    with pytest.raises(ValidationFailed) as raised:
        c5.motion(title=title)
    assert raised.value.field == "title"
    assert not Motion.objects.exists()


def test_a_state_name_with_a_bidi_override_is_refused(c5):
    """A member state's name with a right-to-left override is a 400 naming the field."""
    client = client_for(c5.secretary)
    body = {
        "code": "PL",
        "name_en": "Poland" + RLO + "dnaloP",
        "name_de": "Polen",
        "name_fr": "Pologne",
        "status": "full",
        "accession_date": "2025-01-01",
        "population": 36_000_000,
        "currency": "PLN",
    }
    response = client.post("/api/v1/member-states/", body, format="json")
    assert response.status_code == 400, response.content
    assert "name_en" in response.json()["fields"]
    from django.core.exceptions import ValidationError

    from governance.models import MemberState

    with pytest.raises(ValidationError) as raised:
        MemberState(**{**body, "accession_date": dt.date(2025, 1, 1)}).full_clean()
    assert "name_en" in raised.value.message_dict


def test_a_project_abstract_over_10000_characters_is_refused(c5):
    """A 1 MB abstract is refused by the API, the service and the database."""
    lead = client_for(c5.heads["DE"])
    body = {
        "title": "Small models",
        "abstract": "a" * 1_000_000,
        "host_institution": "KIT",
        "host_state": "DE",
        "gpu_hours_requested": 10,
        "period_start": "2027-01-01",
        "period_end": "2027-06-30",
        "safety_self_assessment": "low",
    }
    response = lead.post("/api/v1/projects/", body, format="json")
    assert response.status_code == 400
    assert "abstract" in response.json()["fields"]
    with pytest.raises(ValidationFailed) as raised:
        services.project_submit(
            actor=c5.actors["DE"],
            **{
                **body,
                "abstract": "a" * 10_001,
                "host_state": c5.states["DE"],
                "period_start": dt.date(2027, 1, 1),
                "period_end": dt.date(2027, 6, 30),
            },
        )
    assert raised.value.field == "abstract"
    assert not ResearchProject.objects.exists()
