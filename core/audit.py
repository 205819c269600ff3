"""Writing the audit trail: every service calls `audit_record` inside its own transaction."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction

from core.actors import Actor
from core.models import AuditEvent


def snapshot(instance: models.Model | None, fields: Iterable[str] | None = None) -> dict[str, Any]:
    """The instance's concrete field values as plain JSON data (foreign keys as ids)."""
    if instance is None:
        return {}
    wanted = set(fields) if fields is not None else None
    data: dict[str, Any] = {}
    for field in instance._meta.concrete_fields:
        if wanted is not None and field.name not in wanted:
            continue
        data[field.attname] = field.value_from_object(instance)
    return json.loads(json.dumps(data, cls=DjangoJSONEncoder))


def audit_record(
    *,
    actor: Actor,
    action: str,
    target: models.Model | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    reason: str = "",
) -> AuditEvent:
    """Append one row to the audit trail; must run inside the caller's transaction."""
    if not transaction.get_connection().in_atomic_block:
        # An audit row outside the write's transaction could survive a rolled-back write.
        raise RuntimeError("audit_record must be called inside the service's transaction.")
    target_type = target_id = target_label = ""
    if target is not None:
        target_type = target._meta.label_lower
        target_id = str(target.pk)
        target_label = str(target)[:300]
    return AuditEvent.objects.create(
        actor=actor.user,
        actor_label=actor.label[:200],
        source=actor.source,
        action=action,
        target_type=target_type,
        target_id=target_id,
        target_label=target_label,
        before=before or None,
        after=after or None,
        reason=reason,
    )


def changed(before: dict[str, Any], after: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Only the keys whose values differ, so an audit row shows the change and nothing else."""
    keys = [k for k in after if before.get(k) != after.get(k)]
    return {k: before.get(k) for k in keys}, {k: after[k] for k in keys}
