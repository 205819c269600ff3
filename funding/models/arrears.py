"""Exemptions a council grants from the loss of votes for arrears, with the decision behind them."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.bounds import date_stored


class ArrearsExemption(models.Model):
    """A state keeps its vote despite arrears, for a period, by a council's recorded decision."""

    member_state = models.ForeignKey(
        "governance.MemberState", on_delete=models.PROTECT, related_name="funding_exemptions"
    )
    council = models.ForeignKey("governance.Council", on_delete=models.PROTECT, related_name="+")
    motion = models.ForeignKey("governance.Motion", on_delete=models.PROTECT, related_name="+")
    valid_from = models.DateField(_("valid from"))
    valid_until = models.DateField(
        _("valid until"), null=True, blank=True, help_text=_("First day without the exemption.")
    )
    reason = models.TextField(_("reason"))
    recorded_by_label = models.CharField(max_length=200)
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("arrears exemption")
        verbose_name_plural = _("arrears exemptions")
        ordering = ("member_state__code", "-valid_from")
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_until__isnull=True) | Q(valid_until__gt=models.F("valid_from")),
                name="funding_exemption_period_ordered",
            ),
            models.CheckConstraint(
                condition=date_stored("valid_from") & date_stored("valid_until"),
                name="funding_exemption_period_in_range",
            ),
            models.CheckConstraint(condition=~Q(reason=""), name="funding_exemption_has_reason"),
            models.UniqueConstraint(
                fields=["member_state", "motion"], name="funding_exemption_once_per_decision"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member_state_id} exempt from {self.valid_from}"

    def clean(self) -> None:
        if self.valid_until and self.valid_from and self.valid_until <= self.valid_from:
            raise ValidationError({"valid_until": _("The exemption must end after it starts.")})

    def is_current(self, on: dt.date) -> bool:
        return self.valid_from <= on and (self.valid_until is None or on < self.valid_until)
