"""What funding does when governance certifies a decision of the finance committee."""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings

from core.actors import Actor
from core.errors import DomainError
from core.models import AuditSource
from funding.models import ContributionScale, FiscalYear, FiscalYearStatus, ScaleStatus
from funding.services.fiscal import fiscal_year_approve
from funding.services.scales import scale_decide

log = logging.getLogger(__name__)


def on_decision_certified(sender: Any, **payload: Any) -> None:
    """Receiver of governance's ``decision_certified``: hand budget decisions to a task."""
    if payload.get("kind") != "budget":
        return
    if payload.get("council_code") != settings.FUNDING_FINANCE_COUNCIL:
        return
    from funding.tasks import decision_apply

    decision_apply.delay(payload["motion_id"])


def decision_apply(*, motion_id: int) -> list[str]:
    """Adopt or reject the scale, approve the budget, that the certified motion decided."""
    actor = Actor.system("funding.decisions", source=AuditSource.TASK)
    done = []
    for scale in ContributionScale.objects.filter(motion_id=motion_id, status=ScaleStatus.PROPOSED):
        try:
            decided = scale_decide(actor=actor, scale=scale)
            done.append(f"scale {decided.reference}: {decided.status}")
        except DomainError as exc:
            # A finance officer can carry the decision out from the scale's page once fixed.
            log.error("scale %s: the decision of motion %s failed: %s", scale.pk, motion_id, exc)
    for fiscal_year in FiscalYear.objects.filter(
        budget_motion_id=motion_id, status=FiscalYearStatus.DRAFT
    ):
        if fiscal_year.budget_motion and fiscal_year.budget_motion.outcome != "adopted":
            done.append(f"budget {fiscal_year.year}: not adopted")
            continue
        try:
            fiscal_year_approve(actor=actor, fiscal_year=fiscal_year)
            done.append(f"budget {fiscal_year.year}: approved")
        except DomainError as exc:
            log.error(
                "budget %s: the decision of motion %s failed: %s", fiscal_year.year, motion_id, exc
            )
    return done
