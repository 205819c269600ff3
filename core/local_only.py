"""The local demo settings (DEBUG, a published secret key) serve this machine only."""

from __future__ import annotations

import ipaddress
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseForbidden
from django.utils.translation import gettext as _

LOOPBACK_HOSTS = ["localhost", "127.0.0.1", "[::1]"]


def is_loopback(address: str) -> bool:
    """Whether an address (IPv4, IPv6 with or without brackets, or `localhost`) is this machine."""
    host = address.strip().strip("[]")
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class LoopbackOnlyMiddleware:
    """Refuses every request that does not come from this machine, however the server was bound.

    ALLOWED_HOSTS checks the Host header, which a remote client chooses; this checks where the
    connection comes from, so runserver or gunicorn bound to 0.0.0.0 by mistake still serves no
    one else (a debug page with settings and a forgeable session would otherwise be public).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if settings.LOCAL_ONLY and not is_loopback(request.META.get("REMOTE_ADDR", "")):
            return HttpResponseForbidden(
                _(
                    "This server runs with the local demo settings and answers only on this "
                    "machine. Serve it with config.settings.production to reach it from elsewhere."
                ),
                content_type="text/plain; charset=utf-8",
            )
        return self.get_response(request)
