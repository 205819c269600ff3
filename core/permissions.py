"""Checks every app shares: a second factor for the actions that carry weight."""

from __future__ import annotations

from django.utils.translation import gettext as _

from core.actors import Actor
from core.errors import MfaRequired, NotAllowed


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
