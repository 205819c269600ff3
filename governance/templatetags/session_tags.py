"""Links between decisions and the sessions they were taken in."""

from __future__ import annotations

from django import template
from django.db import models

from governance.models import AmendmentStatus, DelegateRole, MotionOutcome, Session
from governance.selectors.sessions import session_of_motion

register = template.Library()


@register.simple_tag
def session_of(motion_id: int) -> Session | None:
    """{% session_of motion.pk as session %}: the session the motion was decided in, if any."""
    return session_of_motion(motion_id)


def _label(choices: type[models.TextChoices], value: str) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return value


@register.filter
def amendment_status(value: str) -> str:
    """{{ a.status|amendment_status }}: the stored status in the reader's language."""
    return _label(AmendmentStatus, value)


@register.filter
def outcome_label(value: str) -> str:
    return _label(MotionOutcome, value)


@register.filter
def role_label(value: str) -> str:
    return _label(DelegateRole, value)
