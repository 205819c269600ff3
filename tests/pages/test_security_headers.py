"""Every response carries a Content-Security-Policy under which no inline script would run."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.conftest import sign_in

pytestmark = pytest.mark.django_db

ANONYMOUS = [
    "/",
    "/portal/",
    "/portal/states/",
    "/portal/decisions/",
    "/portal/safety/",
    "/portal/compute/",
    "/portal/reports/",
    "/portal/data/",
    "/accounts/login/",
    "/api/docs/",
    "/api/docs/?script=",
    "/api/schema/",
    "/api/v1/councils/",  # 403 JSON
    "/no/such/page/",  # 404
]
SIGNED_IN = [
    "/my/councils/",
    "/my/votes/",
    "/safety/",
    "/secretariat/",
    "/accounts/2fa/",
    "/accounts/2fa/reauthenticate/",
    "/admin/",
    "/admin/governance/memberstate/",
    "/admin/core/auditevent/",
    "/api/v1/councils/",
]


def _directives(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    parts = [p.strip().split() for p in header.split(";") if p.strip()]
    return {p[0]: p[1:] for p in parts}


def _assert_strict(path: str, response) -> None:
    assert response.has_header("Content-Security-Policy"), path
    csp = _directives(response)
    assert csp["script-src"] == ["'self'"], (path, csp)
    assert csp["style-src"] == ["'self'"], (path, csp)
    assert csp["object-src"] == ["'none'"]
    assert csp["base-uri"] == ["'none'"]
    assert csp["frame-ancestors"] == ["'none'"]
    assert csp["form-action"] == ["'self'"]
    assert "'unsafe-inline'" not in response["Content-Security-Policy"]


def test_every_public_response_carries_a_strict_policy(client):
    """Pages, the API docs, the schema, JSON errors and 404s all carry the same strict policy."""
    for path in ANONYMOUS:
        _assert_strict(path, client.get(path))


def test_every_signed_in_page_carries_a_strict_policy(secretary, council):
    """The pages behind sign-in, the MFA pages and the admin carry it too."""
    secretary.is_staff = True
    secretary.is_superuser = True
    secretary.save()
    client = Client()
    sign_in(client, secretary, with_mfa=True)
    for path in SIGNED_IN:
        response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)
        _assert_strict(path, response)


def test_pages_carry_no_inline_script_or_style(secretary, council):
    """What the policy would block is not in the pages: no inline <script>, <style> or style=."""
    secretary.is_staff = True
    secretary.is_superuser = True
    secretary.save()
    client = Client()
    sign_in(client, secretary, with_mfa=True)
    for path in ["/", "/portal/", "/my/councils/", "/api/docs/", "/admin/governance/memberstate/"]:
        html = client.get(path).content.decode()
        assert "<style" not in html, path
        assert " style=" not in html, path
        for chunk in html.split("<script")[1:]:
            tag, _, rest = chunk.partition(">")
            assert "src=" in tag or 'type="application/json"' in tag, (path, tag)
            assert rest.startswith("</script>"), (path, rest[:80])
