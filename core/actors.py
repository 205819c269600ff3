"""Who is acting, through which channel, and whether (and when) they passed a second factor."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from allauth.account.authentication import get_authentication_records
from allauth.mfa.utils import is_mfa_enabled
from django.conf import settings

from core.models import ApiToken, AuditEvent
from core.otp import OTP_HEADER, header_code_passed_at

if TYPE_CHECKING:
    from django.http import HttpRequest

    from core.models import User


@dataclass(frozen=True)
class Actor:
    """The subject of every service call; services never look at requests themselves."""

    user: User | None
    source: str
    mfa_verified: bool
    label: str
    # When the second factor was last passed (seconds since the epoch); None if never, and for
    # an API token without a code in OTP_HEADER: a token's factor is as old as the token.
    mfa_at: float | None = None

    @property
    def is_system(self) -> bool:
        return self.user is None

    def mfa_fresh(self, *, now: float | None = None) -> bool:
        """Whether the second factor was passed within MFA_FRESH_SECONDS (the platform always is)."""
        if self.is_system:
            return True
        if not self.mfa_verified or self.mfa_at is None:
            return False
        now = time.time() if now is None else now
        return now - self.mfa_at < settings.MFA_FRESH_SECONDS

    @classmethod
    def system(cls, label: str, *, source: str = AuditEvent.Source.SYSTEM) -> Actor:
        """A scheduled task or a server-side command acting on the platform's own behalf."""
        # Nobody can reach this channel from the network; it is trusted like the database.
        return cls(user=None, source=source, mfa_verified=True, label=f"system:{label}")

    @classmethod
    def for_user(
        cls, user: User, *, source: str, mfa_verified: bool = False, mfa_at: float | None = None
    ) -> Actor:
        """A person acting; with ``mfa_verified`` and no ``mfa_at``, the factor was passed now."""
        if mfa_verified and mfa_at is None:
            mfa_at = time.time()
        return cls(
            user=user,
            source=source,
            mfa_verified=mfa_verified,
            label=user.get_username(),
            mfa_at=mfa_at if mfa_verified else None,
        )

    @classmethod
    def from_request(cls, request: Any, *, source: str | None = None) -> Actor:
        """Build the actor for a web page or an API request (DRF `Request` or `HttpRequest`)."""
        user = request.user
        auth = getattr(request, "auth", None)
        is_api = hasattr(request, "_request")
        http_request = getattr(request, "_request", request)
        if source is None:
            source = AuditEvent.Source.API if is_api else AuditEvent.Source.WEB
        if not user.is_authenticated:
            raise ValueError("An anonymous request has no actor.")
        mfa_at: float | None
        if isinstance(auth, ApiToken):
            mfa = auth.mfa_verified and is_mfa_enabled(user)
            mfa_at = None
        else:
            mfa_at = session_mfa_at(http_request, user)
            mfa = mfa_at is not None
        if is_api and http_request.headers.get(OTP_HEADER):
            # API clients prove a fresh second factor with their authenticator's current code.
            mfa_at = header_code_passed_at(http_request, user)
            mfa = mfa or mfa_at is not None
        return cls(
            user=user, source=source, mfa_verified=mfa, label=user.get_username(), mfa_at=mfa_at
        )


def session_mfa_at(request: HttpRequest, user: User) -> float | None:
    """When this browser session last passed the second factor (sign-in or re-authentication)."""
    if not is_mfa_enabled(user):
        return None
    records = get_authentication_records(request, user)
    times = [float(r["at"]) for r in records if r.get("method") == "mfa" and "at" in r]
    return max(times) if times else None


def session_passed_mfa(request: HttpRequest, user: User) -> bool:
    """Whether this browser session signed in (or re-authenticated) with a second factor."""
    return session_mfa_at(request, user) is not None
