"""Writing the audit trail: every service calls `audit_record` inside its own transaction."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Iterable
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


# How some rows may be read depends on another app's state: a roll-call ballot's choice is
# nobody's to read until its vote closes. That app registers a presenter for its action, which
# rewrites the rows' `before`/`after` in memory (never in the table: rows are append-only) for
# the reader. core imports no domain app, so the presenters come to it.
AuditPresenter = Callable[[list[AuditEvent]], None]
_presenters: dict[str, AuditPresenter] = {}


def register_presenter(action: str, presenter: AuditPresenter) -> None:
    """Show rows of `action` through `presenter` wherever the trail is read."""
    _presenters[action] = presenter


def audit_rows_for_reading(rows: Iterable[AuditEvent]) -> list[AuditEvent]:
    """The rows as a reader may see them now; every page, API and admin screen reads through this."""
    shown = list(rows)
    by_action: dict[str, list[AuditEvent]] = defaultdict(list)
    for row in shown:
        by_action[row.action].append(row)
    for action, group in by_action.items():
        presenter = _presenters.get(action)
        if presenter is not None:
            presenter(group)
    return shown


def changed(before: dict[str, Any], after: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Only the keys whose values differ, so an audit row shows the change and nothing else."""
    keys = [k for k in after if before.get(k) != after.get(k)]
    return {k: before.get(k) for k in keys}, {k: after[k] for k in keys}
