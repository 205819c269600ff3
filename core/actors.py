"""Who is acting, through which channel, and whether they have passed a second factor."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from allauth.account.authentication import get_authentication_records
from allauth.mfa.utils import is_mfa_enabled

from core.models import ApiToken, AuditEvent

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

    @property
    def is_system(self) -> bool:
        return self.user is None

    @classmethod
    def system(cls, label: str, *, source: str = AuditEvent.Source.SYSTEM) -> Actor:
        """A scheduled task or a server-side command acting on the platform's own behalf."""
        # Nobody can reach this channel from the network; it is trusted like the database.
        return cls(user=None, source=source, mfa_verified=True, label=f"system:{label}")

    @classmethod
    def for_user(cls, user: User, *, source: str, mfa_verified: bool = False) -> Actor:
        return cls(user=user, source=source, mfa_verified=mfa_verified, label=user.get_username())

    @classmethod
    def from_request(cls, request: Any, *, source: str | None = None) -> Actor:
        """Build the actor for a web page or an API request (DRF `Request` or `HttpRequest`)."""
        user = request.user
        auth = getattr(request, "auth", None)
        if source is None:
            source = (
                AuditEvent.Source.API if hasattr(request, "_request") else AuditEvent.Source.WEB
            )
        if not user.is_authenticated:
            raise ValueError("An anonymous request has no actor.")
        if isinstance(auth, ApiToken):
            mfa = auth.mfa_verified and is_mfa_enabled(user)
        else:
            mfa = session_passed_mfa(getattr(request, "_request", request), user)
        return cls.for_user(user, source=source, mfa_verified=mfa)


def session_passed_mfa(request: HttpRequest, user: User) -> bool:
    """Whether this browser session signed in (or re-authenticated) with a second factor."""
    if not is_mfa_enabled(user):
        return False
    records = get_authentication_records(request, user)
    return any(record.get("method") == "mfa" for record in records)
