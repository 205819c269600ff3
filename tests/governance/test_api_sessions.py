"""The sessions API: what each role may do, 400s that name the field, the public list."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from governance import services
from governance.models import ItemKind, Session, SessionAttendance, StaffRoleKind
from tests.conftest import enable_totp
from tests.factories import CouncilFactory, StaffRoleFactory, UserFactory
from tests.governance.voting_fixtures import Council5, make_council5

pytestmark = pytest.mark.django_db


@pytest.fixture
def c5() -> Council5:
    return make_council5()


@pytest.fixture
def api(api_as):
    """An API client of a person with a second factor set up and passed."""

    def make(user):
        enable_totp(user)
        return api_as(user)

    return make


def planned(c5: Council5) -> Session:
    start = timezone.now() + dt.timedelta(days=30)
    session = services.session_create(
        actor=c5.sec,
        council=c5.council,
        title="Spring session",
        starts_at=start,
        ends_at=start + dt.timedelta(hours=6),
        place="Geneva",
    )
    services.agenda_item_add(actor=c5.sec, session=session, title="Report")
    return session


def test_the_secretary_plans_and_convenes_through_the_api(c5, api):
    client = api(c5.secretary)
    start = (timezone.now() + dt.timedelta(days=40)).replace(microsecond=0)
    response = client.post(
        "/api/v1/sessions/",
        {
            "council": "governing-council",
            "title": "Summer session",
            "starts_at": start.isoformat(),
            "ends_at": (start + dt.timedelta(hours=8)).isoformat(),
            "place": "Geneva",
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    session_id = response.json()["id"]
    item = client.post(
        f"/api/v1/sessions/{session_id}/items/", {"title": "Report of the Director"}, format="json"
    )
    assert item.status_code == 201
    convened = client.post(f"/api/v1/sessions/{session_id}/convene/")
    assert convened.status_code == 200
    body = convened.json()
    assert body["status"] == "convened"
    assert body["items"][0]["title"] == "Report of the Director"
    assert body["presence"] == {
        "members": 5,
        "present": 0,
        "represented": 0,
        "needed": 3,
        "reached": False,
    }


def test_a_session_ending_before_it_starts_is_a_400_naming_ends_at(c5, api):
    client = api(c5.secretary)
    start = timezone.now() + dt.timedelta(days=40)
    response = client.post(
        "/api/v1/sessions/",
        {
            "council": "governing-council",
            "title": "Backwards",
            "starts_at": start.isoformat(),
            "ends_at": (start - dt.timedelta(hours=1)).isoformat(),
            "place": "Geneva",
        },
        format="json",
    )
    assert response.status_code == 400
    assert "ends_at" in response.json()["fields"]


def test_a_delegate_checks_in_own_state_but_not_another(c5, api):
    session = planned(c5)
    services.session_convene(actor=c5.sec, session=session)
    client = api(c5.heads["DE"])
    own = client.post(
        f"/api/v1/sessions/{session.pk}/attendance/", {"member_state": "DE"}, format="json"
    )
    assert own.status_code == 200 and own.json()["present"] is True
    other = client.post(
        f"/api/v1/sessions/{session.pk}/attendance/", {"member_state": "FR"}, format="json"
    )
    assert other.status_code == 403
    absent = client.post(
        f"/api/v1/sessions/{session.pk}/attendance/",
        {"member_state": "DE", "present": False},
        format="json",
    )
    assert absent.status_code == 403
    assert list(SessionAttendance.objects.values_list("member_state__code", flat=True)) == ["DE"]


def test_a_delegate_cannot_convene(c5, api):
    session = planned(c5)
    response = api(c5.heads["DE"]).post(f"/api/v1/sessions/{session.pk}/convene/")
    assert response.status_code == 403
    session.refresh_from_db()
    assert session.status == "planned"


def test_another_councils_secretary_does_not_see_the_session(c5, api):
    session = planned(c5)
    other = CouncilFactory(code="finance-committee", kind="finance_committee")
    user = UserFactory(username="fc-secretary")
    StaffRoleFactory(user=user, role=StaffRoleKind.COUNCIL_SECRETARY, council=other)
    client = api(user)
    assert client.get(f"/api/v1/sessions/{session.pk}/").status_code == 404
    assert client.post(f"/api/v1/sessions/{session.pk}/convene/").status_code == 404
    assert client.get("/api/v1/sessions/").json()["results"] == []


def test_anonymous_is_refused_but_reads_the_public_list(c5):
    session = planned(c5)
    anonymous = APIClient()
    assert anonymous.get(f"/api/v1/sessions/{session.pk}/").status_code in (401, 403)
    public = anonymous.get("/api/v1/public/sessions/")
    assert public.status_code == 200
    assert public.json()["results"] == []  # only closed sessions are public


def test_an_amendment_through_the_api_and_a_bad_line_named(c5, api):
    session = planned(c5)
    motion = c5.motion(text="One.\nTwo.")
    services.agenda_item_add(actor=c5.sec, session=session, kind=ItemKind.MOTION, motion=motion)
    client = api(c5.heads["FR"])
    ok = client.post(
        f"/api/v1/motions/{motion.pk}/amendments/",
        {"member_state": "FR", "line_from": 2, "line_to": 2, "new_text": "Two, amended."},
        format="json",
    )
    assert ok.status_code == 201 and ok.json()["number"] == 1
    bad = client.post(
        f"/api/v1/motions/{motion.pk}/amendments/",
        {"member_state": "FR", "line_from": 1, "line_to": 5, "new_text": "x"},
        format="json",
    )
    assert bad.status_code == 400 and "line_to" in bad.json()["fields"]
    as_other = client.post(
        f"/api/v1/motions/{motion.pk}/amendments/",
        {"member_state": "IT", "line_from": 1, "line_to": 1, "new_text": "x"},
        format="json",
    )
    assert as_other.status_code == 403
    recommendation = client.post(
        f"/api/v1/motions/{motion.pk}/amendments/",
        {"line_from": 1, "line_to": 1, "new_text": "x"},
        format="json",
    )
    assert recommendation.status_code == 403
