"""Who may do what with council sessions (kept beside governance.permissions, which it reuses)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from core.actors import Actor
from core.errors import NotAllowed
from core.permissions import require_mfa
from governance import permissions, selectors
from governance.models import Council, MemberState


def check_run_session(actor: Actor, council: Council) -> None:
    """Convening, the agenda, marking attendance and the minutes: the council's secretary."""
    if not permissions.is_secretary(actor, council):
        raise NotAllowed(_("Only the secretary of this council may do this."))
    require_mfa(actor)


def check_act_for_state(actor: Actor, council: Council, state: MemberState) -> None:
    """Checking in, amendments and comments: the state's own voting delegates (or the secretary)."""
    permissions.check_speak_for_state(actor, council, state)


def sits_on(actor: Actor, council: Council) -> bool:
    """Whether the actor is a delegate (any role, approved) of the council today, or its secretary."""
    if permissions.is_secretary(actor, council):
        return True
    assert actor.user is not None  # noqa: S101 - system actors are secretaries above
    return (
        selectors.accreditation_list(council=council, on=selectors.today(), approved_only=True)
        .filter(user=actor.user)
        .exists()
    )
