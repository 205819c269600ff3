"""A second-factor code checked outside allauth's pages, under the same limits and replay guard."""

from __future__ import annotations

import time
from typing import Any

from allauth.core import ratelimit
from allauth.mfa.models import Authenticator
from django.http import HttpRequest
from django.utils.translation import gettext as _

from core.errors import MfaStale, TooManyAttempts
from core.lockout import account_locked, record_failure

OTP_HEADER = "X-Concordia-OTP"
_RESULT = "_concordia_otp_passed_at"


def code_valid(request: HttpRequest, user: Any, code: str) -> bool:
    """Check a TOTP code of ``user``; a used code is refused for the rest of its period.

    Wrong codes count against the account like on the sign-in page: allauth's per-account rate
    (the same key its code form uses) and the account lockout (django-axes).
    """
    if account_locked(request, user):
        raise TooManyAttempts(
            _("Too many wrong passwords or codes: this account is locked for now.")
        )
    key = f"mfa-auth-user-{user.pk}"
    if not ratelimit.consume(request, action="login_failed", key=key):
        raise TooManyAttempts(_("Too many wrong codes; wait a few minutes and try again."))
    # TOTP only: a script must not burn the recovery codes a person keeps for a lost phone.
    for authenticator in Authenticator.objects.filter(
        user_id=user.pk, type=Authenticator.Type.TOTP
    ):
        # validate_code marks a TOTP code used in the cache: a replayed code is refused.
        if authenticator.wrap().validate_code(code):
            authenticator.record_usage()
            ratelimit.clear(request, action="login_failed", key=key)
            return True
    record_failure(request, user)
    return False


def header_code_passed_at(request: HttpRequest, user: Any) -> float | None:
    """When the code in the X-Concordia-OTP header was accepted (checked once per request)."""
    if hasattr(request, _RESULT):
        passed_at: float | None = getattr(request, _RESULT)
    else:
        code = request.headers.get(OTP_HEADER, "").strip()
        passed_at = time.time() if code and code_valid(request, user, code) else None
        setattr(request, _RESULT, passed_at)
    if passed_at is None:
        raise MfaStale(
            _(
                "The code in the %(header)s header was not accepted: send the current code of "
                "your authenticator app (each code works once)."
            )
            % {"header": OTP_HEADER},
            code="otp_invalid",
        )
    return passed_at
