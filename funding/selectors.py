"""Reads of funding data that services, pages, the API, reports and other apps share."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db.models import Prefetch, QuerySet, Sum
from django.utils.translation import gettext as _

from funding import fx, ledger
from funding.arrears_rule import YearPosition
from funding.errors import NoExchangeRate
from funding.imports.common import CsvSyntaxError, records
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
    Payment,
    Report,
    ScaleShare,
    ScaleStatus,
    StateAccount,
    YearBalance,
)
from funding.rules import fraction_to_decimal
from governance import selectors as governance_selectors

if TYPE_CHECKING:
    from governance.models import MemberState, VotingRightsSuspension

ARREARS_REFERENCE = "funding:arrears"


@dataclass(frozen=True)
class RateQuote:
    """The rate a conversion used, and where it came from."""

    currency: str
    base_currency: str
    per_base_unit: Decimal
    rate_date: dt.date
    requested_on: dt.date
    source: str

    @property
    def from_earlier_day(self) -> bool:
        return self.rate_date != self.requested_on


def _ecb_rate(currency: str, on: dt.date, oldest: dt.date) -> ExchangeRate | None:
    return (
        ExchangeRate.objects.filter(currency=currency, date__lte=on, date__gte=oldest)
        .order_by("-date")
        .first()
    )


def rate_on(currency: str, base_currency: str, on: dt.date) -> RateQuote:
    """The ECB rate of ``on``, or of the last day before it with one (weekends, holidays).

    For a base other than the euro both rates come from the same ECB day, crossed via the euro.
    """
    currency, base_currency = currency.upper(), base_currency.upper()
    if currency == base_currency:
        return RateQuote(currency, base_currency, Decimal(1), on, on, "same currency")
    oldest = on - dt.timedelta(days=settings.FUNDING_RATE_MAX_AGE_DAYS)
    legs = [c for c in (currency, base_currency) if c != fx.EURO]
    day = on
    while day >= oldest:
        found = {c: _ecb_rate(c, day, oldest) for c in legs}
        if any(r is None for r in found.values()):
            break
        days = {r.date for r in found.values() if r is not None}
        if len(days) == 1:
            rate_date = days.pop()
            per_eur = {c: r.per_eur for c, r in found.items() if r is not None}
            rate = fx.cross_rate(
                per_eur.get(currency, Decimal(1)), per_eur.get(base_currency, Decimal(1))
            )
            source = "ECB euro reference rate"
            if fx.EURO not in (currency, base_currency):
                source += f", {currency}/{base_currency} crossed via EUR"
            return RateQuote(currency, base_currency, rate, rate_date, on, source)
        day = min(days)  # the legs were quoted on different days: step back to the older one
    raise NoExchangeRate(
        _(
            "There is no ECB rate for %(currency)s against %(base)s on %(date)s or in the "
            "%(days)d days before it. Import the ECB reference rates first."
        )
        % {
            "currency": currency,
            "base": base_currency,
            "date": on.isoformat(),
            "days": settings.FUNDING_RATE_MAX_AGE_DAYS,
        },
        field="currency",
    )


def annual_rate_per_eur(currency: str, year: int) -> tuple[Decimal, str] | None:
    """A year's average euro rate: the imported one, else the mean of the daily ECB rates."""
    if currency == fx.EURO:
        return Decimal(1), "identity"
    row = AnnualExchangeRate.objects.filter(currency=currency, year=year).first()
    if row is not None:
        return row.per_eur, row.source or "annual average (imported)"
    daily = list(
        ExchangeRate.objects.filter(currency=currency, date__year=year).values_list(
            "per_eur", flat=True
        )
    )
    if not daily:
        return None
    mean = fraction_to_decimal(sum(map(Fraction, daily), Fraction(0)) / len(daily), 6)
    return mean, f"mean of {len(daily)} daily ECB rates of {year}, rounded half up to 6 places"


def base_currency() -> str:
    """The currency of the books: that of the fiscal years opened, else the configured one."""
    first = FiscalYear.objects.order_by("year").values_list("base_currency", flat=True).first()
    return first or settings.FUNDING_BASE_CURRENCY


def fiscal_year_list() -> QuerySet[FiscalYear]:
    return FiscalYear.objects.prefetch_related("lines").order_by("-year")


def fiscal_year_get(year: int) -> FiscalYear | None:
    return FiscalYear.objects.filter(year=year).prefetch_related("lines").first()


def budget_cents(fiscal_year: FiscalYear) -> int:
    return int(fiscal_year.lines.aggregate(total=Sum("amount_cents"))["total"] or 0)


def scale_covering(year: int) -> ContributionScale | None:
    """The adopted scale whose period contains ``year``."""
    return ContributionScale.objects.filter(
        status=ScaleStatus.ADOPTED, first_year__lte=year, last_year__gte=year
    ).first()


def scale_list() -> QuerySet[ContributionScale]:
    return ContributionScale.objects.select_related("motion").order_by("-first_year", "-id")


def entries_of(member_state: MemberState) -> list[ledger.Entry]:
    """A state's ledger as the pure ledger module reads it, oldest first."""
    rows = (
        LedgerEntry.objects.filter(member_state=member_state)
        .order_by("id")
        .values(
            "id", "kind", "amount_cents", "value_date", "due_on", "payment_id", "reverses_id",
            "fiscal_year__year",
        )
    )  # fmt: skip
    return [_as_entry(row) for row in rows]


def _as_entry(row: Mapping[str, Any]) -> ledger.Entry:
    return ledger.Entry(
        kind=ledger.EntryKind(row["kind"]),
        amount=row["amount_cents"],
        value_date=row["value_date"],
        year=row["fiscal_year__year"],
        due_on=row["due_on"],
        payment=row["payment_id"],
        reverses=row["reverses_id"],
        id=row["id"],
    )


def entries_by_state(state_ids: list[int] | None = None) -> dict[int, list[ledger.Entry]]:
    """Every state's ledger in one query, for reports and the ledger check."""
    qs = LedgerEntry.objects.order_by("id")
    if state_ids is not None:
        qs = qs.filter(member_state_id__in=state_ids)
    result: dict[int, list[ledger.Entry]] = defaultdict(list)
    for row in qs.values(
        "id", "kind", "amount_cents", "value_date", "due_on", "payment_id", "reverses_id",
        "fiscal_year__year", "member_state_id",
    ):  # fmt: skip
        result[row["member_state_id"]].append(_as_entry(row))
    return result


def positions_of(member_state: MemberState) -> list[YearPosition]:
    """The stored balances of a state per fiscal year, as the arrears rule reads them."""
    return [
        YearPosition(
            year=b.fiscal_year.year,
            assessed=b.assessed_cents,
            outstanding=b.outstanding_cents,
            due_on=b.due_on,
        )
        for b in YearBalance.objects.filter(member_state=member_state).select_related("fiscal_year")
    ]


def account_of(member_state: MemberState) -> StateAccount | None:
    return StateAccount.objects.filter(member_state=member_state).first()


def exemption_current(member_state: MemberState, on: dt.date) -> ArrearsExemption | None:
    for exemption in ArrearsExemption.objects.filter(member_state=member_state).select_related(
        "motion"
    ):
        if exemption.is_current(on):
            return exemption
    return None


def suspension_current(member_state: MemberState) -> VotingRightsSuspension | None:
    """The state's open suspension of votes, whatever its reason (a read of governance data)."""
    return governance_selectors.voting_rights_suspensions_open(member_state=member_state).first()


def payments_of(member_state: MemberState) -> QuerySet[Payment]:
    return (
        Payment.objects.filter(member_state=member_state)
        .select_related("reversal")
        .order_by("-value_date", "-id")
    )


def calls_late(on: dt.date) -> list[tuple[ContributionCall, int]]:
    """Calls past their due date with something still outstanding, oldest first."""
    balances = {
        (b.member_state_id, b.fiscal_year_id): b.outstanding_cents
        for b in YearBalance.objects.filter(due_on__lt=on)
    }
    late = []
    for call in (
        ContributionCall.objects.filter(due_on__lt=on)
        .select_related("member_state", "fiscal_year")
        .order_by("due_on", "member_state__code")
    ):
        outstanding = balances.get((call.member_state_id, call.fiscal_year_id), 0)
        if outstanding > 0:
            late.append((call, outstanding))
    return late


def calls_due_soon(on: dt.date) -> list[tuple[ContributionCall, int]]:
    """Calls not yet due with something outstanding, soonest first."""
    balances = {
        (b.member_state_id, b.fiscal_year_id): b.outstanding_cents
        for b in YearBalance.objects.filter(due_on__gte=on)
    }
    return [
        (call, balances[(call.member_state_id, call.fiscal_year_id)])
        for call in ContributionCall.objects.filter(due_on__gte=on)
        .select_related("member_state", "fiscal_year")
        .order_by("due_on", "member_state__code")
        if balances.get((call.member_state_id, call.fiscal_year_id), 0) > 0
    ]


def accounts_over_line() -> QuerySet[StateAccount]:
    return StateAccount.objects.filter(over_arrears_line=True).select_related("member_state")


def report_list(*, kind: str | None = None) -> QuerySet[Report]:
    qs = Report.objects.all()
    if kind:
        qs = qs.filter(kind=kind)
    return qs.order_by("-requested_at", "-id")


def fiscal_years_with_balances() -> QuerySet[FiscalYear]:
    return FiscalYear.objects.prefetch_related(
        Prefetch("balances", queryset=YearBalance.objects.select_related("member_state"))
    ).order_by("year")


def status_of_contributions(years: list[int], *, as_of: dt.date) -> dict[str, Any]:
    """The figures of the status of contributions (for the transparency portal, the API, PDFs)."""
    from funding.reports.data import build_status  # it reads through this module

    return build_status(years, as_of=as_of)


def statement_of(member_state: MemberState, *, as_of: dt.date) -> dict[str, Any]:
    """A state's statement of account: entries, years, payments, arrears (for the portal)."""
    from funding.reports.data import build_statement  # it reads through this module

    return build_statement(member_state, as_of=as_of)


def shares_for_year(year: int) -> dict[str, Decimal]:
    """Each state's contribution share in `year` under the adopted scale covering it."""
    scale = scale_covering(year)
    if scale is None:
        return {}
    return dict(
        ScaleShare.objects.filter(scale=scale, year=year).values_list("member_state__code", "share")
    )


def adopted_scales() -> QuerySet[ContributionScale]:
    """Adopted scales, each with its frozen inputs and results, for anyone to recompute."""
    return (
        ContributionScale.objects.filter(status=ScaleStatus.ADOPTED)
        .select_related("motion")
        .order_by("-first_year")
    )


def scale_shares_adopted() -> QuerySet[ScaleShare]:
    """The shares of every adopted scale in one query (without the scales' large JSON columns)."""
    return (
        ScaleShare.objects.filter(scale__status=ScaleStatus.ADOPTED)
        .select_related("scale", "member_state")
        .only(
            "year",
            "share_exact",
            "share",
            "full_share",
            "reasons",
            "scale__reference",
            "member_state__code",
        )
        .order_by("-scale__first_year", "scale_id", "year", "member_state__code")
    )


def assessment_list() -> QuerySet[Assessment]:
    """Every state's assessment of every fiscal year, with the scale it used, in one query."""
    return (
        Assessment.objects.select_related("fiscal_year", "member_state", "scale")
        .only(
            "share_exact",
            "share",
            "amount_cents",
            "fiscal_year__year",
            "member_state__code",
            "scale__reference",
        )
        .order_by("fiscal_year__year", "member_state__code")
    )


def import_data_lines(data_import: DataImport) -> int:
    """The file's lines of data (header and blank lines not counted).

    Files previewed before the count was kept in the summary are counted from their content.
    """
    lines = (data_import.summary or {}).get("data_lines")
    if isinstance(lines, int):
        return lines
    try:
        return max(0, sum(1 for _ in records(data_import.content)) - 1)
    except CsvSyntaxError:
        return 0
