"""The voting API: the same services, the same checks, JSON errors, and public verification."""

from __future__ import annotations

import datetime as dt

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.utils import timezone
from rest_framework.test import APIClient

from tests.governance.voting_fixtures import make_council5

pytestmark = pytest.mark.django_db


@pytest.fixture
def c5():
    return make_council5()


def client_for(user, *, mfa=True):
    """An API client signed in through the real pages (password, then TOTP when asked)."""
    from tests.conftest import sign_in

    if mfa:
        TOTP.activate(user, generate_totp_secret())
    client = APIClient()
    sign_in(client, user, with_mfa=mfa)
    return client


def test_secretary_runs_a_vote_through_the_api(c5):
    """Create, table, open, vote, close, certify, publish: all through /api/v1/."""
    sec = client_for(c5.secretary)
    now = timezone.now()
    created = sec.post(
        "/api/v1/motions/",
        {
            "council": "governing-council",
            "kind": "general",
            "title": "Open-weights policy",
            "text": "Weights of level-1 models are published.",
            "opens_at": now.isoformat(),
            "closes_at": (now + dt.timedelta(days=2)).isoformat(),
        },
        format="json",
    )
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["rule_in_words"].startswith(
        "A simple majority of the members represented and voting"
    )
    motion_id = body["id"]
    for step in ("table", "open"):
        assert sec.post(f"/api/v1/motions/{motion_id}/{step}/").status_code == 200
    receipts = {}
    for code in ("DE", "FR", "IT", "ES", "NL"):
        response = client_for(c5.heads[code]).post(
            f"/api/v1/motions/{motion_id}/ballots/",
            {"member_state": code, "choice": "yes" if code != "NL" else "no"},
            format="json",
        )
        assert response.status_code == 201, response.json()
        receipts[code] = response.json()["receipt"]
    during = sec.get(f"/api/v1/motions/{motion_id}/").json()
    assert during["tally"] is None  # nothing but turnout before closing
    for step in ("close", "certify", "publish"):
        response = sec.post(f"/api/v1/motions/{motion_id}/{step}/")
        assert response.status_code == 200, response.json()
    final = response.json()
    assert final["outcome"] == "adopted"
    assert final["tally"]["yes"] == 4
    # the public, signed in or not, can verify
    public = APIClient()
    verified = public.get(f"/api/v1/public/motions/{motion_id}/verify/").json()
    assert verified["ok"] is True
    assert verified["chain_head"] == final["chain_head"]
    chain = public.get(f"/api/v1/public/motions/{motion_id}/chain/").json()
    assert {e["entry_hash"] for e in chain["entries"]} == set(receipts.values())


def test_ballot_after_closing_time_is_a_409_with_a_clear_message(c5):
    """The API refuses a late ballot whatever the client believes the time to be."""
    motion = c5.open()
    c5.expire(motion)
    response = client_for(c5.heads["DE"]).post(
        f"/api/v1/motions/{motion.pk}/ballots/",
        {"member_state": "DE", "choice": "yes"},
        format="json",
    )
    assert response.status_code == 409
    assert response.json()["code"] == "voting_closed"


def test_vote_without_mfa_is_refused(c5):
    """A delegate signed in with the password only gets mfa_required."""
    motion = c5.open()
    response = client_for(c5.heads["DE"], mfa=False).post(
        f"/api/v1/motions/{motion.pk}/ballots/",
        {"member_state": "DE", "choice": "yes"},
        format="json",
    )
    assert response.status_code == 403
    assert response.json()["code"] == "mfa_required"


def test_voting_for_another_state_is_403(c5):
    """Germany's delegate cannot cast France's vote."""
    motion = c5.open()
    response = client_for(c5.heads["DE"]).post(
        f"/api/v1/motions/{motion.pk}/ballots/",
        {"member_state": "FR", "choice": "no"},
        format="json",
    )
    assert response.status_code == 403
    assert "own state" in response.json()["message"]


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"member_state": "DE", "choice": "maybe"}, "choice"),
        ({"member_state": "ZZ", "choice": "yes"}, "member_state"),
        ({"choice": "yes"}, "member_state"),
    ],
)
def test_bad_ballot_input_is_400(c5, payload, field):
    """Bad input names the field."""
    motion = c5.open()
    response = client_for(c5.heads["DE"]).post(
        f"/api/v1/motions/{motion.pk}/ballots/", payload, format="json"
    )
    assert response.status_code == 400
    assert field in response.json()["fields"]


def test_unknown_motion_is_404_and_unknown_step_too(c5):
    """Unknown ids and steps answer 404."""
    sec = client_for(c5.secretary)
    assert sec.get("/api/v1/motions/999999/").status_code == 404
    motion = c5.motion()
    assert sec.post(f"/api/v1/motions/{motion.pk}/explode/").json()["code"] == "not_found"


def test_public_verification_hides_open_votes(c5):
    """A vote still open cannot be fetched from the public endpoints."""
    motion = c5.open()
    assert APIClient().get(f"/api/v1/public/motions/{motion.pk}/verify/").status_code == 404


def test_researcher_submits_a_project(c5):
    """A signed-in researcher with a second factor submits a proposal and becomes its lead."""
    from tests.factories import UserFactory

    client = client_for(UserFactory(username="researcher"))
    payload = {
        "title": "Multilingual 70B",
        "abstract": "An open model.",
        "host_institution": "INRIA",
        "host_state": "FR",
        "gpu_hours_requested": 250000,
        "period_start": "2027-01-01",
        "period_end": "2027-06-30",
        "safety_self_assessment": "No dual-use capabilities expected.",
    }
    created = client.post("/api/v1/projects/", payload, format="json")
    assert created.status_code == 201, created.json()
    assert created.json()["lead"] == "researcher"
    assert created.json()["status"] == "proposed"
    bad = client.post("/api/v1/projects/", {**payload, "period_end": "2026-01-01"}, format="json")
    assert bad.status_code == 400
    assert "period_end" in bad.json()["fields"]
