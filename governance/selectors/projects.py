"""Reads of research projects: the ones awaiting a decision, and one as a reader may see it."""

from __future__ import annotations

from django.db.models import QuerySet

from core.models import User
from governance import registry
from governance.models import (
    Council,
    Motion,
    MotionKind,
    MotionStatus,
    ResearchProject,
    StaffRoleKind,
)
from governance.selectors.membership import council_ids_accredited, has_staff_role
from governance.selectors.motions import motions_for_user


def projects_awaiting_decision() -> QuerySet[ResearchProject]:
    """Proposed projects no approval motion is already under way for: what a new draft may name."""
    busy = Motion.objects.filter(kind=MotionKind.PROJECT_APPROVAL, project__isnull=False).exclude(
        status=MotionStatus.WITHDRAWN
    )
    return (
        ResearchProject.objects.filter(status="proposed")
        .exclude(pk__in=busy.values("project_id"))
        .select_related("host_state")
        .order_by("code")
    )


def project_get_for_user(*, user: User, code: str) -> ResearchProject | None:
    """A project's proposal, for those who have a reason to read it.

    Its lead and members, the secretariat (any council's secretary), the safety officers, and
    whoever may read a motion or an escalation about it; nobody else (a proposal is not public
    until a council decides on it, and the portal publishes only what it may).
    """
    project = (
        ResearchProject.objects.select_related("host_state", "lead")
        .prefetch_related("status_changes")
        .filter(code=code)
        .first()
    )
    if project is None:
        return None
    if user.is_superuser or project.lead_id == user.pk:
        return project
    if project.pk in registry.project_ids_of_member(user):
        return project
    # The whole secretariat (a council-wide secretary) and the safety officers; one council's
    # secretary reads a proposal once a motion of theirs is about it (below), not every proposal.
    if has_staff_role(user=user, role=StaffRoleKind.COUNCIL_SECRETARY) or has_staff_role(
        user=user, role=StaffRoleKind.SAFETY_OFFICER
    ):
        return project
    if motions_for_user(user=user).filter(project=project).exists():
        return project
    readers_of_escalations = council_ids_accredited(user=user) & set(
        Council.objects.filter(kind="safety_board").values_list("pk", flat=True)
    )
    if readers_of_escalations and project.escalations.exists():
        return project
    return None


def project_list() -> QuerySet[ResearchProject]:
    """Every research project, for other apps to look one up (by code, by id) or list them."""
    return ResearchProject.objects.all()


def project_for_update(*, project_id: int) -> ResearchProject:
    """The project, its row locked until the caller's transaction ends.

    Other apps lock it to serialise their own writes about the project (compute's allocations,
    members and freezes), in the lock order their services document.
    """
    return ResearchProject.objects.select_for_update().get(pk=project_id)
