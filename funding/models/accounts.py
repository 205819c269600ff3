"""Each state's account: payments as received, the append-only ledger, and derived balances.

Payments, reversals and ledger entries are never changed or removed (PostgreSQL refuses it, see
migration 0002); a correction is a reversal. ``YearBalance`` and ``StateAccount`` hold running
totals kept by the services in the same transaction as the entries, and are always equal to a
recomputation from the entries (``manage.py funding_verify_ledger`` checks it).
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.bounds import date_stored, decimal_stored
from core.validators import NOTE_MAX, length_at_most, max_length
from funding.models.fiscal import ContributionCall, FiscalYear
from funding.models.reference import EURO_BORN

CURRENCY_CODE = r"^[A-Z]{3}$"

# A payment or contribution of more than a trillion units of any currency is a typing mistake;
# the bound also keeps every amount within the 15 digits SQLite (the demo) stores exactly.
AMOUNT_MIN = Decimal("0.01")
AMOUNT_MAX = Decimal(10) ** 12
BASE_CENTS_MAX = 10**14  # the same bound once converted into the base currency, in cents


class Payment(models.Model):
    """Money received from a state, as received, with the rate that converted it."""

    member_state = models.ForeignKey(
        "governance.MemberState", on_delete=models.PROTECT, related_name="funding_payments"
    )
    value_date = models.DateField(_("value date"))
    amount = models.DecimalField(
        _("amount received"),
        max_digits=18,
        decimal_places=2,
        validators=[MinValueValidator(AMOUNT_MIN), MaxValueValidator(AMOUNT_MAX)],
    )
    currency = models.CharField(_("currency"), max_length=3)
    base_currency = models.CharField(_("base currency"), max_length=3)
    rate = models.DecimalField(
        _("rate (units of the currency per unit of the base currency)"),
        max_digits=24,
        decimal_places=10,
    )
    rate_date = models.DateField(_("date of the rate"))
    rate_source = models.CharField(_("source of the rate"), max_length=200)
    base_amount_cents = models.BigIntegerField(_("amount in the base currency (cents)"))
    rounding = models.CharField(_("rounding"), max_length=20, default="ROUND_HALF_UP")
    reference = models.CharField(_("bank reference"), max_length=100, blank=True)
    note = models.TextField(_("note"), blank=True, validators=[max_length(NOTE_MAX)])
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    recorded_by_label = models.CharField(max_length=200)
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        ordering = ("-value_date", "-id")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="funding_payment_positive"),
            models.CheckConstraint(condition=Q(rate__gt=0), name="funding_payment_rate_positive"),
            models.CheckConstraint(
                condition=Q(base_amount_cents__gt=0), name="funding_payment_base_positive"
            ),
            models.CheckConstraint(
                condition=Q(rate_date__lte=models.F("value_date")),
                name="funding_payment_rate_not_after_value_date",
            ),
            models.CheckConstraint(
                condition=Q(currency__regex=CURRENCY_CODE) & Q(base_currency__regex=CURRENCY_CODE),
                name="funding_payment_currency_iso",
            ),
            models.CheckConstraint(
                condition=decimal_stored("amount", AMOUNT_MIN, AMOUNT_MAX)
                & Q(base_amount_cents__lte=BASE_CENTS_MAX),
                name="funding_payment_amount_in_range",
            ),
            models.CheckConstraint(
                condition=date_stored("value_date") & date_stored("rate_date", lowest=EURO_BORN),
                name="funding_payment_dates_in_range",
            ),
            length_at_most("note", NOTE_MAX, name="funding_payment_note_length"),
        ]

    def __str__(self) -> str:
        return f"{self.member_state_id} {self.value_date} {self.amount} {self.currency}"

    def clean(self) -> None:
        if self.rate_date and self.value_date and self.rate_date > self.value_date:
            raise ValidationError({"rate_date": _("The rate cannot be from after the value date.")})


class PaymentReversal(models.Model):
    """The correction of a payment recorded in error: the payment stays, its effect is undone."""

    payment = models.OneToOneField(Payment, on_delete=models.PROTECT, related_name="reversal")
    reason = models.TextField(_("reason"))
    reversed_on = models.DateField(_("reversed on"))
    reversed_by_label = models.CharField(max_length=200)
    reversed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("payment reversal")
        verbose_name_plural = _("payment reversals")
        constraints = [
            models.CheckConstraint(condition=~Q(reason=""), name="funding_reversal_has_reason"),
            models.CheckConstraint(
                condition=date_stored("reversed_on"), name="funding_reversal_date_in_range"
            ),
        ]

    def __str__(self) -> str:
        return f"reversal of payment {self.payment_id}"


class EntryKind(models.TextChoices):
    ASSESSMENT = "assessment", _("contribution called")
    PAYMENT_APPLIED = "payment_applied", _("payment applied")
    CREDIT = "credit", _("credit carried forward")
    CREDIT_APPLIED = "credit_applied", _("credit applied")
    REVERSAL = "reversal", _("reversal")


class LedgerEntry(models.Model):
    """One append-only line of a state's account, in cents of the base currency."""

    member_state = models.ForeignKey(
        "governance.MemberState", on_delete=models.PROTECT, related_name="funding_entries"
    )
    fiscal_year = models.ForeignKey(
        FiscalYear, null=True, blank=True, on_delete=models.PROTECT, related_name="entries"
    )
    kind = models.CharField(_("kind"), max_length=16, choices=EntryKind.choices)
    amount_cents = models.BigIntegerField(_("amount (cents)"))
    value_date = models.DateField(_("value date"))
    due_on = models.DateField(_("due on"), null=True, blank=True)
    payment = models.ForeignKey(
        Payment, null=True, blank=True, on_delete=models.PROTECT, related_name="entries"
    )
    call = models.ForeignKey(
        ContributionCall, null=True, blank=True, on_delete=models.PROTECT, related_name="entries"
    )
    reverses = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="reversed_by"
    )
    memo = models.CharField(_("memo"), max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    created_by_label = models.CharField(max_length=200)

    class Meta:
        verbose_name = _("ledger entry")
        verbose_name_plural = _("ledger entries")
        ordering = ("member_state", "id")
        indexes = [models.Index(fields=["member_state", "id"], name="funding_entry_state_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=EntryKind.values), name="funding_entry_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(amount_cents__gt=0), name="funding_entry_amount_positive"
            ),
            models.CheckConstraint(
                condition=~Q(kind=EntryKind.ASSESSMENT)
                | Q(fiscal_year__isnull=False, due_on__isnull=False, call__isnull=False),
                name="funding_entry_assessment_has_year_call_due",
            ),
            models.CheckConstraint(
                condition=~Q(kind__in=[EntryKind.PAYMENT_APPLIED, EntryKind.CREDIT])
                | Q(payment__isnull=False),
                name="funding_entry_payment_named",
            ),
            models.CheckConstraint(
                condition=~Q(kind__in=[EntryKind.PAYMENT_APPLIED, EntryKind.CREDIT_APPLIED])
                | Q(fiscal_year__isnull=False),
                name="funding_entry_settlement_has_year",
            ),
            models.CheckConstraint(
                condition=~Q(kind=EntryKind.CREDIT) | Q(fiscal_year__isnull=True),
                name="funding_entry_credit_has_no_year",
            ),
            models.CheckConstraint(
                condition=(Q(kind=EntryKind.REVERSAL) & Q(reverses__isnull=False))
                | (~Q(kind=EntryKind.REVERSAL) & Q(reverses__isnull=True)),
                name="funding_entry_reversal_names_its_entry",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member_state_id} #{self.pk} {self.kind} {self.amount_cents}"

    def clean(self) -> None:
        if self.amount_cents is not None and self.amount_cents <= 0:
            raise ValidationError({"amount_cents": _("An entry's amount is positive.")})
        if (self.kind == EntryKind.REVERSAL) != (self.reverses_id is not None):
            raise ValidationError({"reverses": _("A reversal names the entry it cancels.")})


class YearBalance(models.Model):
    """Running totals of a state for a fiscal year, kept with the entries (never edited alone)."""

    member_state = models.ForeignKey(
        "governance.MemberState", on_delete=models.PROTECT, related_name="+"
    )
    fiscal_year = models.ForeignKey(FiscalYear, on_delete=models.PROTECT, related_name="balances")
    assessed_cents = models.BigIntegerField(default=0)
    paid_cents = models.BigIntegerField(default=0)
    due_on = models.DateField(null=True, blank=True)

    class Meta:
        verbose_name = _("balance for a year")
        verbose_name_plural = _("balances for a year")
        ordering = ("fiscal_year", "member_state__code")
        constraints = [
            models.UniqueConstraint(
                fields=["member_state", "fiscal_year"], name="funding_balance_one_per_state_year"
            ),
            models.CheckConstraint(
                condition=Q(paid_cents__gte=0, assessed_cents__gte=0),
                name="funding_balance_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(paid_cents__lte=models.F("assessed_cents")),
                name="funding_balance_not_overpaid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member_state_id} {self.fiscal_year_id}"

    @property
    def outstanding_cents(self) -> int:
        return self.assessed_cents - self.paid_cents


class StateAccount(models.Model):
    """A state's credit carried forward and its arrears position; the row locked per state."""

    member_state = models.OneToOneField(
        "governance.MemberState", on_delete=models.PROTECT, related_name="funding_account"
    )
    credit_cents = models.BigIntegerField(default=0)
    arrears_cents = models.BigIntegerField(default=0)
    arrears_threshold_cents = models.BigIntegerField(default=0)
    over_arrears_line = models.BooleanField(default=False)
    arrears_rule = models.CharField(max_length=20, blank=True)
    arrears_checked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("state account")
        verbose_name_plural = _("state accounts")
        ordering = ("member_state__code",)
        constraints = [
            models.CheckConstraint(
                condition=Q(credit_cents__gte=0), name="funding_account_credit_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(arrears_cents__gte=0), name="funding_account_arrears_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"account of {self.member_state_id}"


class VoluntaryKind(models.TextChoices):
    CASH = "cash", _("voluntary contribution in money")
    IN_KIND = "in_kind", _("contribution in kind")


class VoluntaryContribution(models.Model):
    """A contribution beyond the assessment: money, or goods and services with their valuation.

    It does not settle any assessment. A correction is a second row that ``reverses`` the first.
    """

    member_state = models.ForeignKey(
        "governance.MemberState", on_delete=models.PROTECT, related_name="funding_voluntary"
    )
    fiscal_year = models.ForeignKey(FiscalYear, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("kind"), max_length=8, choices=VoluntaryKind.choices)
    description = models.TextField(_("description"))
    received_on = models.DateField(_("received on"))
    amount = models.DecimalField(
        _("amount or valuation"),
        max_digits=18,
        decimal_places=2,
        validators=[MinValueValidator(AMOUNT_MIN), MaxValueValidator(AMOUNT_MAX)],
    )
    currency = models.CharField(_("currency"), max_length=3)
    rate = models.DecimalField(max_digits=24, decimal_places=10)
    rate_date = models.DateField()
    rate_source = models.CharField(max_length=200)
    base_amount_cents = models.BigIntegerField()
    valuation_basis = models.TextField(
        _("basis of the valuation"),
        blank=True,
        help_text=_("For a contribution in kind: how its value was established."),
    )
    reverses = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="reversed_by"
    )
    recorded_by_label = models.CharField(max_length=200)
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("voluntary or in-kind contribution")
        verbose_name_plural = _("voluntary and in-kind contributions")
        ordering = ("-received_on", "-id")
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=VoluntaryKind.values), name="funding_voluntary_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(amount__gt=0, base_amount_cents__gt=0, rate__gt=0),
                name="funding_voluntary_positive",
            ),
            models.CheckConstraint(
                condition=~Q(kind=VoluntaryKind.IN_KIND) | ~Q(valuation_basis=""),
                name="funding_in_kind_has_valuation_basis",
            ),
            models.CheckConstraint(
                condition=decimal_stored("amount", AMOUNT_MIN, AMOUNT_MAX)
                & Q(base_amount_cents__lte=BASE_CENTS_MAX),
                name="funding_voluntary_amount_in_range",
            ),
            models.CheckConstraint(
                condition=date_stored("received_on") & date_stored("rate_date", lowest=EURO_BORN),
                name="funding_voluntary_dates_in_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member_state_id} {self.kind} {self.amount} {self.currency}"

    def clean(self) -> None:
        if self.kind == VoluntaryKind.IN_KIND and not (self.valuation_basis or "").strip():
            raise ValidationError(
                {"valuation_basis": _("Say how a contribution in kind was valued.")}
            )
