"""Guessing is limited per account, not per address: the account locks, its neighbours don't."""

from __future__ import annotations

import datetime as dt

import pytest
from axes.models import AccessAttempt
from django.core.cache import cache
from django.test import Client

from tests.conftest import enable_totp, totp_code
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def _login(client: Client, login: str, password: str, ip: str):
    return client.post("/accounts/login/", {"login": login, "password": password}, REMOTE_ADDR=ip)


def _signed_in(client: Client) -> bool:
    return client.get("/my/councils/").status_code == 200


def test_failures_from_many_addresses_lock_the_account_with_a_clear_page(client):
    """Five wrong passwords from five addresses lock the account, whatever it is called by."""
    # given
    UserFactory(username="de-head", email="head@de.example")
    # when
    responses = [_login(Client(), "de-head", "wrong", f"198.51.100.{n}") for n in range(1, 6)]
    # then: the fifth answer is the lockout page, not a 500 and not the form again
    assert [r.status_code for r in responses[:4]] == [200] * 4
    locked = responses[4]
    assert locked.status_code == 429
    text = locked.content.decode()
    assert "Account locked for now" in text
    assert "15 minutes" in text
    # the right password, from a new address, by email, after the cache is gone (another
    # process, a restart): still locked, because the count is per account and in the database
    cache.clear()
    later = Client()
    refused = _login(later, "HEAD@de.example", PASSWORD, "203.0.113.9")
    assert refused.status_code == 429
    assert not _signed_in(later)


def test_another_account_behind_the_same_address_still_signs_in():
    """One member's failures don't lock out the delegation sharing the NAT address."""
    UserFactory(username="de-head")
    UserFactory(username="de-alternate")
    nat = "192.0.2.50"
    for _ in range(5):
        _login(Client(), "de-head", "wrong", nat)
    client = Client()
    response = _login(client, "de-alternate", PASSWORD, nat)
    assert response.status_code == 302
    assert _signed_in(client)


def test_the_account_opens_again_after_the_cool_off():
    """A lockout lasts AXES_COOLOFF_TIME (15 minutes), then the right password works."""
    UserFactory(username="de-head")
    for n in range(5):
        _login(Client(), "de-head", "wrong", f"198.51.100.{n}")
    AccessAttempt.objects.update(attempt_time=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=16))
    cache.clear()  # allauth's own 5-minute window has passed as well
    client = Client()
    assert _login(client, "de-head", PASSWORD, "198.51.100.1").status_code == 302
    assert _signed_in(client)


def test_wrong_codes_at_the_second_step_lock_the_account_too():
    """Five wrong TOTP codes after a right password lock the account like five wrong passwords."""
    # given: someone who knows the password
    user = UserFactory(username="de-head")
    enable_totp(user)
    client = Client()
    response = _login(client, "de-head", PASSWORD, "198.51.100.7")
    assert response["Location"].startswith("/accounts/2fa/authenticate/")
    # when
    for guess in range(5):
        client.post(
            "/accounts/2fa/authenticate/", {"code": f"{guess:06d}"}, REMOTE_ADDR="198.51.100.7"
        )
    cache.clear()  # allauth's own per-account code limit lives in the cache; this one doesn't
    right = client.post(
        "/accounts/2fa/authenticate/", {"code": totp_code(user)}, REMOTE_ADDR="198.51.100.7"
    )
    # then
    assert right.status_code == 200
    assert "locked" in right.content.decode()
    assert not _signed_in(client)
    assert _login(Client(), "de-head", PASSWORD, "203.0.113.1").status_code == 429
