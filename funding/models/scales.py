"""Contribution scales: computed from frozen inputs, adopted for a period by a council's decision."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ScaleStatus(models.TextChoices):
    DRAFT = "draft", _("draft")
    PROPOSED = "proposed", _("proposed to the council")
    ADOPTED = "adopted", _("adopted")
    REJECTED = "rejected", _("rejected")


class ContributionScale(models.Model):
    """The shares of the members for each year of a period, with everything they came from.

    ``inputs`` holds the frozen inputs of each year (statistics, rates, parameters) and
    ``results`` what :func:`funding.rules.compute_scale` made of them; once adopted the row is
    never changed again (PostgreSQL refuses it too, see migration 0002).
    """

    reference = models.CharField(_("reference"), max_length=40, unique=True)
    first_year = models.PositiveSmallIntegerField(_("first year"))
    last_year = models.PositiveSmallIntegerField(_("last year"))
    budget_currency = models.CharField(_("budget currency"), max_length=3)
    parameters = models.JSONField(_("parameters"))
    inputs = models.JSONField(_("frozen inputs"))
    inputs_sha256 = models.CharField(_("SHA-256 of the inputs"), max_length=64)
    results = models.JSONField(_("results"))
    status = models.CharField(
        _("status"), max_length=12, choices=ScaleStatus.choices, default=ScaleStatus.DRAFT
    )
    motion = models.OneToOneField(
        "governance.Motion",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="funding_scale",
        help_text=_("The budget motion of the finance committee that adopts the scale."),
    )
    created_by_label = models.CharField(max_length=200)
    created_at = models.DateTimeField(default=timezone.now)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("contribution scale")
        verbose_name_plural = _("contribution scales")
        ordering = ("-first_year", "-id")
        constraints = [
            models.CheckConstraint(
                condition=Q(last_year__gte=models.F("first_year")),
                name="funding_scale_period_ordered",
            ),
            models.CheckConstraint(
                condition=Q(status__in=ScaleStatus.values), name="funding_scale_status_valid"
            ),
            models.CheckConstraint(
                condition=~Q(status__in=[ScaleStatus.PROPOSED, ScaleStatus.ADOPTED])
                | Q(motion__isnull=False),
                name="funding_scale_decided_by_a_motion",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=[ScaleStatus.ADOPTED, ScaleStatus.REJECTED])
                | Q(decided_at__isnull=False),
                name="funding_scale_decision_dated",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference} ({self.first_year}–{self.last_year})"

    def clean(self) -> None:
        if self.first_year and self.last_year and self.last_year < self.first_year:
            raise ValidationError({"last_year": _("The period must end after it starts.")})
        if self.status in (ScaleStatus.PROPOSED, ScaleStatus.ADOPTED) and self.motion_id is None:
            raise ValidationError({"motion": _("A proposed scale names its budget motion.")})

    @property
    def years(self) -> range:
        return range(self.first_year, self.last_year + 1)


class ScaleShare(models.Model):
    """A member's applied share for one year of a scale (exact as "n/d", and as a decimal)."""

    scale = models.ForeignKey(ContributionScale, on_delete=models.PROTECT, related_name="shares")
    year = models.PositiveSmallIntegerField(_("year"))
    member_state = models.ForeignKey(
        "governance.MemberState", on_delete=models.PROTECT, related_name="+"
    )
    share_exact = models.CharField(_("share (exact)"), max_length=200)
    share = models.DecimalField(_("share"), max_digits=21, decimal_places=18)
    full_share = models.DecimalField(_("full share"), max_digits=21, decimal_places=18)
    reasons = models.JSONField(_("reasons"), default=list, blank=True)

    class Meta:
        verbose_name = _("scale share")
        verbose_name_plural = _("scale shares")
        ordering = ("scale", "year", "member_state__code")
        constraints = [
            models.UniqueConstraint(
                fields=["scale", "year", "member_state"], name="funding_scale_share_unique"
            ),
            models.CheckConstraint(
                condition=Q(share__gte=0, share__lte=1), name="funding_scale_share_0_to_1"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.scale_id} {self.year} {self.member_state_id}: {self.share}"
