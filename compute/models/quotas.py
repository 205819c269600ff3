"""Clusters, allocation periods, national quotas, project allocations, members and freezes."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.bounds import date_stored
from core.validators import validate_name

# Slurm account and cluster names: lower case, digits, dash and underscore.
SLURM_NAME = r"^[a-z0-9][a-z0-9_-]*$"


class Cluster(models.Model):
    """The facility's Slurm cluster, by the name Slurm knows it under."""

    name = models.CharField(_("Slurm cluster name"), max_length=40, unique=True)
    description = models.CharField(_("description"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("cluster")
        verbose_name_plural = _("clusters")
        ordering = ("name",)
        constraints = [
            models.CheckConstraint(condition=Q(name__regex=SLURM_NAME), name="cluster_name_slurm"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def gpu_total(self) -> int:
        return sum(g.count for g in self.gpu_types.all())


class ClusterGpuType(models.Model):
    """How many GPUs of one type (Slurm's gres type, e.g. h100) the cluster has."""

    cluster = models.ForeignKey(Cluster, on_delete=models.CASCADE, related_name="gpu_types")
    gpu_type = models.CharField(_("GPU type"), max_length=40)
    count = models.PositiveIntegerField(_("count"))

    class Meta:
        verbose_name = _("GPU type")
        verbose_name_plural = _("GPU types")
        ordering = ("cluster", "gpu_type")
        constraints = [
            models.UniqueConstraint(fields=["cluster", "gpu_type"], name="gpu_type_unique"),
            models.CheckConstraint(condition=Q(count__gt=0), name="gpu_type_count_positive"),
            models.CheckConstraint(condition=Q(gpu_type__regex=SLURM_NAME), name="gpu_type_slurm"),
        ]

    def __str__(self) -> str:
        return f"{self.cluster.name}: {self.count} × {self.gpu_type}"


class AllocationPeriod(models.Model):
    """A stretch of time (e.g. a quarter) whose GPU capacity is split between the states."""

    cluster = models.ForeignKey(Cluster, on_delete=models.PROTECT, related_name="periods")
    name = models.CharField(
        _("name"), max_length=40, help_text=_("e.g. 2026-Q1"), validators=[validate_name]
    )
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"), help_text=_("First day after the period."))
    capacity_minutes = models.PositiveBigIntegerField(_("capacity (GPU-minutes)"))
    programme_share = models.DecimalField(
        _("facility programme share"), max_digits=7, decimal_places=6
    )
    reserve_share = models.DecimalField(
        _("director's reserve share"), max_digits=7, decimal_places=6
    )
    equal_share = models.DecimalField(
        _("equal part of the national pool"),
        max_digits=7,
        decimal_places=6,
        help_text=_("ECMWF: 0.35 (the rest by contribution); EuroHPC: 0."),
    )
    freeze_at_full = models.BooleanField(
        _("freeze a project when its allocation is used up"), default=False
    )
    # Filled by the split (period_split): the parts set aside before the national quotas.
    programme_minutes = models.PositiveBigIntegerField(default=0, editable=False)
    reserve_minutes = models.PositiveBigIntegerField(default=0, editable=False)
    split_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("allocation period")
        verbose_name_plural = _("allocation periods")
        ordering = ("cluster", "starts_on")
        constraints = [
            models.UniqueConstraint(fields=["cluster", "name"], name="period_unique_name"),
            models.CheckConstraint(condition=Q(ends_on__gt=F("starts_on")), name="period_ordered"),
            models.CheckConstraint(
                condition=date_stored("starts_on") & date_stored("ends_on"),
                name="period_dates_in_range",
            ),
            models.CheckConstraint(condition=Q(capacity_minutes__gt=0), name="period_capacity_pos"),
            models.CheckConstraint(
                condition=Q(programme_share__gte=0)
                & Q(reserve_share__gte=0)
                & Q(equal_share__gte=0)
                & Q(equal_share__lte=1)
                & Q(programme_share__lte=1 - F("reserve_share")),
                name="period_shares_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.cluster.name} {self.name}"

    def clean(self) -> None:
        if self.starts_on and self.ends_on and self.ends_on <= self.starts_on:
            raise ValidationError({"ends_on": _("The period must end after it starts.")})
        shares = (self.programme_share, self.reserve_share, self.equal_share)
        if any(s is not None and (s < 0 or s > 1) for s in shares):
            raise ValidationError(_("Every share lies between 0 and 1."))
        if (
            self.programme_share is not None
            and self.reserve_share is not None
            and self.programme_share + self.reserve_share > 1
        ):
            raise ValidationError(
                {"reserve_share": _("The programme and the reserve together exceed the capacity.")}
            )
        if self.cluster_id and self.starts_on and self.ends_on:
            clash = AllocationPeriod.objects.filter(
                cluster_id=self.cluster_id, starts_on__lt=self.ends_on, ends_on__gt=self.starts_on
            ).exclude(pk=self.pk)
            if clash.exists():
                raise ValidationError(
                    {"starts_on": _("Another period of this cluster overlaps these dates.")}
                )


class NationalQuota(models.Model):
    """A member state's share of a period's capacity, from the split."""

    period = models.ForeignKey(AllocationPeriod, on_delete=models.CASCADE, related_name="quotas")
    member_state = models.ForeignKey(
        "governance.MemberState", on_delete=models.PROTECT, related_name="+"
    )
    share = models.DecimalField(_("contribution share used"), max_digits=21, decimal_places=18)
    equal_minutes = models.PositiveBigIntegerField(_("equal part"))
    proportional_minutes = models.PositiveBigIntegerField(_("proportional part"))
    minutes = models.PositiveBigIntegerField(_("quota (GPU-minutes)"))

    class Meta:
        verbose_name = _("national quota")
        verbose_name_plural = _("national quotas")
        ordering = ("period", "member_state__code")
        constraints = [
            models.UniqueConstraint(fields=["period", "member_state"], name="quota_unique"),
            models.CheckConstraint(
                condition=Q(minutes=F("equal_minutes") + F("proportional_minutes")),
                name="quota_parts_add_up",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.period}: {self.member_state_id} {self.minutes}"

    def clean(self) -> None:
        if (
            self.minutes is not None
            and self.equal_minutes is not None
            and self.proportional_minutes is not None
            and self.minutes != self.equal_minutes + self.proportional_minutes
        ):
            raise ValidationError({"minutes": _("The quota must be its two parts added up.")})


class AllocationStatus(models.TextChoices):
    ACTIVE = "active", _("active")
    ENDED = "ended", _("ended")


class ProjectAllocation(models.Model):
    """GPU-minutes granted to a project for a period, charged to a nation or the programme."""

    project = models.ForeignKey(
        "governance.ResearchProject", on_delete=models.PROTECT, related_name="allocations"
    )
    period = models.ForeignKey(
        AllocationPeriod, on_delete=models.PROTECT, related_name="allocations"
    )
    # Empty when charged to the facility's own programme.
    member_state = models.ForeignKey(
        "governance.MemberState", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    motion = models.OneToOneField(
        "governance.Motion",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="allocation",
    )
    minutes = models.PositiveBigIntegerField(_("GPU-minutes"))
    # On a cluster with several GPU types: the type the project's jobs run on (its concurrency
    # cap is then set on gres/gpu:TYPE too). Empty: any type.
    gpu_type = models.ForeignKey(
        ClusterGpuType,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="allocations",
        verbose_name=_("GPU type"),
    )
    status = models.CharField(
        _("status"), max_length=8, choices=AllocationStatus.choices, default=AllocationStatus.ACTIVE
    )
    created_at = models.DateTimeField(default=timezone.now)
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("project allocation")
        verbose_name_plural = _("project allocations")
        ordering = ("period", "project__code")
        constraints = [
            models.UniqueConstraint(
                fields=["project", "period"], name="allocation_once_per_period"
            ),
            models.CheckConstraint(condition=Q(minutes__gt=0), name="allocation_minutes_positive"),
            models.CheckConstraint(
                condition=Q(status__in=AllocationStatus.values), name="allocation_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(status=AllocationStatus.ACTIVE, ended_at__isnull=True)
                | Q(status=AllocationStatus.ENDED, ended_at__isnull=False),
                name="allocation_ended_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.project.code} {self.period.name}: {self.minutes}"

    @property
    def charged_to(self) -> str:
        return self.member_state.code if self.member_state else "programme"

    def clean(self) -> None:
        if self.minutes is not None and self.minutes <= 0:
            raise ValidationError({"minutes": _("An allocation holds at least one GPU-minute.")})
        if (self.status == AllocationStatus.ENDED) != (self.ended_at is not None):
            raise ValidationError({"status": _("An ended allocation records when it ended.")})
        typed = self.gpu_type if self.gpu_type_id else None
        if typed is not None and self.period_id and typed.cluster_id != self.period.cluster_id:
            raise ValidationError({"gpu_type": _("The GPU type is not one of this cluster's.")})


class AllocationRefusal(models.Model):
    """An adopted project whose allocation could not be made, and why (one per motion)."""

    motion = models.OneToOneField("governance.Motion", on_delete=models.PROTECT, related_name="+")
    project = models.ForeignKey(
        "governance.ResearchProject", on_delete=models.PROTECT, related_name="+"
    )
    minutes = models.PositiveBigIntegerField()
    reason = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("refused allocation")
        verbose_name_plural = _("refused allocations")
        ordering = ("-created_at",)
        constraints = [models.CheckConstraint(condition=~Q(reason=""), name="refusal_has_reason")]

    def __str__(self) -> str:
        return f"{self.project_id}: {self.reason}"


class ProjectMember(models.Model):
    """A user who may submit jobs under the project's Slurm account (the lead always may)."""

    project = models.ForeignKey(
        "governance.ResearchProject", on_delete=models.PROTECT, related_name="compute_members"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="compute_memberships"
    )
    added_at = models.DateTimeField(default=timezone.now)
    added_by = models.CharField(max_length=200)

    class Meta:
        verbose_name = _("project member")
        verbose_name_plural = _("project members")
        ordering = ("project", "user__username")
        constraints = [
            models.UniqueConstraint(fields=["project", "user"], name="project_member_once"),
        ]

    def __str__(self) -> str:
        return f"{self.project_id}: {self.user_id}"


class FreezeAuthority(models.TextChoices):
    """Under whose authority a freeze was ordered, which decides who may lift it."""

    OPERATIONAL = "operational", _("compute operations")
    SAFETY_INTERIM = "safety_interim", _("interim order of the Safety Board chair")
    SAFETY_DECISION = "safety_decision", _("certified decision of the Safety Board")


# A safety freeze is lifted only by the Board's certified decision or the recorded lapse of the
# chair's interim order; an operator lifts only an operational one.
SAFETY_AUTHORITIES = (FreezeAuthority.SAFETY_INTERIM, FreezeAuthority.SAFETY_DECISION)


class ComputeFreeze(models.Model):
    """An order that a project may not submit or start jobs, until lifted or `until` passes.

    Operational and safety freezes are separate: a project holds at most one open freeze of
    each kind, and it runs again only when both are gone.
    """

    project = models.ForeignKey(
        "governance.ResearchProject", on_delete=models.PROTECT, related_name="compute_freezes"
    )
    authority = models.CharField(
        _("authority"),
        max_length=16,
        choices=FreezeAuthority.choices,
        default=FreezeAuthority.OPERATIONAL,
    )
    reason = models.TextField(_("reason"))
    ordered_by = models.CharField(_("ordered by"), max_length=200)
    reference = models.CharField(
        _("escalation or motion"),
        max_length=40,
        blank=True,
        help_text=_("The escalation or the Safety Board motion that ordered a safety freeze."),
    )
    ordered_at = models.DateTimeField(_("ordered at"), default=timezone.now)
    until = models.DateTimeField(_("until"), null=True, blank=True)
    lifted_at = models.DateTimeField(_("lifted at"), null=True, blank=True)
    lifted_by = models.CharField(_("lifted by"), max_length=200, blank=True)
    lifted_reason = models.TextField(_("why it was lifted"), blank=True)

    class Meta:
        verbose_name = _("compute freeze")
        verbose_name_plural = _("compute freezes")
        ordering = ("-ordered_at",)
        constraints = [
            models.CheckConstraint(
                condition=Q(authority__in=FreezeAuthority.values), name="freeze_authority_valid"
            ),
            models.UniqueConstraint(
                fields=["project"],
                condition=Q(lifted_at__isnull=True, authority=FreezeAuthority.OPERATIONAL),
                name="freeze_one_open_operational",
            ),
            models.UniqueConstraint(
                fields=["project"],
                condition=Q(lifted_at__isnull=True, authority__in=SAFETY_AUTHORITIES),
                name="freeze_one_open_safety",
            ),
            models.CheckConstraint(condition=~Q(reason=""), name="freeze_has_reason"),
            models.CheckConstraint(
                condition=Q(until__isnull=True) | Q(until__gt=F("ordered_at")),
                name="freeze_until_after_order",
            ),
            # A safety freeze names its order and never runs out by itself: only the Board's
            # decision or the recorded lapse of the interim order ends it.
            models.CheckConstraint(
                condition=Q(authority=FreezeAuthority.OPERATIONAL)
                | (~Q(reference="") & Q(until__isnull=True)),
                name="freeze_safety_has_reference_no_until",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.project_id} frozen {self.ordered_at:%Y-%m-%d} ({self.authority})"

    @property
    def is_safety(self) -> bool:
        return self.authority in SAFETY_AUTHORITIES

    def clean(self) -> None:
        if not (self.reason or "").strip():
            raise ValidationError({"reason": _("A freeze states its reason.")})
        if self.until and self.ordered_at and self.until <= self.ordered_at:
            raise ValidationError({"until": _("A freeze ends after it is ordered.")})
        if self.is_safety and not (self.reference or "").strip():
            raise ValidationError(
                {"reference": _("A safety freeze names the escalation or motion that ordered it.")}
            )
        if self.is_safety and self.until is not None:
            raise ValidationError(
                {"until": _("A safety freeze lasts until the Safety Board lifts it or it lapses.")}
            )
