"""Request plumbing of the kernel: a stale second factor on a page becomes a fresh code prompt."""

from __future__ import annotations

from collections.abc import Callable

from allauth.account.internal.flows.reauthentication import suspend_request
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _

from core.errors import MfaStale


def ask_for_fresh_code(request: HttpRequest) -> HttpResponse:
    """Send the person to confirm a current code; a POST is kept and replayed once confirmed."""
    messages.info(
        request, _("Confirm with a current code from your authenticator app to continue.")
    )
    # allauth's re-authentication keeps the POST in the session and replays it afterwards, so the
    # ballot or payment the person was submitting goes through without being typed again.
    return suspend_request(request, reverse("mfa_reauthenticate"))


class FreshMfaMiddleware:
    """Turns `MfaStale` raised by a page into the re-authentication step (the API answers 403)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, MfaStale) or request.path.startswith("/api/"):
            return None
        if exception.code != MfaStale.code or not request.user.is_authenticated:
            return None
        return ask_for_fresh_code(request)
