"""Staff screens for funding: read-only. Money changes through the finance pages and services."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from funding.models import (
    AnnualExchangeRate,
    ArrearsExemption,
    Assessment,
    ContributionCall,
    ContributionScale,
    DataImport,
    ExchangeRate,
    FiscalYear,
    LedgerEntry,
    NationalIncomeFigure,
    Payment,
    PaymentReversal,
    Report,
    StateAccount,
    VoluntaryContribution,
    YearBalance,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Everything visible, nothing editable: each write has a service with its checks and audit."""

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [f.name for f in self.model._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(LedgerEntry)
class LedgerEntryAdmin(ReadOnlyAdmin):
    list_display = ("id", "member_state", "fiscal_year", "kind", "amount_cents", "value_date")
    list_filter = ("kind", "fiscal_year")
    search_fields = ("member_state__code", "memo")


@admin.register(Payment)
class PaymentAdmin(ReadOnlyAdmin):
    list_display = (
        "id", "member_state", "value_date", "amount", "currency", "rate", "rate_date",
        "base_amount_cents",
    )  # fmt: skip
    list_filter = ("currency",)
    search_fields = ("member_state__code", "reference")


@admin.register(ContributionScale)
class ContributionScaleAdmin(ReadOnlyAdmin):
    list_display = ("reference", "first_year", "last_year", "status", "motion")


@admin.register(FiscalYear)
class FiscalYearAdmin(ReadOnlyAdmin):
    list_display = ("year", "base_currency", "status", "approved_at")


@admin.register(Assessment)
class AssessmentAdmin(ReadOnlyAdmin):
    list_display = ("fiscal_year", "member_state", "share", "amount_cents")
    list_filter = ("fiscal_year",)


@admin.register(ContributionCall)
class ContributionCallAdmin(ReadOnlyAdmin):
    list_display = ("reference", "member_state", "issued_on", "due_on", "amount_cents", "language")
    list_filter = ("fiscal_year",)


@admin.register(YearBalance)
class YearBalanceAdmin(ReadOnlyAdmin):
    list_display = ("fiscal_year", "member_state", "assessed_cents", "paid_cents", "due_on")
    list_filter = ("fiscal_year",)


@admin.register(StateAccount)
class StateAccountAdmin(ReadOnlyAdmin):
    list_display = ("member_state", "credit_cents", "arrears_cents", "over_arrears_line")


for model in (
    AnnualExchangeRate,
    ArrearsExemption,
    DataImport,
    ExchangeRate,
    NationalIncomeFigure,
    PaymentReversal,
    Report,
    VoluntaryContribution,
):
    admin.site.register(model, ReadOnlyAdmin)
