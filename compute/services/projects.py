"""Who may run jobs under a project, and freezing a project's compute."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from compute import permissions
from compute.models import ComputeFreeze, ProjectAllocation, ProjectMember
from compute.services.sync import sync_schedule
from core.actors import Actor
from core.audit import audit_record, snapshot
from core.errors import Conflict, ValidationFailed
from core.models import User
from core.permissions import require_fresh_mfa
from governance.models import ResearchProject


def _clusters_of(project: ResearchProject) -> list[int]:
    rows = ProjectAllocation.objects.filter(project=project)
    return sorted(set(rows.values_list("period__cluster_id", flat=True)))


@transaction.atomic
def project_member_add(*, actor: Actor, project: ResearchProject, user: User) -> ProjectMember:
    """The lead lets a user submit jobs under the project's account (from the next sync)."""
    permissions.check_manage_members(actor, project)
    ResearchProject.objects.select_for_update().get(pk=project.pk)
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
    ResearchProject.objects.select_for_update().get(pk=project.pk)
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


@transaction.atomic
def project_compute_freeze(
    *, actor: Actor, project: ResearchProject, reason: str, until: dt.datetime | None = None
) -> ComputeFreeze:
    """Stop a project submitting and starting jobs; the sync runs as soon as this commits.

    Running jobs are not killed. ``until`` lifts the freeze by itself at that time (the beat
    sync applies it); a second order while one is in force is refused.
    """
    permissions.check_freeze(actor)
    require_fresh_mfa(actor)
    ResearchProject.objects.select_for_update().get(pk=project.pk)
    _expire_freezes(project)
    if ComputeFreeze.objects.filter(project=project, lifted_at__isnull=True).exists():
        raise Conflict(_("%(code)s is already frozen.") % {"code": project.code})
    if until is not None and until <= timezone.now():
        raise ValidationFailed(_("A freeze must last into the future."), field="until")
    freeze = ComputeFreeze(project=project, reason=reason, ordered_by=actor.label, until=until)
    freeze.full_clean()
    freeze.save()
    audit_record(
        actor=actor, action="compute.freeze", target=project, after=snapshot(freeze), reason=reason
    )
    for cluster_id in _clusters_of(project):
        sync_schedule(cluster_id=cluster_id)
    return freeze


@transaction.atomic
def project_compute_unfreeze(
    *, actor: Actor, project: ResearchProject, reason: str
) -> ComputeFreeze:
    """Lift the freeze in force; the sync runs as soon as this commits."""
    permissions.check_freeze(actor)
    require_fresh_mfa(actor)
    ResearchProject.objects.select_for_update().get(pk=project.pk)
    freeze = (
        ComputeFreeze.objects.select_for_update()
        .filter(project=project, lifted_at__isnull=True)
        .first()
    )
    if freeze is None:
        raise Conflict(_("%(code)s is not frozen.") % {"code": project.code})
    freeze.lifted_at = timezone.now()
    freeze.lifted_by = actor.label
    freeze.save(update_fields=["lifted_at", "lifted_by"])
    audit_record(
        actor=actor,
        action="compute.unfreeze",
        target=project,
        before={"frozen": True},
        after={"frozen": False},
        reason=reason,
    )
    for cluster_id in _clusters_of(project):
        sync_schedule(cluster_id=cluster_id)
    return freeze


def _expire_freezes(project: ResearchProject) -> None:
    """Close a freeze whose `until` has passed, so a new one may be ordered."""
    now = timezone.now()
    for freeze in ComputeFreeze.objects.filter(
        project=project, lifted_at__isnull=True, until__lte=now
    ):
        freeze.lifted_at = freeze.until
        freeze.lifted_by = "system:expired"
        freeze.save(update_fields=["lifted_at", "lifted_by"])
