"""The steps every stage of a motion's lifecycle shares: lock it, check its status, move it on."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _

from core.actors import Actor
from core.audit import audit_record
from core.errors import Conflict
from governance import permissions
from governance.models import Motion, MotionStatus


def lock(motion: Motion) -> Motion:
    """The motion, locked for this transaction, with its council and project."""
    return (
        Motion.objects.select_for_update(of=("self",))
        .select_related("council", "project")
        .get(pk=motion.pk)
    )


def require_status(motion: Motion, *allowed: str) -> None:
    """Refuse with a conflict unless the motion is in one of the allowed statuses."""
    if motion.status not in allowed:
        raise Conflict(
            _("Motion %(ref)s is %(status)s; this needs it to be %(allowed)s.")
            % {
                "ref": motion.reference,
                "status": motion.get_status_display(),
                "allowed": _(" or ").join(str(MotionStatus(a).label) for a in allowed),
            }
        )


def step(
    *, actor: Actor, motion: Motion, before: str, after: str, stamp: str, action: str
) -> Motion:
    """One plain move of the lifecycle: check, move, stamp the time, audit."""
    locked = lock(motion)
    permissions.check_run_votes(actor, locked.council)
    require_status(locked, before)
    locked.status = after
    setattr(locked, stamp, timezone.now())
    locked.save(update_fields=["status", stamp])
    audit_record(
        actor=actor,
        action=action,
        target=locked,
        before={"status": before},
        after={"status": after},
    )
    return locked
