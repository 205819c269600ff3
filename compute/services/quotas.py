"""Clusters, periods, the split into national quotas, and project allocations."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from fractions import Fraction
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from compute import permissions, rules
from compute.errors import NoPeriod, QuotaExceeded
from compute.models import (
    AllocationPeriod,
    AllocationRefusal,
    AllocationStatus,
    Cluster,
    ClusterGpuType,
    NationalQuota,
    ProjectAllocation,
)
from core.actors import Actor
from core.audit import audit_record, snapshot
from core.bounds import check_day
from core.errors import Conflict, ValidationFailed
from governance import selectors as governance_selectors

if TYPE_CHECKING:
    from governance.models import Motion, ResearchProject

MINUTES_PER_HOUR = 60


@transaction.atomic
def cluster_create(
    *, actor: Actor, name: str, description: str = "", gpu_types: dict[str, int]
) -> Cluster:
    """Register the facility's Slurm cluster with its GPU types and counts."""
    permissions.check_operate(actor)
    cluster = Cluster(name=name, description=description)
    cluster.full_clean()
    cluster.save()
    for gpu_type, count in sorted(gpu_types.items()):
        row = ClusterGpuType(cluster=cluster, gpu_type=gpu_type, count=count)
        row.full_clean()
        row.save()
    audit_record(
        actor=actor,
        action="compute.cluster_create",
        target=cluster,
        after={**snapshot(cluster), "gpu_types": gpu_types},
    )
    return cluster


@transaction.atomic
def period_create(
    *,
    actor: Actor,
    cluster: Cluster,
    name: str,
    starts_on: dt.date,
    ends_on: dt.date,
    capacity_minutes: int,
    programme_share: Decimal,
    reserve_share: Decimal,
    equal_share: Decimal,
    freeze_at_full: bool = False,
) -> AllocationPeriod:
    """Open an allocation period; its capacity is split into quotas by period_split."""
    permissions.check_operate(actor)
    check_day(starts_on, field="starts_on", years_ahead=5)
    check_day(ends_on, field="ends_on", years_ahead=6)
    Cluster.objects.select_for_update().get(pk=cluster.pk)  # serialises overlapping creates
    period = AllocationPeriod(
        cluster=cluster,
        name=name,
        starts_on=starts_on,
        ends_on=ends_on,
        capacity_minutes=capacity_minutes,
        programme_share=programme_share,
        reserve_share=reserve_share,
        equal_share=equal_share,
        freeze_at_full=freeze_at_full,
    )
    period.full_clean()
    period.save()
    audit_record(actor=actor, action="compute.period_create", target=period, after=snapshot(period))
    return period


def latest_shares(on: dt.date | None = None) -> dict[str, Fraction]:
    """Each state's latest contribution share (valid on `on` if given), as exact fractions."""
    qs = governance_selectors.contribution_share_list(on=on)
    shares: dict[str, Fraction] = {}
    for row in qs:
        shares.setdefault(row.member_state.code, Fraction(row.share))
    return {code: share for code, share in shares.items() if share > 0}


@transaction.atomic
def period_split(*, actor: Actor, period: AllocationPeriod) -> AllocationPeriod:
    """Split the period's capacity into the programme, the reserve and one quota per state.

    Contribution shares are the latest recorded per state (on the period's first day, or the
    latest at all if none was valid then), scaled so that they add up to exactly one.
    """
    permissions.check_operate(actor)
    locked = AllocationPeriod.objects.select_for_update().get(pk=period.pk)
    shares = latest_shares(locked.starts_on) or latest_shares()
    if not shares:
        raise ValidationFailed(_("No contribution shares are recorded: nothing to split by."))
    total = sum(shares.values(), Fraction(0))
    try:
        split = rules.split_capacity(
            rules.SplitInputs(
                capacity_minutes=int(locked.capacity_minutes),
                programme_share=Fraction(locked.programme_share),
                reserve_share=Fraction(locked.reserve_share),
                policy=rules.SplitPolicy(equal=Fraction(locked.equal_share)),
                states=tuple(rules.StateShare(c, s / total) for c, s in sorted(shares.items())),
            )
        )
    except rules.SplitError as exc:
        raise ValidationFailed(str(exc)) from exc
    allocated = _allocated_by_state(locked)
    for code, minutes in allocated.items():
        new = split.state(code).minutes if code in shares else 0
        if code != "" and minutes > new:
            raise Conflict(
                _("%(code)s already has %(used)s GPU-minutes allocated, more than its new quota.")
                % {"code": code, "used": f"{minutes:,}"}
            )
    if allocated.get("", 0) > split.programme_minutes:
        raise Conflict(_("The programme's allocations exceed its new share."))
    states = {
        s.code: s for s in governance_selectors.member_state_list().filter(code__in=list(shares))
    }
    locked.quotas.all().delete()
    rows = [
        NationalQuota(
            period=locked,
            member_state=states[line.code],
            share=Decimal(line.share.numerator) / Decimal(line.share.denominator),
            equal_minutes=line.equal_minutes,
            proportional_minutes=line.proportional_minutes,
            minutes=line.minutes,
        )
        for line in split.states
    ]
    for row in rows:
        row.share = row.share.quantize(Decimal(10) ** -18)
        row.full_clean(exclude=["period"])
    NationalQuota.objects.bulk_create(rows)
    locked.programme_minutes = split.programme_minutes
    locked.reserve_minutes = split.reserve_minutes
    locked.split_at = timezone.now()
    locked.save(update_fields=["programme_minutes", "reserve_minutes", "split_at"])
    audit_record(actor=actor, action="compute.period_split", target=locked, after=split.to_dict())
    return locked


def _allocated_by_state(period: AllocationPeriod) -> dict[str, int]:
    """Minutes allocated in the period per state code ("" for the programme)."""
    rows = (
        ProjectAllocation.objects.filter(period=period)
        .values("member_state__code")
        .annotate(total=Sum("minutes"))
    )
    return {r["member_state__code"] or "": int(r["total"]) for r in rows}


def period_for(project: ResearchProject) -> AllocationPeriod:
    """The allocation period the project names: the one its first day falls in.

    With several clusters, periods of more than one may cover that day: the allocation goes to
    COMPUTE_DEFAULT_CLUSTER, or, without one, is refused naming the clusters (an operator then
    allocates on the right one), never silently to the first cluster by name.
    """
    periods = list(
        AllocationPeriod.objects.select_related("cluster")
        .filter(starts_on__lte=project.period_start, ends_on__gt=project.period_start)
        .order_by("cluster__name")
    )
    if len(periods) > 1:
        default = [p for p in periods if p.cluster.name == settings.COMPUTE_DEFAULT_CLUSTER]
        if not default:
            raise NoPeriod(
                _(
                    "Periods of several clusters (%(clusters)s) cover %(day)s, the first day of "
                    "project %(code)s, and no default cluster is set: an operator allocates it "
                    "on one of them."
                )
                % {
                    "clusters": ", ".join(p.cluster.name for p in periods),
                    "day": project.period_start.isoformat(),
                    "code": project.code,
                }
            )
        periods = default
    period = periods[0] if periods else None
    if period is None:
        raise NoPeriod(
            _("No allocation period covers %(day)s, the first day of project %(code)s.")
            % {"day": project.period_start.isoformat(), "code": project.code}
        )
    return period


@transaction.atomic
def allocation_create(
    *,
    actor: Actor,
    project: ResearchProject,
    period: AllocationPeriod,
    minutes: int,
    motion: Motion | None = None,
    gpu_type: str = "",
) -> ProjectAllocation:
    """Grant a project GPU-minutes for a period, charged to its nation or the programme.

    ``gpu_type`` (e.g. "h100") names the GPUs its jobs run on, on a cluster with several.
    """
    permissions.check_operate(actor)
    # Lock order: period, then project; every allocation of the period waits its turn here.
    locked = AllocationPeriod.objects.select_for_update().get(pk=period.pk)
    project = governance_selectors.project_for_update(project_id=project.pk)
    if locked.split_at is None:
        raise Conflict(_("The period's capacity has not been split into quotas yet."))
    state = None if project.charged_to_programme else project.host_state
    if state is None:
        label, quota = _("the facility's programme"), int(locked.programme_minutes)
    else:
        label = state.code
        row = NationalQuota.objects.filter(period=locked, member_state=state).first()
        quota = int(row.minutes) if row else 0
    taken = ProjectAllocation.objects.filter(period=locked, member_state=state)
    try:
        check = rules.check_allocation(
            state=label,
            quota_minutes=quota,
            allocated_minutes=[int(m) for m in taken.values_list("minutes", flat=True)],
            requested_minutes=minutes,
        )
    except rules.QuotaError as exc:
        raise ValidationFailed(str(exc), field="minutes") from exc
    if not check.fits:
        raise QuotaExceeded(
            _("Refused: %(project)s asks for %(asked)s GPU-minutes in %(period)s, which %(why)s.")
            % {
                "project": project.code,
                "asked": f"{minutes:,}",
                "period": locked.name,
                "why": check.reason,
            }
        )
    typed = None
    if gpu_type:
        typed = ClusterGpuType.objects.filter(
            cluster_id=locked.cluster_id, gpu_type=gpu_type
        ).first()
        if typed is None:
            raise ValidationFailed(
                _("The cluster %(cluster)s has no GPUs of type %(type)s.")
                % {"cluster": locked.cluster.name, "type": gpu_type},
                field="gpu_type",
            )
    allocation = ProjectAllocation(
        project=project,
        period=locked,
        member_state=state,
        motion=motion,
        minutes=minutes,
        gpu_type=typed,
    )
    allocation.full_clean(validate_unique=False)
    try:
        with transaction.atomic():
            allocation.save()
    except IntegrityError as exc:
        raise Conflict(
            _("%(project)s already has an allocation in %(period)s.")
            % {"project": project.code, "period": locked.name}
        ) from exc
    audit_record(
        actor=actor,
        action="compute.allocation_create",
        target=allocation,
        after={**snapshot(allocation), "remaining_minutes": check.remaining_minutes},
    )
    return allocation


@transaction.atomic
def allocation_from_decision(
    *, actor: Actor, motion_id: int, project_id: int, gpu_hours: int
) -> ProjectAllocation | AllocationRefusal:
    """Create the allocation an adopted project-approval motion grants; idempotent per motion.

    A refusal (no period, quota overdrawn) is recorded with its reason instead of raised, so
    that a certified decision is never lost and the operators see why it was not granted.
    """
    motion = governance_selectors.motion_for_update(motion_id=motion_id)
    existing = ProjectAllocation.objects.filter(motion=motion).first()
    if existing is not None:
        return existing
    refused = AllocationRefusal.objects.filter(motion=motion).first()
    if refused is not None:
        return refused
    project = governance_selectors.project_list().get(pk=project_id)
    minutes = gpu_hours * MINUTES_PER_HOUR
    try:
        with transaction.atomic():
            return allocation_create(
                actor=actor,
                project=project,
                period=period_for(project),
                minutes=minutes,
                motion=motion,
            )
    except (QuotaExceeded, NoPeriod, Conflict, ValidationFailed) as exc:
        refusal = AllocationRefusal.objects.create(
            motion=motion, project=project, minutes=minutes, reason=exc.message
        )
        audit_record(
            actor=actor,
            action="compute.allocation_refuse",
            target=refusal,
            after={"motion": motion.reference, "minutes": minutes},
            reason=exc.message,
        )
        return refusal


@transaction.atomic
def allocation_end(
    *, actor: Actor, allocation: ProjectAllocation, reason: str
) -> ProjectAllocation:
    """End an allocation early; the next sync freezes its account and removes it once idle."""
    permissions.check_operate(actor)
    locked = ProjectAllocation.objects.select_for_update().get(pk=allocation.pk)
    if locked.status == AllocationStatus.ENDED:
        return locked
    locked.status = AllocationStatus.ENDED
    locked.ended_at = timezone.now()
    locked.full_clean()
    locked.save(update_fields=["status", "ended_at"])
    audit_record(
        actor=actor,
        action="compute.allocation_end",
        target=locked,
        before={"status": AllocationStatus.ACTIVE},
        after={"status": AllocationStatus.ENDED},
        reason=reason,
    )
    from compute.services.sync import sync_schedule

    sync_schedule(cluster_id=locked.period.cluster_id)
    return locked
