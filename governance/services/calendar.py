"""A person's calendar feed secret and their choice of session e-mails."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from core.actors import Actor
from core.audit import audit_record
from core.errors import NotAllowed
from governance.models import CalendarSubscription
from governance.models.sessions import new_feed_token


def _own(actor: Actor) -> CalendarSubscription:
    if actor.user is None:
        raise NotAllowed("A calendar belongs to a person.")
    found, _created = CalendarSubscription.objects.select_for_update().get_or_create(
        user=actor.user
    )
    return found


@transaction.atomic
def calendar_feed_rotate(*, actor: Actor) -> CalendarSubscription:
    """Give the person a new secret feed address; the old one stops working at once."""
    subscription = _own(actor)
    subscription.token = new_feed_token()
    subscription.rotated_at = timezone.now()
    subscription.save(update_fields=["token", "rotated_at"])
    # The token itself is a secret: the trail records that it changed, not its value.
    audit_record(actor=actor, action="calendar.rotate", target=subscription)
    return subscription


@transaction.atomic
def session_emails_set(*, actor: Actor, wanted: bool) -> CalendarSubscription:
    """Turn the session e-mails (convocations, minutes) on or off for oneself."""
    subscription = _own(actor)
    before = subscription.session_emails
    subscription.session_emails = wanted
    subscription.save(update_fields=["session_emails"])
    audit_record(
        actor=actor,
        action="calendar.session_emails",
        target=subscription,
        before={"session_emails": before},
        after={"session_emails": wanted},
    )
    return subscription


@transaction.atomic
def session_emails_unsubscribe(*, token: str) -> CalendarSubscription | None:
    """The unsubscribe link, followed without signing in: the token is the proof."""
    subscription = (
        CalendarSubscription.objects.select_for_update()
        .select_related("user")
        .filter(unsubscribe_token=token)
        .first()
    )
    if subscription is None:
        return None
    before = subscription.session_emails
    subscription.session_emails = False
    subscription.save(update_fields=["session_emails"])
    actor = Actor.system("unsubscribe-link")
    audit_record(
        actor=actor,
        action="calendar.unsubscribe",
        target=subscription,
        before={"session_emails": before},
        after={"session_emails": False, "user": subscription.user.username},
    )
    return subscription
