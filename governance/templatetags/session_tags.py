"""Links between decisions and the sessions they were taken in."""

from __future__ import annotations

from django import template

from governance.models import Session
from governance.selectors.sessions import session_of_motion

register = template.Library()


@register.simple_tag
def session_of(motion_id: int) -> Session | None:
    """{% session_of motion.pk as session %}: the session the motion was decided in, if any."""
    return session_of_motion(motion_id)
