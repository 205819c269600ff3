"""A second factor is required, on the server, before anyone changes what carries weight."""

from __future__ import annotations

import base64
import datetime as dt

import pytest
from django.utils import timezone

from core.models import ApiToken, AuditEvent
from governance.models import MemberState
from tests.conftest import totp_code
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

NEW_STATE = {
    "code": "PT",
    "name_en": "Portugal",
    "name_de": "Portugal",
    "name_fr": "Portugal",
    "status": "full",
    "accession_date": "2026-01-01",
    "population": 10_700_000,
    "currency": "EUR",
}


def test_sign_in_asks_for_the_code_after_the_password(client, secretary):
    """A user with an authenticator is not signed in until the TOTP code is given."""
    response = client.post("/accounts/login/", {"login": "secretary", "password": PASSWORD})
    assert response["Location"].startswith("/accounts/2fa/authenticate/")
    assert client.get("/my/councils/").status_code == 302  # still anonymous
    wrong = client.post("/accounts/2fa/authenticate/", {"code": "000000"})
    assert wrong.status_code == 200
    assert client.get("/my/councils/").status_code == 302


def test_secretary_with_second_factor_may_write(api_as, secretary):
    """After password and TOTP code, the secretary admits a member state."""
    response = api_as(secretary, with_mfa=True).post(
        "/api/v1/member-states/", NEW_STATE, format="json"
    )
    assert response.status_code == 201, response.json()
    assert MemberState.objects.filter(code="PT").exists()
    assert AuditEvent.objects.filter(action="member_state.create", actor=secretary).exists()


def test_secretary_without_an_authenticator_is_refused(api_as, secretary):
    """A secretary who never set up a second factor may read but not write."""
    secretary.authenticator_set.all().delete()
    client = api_as(secretary, with_mfa=False)
    assert client.get("/api/v1/member-states/").status_code == 200
    response = client.post("/api/v1/member-states/", NEW_STATE, format="json")
    assert response.status_code == 403
    assert response.json()["code"] == "mfa_required"
    assert "second factor" in response.json()["message"]
    assert not MemberState.objects.filter(code="PT").exists()


def test_session_that_skipped_the_second_factor_is_refused(secretary):
    """A session made without the TOTP step (e.g. by another login path) cannot write."""
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_login(secretary)  # a session with no record of a second factor
    response = client.post("/api/v1/member-states/", NEW_STATE, format="json")
    assert response.status_code == 403
    assert response.json()["code"] == "mfa_required"


def _make_token(client) -> str:
    response = client.post("/api/v1/tokens/", {"name": "ci script"}, format="json")
    assert response.status_code == 201, response.json()
    return response.json()["key"]


def test_token_made_after_the_second_factor_may_write(api_as, secretary):
    """A token inherits the second factor of the session that created it."""
    from rest_framework.test import APIClient

    key = _make_token(api_as(secretary, with_mfa=True))
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    response = client.post("/api/v1/member-states/", NEW_STATE, format="json")
    assert response.status_code == 201, response.json()
    assert ApiToken.objects.get(user=secretary).last_used_at is not None


def test_token_made_without_the_second_factor_may_only_read(api_as, secretary):
    """A token from a password-only session reads but never writes."""
    from rest_framework.test import APIClient

    secretary.authenticator_set.all().delete()
    key = _make_token(api_as(secretary, with_mfa=False))
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert client.get("/api/v1/councils/").status_code == 200
    response = client.post("/api/v1/member-states/", NEW_STATE, format="json")
    assert response.status_code == 403
    assert response.json()["code"] == "mfa_required"


def test_token_is_refused_once_revoked_or_expired(api_as, secretary):
    """Revoked and expired tokens authenticate nothing."""
    from rest_framework.test import APIClient

    session = api_as(secretary)
    key = _make_token(session)
    token = ApiToken.objects.get(user=secretary)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert client.get("/api/v1/councils/").status_code == 200
    ApiToken.objects.filter(pk=token.pk).update(
        created_at=timezone.now() - dt.timedelta(days=91),
        expires_at=timezone.now() - dt.timedelta(seconds=1),
    )
    expired = client.get("/api/v1/councils/")
    assert expired.status_code == 401
    assert expired.json()["code"] == "authentication_failed"
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() + dt.timedelta(days=1))
    assert session.post(f"/api/v1/tokens/{token.pk}/revoke/").status_code == 200
    assert client.get("/api/v1/councils/").status_code == 401


def test_a_token_cannot_mint_tokens(api_as, secretary):
    """Tokens are made from a signed-in browser session only."""
    from rest_framework.test import APIClient

    key = _make_token(api_as(secretary))
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    response = client.post("/api/v1/tokens/", {"name": "child"}, format="json")
    assert response.status_code == 403
    assert ApiToken.objects.filter(user=secretary).count() == 1


def test_basic_auth_is_not_accepted(secretary):
    """Passwords never travel in API requests: Basic auth is refused."""
    from rest_framework.test import APIClient

    client = APIClient()
    credentials = base64.b64encode(f"secretary:{PASSWORD}".encode()).decode()
    client.credentials(HTTP_AUTHORIZATION=f"Basic {credentials}")
    response = client.get("/api/v1/member-states/")
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


def test_admin_needs_the_second_factor(client, secretary):
    """Staff who signed in without the code are sent to sign in again before the admin opens."""
    secretary.is_staff = True
    secretary.is_superuser = True
    secretary.save()
    client.force_login(secretary)
    response = client.get("/admin/", follow=True)
    assert response.redirect_chain[-1][0].startswith("/accounts/2fa/reauthenticate/")
    confirmed = client.post(response.redirect_chain[-1][0], {"code": totp_code(secretary)})
    assert confirmed.status_code == 302
    assert client.get("/admin/").status_code == 200


def test_admin_refuses_anonymous_visitors(client):
    """Nobody reaches the admin without signing in."""
    response = client.get("/admin/", follow=True)
    assert response.redirect_chain[-1][0].startswith("/accounts/login/")
