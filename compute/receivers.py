"""What compute does when governance certifies a decision."""

from __future__ import annotations

import logging
from typing import Any

from core.actors import Actor
from core.models import AuditSource
from governance import selectors as governance_selectors
from governance.choices import MotionKind, MotionOutcome

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
    sender: Any,
    *,
    project_ids: list[int],
    reason: str,
    reference: str,
    authority: str = "decision",
    ordered_by: str = "",
    **kwargs: Any,
) -> None:
    """A safety decision (or the chair's interim order) stops the projects' compute now.

    It is recorded as a safety freeze even where an operator's freeze is already in force, so
    lifting the operator's freeze can never undo the Board's order.
    """
    from compute.models import FreezeAuthority
    from compute.services import project_safety_freeze

    kind = (
        FreezeAuthority.SAFETY_INTERIM
        if authority == "interim"
        else FreezeAuthority.SAFETY_DECISION
    )
    actor = Actor.system(f"safety:{reference}", source=AuditSource.SYSTEM)
    for project in governance_selectors.project_list().filter(pk__in=project_ids):
        project_safety_freeze(
            actor=actor,
            project=project,
            authority=kind,
            reference=reference,
            ordered_by=ordered_by,
            reason=reason,
        )


def on_unfreeze_ordered(
    sender: Any, *, project_ids: list[int], reason: str, reference: str, **kwargs: Any
) -> None:
    """A lapsed interim freeze, an adopted unfreeze or a reopening lifts the Board's freeze.

    An operator's own freeze in force stays; the projects run again only when it goes too.
    """
    from compute.services import project_safety_unfreeze

    actor = Actor.system(f"safety:{reference}", source=AuditSource.SYSTEM)
    for project in governance_selectors.project_list().filter(pk__in=project_ids):
        project_safety_unfreeze(actor=actor, project=project, reference=reference, reason=reason)
