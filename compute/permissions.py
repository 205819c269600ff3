"""Who may do what in compute, in one place."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils.translation import gettext as _

from core.actors import Actor
from core.errors import NotAllowed
from core.permissions import require_mfa
from governance import selectors as gov
from governance.choices import StaffRoleKind

if TYPE_CHECKING:
    from governance.models import ResearchProject


def is_operator(actor: Actor) -> bool:
    if actor.is_system:
        return True
    assert actor.user is not None  # noqa: S101 - narrowed by is_system
    return actor.user.is_superuser or gov.has_staff_role(
        user=actor.user, role=StaffRoleKind.COMPUTE_OPERATOR
    )


def user_is_operator(user: object) -> bool:
    """For pages: whether a signed-in user sees the operators' screens."""
    from core.models import User

    if not isinstance(user, User) or not user.is_authenticated:
        return False
    return user.is_superuser or gov.has_staff_role(user=user, role=StaffRoleKind.COMPUTE_OPERATOR)


def check_operate(actor: Actor) -> None:
    """Clusters, periods, splits, allocations and syncs belong to the compute operators."""
    if not is_operator(actor):
        raise NotAllowed(_("Only a compute operator may do this."))
    require_mfa(actor)


def check_manage_members(actor: Actor, project: ResearchProject) -> None:
    """A project's lead manages who may run jobs under it (operators may too)."""
    lead = actor.user is not None and actor.user.pk == project.lead_id
    if not (lead or is_operator(actor)):
        raise NotAllowed(_("Only the project's lead may change its members."))
    require_mfa(actor)


def check_freeze(actor: Actor) -> None:
    """Freezing stops a project's jobs: operators, safety officers, or the platform itself."""
    allowed = is_operator(actor) or (
        actor.user is not None
        and gov.has_staff_role(user=actor.user, role=StaffRoleKind.SAFETY_OFFICER)
    )
    if not allowed:
        raise NotAllowed(_("Only a compute operator or a safety officer may freeze a project."))
    require_mfa(actor)


def check_safety_order(actor: Actor) -> None:
    """Safety freezes come and go only on the Safety Board's orders, which governance sends.

    No person reaches this through a page, the API or the admin: the receiver of governance's
    signals acts as the platform itself, after a certified decision, the chair's interim order
    or its recorded lapse.
    """
    if not actor.is_system:
        raise NotAllowed(
            _(
                "Only the Safety Board's certified decision, or the recorded lapse of its "
                "chair's interim order, may order or lift a safety freeze."
            )
        )


def may_view_project(user: object, project: ResearchProject) -> bool:
    from core.models import User

    if not isinstance(user, User) or not user.is_authenticated:
        return False
    if user.pk == project.lead_id or user_is_operator(user):
        return True
    from compute.models import ProjectMember

    return ProjectMember.objects.filter(project=project, user=user).exists()
