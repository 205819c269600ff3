"""The /api/v1/ membership endpoints: reads for the signed-in, writes for secretaries."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from core.models import AuditEvent
from governance.models import Accreditation, Seat
from governance.selectors import today
from tests.factories import MemberStateFactory, SeatFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_anonymous_gets_401_with_a_json_error(seated):
    """The membership API needs a sign-in; the error is JSON with a code."""
    response = APIClient().get("/api/v1/member-states/")
    assert response.status_code == 401
    assert response.json() == {
        "code": "not_authenticated",
        "message": "Authentication credentials were not provided.",
    }


def test_member_states_are_listed_for_a_delegate(api_as, de_head):
    """A signed-in delegate reads the member states, paginated."""
    body = api_as(de_head).get("/api/v1/member-states/").json()
    assert body["count"] == 3
    assert [s["code"] for s in body["results"]] == ["DE", "FR", "IT"]


def test_councils_show_their_current_members(api_as, de_head):
    """A council lists the states seated today."""
    body = api_as(de_head).get("/api/v1/councils/governing-council/").json()
    assert body["current_members"] == ["DE", "FR", "IT"]


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"code": "D1"}, "code"),
        ({"population": -5}, "population"),
        ({"currency": "euro"}, "currency"),
        ({"status": "emperor"}, "status"),
        ({"accession_date": "2026-13-45"}, "accession_date"),
        ({"name_en": ""}, "name_en"),
    ],
)
def test_invalid_member_state_gets_400_naming_the_field(api_as, secretary, payload, field):
    """Bad input is refused with the field and the reason, and nothing is written."""
    good = {
        "code": "PT",
        "name_en": "Portugal",
        "name_de": "Portugal",
        "name_fr": "Portugal",
        "status": "full",
        "accession_date": "2026-01-01",
        "population": 10_700_000,
        "currency": "EUR",
    }
    response = api_as(secretary).post("/api/v1/member-states/", {**good, **payload}, format="json")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert list(body["fields"]) == [field]
    assert body["fields"][field][0]
    assert not AuditEvent.objects.filter(action="member_state.create").exists()


def test_malformed_json_gets_400(api_as, secretary):
    """A body that is not JSON is a 400 with a parse error, not a 500."""
    response = api_as(secretary).post(
        "/api/v1/member-states/", "{not json", content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"


def test_unknown_ids_get_404(api_as, de_head):
    """Unknown codes, ids and URLs are 404 with a JSON body."""
    client = api_as(de_head)
    for url in (
        "/api/v1/member-states/ZZ/",
        "/api/v1/councils/no-such-council/",
        "/api/v1/no-such-thing/",
    ):
        response = client.get(url)
        assert response.status_code == 404, url
        assert response.json()["code"] == "not_found"
    assert (
        client.post("/api/v1/seats/999999/end/", {"until": "2027-01-01"}, format="json").status_code
        == 404
    )


def test_secretary_grants_a_seat_and_it_is_audited(api_as, secretary, council):
    """Granting a seat writes it and its audit row."""
    MemberStateFactory(code="PT")
    response = api_as(secretary).post(
        "/api/v1/councils/governing-council/seats/",
        {"member_state": "PT", "seated_from": "2026-01-01"},
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert response.json()["member_state"] == "PT"
    assert AuditEvent.objects.filter(action="seat.grant", actor=secretary).count() == 1


def test_overlapping_seat_gets_400_naming_the_field(api_as, secretary, seated):
    """A second seat in the same period is refused with a reason."""
    response = api_as(secretary).post(
        "/api/v1/councils/governing-council/seats/",
        {"member_state": "DE", "seated_from": "2026-01-01"},
        format="json",
    )
    assert response.status_code == 400
    assert "seated_from" in response.json()["fields"]
    assert Seat.objects.filter(member_state__code="DE").count() == 1


def test_delegate_cannot_write_membership(api_as, de_head):
    """A delegate with a second factor is still not a secretary."""
    response = api_as(de_head).patch("/api/v1/member-states/DE/", {"population": 1}, format="json")
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"


def test_head_accredits_an_adviser_for_their_own_state(api_as, de_head):
    """A head of delegation accredits advisers for their own state."""
    UserFactory(username="de-adviser")
    response = api_as(de_head).post(
        "/api/v1/delegates/",
        {
            "username": "de-adviser",
            "council": "governing-council",
            "member_state": "DE",
            "role": "adviser",
            "valid_from": today().isoformat(),
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert Accreditation.objects.filter(
        user__username="de-adviser", member_state__code="DE"
    ).exists()


def test_another_states_delegate_gets_403(api_as, de_head):
    """The head of Germany's delegation cannot accredit anyone for France."""
    UserFactory(username="fr-adviser")
    response = api_as(de_head).post(
        "/api/v1/delegates/",
        {
            "username": "fr-adviser",
            "council": "governing-council",
            "member_state": "FR",
            "role": "adviser",
            "valid_from": "2026-02-01",
        },
        format="json",
    )
    assert response.status_code == 403
    assert response.json() == {
        "code": "permission_denied",
        "message": "You may accredit delegates only for your own state's delegation.",
    }
    assert not Accreditation.objects.filter(user__username="fr-adviser").exists()


def test_accreditation_needs_a_seat(api_as, secretary, council):
    """A state without a seat on the council cannot have delegates there."""
    MemberStateFactory(code="PT")
    UserFactory(username="pt-head")
    response = api_as(secretary).post(
        "/api/v1/delegates/",
        {
            "username": "pt-head",
            "council": "governing-council",
            "member_state": "PT",
            "role": "head",
            "valid_from": today().isoformat(),
        },
        format="json",
    )
    assert response.status_code == 400
    assert "member_state" in response.json()["fields"]


def test_delegates_can_be_filtered(api_as, de_head):
    """The delegate list filters by council and state."""
    body = api_as(de_head).get("/api/v1/delegates/?member_state=de&current=true").json()
    assert [d["username"] for d in body["results"]] == ["de-head"]


def test_ending_a_seat(api_as, secretary, seated):
    """A secretary ends a seat; the end date must follow the start."""
    seat = SeatFactory._meta.model.objects.get(member_state__code="IT")
    client = api_as(secretary)
    bad = client.post(f"/api/v1/seats/{seat.pk}/end/", {"until": "2020-01-01"}, format="json")
    assert bad.status_code == 400
    assert "seated_until" in bad.json()["fields"]
    ok = client.post(f"/api/v1/seats/{seat.pk}/end/", {"until": "2027-01-01"}, format="json")
    assert ok.status_code == 200
    assert ok.json()["seated_until"] == "2027-01-01"


def test_openapi_schema_and_docs(client):
    """The OpenAPI 3 schema and the browsable docs are served without a CDN."""
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert schema.status_code == 200
    body = schema.json()
    assert body["openapi"].startswith("3.")
    assert "/api/v1/member-states/" in body["paths"]
    assert "/api/v1/delegates/" in body["paths"]
    docs = client.get("/api/docs/")
    assert docs.status_code == 200
    assert b"cdn.jsdelivr" not in docs.content
