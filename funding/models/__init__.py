"""Funding models, one module per topic; import them from here."""

from funding.models.accounts import (
    BASE_CENTS_MAX,
    EntryKind,
    LedgerEntry,
    Payment,
    PaymentReversal,
    StateAccount,
    VoluntaryContribution,
    VoluntaryKind,
    YearBalance,
)
from funding.models.arrears import ArrearsExemption
from funding.models.fiscal import (
    Assessment,
    BudgetLine,
    CallLanguage,
    ContributionCall,
    FiscalYear,
    FiscalYearStatus,
)
from funding.models.reference import (
    AnnualExchangeRate,
    DataImport,
    ExchangeRate,
    ImportKind,
    ImportStatus,
    NationalIncomeFigure,
)
from funding.models.reports import Report, ReportKind, ReportStatus
from funding.models.scales import ContributionScale, ScaleShare, ScaleStatus

__all__ = [
    "BASE_CENTS_MAX",
    "AnnualExchangeRate",
    "ArrearsExemption",
    "Assessment",
    "BudgetLine",
    "CallLanguage",
    "ContributionCall",
    "ContributionScale",
    "DataImport",
    "EntryKind",
    "ExchangeRate",
    "FiscalYear",
    "FiscalYearStatus",
    "ImportKind",
    "ImportStatus",
    "LedgerEntry",
    "NationalIncomeFigure",
    "Payment",
    "PaymentReversal",
    "Report",
    "ReportKind",
    "ReportStatus",
    "ScaleShare",
    "ScaleStatus",
    "StateAccount",
    "VoluntaryContribution",
    "VoluntaryKind",
    "YearBalance",
]
