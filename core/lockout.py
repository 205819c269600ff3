"""Per-account sign-in limits (django-axes): the password step and the code step share one count.

One counter per account, however the account is named (username or email address, any case),
so guessing is limited per account and not per address: a delegation behind one NAT is not
locked out by one member's typos, and an attacker with many addresses is still stopped.
"""

from __future__ import annotations

from typing import Any

from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_cool_off, get_failure_limit
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_login_failed
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _


def axes_username(request: HttpRequest | None, credentials: dict[str, Any] | None) -> str | None:
    """The account an attempt aims at: its username, whether it was typed as name or email."""
    data = credentials or {}
    login = data.get("username") or data.get("email") or data.get("login")
    if not login and request is not None:
        post = getattr(request, "POST", None)
        login = post.get("login") if post is not None else None
    if not login:
        return None
    login = str(login).strip()
    users = get_user_model().objects
    match = users.filter(username__iexact=login).values_list("username", flat=True).first()
    if match is None and "@" in login:
        names = list(users.filter(email__iexact=login).values_list("username", flat=True)[:2])
        match = names[0] if len(names) == 1 else None
    # Unknown names get their own counter, lower-cased so case games don't multiply the tries.
    return match if match is not None else login.lower()


def _credentials(user: Any) -> dict[str, str]:
    return {"username": user.get_username()}


def account_locked(request: HttpRequest, user: Any) -> bool:
    """Whether too many wrong passwords or codes were given for this account lately."""
    if not settings.AXES_ENABLED:
        return False
    return AxesProxyHandler.is_locked(request, _credentials(user))


def record_failure(request: HttpRequest, user: Any) -> None:
    """Count a wrong second-factor code against the account, like a wrong password."""
    user_login_failed.send(sender=__name__, credentials=_credentials(user), request=request)


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None, credentials: dict[str, Any] | None
) -> HttpResponse:
    """The page shown instead of the sign-in form while an account is locked (status 429)."""
    cool_off = get_cool_off(request)
    if request.path.startswith("/api/"):
        message = _("Too many wrong passwords or codes: this account is locked for now.")
        return JsonResponse({"code": "too_many_attempts", "message": message}, status=429)
    context = {
        "failure_limit": get_failure_limit(request, credentials),
        "cooloff_minutes": int(cool_off.total_seconds() // 60) if cool_off else None,
    }
    return render(request, "account/locked_out.html", context, status=429)
