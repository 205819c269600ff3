"""Background work of funding: thin tasks that take ids and call a service."""

from __future__ import annotations

from celery import shared_task

from core.actors import Actor
from core.models import AuditSource
from funding.models import ReportStatus


@shared_task(autoretry_for=(ConnectionError,), retry_backoff=True, max_retries=5)
def arrears_check_all() -> dict[str, bool]:
    """Recompute every state's arrears and act on crossings; runs daily from beat."""
    from funding.services import arrears_check_all as check

    return check(actor=Actor.system("funding.arrears", source=AuditSource.TASK))


@shared_task(autoretry_for=(ConnectionError,), retry_backoff=True, max_retries=3)
def report_generate(report_id: int) -> str:
    """Make a report's PDF; a failure is recorded on the report itself, not retried."""
    from funding.services import report_generate as generate

    actor = Actor.system("funding.report_generate", source=AuditSource.TASK)
    try:
        return generate(actor=actor, report_id=report_id).status
    except ConnectionError:
        raise
    except Exception:
        return ReportStatus.FAILED


@shared_task(autoretry_for=(ConnectionError,), retry_backoff=True, max_retries=5)
def decision_apply(motion_id: int) -> list[str]:
    """Carry out a certified budget decision of the finance committee."""
    from funding.services.decisions import decision_apply as apply

    return apply(motion_id=motion_id)
