"""Background work of the portal: a thin task that makes an annual report's PDF."""

from __future__ import annotations

from celery import shared_task

from core.actors import Actor
from core.models import AuditSource
from transparency.models import AnnualReportStatus


@shared_task(autoretry_for=(ConnectionError,), retry_backoff=True, max_retries=3)
def annual_report_generate(report_id: int) -> str:
    """Make and publish an annual report; a failure is recorded on the report, not retried."""
    from transparency.services import annual_report_generate as generate

    actor = Actor.system("transparency.annual_report_generate", source=AuditSource.TASK)
    try:
        return generate(actor=actor, report_id=report_id).status
    except ConnectionError:
        raise
    except Exception:
        return AnnualReportStatus.FAILED
