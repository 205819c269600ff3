"""Server-rendered pages: home, my councils, errors, languages."""

from __future__ import annotations

import pytest
from django.test import RequestFactory, override_settings

from core import views
from tests.conftest import sign_in

pytestmark = pytest.mark.django_db


def test_home_page_needs_no_sign_in(client):
    """The public reaches the home page with a sign-in link and a language switch."""
    response = client.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="en">' in html
    assert 'href="/accounts/login/' in html
    assert 'name="language"' in html
    assert 'href="#main"' in html  # skip link for keyboard users


@pytest.mark.parametrize(
    ("lang", "expected"),
    [("de", "Anmelden"), ("fr", "Se connecter"), ("en", "Sign in")],
)
def test_language_switch(client, lang, expected):
    """Choosing a language makes the pages speak it, and remembers the choice."""
    response = client.post("/i18n/setlang/", {"language": lang, "next": "/"}, follow=True)
    html = response.content.decode()
    assert f'<html lang="{lang}">' in html
    assert expected in html
    assert client.get("/").content.decode().count(f'<html lang="{lang}">') == 1


def test_browser_language_is_honoured(client):
    """A French browser gets French pages without choosing anything."""
    html = client.get("/", HTTP_ACCEPT_LANGUAGE="fr-CH,fr;q=0.9").content.decode()
    assert '<html lang="fr">' in html


def test_my_councils_lists_the_delegates_accreditations(client, de_head):
    """A head of delegation sees the council, the state and that they vote for it."""
    sign_in(client, de_head, with_mfa=True)
    html = client.get("/my/councils/").content.decode()
    assert "Governing Council" in html
    assert "State DE (DE)" in html
    assert "Head of delegation" in html


def test_my_councils_needs_a_sign_in(client):
    """Anonymous visitors are sent to sign in, and come back afterwards."""
    response = client.get("/my/councils/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/my/councils/"


def test_sign_up_is_closed(client):
    """Accounts are made by the secretariat; nobody can sign up."""
    response = client.get("/accounts/signup/")
    assert response.status_code == 200
    assert b"Sign Up Closed" in response.content
    client.post(
        "/accounts/signup/",
        {
            "username": "x",
            "email": "x@example.org",
            "password1": "a-Long-pass-42",
            "password2": "a-Long-pass-42",
        },
    )
    from core.models import User

    assert not User.objects.filter(username="x").exists()


def test_404_page_in_house_style(client):
    """An unknown address gets a helpful page with the layout."""
    response = client.get("/no/such/page/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "Page not found" in html
    assert "Concordia" in html


def test_403_and_500_pages():
    """The error pages render on their own (500 without the layout's context)."""
    request = RequestFactory().get("/x/")
    from django.contrib.auth.models import AnonymousUser

    request.user = AnonymousUser()
    assert views.error_403(request).status_code == 403
    response = views.error_500(request)
    assert response.status_code == 500
    assert b"Nothing you sent was saved" in response.content


@override_settings(DEBUG=False)
def test_server_error_on_the_api_is_json():
    """A failure under /api/ answers in JSON too."""
    request = RequestFactory().get("/api/v1/x/")
    response = views.error_500(request)
    assert response.status_code == 500
    assert response["Content-Type"] == "application/json"
