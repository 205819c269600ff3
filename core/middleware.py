"""Request plumbing of the kernel: control characters refused at the edge; a stale second factor
on a page becomes a fresh code prompt; times shown in the reader's own zone.

Refusing control characters at the edge, once, for every text input.

A NUL byte in a lookup reaches PostgreSQL as an error ("invalid byte sequence") and a 500, and
other control characters make no sense in a name, a code or a query; bidi and zero-width text is
handled by the field validators (core.validators), because it can be meaningful inside text.
Here every request is checked before any view runs: the path, every query parameter, every form
field and file name, and every string (and key) of a JSON body. A request that carries one gets
a 400 naming the input, and nothing runs.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

from allauth.account.internal.flows.reauthentication import suspend_request
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from core.api import error_body
from core.errors import MfaStale
from core.text import CONTROL_IN_LOOKUP as _IN_LOOKUP
from core.text import CONTROL_IN_TEXT as _IN_TEXT
from core.timezones import zone_of


def _json_strings(value: Any, where: str) -> Iterator[tuple[str, str]]:
    """Every (field path, string) in a parsed JSON document, keys included."""
    if isinstance(value, str):
        yield where, value
    elif isinstance(value, dict):
        for key, item in value.items():
            path = f"{where}.{key}" if where else str(key)
            yield path, str(key)
            yield from _json_strings(item, path)
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _json_strings(item, f"{where}[{i}]" if where else f"[{i}]")


def find_control_character(request: HttpRequest) -> str | None:
    """The name of the first input carrying a control character, or None."""
    if _IN_LOOKUP.search(request.path):
        return "path"
    for name, values in request.GET.lists():
        if _IN_LOOKUP.search(name) or any(_IN_LOOKUP.search(v) for v in values):
            return _IN_LOOKUP.sub("?", name)
    if request.method in ("POST", "PUT", "PATCH", "DELETE"):
        content_type = request.content_type or ""
        if content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
            for name, values in request.POST.lists():
                if _IN_LOOKUP.search(name) or any(_IN_TEXT.search(v) for v in values):
                    return _IN_LOOKUP.sub("?", name)
            for name, uploads in request.FILES.lists():
                if any(u.name and _IN_LOOKUP.search(u.name) for u in uploads):
                    return name
        elif content_type.endswith("json") and request.body:
            try:
                document = json.loads(request.body)
            except (ValueError, UnicodeDecodeError):
                return None  # malformed JSON is the parser's to refuse, with its own message
            for path, text in _json_strings(document, ""):
                if _IN_TEXT.search(text):
                    return _IN_LOOKUP.sub("?", path) or "body"
    return None


class ControlCharacterMiddleware:
    """Answer 400, naming the input, to any request carrying a control character."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        field = find_control_character(request)
        if field is None:
            return self.get_response(request)
        message = _("Control characters (such as a NUL byte) are not allowed here.")
        if request.path.startswith("/api/") or "json" in request.headers.get("Accept", "").lower():
            return JsonResponse(
                error_body("control_character", message, {field: [message]}), status=400
            )
        return render(request, "errors/400.html", {"reason": message, "field": field}, status=400)


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


class TimeZoneMiddleware:
    """Show times in the signed-in person's chosen zone; everyone else reads the facility's.

    Only display changes: storage, the API's ISO timestamps and deadlines stay UTC.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        chosen = (
            getattr(user, "time_zone", "") if user is not None and user.is_authenticated else ""
        )
        if chosen:
            timezone.activate(zone_of(chosen))
        else:
            timezone.deactivate()
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()
