"""Background work of governance: thin tasks that call services."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings

from core.actors import Actor
from core.models import AuditSource
from governance import selectors, services
from governance.timestamping import TimestampError, request_token


@shared_task(autoretry_for=(ConnectionError,), retry_backoff=True, max_retries=5)
def accreditations_expiring_notify() -> int:
    """Tell every holder whose accreditation ends soon; runs daily from beat. Returns the count."""
    actor = Actor.system("accreditations_expiring_notify", source=AuditSource.TASK)
    due = selectors.accreditations_expiring(within_days=settings.ACCREDITATION_EXPIRY_NOTICE_DAYS)
    return sum(services.accreditation_expiry_notify(actor=actor, accreditation=a) for a in due)


@shared_task(autoretry_for=(ConnectionError,), retry_backoff=True, max_retries=5)
def motions_advance() -> dict[str, list[str]]:
    """Open and close votes on time; runs every minute from beat."""
    actor = Actor.system("motions_advance", source=AuditSource.TASK)
    return services.motions_advance(actor=actor)


@shared_task(autoretry_for=(ConnectionError,), retry_backoff=True, max_retries=5)
def vote_reminders_send() -> int:
    """Remind delegations that have not voted; runs every five minutes from beat."""
    actor = Actor.system("vote_reminders_send", source=AuditSource.TASK)
    return services.vote_reminders_send(actor=actor)


@shared_task(autoretry_for=(ConnectionError,), retry_backoff=True, max_retries=5)
def interim_freezes_lapse() -> list[str]:
    """Let unconfirmed interim freezes lapse on time; runs every minute from beat."""
    actor = Actor.system("interim_freezes_lapse", source=AuditSource.TASK)
    return services.interim_freezes_lapse(actor=actor)


@shared_task(autoretry_for=(ConnectionError,), retry_backoff=True, max_retries=5)
def safety_reviews_remind() -> int:
    """Remind the Safety Board of decisions due for review; runs daily from beat."""
    actor = Actor.system("safety_reviews_remind", source=AuditSource.TASK)
    return services.safety_reviews_remind(actor=actor)


@shared_task(autoretry_for=(ConnectionError,), retry_backoff=True, max_retries=5)
def tree_head_daily() -> int:
    """Sign the decision log's tree head once a day, so that watchers see it is alive."""
    actor = Actor.system("tree_head_daily", source=AuditSource.TASK)
    return services.tree_head_sign(actor=actor, reason="daily").tree_size


@shared_task(autoretry_for=(ConnectionError, TimestampError), retry_backoff=True, max_retries=5)
def tree_head_timestamp(tree_head_id: int) -> bool:
    """Fetch an RFC 3161 timestamp of a tree head from the configured authority."""
    url = settings.DECISION_LOG_TSA_URL
    head = selectors.tree_head_get(tree_head_id)
    if not url or head is None or head.timestamp_token is not None:
        return False
    response = request_token(url, head.body.encode())
    actor = Actor.system("tree_head_timestamp", source=AuditSource.TASK)
    services.tree_head_timestamp(
        actor=actor, tree_head=head, token=response.as_bytes(), authority=url
    )
    return True
