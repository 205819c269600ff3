"""A second factor goes stale: ballots, money, certifications, freezes and the admin ask again."""

from __future__ import annotations

import pytest
from django.forms.models import model_to_dict
from django.test import Client
from rest_framework.test import APIClient

from governance.models import Ballot, MemberState
from tests.conftest import (
    age_second_factor,
    enable_totp,
    next_totp_code,
    sign_in,
    totp_code,
)
from tests.governance.voting_fixtures import make_council5

pytestmark = pytest.mark.django_db

SIXTEEN_MINUTES = 16 * 60


@pytest.fixture
def c5():
    council = make_council5()
    enable_totp(council.heads["DE"])
    return council


def _ballot(client, motion):
    return client.post(
        f"/api/v1/motions/{motion.pk}/ballots/",
        {"member_state": "DE", "choice": "yes"},
        format="json",
    )


def test_stale_session_is_asked_for_a_code_before_voting_on_the_page_and_the_vote_then_goes_through(
    c5,
):
    """A page vote 16 minutes after the code goes to re-authentication; the vote follows it."""
    # given
    motion = c5.open()
    client = Client()
    sign_in(client, c5.heads["DE"], with_mfa=True)
    age_second_factor(client, SIXTEEN_MINUTES)
    vote = {"member_state": "DE", "choice": "yes", "confirmed": "yes"}
    # when
    response = client.post(f"/motions/{motion.pk}/vote/", vote)
    # then
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/2fa/reauthenticate/?next=")
    assert not Ballot.objects.filter(motion=motion).exists()
    # when the code is confirmed, the kept POST is replayed
    confirmed = client.post(response["Location"], {"code": next_totp_code(c5.heads["DE"])})
    # then
    assert confirmed.status_code == 200, confirmed.content[:300]
    assert Ballot.objects.filter(motion=motion, tag="DE", choice="yes").exists()


def test_stale_session_is_refused_by_the_api_with_how_to_refresh(c5):
    """Over the API the answer is a 403 `mfa_stale` naming the header and the page."""
    # given
    motion = c5.open()
    client = APIClient()
    sign_in(client, c5.heads["DE"], with_mfa=True)
    age_second_factor(client, SIXTEEN_MINUTES)
    # when
    response = _ballot(client, motion)
    # then
    assert response.status_code == 403
    body = response.json()
    assert body["code"] == "mfa_stale"
    assert "X-Concordia-OTP" in body["message"]
    assert body["refresh"] == {"header": "X-Concordia-OTP", "page": "/accounts/2fa/reauthenticate/"}
    assert not Ballot.objects.filter(motion=motion).exists()
    # when the current code comes in the header, that request is fresh
    client.credentials(HTTP_X_CONCORDIA_OTP=next_totp_code(c5.heads["DE"]))
    assert _ballot(client, motion).status_code == 201
    assert Ballot.objects.filter(motion=motion, tag="DE").count() == 1


def test_a_fresh_session_votes_without_being_asked_again(c5):
    """Within 15 minutes of the code nothing more is asked."""
    motion = c5.open()
    client = APIClient()
    sign_in(client, c5.heads["DE"], with_mfa=True)
    age_second_factor(client, 14 * 60)
    assert _ballot(client, motion).status_code == 201


def test_a_token_needs_the_code_in_the_header_and_a_code_works_once(c5):
    """A token made after the second factor reads, but votes only with a current, unused code."""
    # given
    motion = c5.open()
    head = c5.heads["DE"]
    session = APIClient()
    sign_in(session, head, with_mfa=True)
    key = session.post("/api/v1/tokens/", {"name": "script"}, format="json").json()["key"]
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    # when / then: no code
    refused = _ballot(client, motion)
    assert refused.status_code == 403 and refused.json()["code"] == "mfa_stale"
    # a wrong code
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}", HTTP_X_CONCORDIA_OTP="000000")
    wrong = _ballot(client, motion)
    assert wrong.status_code == 403 and wrong.json()["code"] == "otp_invalid"
    # a current code
    code = next_totp_code(head)
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}", HTTP_X_CONCORDIA_OTP=code)
    assert _ballot(client, motion).status_code == 201
    # the same code again: a replay is refused
    replay = _ballot(client, motion)
    assert replay.status_code == 403 and replay.json()["code"] == "otp_invalid"
    assert Ballot.objects.filter(motion=motion).count() == 1


def test_wrong_header_codes_are_limited_per_account(c5):
    """Guessing codes through the header hits the same per-account limit as the sign-in page."""
    motion = c5.open()
    head = c5.heads["DE"]
    session = APIClient()
    sign_in(session, head, with_mfa=True)
    age_second_factor(session, SIXTEEN_MINUTES)
    codes = []
    for guess in range(5):
        session.credentials(HTTP_X_CONCORDIA_OTP=f"{guess:06d}")
        codes.append(_ballot(session, motion).json()["code"])
    assert codes == ["otp_invalid"] * 4 + ["too_many_attempts"]
    session.credentials(HTTP_X_CONCORDIA_OTP=next_totp_code(head))
    locked = _ballot(session, motion)
    assert locked.status_code == 429, locked.json()
    assert locked.json()["code"] == "too_many_attempts"
    assert not Ballot.objects.filter(motion=motion).exists()


@pytest.fixture
def staff(secretary):
    secretary.is_staff = True
    secretary.is_superuser = True
    secretary.save()
    return secretary


def test_a_stale_session_cannot_open_the_admin_until_the_code_is_confirmed(client, staff):
    """Two weeks after the code the admin asks for it again before it opens."""
    sign_in(client, staff, with_mfa=True)
    assert client.get("/admin/").status_code == 200
    age_second_factor(client, 14 * 24 * 3600)
    response = client.get("/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/2fa/reauthenticate/")
    client.post(response["Location"], {"code": next_totp_code(staff)})
    assert client.get("/admin/").status_code == 200


def test_a_stale_session_cannot_write_in_the_admin_and_the_write_follows_the_code(
    client, staff, states
):
    """An admin change posted with a stale code changes nothing until the code is confirmed."""
    # given
    state = states["DE"]
    sign_in(client, staff, with_mfa=True)
    age_second_factor(client, SIXTEEN_MINUTES)
    data = {k: v for k, v in model_to_dict(state).items() if v is not None and k != "id"}
    data["population"] = 84_000_000
    url = f"/admin/governance/memberstate/{state.pk}/change/"
    # when
    response = client.post(url, data)
    # then
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/2fa/reauthenticate/")
    assert MemberState.objects.get(pk=state.pk).population == 10_000_000
    # when the code is confirmed, the change is applied
    done = client.post(response["Location"], {"code": next_totp_code(staff)})
    assert done.status_code == 302, done.content[:500]
    assert MemberState.objects.get(pk=state.pk).population == 84_000_000


def test_the_admin_still_refuses_a_session_without_any_code(client, staff):
    """A password-only session is sent to confirm the code (as before)."""
    client.force_login(staff)
    response = client.get("/admin/", follow=True)
    assert response.redirect_chain[-1][0].startswith("/accounts/2fa/reauthenticate/")
    assert (
        client.post(response.redirect_chain[-1][0], {"code": totp_code(staff)}).status_code == 302
    )
    assert client.get("/admin/").status_code == 200
