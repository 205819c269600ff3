"""What compute does when governance certifies a decision."""

from __future__ import annotations

import logging
from typing import Any

from core.actors import Actor
from core.models import AuditSource
from governance.models import MotionKind, MotionOutcome

log = logging.getLogger(__name__)


def on_decision_certified(
    sender: Any,
    *,
    motion_id: int,
    kind: str,
    outcome: str,
    project_id: int | None = None,
    gpu_hours: int | None = None,
    **kwargs: Any,
) -> None:
    """An adopted project approval becomes an allocation (or a recorded refusal); idempotent."""
    if kind != MotionKind.PROJECT_APPROVAL or outcome != MotionOutcome.ADOPTED:
        return
    if project_id is None or not gpu_hours:
        log.warning("motion %s adopted a project approval without project or hours", motion_id)
        return
    from compute.services import allocation_from_decision

    actor = Actor.system("decision_certified", source=AuditSource.SYSTEM)
    allocation_from_decision(
        actor=actor, motion_id=motion_id, project_id=project_id, gpu_hours=gpu_hours
    )


def on_freeze_ordered(
    sender: Any, *, project_ids: list[int], reason: str, reference: str, **kwargs: Any
) -> None:
    """A safety decision (or the chair's interim order) stops the projects' compute now."""
    from compute.models import ComputeFreeze
    from compute.services import project_compute_freeze
    from governance.models import ResearchProject

    actor = Actor.system(f"safety:{reference}", source=AuditSource.SYSTEM)
    for project in ResearchProject.objects.filter(pk__in=project_ids):
        if ComputeFreeze.objects.filter(project=project, lifted_at__isnull=True).exists():
            continue  # already frozen: one freeze in force is enough, the sync keeps it
        project_compute_freeze(actor=actor, project=project, reason=reason)


def on_unfreeze_ordered(
    sender: Any, *, project_ids: list[int], reason: str, reference: str, **kwargs: Any
) -> None:
    """A lapsed interim freeze, an adopted unfreeze or a reopening lets the projects run again."""
    from compute.models import ComputeFreeze
    from compute.services import project_compute_unfreeze
    from governance.models import ResearchProject

    actor = Actor.system(f"safety:{reference}", source=AuditSource.SYSTEM)
    for project in ResearchProject.objects.filter(pk__in=project_ids):
        if ComputeFreeze.objects.filter(project=project, lifted_at__isnull=True).exists():
            project_compute_unfreeze(actor=actor, project=project, reason=reason)
