"""The statistics a scale is computed from and the rates money is converted at, with their imports."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.bounds import date_stored, decimal_stored

CURRENCY_CODE = Q(currency__regex=r"^[A-Z]{3}$")

# The ECB's reference rates start on the euro's first day; no rate is older.
EURO_BORN = dt.date(1999, 1, 1)
# Units of a currency for one euro: from a millionth (the column's last place) to ten million,
# more than any currency has been quoted at since the euro began (and within the 15 digits the
# demo's SQLite stores exactly).
RATE_MIN = Decimal("0.000001")
RATE_MAX = Decimal(10) ** 7
# A national income of a sextillion units fills the column up to its last digit (SQLite reads a
# value rounded to 15 digits back, which must still fit the column).
INCOME_MAX = Decimal(10) ** 21


class ImportKind(models.TextChoices):
    NATIONAL_INCOME = "national_income", _("national-income figures")
    ECB_RATES = "ecb_rates", _("ECB daily reference rates")
    ANNUAL_RATES = "annual_rates", _("annual average exchange rates")


class ImportStatus(models.TextChoices):
    PREVIEWED = "previewed", _("previewed, not imported")
    APPLIED = "applied", _("imported")
    REJECTED = "rejected", _("rejected")


class DataImport(models.Model):
    """A file someone uploaded: kept whole with its SHA-256, previewed, then imported or rejected."""

    kind = models.CharField(_("kind"), max_length=20, choices=ImportKind.choices)
    filename = models.CharField(_("file name"), max_length=255)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    content = models.TextField(_("content"))
    status = models.CharField(_("status"), max_length=12, choices=ImportStatus.choices)
    row_count = models.PositiveIntegerField(_("rows"), default=0)
    problems = models.JSONField(_("problems"), default=list, blank=True)
    summary = models.JSONField(_("summary"), default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_by_label = models.CharField(max_length=200)
    created_at = models.DateTimeField(default=timezone.now)
    applied_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("data import")
        verbose_name_plural = _("data imports")
        ordering = ("-created_at", "-id")
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=ImportKind.values), name="funding_import_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(status__in=ImportStatus.values), name="funding_import_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(status=ImportStatus.APPLIED, applied_at__isnull=False)
                | (~Q(status=ImportStatus.APPLIED) & Q(applied_at__isnull=True)),
                name="funding_import_applied_when_applied",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.filename} ({self.get_status_display()})"


class NationalIncomeFigure(models.Model):
    """A state's national income (or GDP, for an estimate) for one year, in one currency."""

    member_state = models.ForeignKey(
        "governance.MemberState", on_delete=models.PROTECT, related_name="national_income_figures"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    currency = models.CharField(_("currency"), max_length=3)
    national_income = models.DecimalField(
        _("national income"),
        max_digits=28,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.000001")), MaxValueValidator(INCOME_MAX)],
    )
    gdp = models.DecimalField(
        _("GDP"),
        max_digits=28,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.000001")), MaxValueValidator(INCOME_MAX)],
    )
    measure = models.CharField(_("measure"), max_length=100, blank=True)
    source = models.TextField(_("source"), blank=True)
    data_import = models.ForeignKey(
        DataImport, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("national-income figure")
        verbose_name_plural = _("national-income figures")
        ordering = ("member_state__code", "year")
        constraints = [
            models.UniqueConstraint(
                fields=["member_state", "year"], name="funding_income_one_per_state_year"
            ),
            models.CheckConstraint(
                condition=Q(national_income__isnull=False) | Q(gdp__isnull=False),
                name="funding_income_has_a_figure",
            ),
            models.CheckConstraint(
                condition=(Q(national_income__isnull=True) | Q(national_income__gt=0))
                & (Q(gdp__isnull=True) | Q(gdp__gt=0)),
                name="funding_income_positive",
            ),
            models.CheckConstraint(condition=CURRENCY_CODE, name="funding_income_currency_iso"),
            models.CheckConstraint(
                condition=Q(year__gte=1900, year__lte=2200), name="funding_income_year_range"
            ),
            models.CheckConstraint(
                condition=decimal_stored("national_income", Decimal(0), INCOME_MAX)
                & decimal_stored("gdp", Decimal(0), INCOME_MAX),
                name="funding_income_in_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member_state_id} {self.year}"

    def clean(self) -> None:
        if self.national_income is None and self.gdp is None:
            raise ValidationError(_("Give the national income, or the GDP for an estimate."))


class ExchangeRate(models.Model):
    """An ECB euro reference rate: units of ``currency`` for one euro on ``date``."""

    currency = models.CharField(_("currency"), max_length=3)
    date = models.DateField(_("date"))
    per_eur = models.DecimalField(
        _("units per euro"),
        max_digits=18,
        decimal_places=6,
        validators=[MinValueValidator(RATE_MIN), MaxValueValidator(RATE_MAX)],
    )
    source = models.CharField(_("source"), max_length=200, default="ECB euro reference rate")
    data_import = models.ForeignKey(
        DataImport, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("exchange rate (daily)")
        verbose_name_plural = _("exchange rates (daily)")
        ordering = ("currency", "-date")
        constraints = [
            models.UniqueConstraint(fields=["currency", "date"], name="funding_rate_one_per_day"),
            models.CheckConstraint(condition=Q(per_eur__gt=0), name="funding_rate_positive"),
            models.CheckConstraint(condition=CURRENCY_CODE, name="funding_rate_currency_iso"),
            models.CheckConstraint(condition=~Q(currency="EUR"), name="funding_rate_not_euro"),
            models.CheckConstraint(
                condition=decimal_stored("per_eur", RATE_MIN, RATE_MAX)
                & date_stored("date", lowest=EURO_BORN),
                name="funding_rate_in_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.currency} {self.date}: {self.per_eur}"


class AnnualExchangeRate(models.Model):
    """A year's average rate, units of ``currency`` for one euro, for the contribution scale."""

    currency = models.CharField(_("currency"), max_length=3)
    year = models.PositiveSmallIntegerField(_("year"))
    per_eur = models.DecimalField(
        _("units per euro"),
        max_digits=18,
        decimal_places=6,
        validators=[MinValueValidator(RATE_MIN), MaxValueValidator(RATE_MAX)],
    )
    daily_obs = models.PositiveSmallIntegerField(_("days averaged"), null=True, blank=True)
    source = models.TextField(_("source"), blank=True)
    data_import = models.ForeignKey(
        DataImport, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("exchange rate (annual average)")
        verbose_name_plural = _("exchange rates (annual averages)")
        ordering = ("currency", "-year")
        constraints = [
            models.UniqueConstraint(
                fields=["currency", "year"], name="funding_annual_rate_one_per_year"
            ),
            models.CheckConstraint(condition=Q(per_eur__gt=0), name="funding_annual_rate_positive"),
            models.CheckConstraint(
                condition=CURRENCY_CODE, name="funding_annual_rate_currency_iso"
            ),
            models.CheckConstraint(
                condition=~Q(currency="EUR"), name="funding_annual_rate_not_euro"
            ),
            models.CheckConstraint(
                condition=decimal_stored("per_eur", RATE_MIN, RATE_MAX),
                name="funding_annual_rate_in_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.currency} {self.year}: {self.per_eur}"
