"""Who may do what with the facility's money, in one place."""

from __future__ import annotations

from django.utils.translation import gettext as _

from core.actors import Actor
from core.errors import NotAllowed
from core.permissions import require_mfa
from governance import selectors
from governance.choices import StaffRoleKind


def is_finance_officer(actor: Actor) -> bool:
    """Finance officers, administrators and the platform itself (scheduled tasks, commands)."""
    if actor.is_system:
        return True
    user = actor.user
    if user is None or not user.is_active:
        return False
    if user.is_superuser:
        return True
    return selectors.has_staff_role(user=user, role=StaffRoleKind.FINANCE_OFFICER)


def check_view_finances(actor: Actor) -> None:
    """Accounts, balances and reports are for finance staff (the portal publishes the rest)."""
    if not is_finance_officer(actor):
        raise NotAllowed(_("Only finance staff may see the accounts of member states."))


def check_handle_money(actor: Actor) -> None:
    """Recording payments, issuing calls, adopting scales, importing figures: with a second factor."""
    if not is_finance_officer(actor):
        raise NotAllowed(_("Only a finance officer may do this."))
    require_mfa(actor)
