"""Research projects: submission by their lead and every status change after it."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils.translation import gettext as _

from core.actors import Actor
from core.audit import audit_record, snapshot
from core.bounds import check_day
from core.clock import facility_today
from core.errors import ValidationFailed
from core.validators import clean_or_fail
from governance import permissions
from governance.decisions import decision_handler
from governance.models import (
    PROJECT_TRANSITIONS,
    MemberState,
    Motion,
    MotionKind,
    ProjectStatus,
    ProjectStatusChange,
    ResearchProject,
)


@transaction.atomic
def project_submit(
    *,
    actor: Actor,
    title: str,
    abstract: str,
    host_institution: str,
    host_state: MemberState,
    gpu_hours_requested: int,
    period_start: dt.date,
    period_end: dt.date,
    safety_self_assessment: str,
    proposed_safety_level: int = 1,
    charged_to_programme: bool = False,
) -> ResearchProject:
    """A signed-in researcher, with a second factor, proposes a project; they become its lead."""
    permissions.check_submit_project(actor)
    assert actor.user is not None  # noqa: S101 - check_submit_project refuses the platform
    check_day(period_start, field="period_start")
    check_day(period_end, field="period_end")
    year = facility_today().year
    # Lock the year's last project so two submissions at once cannot take the same code.
    last = (
        ResearchProject.objects.select_for_update()
        .filter(code__startswith=f"p-{year}-")
        .order_by("-code")
        .first()
    )
    number = int(last.code.rsplit("-", 1)[1]) + 1 if last else 1
    project = ResearchProject(
        code=f"p-{year}-{number:04d}",
        title=title,
        abstract=abstract,
        host_institution=host_institution,
        host_state=host_state,
        lead=actor.user,
        gpu_hours_requested=gpu_hours_requested,
        period_start=period_start,
        period_end=period_end,
        safety_self_assessment=safety_self_assessment,
        proposed_safety_level=proposed_safety_level,
        charged_to_programme=charged_to_programme,
    )
    clean_or_fail(project)
    project.save()
    ProjectStatusChange.objects.create(
        project=project,
        from_status="",
        to_status=ProjectStatus.PROPOSED,
        changed_by=actor.label,
        reason="submitted",
    )
    audit_record(actor=actor, action="project.submit", target=project, after=snapshot(project))
    return project


@transaction.atomic
def project_status_change(
    *,
    actor: Actor,
    project: ResearchProject,
    to: str,
    motion: Motion | None = None,
    reason: str = "",
) -> ResearchProject:
    """Move a project along its lifecycle, recording the decision behind the move."""
    permissions.check_change_project_status(actor, motion.council if motion else None)
    locked = ResearchProject.objects.select_for_update().get(pk=project.pk)
    if to not in PROJECT_TRANSITIONS.get(locked.status, ()):
        raise ValidationFailed(
            _("A project that is %(old)s cannot become %(new)s.")
            % {"old": ProjectStatus(locked.status).label, "new": ProjectStatus(to).label},
            field="status",
        )
    old = locked.status
    locked.status = to
    locked.save(update_fields=["status"])
    ProjectStatusChange.objects.create(
        project=locked,
        from_status=old,
        to_status=to,
        changed_by=actor.label,
        motion=motion,
        reason=reason,
    )
    audit_record(
        actor=actor,
        action="project.status_change",
        target=locked,
        before={"status": old},
        after={"status": to, "motion": motion.reference if motion else None},
        reason=reason,
    )
    return locked


@decision_handler(MotionKind.PROJECT_APPROVAL)
def project_approval_carry_out(*, actor: Actor, motion: Motion) -> None:
    """A certified project approval approves its project if adopted and rejects it otherwise."""
    if motion.project is None:
        return
    assert motion.tally is not None  # noqa: S101 - a certified motion has been counted
    to = ProjectStatus.APPROVED if motion.outcome == "adopted" else ProjectStatus.REJECTED
    project_status_change(
        actor=actor,
        project=motion.project,
        to=to,
        motion=motion,
        reason=motion.tally["summary"],
    )
