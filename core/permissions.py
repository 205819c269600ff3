"""Checks every app shares: a second factor for the actions that carry weight."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

from core.actors import Actor
from core.errors import MfaRequired, MfaStale, NotAllowed
from core.otp import OTP_HEADER

# Who may read the audit trail besides superusers. The auditor's role is a staff role, which
# governance owns; core imports no domain app, so governance registers its check here.
_audit_reader_checks: list[Callable[[Any], bool]] = []


def register_audit_reader(check: Callable[[Any], bool]) -> None:
    """Add a test of whether a signed-in user may read the audit trail (idempotent)."""
    if check not in _audit_reader_checks:
        _audit_reader_checks.append(check)


def may_read_audit(user: Any) -> bool:
    """The audit trail is for auditors and superusers; with no check registered, superusers."""
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return True
    return any(check(user) for check in _audit_reader_checks)


def require_user(actor: Actor) -> None:
    """Refuse an actor that is not a signed-in person or the platform itself."""
    if actor.user is None and not actor.is_system:
        raise NotAllowed(_("You need to sign in."))


def require_mfa(actor: Actor) -> None:
    """Refuse unless the actor passed a second factor (voting, certifying, money, accreditation)."""
    if not actor.mfa_verified:
        raise MfaRequired(
            _(
                "This action needs a second factor. Set up an authenticator app under "
                "Account → Two-factor authentication and sign in with it, or use an API token "
                "created after signing in with it."
            )
        )


def require_fresh_mfa(actor: Actor) -> None:
    """Refuse unless the second factor was passed within MFA_FRESH_SECONDS (ballots, money, freezes).

    A session that passed it long ago may still read and prepare; the weighty step asks again.
    """
    require_mfa(actor)
    if not actor.mfa_fresh():
        raise MfaStale(
            _(
                "This action needs your second factor confirmed within the last %(minutes)d "
                "minutes. In the browser, enter a current code when asked; over the API, send "
                "the current code of your authenticator app in the %(header)s header."
            )
            % {"minutes": settings.MFA_FRESH_SECONDS // 60, "header": OTP_HEADER}
        )
