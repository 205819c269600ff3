"""Fiscal years with their approved budget, the assessment of each state, and the calls."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.bounds import date_stored
from funding.models.scales import ContributionScale


class FiscalYearStatus(models.TextChoices):
    DRAFT = "draft", _("budget in preparation")
    APPROVED = "approved", _("budget approved")
    CLOSED = "closed", _("closed")


class FiscalYear(models.Model):
    """A calendar year's budget in the organisation's base currency, and its approval."""

    year = models.PositiveSmallIntegerField(_("year"), unique=True)
    base_currency = models.CharField(_("base currency"), max_length=3)
    status = models.CharField(
        _("status"), max_length=12, choices=FiscalYearStatus.choices, default=FiscalYearStatus.DRAFT
    )
    budget_motion = models.OneToOneField(
        "governance.Motion",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="funding_fiscal_year",
        help_text=_("The budget motion that approves this budget."),
    )
    approved_at = models.DateTimeField(_("approved"), null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("fiscal year")
        verbose_name_plural = _("fiscal years")
        ordering = ("-year",)
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=FiscalYearStatus.values),
                name="funding_fiscal_year_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(base_currency__regex=r"^[A-Z]{3}$"),
                name="funding_fiscal_year_currency_iso",
            ),
            models.CheckConstraint(
                condition=Q(status=FiscalYearStatus.DRAFT) | Q(approved_at__isnull=False),
                name="funding_fiscal_year_approval_dated",
            ),
            models.CheckConstraint(
                condition=Q(year__gte=1900, year__lte=2200), name="funding_fiscal_year_range"
            ),
        ]

    def __str__(self) -> str:
        return str(self.year)


class BudgetLine(models.Model):
    """One line of a year's budget, in whole cents of the base currency."""

    fiscal_year = models.ForeignKey(FiscalYear, on_delete=models.PROTECT, related_name="lines")
    code = models.SlugField(_("code"), max_length=40)
    title = models.CharField(_("title"), max_length=200)
    amount_cents = models.BigIntegerField(_("amount (cents)"))

    class Meta:
        verbose_name = _("budget line")
        verbose_name_plural = _("budget lines")
        ordering = ("fiscal_year", "code")
        constraints = [
            models.UniqueConstraint(
                fields=["fiscal_year", "code"], name="funding_budget_line_unique_code"
            ),
            models.CheckConstraint(
                condition=Q(amount_cents__gte=0), name="funding_budget_line_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.fiscal_year_id} {self.code}"


class Assessment(models.Model):
    """What a state owes for a fiscal year: the budget apportioned by the adopted scale."""

    fiscal_year = models.ForeignKey(
        FiscalYear, on_delete=models.PROTECT, related_name="assessments"
    )
    member_state = models.ForeignKey(
        "governance.MemberState", on_delete=models.PROTECT, related_name="funding_assessments"
    )
    scale = models.ForeignKey(ContributionScale, on_delete=models.PROTECT, related_name="+")
    share_exact = models.CharField(_("share (exact)"), max_length=200)
    share = models.DecimalField(_("share"), max_digits=21, decimal_places=18)
    amount_cents = models.BigIntegerField(_("amount (cents)"))
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("assessment")
        verbose_name_plural = _("assessments")
        ordering = ("fiscal_year", "member_state__code")
        constraints = [
            models.UniqueConstraint(
                fields=["fiscal_year", "member_state"], name="funding_assessment_one_per_state"
            ),
            models.CheckConstraint(
                condition=Q(amount_cents__gte=0), name="funding_assessment_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.fiscal_year_id} {self.member_state_id}: {self.amount_cents}"


class CallLanguage(models.TextChoices):
    EN = "en", _("English")
    DE = "de", _("German")
    FR = "fr", _("French")


class ContributionCall(models.Model):
    """The call for a state's contribution: issued on a date, due a set number of days later."""

    fiscal_year = models.ForeignKey(FiscalYear, on_delete=models.PROTECT, related_name="calls")
    member_state = models.ForeignKey(
        "governance.MemberState", on_delete=models.PROTECT, related_name="funding_calls"
    )
    assessment = models.OneToOneField(Assessment, on_delete=models.PROTECT, related_name="call")
    reference = models.CharField(_("reference"), max_length=40, unique=True)
    issued_on = models.DateField(_("issued on"))
    due_on = models.DateField(_("due on"))
    amount_cents = models.BigIntegerField(_("amount (cents)"))
    language = models.CharField(_("language"), max_length=2, choices=CallLanguage.choices)
    letter = models.ForeignKey(
        "funding.Report", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    issued_by_label = models.CharField(max_length=200)

    class Meta:
        verbose_name = _("call for contributions")
        verbose_name_plural = _("calls for contributions")
        ordering = ("fiscal_year", "member_state__code")
        constraints = [
            models.UniqueConstraint(
                fields=["fiscal_year", "member_state"], name="funding_call_one_per_state_year"
            ),
            models.CheckConstraint(
                condition=Q(due_on__gt=models.F("issued_on")), name="funding_call_due_after_issue"
            ),
            models.CheckConstraint(
                condition=date_stored("issued_on") & date_stored("due_on"),
                name="funding_call_dates_in_range",
            ),
            models.CheckConstraint(
                condition=Q(amount_cents__gt=0), name="funding_call_amount_positive"
            ),
            models.CheckConstraint(
                condition=Q(language__in=CallLanguage.values), name="funding_call_language_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.reference

    def clean(self) -> None:
        if self.issued_on and self.due_on and self.due_on <= self.issued_on:
            raise ValidationError({"due_on": _("A call falls due after it is issued.")})
