"""Who may run jobs under a project, and freezing a project's compute."""

from __future__ import annotations

import datetime as dt
import logging
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from compute import permissions
from compute.backends import get_backend
from compute.errors import SafetyFreezeInForce
from compute.models import (
    SAFETY_AUTHORITIES,
    Cluster,
    ComputeFreeze,
    FreezeAuthority,
    ProjectAllocation,
    ProjectMember,
)
from compute.reconcile import Modify
from compute.services.sync import sync_schedule
from core.actors import Actor
from core.audit import audit_record, snapshot
from core.errors import Conflict, ValidationFailed
from core.models import User
from core.permissions import require_fresh_mfa
from governance import selectors as governance_selectors

if TYPE_CHECKING:
    from governance.models import ResearchProject

log = logging.getLogger(__name__)


def _clusters_of(project: ResearchProject) -> list[int]:
    rows = ProjectAllocation.objects.filter(project=project)
    return sorted(set(rows.values_list("period__cluster_id", flat=True)))


@transaction.atomic
def project_member_add(*, actor: Actor, project: ResearchProject, user: User) -> ProjectMember:
    """The lead lets a user submit jobs under the project's account (from the next sync)."""
    permissions.check_manage_members(actor, project)
    governance_selectors.project_for_update(project_id=project.pk)
    if ProjectMember.objects.filter(project=project, user=user).exists():
        raise Conflict(_("%(user)s is already a member.") % {"user": user.username})
    member = ProjectMember(project=project, user=user, added_by=actor.label)
    member.full_clean()
    member.save()
    audit_record(actor=actor, action="compute.member_add", target=member, after=snapshot(member))
    for cluster_id in _clusters_of(project):
        sync_schedule(cluster_id=cluster_id)
    return member


@transaction.atomic
def project_member_remove(*, actor: Actor, project: ResearchProject, user: User) -> None:
    """Take a user off the project's account; jobs they already run are not killed."""
    permissions.check_manage_members(actor, project)
    governance_selectors.project_for_update(project_id=project.pk)
    member = ProjectMember.objects.filter(project=project, user=user).first()
    if member is None:
        raise Conflict(_("%(user)s is not a member.") % {"user": user.username})
    before = snapshot(member)
    member.delete()
    audit_record(
        actor=actor, action="compute.member_remove", target=project, before=before, after={}
    )
    for cluster_id in _clusters_of(project):
        sync_schedule(cluster_id=cluster_id)


def _open_freeze(project: ResearchProject, *, safety: bool) -> ComputeFreeze | None:
    kinds = SAFETY_AUTHORITIES if safety else (FreezeAuthority.OPERATIONAL,)
    return (
        ComputeFreeze.objects.select_for_update()
        .filter(project=project, lifted_at__isnull=True, authority__in=kinds)
        .first()
    )


def _lift(
    freeze: ComputeFreeze, *, actor: Actor, reason: str, at: dt.datetime | None = None
) -> None:
    freeze.lifted_at = at or timezone.now()
    freeze.lifted_by = actor.label[:200]
    freeze.lifted_reason = reason
    freeze.save(update_fields=["lifted_at", "lifted_by", "lifted_reason"])


def _sync_soon(project: ResearchProject, *, freeze: Actor | None = None) -> None:
    """Ask for a sync of the project's clusters once this commits; a freeze (its actor given)
    is first written to Slurm directly, so it does not wait behind a running sync."""
    if freeze is not None:
        actor = freeze
        transaction.on_commit(lambda: freeze_push(actor=actor, project=project))
    for cluster_id in _clusters_of(project):
        sync_schedule(cluster_id=cluster_id)


@transaction.atomic
def project_compute_freeze(
    *, actor: Actor, project: ResearchProject, reason: str, until: dt.datetime | None = None
) -> ComputeFreeze:
    """An operational freeze: stop a project submitting and starting jobs; syncs on commit.

    Running jobs are not killed. ``until`` lifts the freeze by itself at that time (the beat
    sync applies it); a second operational order while one is in force is refused. A safety
    freeze in force does not stop it: the two are separate, and both must go before jobs run.
    """
    permissions.check_freeze(actor)
    require_fresh_mfa(actor)
    governance_selectors.project_for_update(project_id=project.pk)
    _expire_freezes(project)
    if _open_freeze(project, safety=False) is not None:
        raise Conflict(_("%(code)s is already frozen.") % {"code": project.code})
    if until is not None and until <= timezone.now():
        raise ValidationFailed(_("A freeze must last into the future."), field="until")
    freeze = ComputeFreeze(
        project=project,
        authority=FreezeAuthority.OPERATIONAL,
        reason=reason,
        ordered_by=actor.label[:200],
        until=until,
    )
    freeze.full_clean()
    freeze.save()
    audit_record(
        actor=actor, action="compute.freeze", target=project, after=snapshot(freeze), reason=reason
    )
    _sync_soon(project, freeze=actor)
    return freeze


@transaction.atomic
def project_compute_unfreeze(
    *, actor: Actor, project: ResearchProject, reason: str
) -> ComputeFreeze:
    """Lift the operational freeze in force; the sync runs as soon as this commits.

    A Safety Board freeze is not the operator's to lift: with only a safety freeze in force
    this is refused, and with both in force only the operational one goes (the caller sees
    the project is still frozen through ``safety_freeze_in_force``).
    """
    permissions.check_freeze(actor)
    require_fresh_mfa(actor)
    governance_selectors.project_for_update(project_id=project.pk)
    _expire_freezes(project)
    freeze = _open_freeze(project, safety=False)
    if freeze is None:
        safety = _open_freeze(project, safety=True)
        if safety is not None:
            raise SafetyFreezeInForce(safety_freeze_message(safety))
        raise Conflict(_("%(code)s is not frozen.") % {"code": project.code})
    _lift(freeze, actor=actor, reason=reason)
    audit_record(
        actor=actor,
        action="compute.unfreeze",
        target=project,
        before={"frozen": True, "authority": freeze.authority},
        after={"frozen": False, "authority": freeze.authority},
        reason=reason,
    )
    _sync_soon(project)
    return freeze


def safety_freeze_message(freeze: ComputeFreeze) -> str:
    """What an operator is told when a Safety Board freeze holds the project."""
    return _(
        "%(code)s is frozen by the %(authority)s (%(reference)s). Only the Board's certified "
        "decision, or the recorded lapse of the chair's interim order, lifts it."
    ) % {
        "code": freeze.project.code,
        "authority": freeze.get_authority_display(),
        "reference": freeze.reference,
    }


@transaction.atomic
def project_safety_freeze(
    *,
    actor: Actor,
    project: ResearchProject,
    authority: FreezeAuthority,
    reference: str,
    ordered_by: str,
    reason: str,
) -> ComputeFreeze:
    """Carry out the Safety Board's freeze (the chair's interim order or a certified decision).

    An operational freeze in force changes nothing: the safety freeze is recorded beside it.
    A decision replaces an interim order in force (the record shows what confirmed it); a
    second order of the same standing keeps the one in force.
    """
    permissions.check_safety_order(actor)
    if authority not in SAFETY_AUTHORITIES:
        raise ValidationFailed(_("Not a safety freeze."), field="authority")
    governance_selectors.project_for_update(project_id=project.pk)
    current = _open_freeze(project, safety=True)
    if current is not None:
        if not (
            current.authority == FreezeAuthority.SAFETY_INTERIM
            and authority == FreezeAuthority.SAFETY_DECISION
        ):
            return current
        _lift(current, actor=actor, reason=_("confirmed by %(ref)s") % {"ref": reference})
    freeze = ComputeFreeze(
        project=project,
        authority=authority,
        reason=reason,
        ordered_by=ordered_by[:200] or actor.label[:200],
        reference=reference[:40],
    )
    freeze.full_clean()
    freeze.save()
    audit_record(
        actor=actor,
        action="compute.safety_freeze",
        target=project,
        after=snapshot(freeze),
        reason=reason,
    )
    _sync_soon(project, freeze=actor)
    return freeze


@transaction.atomic
def project_safety_unfreeze(
    *, actor: Actor, project: ResearchProject, reference: str, reason: str
) -> ComputeFreeze | None:
    """Lift the Safety Board's freeze after its decision or the lapse of the interim order.

    An operational freeze in force stays: the project runs again only when both are gone.
    """
    permissions.check_safety_order(actor)
    governance_selectors.project_for_update(project_id=project.pk)
    freeze = _open_freeze(project, safety=True)
    if freeze is None:
        return None
    _lift(freeze, actor=actor, reason=reason)
    audit_record(
        actor=actor,
        action="compute.safety_unfreeze",
        target=project,
        before={"frozen": True, "authority": freeze.authority, "reference": freeze.reference},
        after={"frozen": False, "lifted_by": reference},
        reason=reason,
    )
    _sync_soon(project)
    return freeze


def freeze_push(*, actor: Actor, project: ResearchProject) -> list[dict[str, Any]]:
    """Write a freeze to Slurm at once: one ``modify account ... GrpSubmitJobs=0 GrpJobs=0`` per
    cluster of the project, outside the sync's lock.

    A full sync of 10,000 accounts takes minutes and holds the cluster's lock, and the sync a
    freeze asks for would wait behind it (or be skipped as busy) while the project keeps
    submitting. Freezing is idempotent and only ever tightens, so it needs no lock; the sync that
    follows checks it like any other value. It never raises: a Slurm that cannot be reached is
    recorded and the sync retries.
    """
    results = []
    for cluster in Cluster.objects.filter(pk__in=_clusters_of(project)).order_by("name"):
        try:
            outcome = get_backend(cluster=cluster.name).run(
                cluster.name, Modify((project.code.lower(),), frozen=True)
            )
            row = {"cluster": cluster.name, "ok": outcome.ok, "ms": outcome.duration_ms}
            if not outcome.ok:
                row["error"] = (outcome.stderr or outcome.stdout)[-500:]
        except Exception as exc:  # a broken Slurm must not undo the committed freeze
            log.exception("freeze of %s could not be written to %s", project.code, cluster.name)
            row = {"cluster": cluster.name, "ok": False, "error": str(exc)[:500]}
        with transaction.atomic():
            audit_record(actor=actor, action="compute.freeze_pushed", target=project, after=row)
        results.append(row)
    return results


def _expire_freezes(project: ResearchProject) -> None:
    """Close an operational freeze whose `until` has passed, so a new one may be ordered."""
    now = timezone.now()
    for freeze in ComputeFreeze.objects.filter(
        project=project,
        lifted_at__isnull=True,
        authority=FreezeAuthority.OPERATIONAL,
        until__lte=now,
    ):
        freeze.lifted_at = freeze.until
        freeze.lifted_by = "system:expired"
        freeze.save(update_fields=["lifted_at", "lifted_by"])
