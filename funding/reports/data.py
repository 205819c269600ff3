"""The data each report is made from, as plain JSON-ready dicts (cents as integers, ISO dates).

The canonical JSON of this data is hashed and stored with the PDF, so anyone holding the data
can check that the report shows exactly it. Nothing here depends on the reader's language.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import TYPE_CHECKING, Any

from django.conf import settings

from funding import fx, ledger, selectors
from funding.arrears_rule import ArrearsRule, YearPosition, assess_arrears
from funding.models import (
    ArrearsExemption,
    ContributionCall,
    FiscalYear,
    LedgerEntry,
    StateAccount,
    VoluntaryContribution,
    YearBalance,
)
from governance import selectors as governance_selectors

if TYPE_CHECKING:
    from governance.models import MemberState


def _state(state: MemberState) -> dict[str, str]:
    return {
        "code": state.code,
        "name_en": state.name_en,
        "name_de": state.name_de or state.name_en,
        "name_fr": state.name_fr or state.name_en,
    }


def _iso(day: dt.date | None) -> str | None:
    return day.isoformat() if day else None


def _common(as_of: dt.date) -> dict[str, Any]:
    return {
        "as_of": as_of.isoformat(),
        "base_currency": selectors.base_currency(),
        "rounding": str(fx.AMOUNT_ROUNDING),
        "arrears_rule": settings.FUNDING_ARREARS_RULE,
        "call_due_days": settings.FUNDING_CALL_DUE_DAYS,
    }


def build_status(years: list[int], *, as_of: dt.date) -> dict[str, Any]:
    """Status of contributions: per year and state assessed, paid, outstanding; arrears; honour roll."""
    fiscal_years = {fy.year: fy for fy in FiscalYear.objects.filter(year__in=years)}
    balances = list(
        YearBalance.objects.filter(fiscal_year__year__in=years)
        .select_related("member_state", "fiscal_year")
        .order_by("fiscal_year__year", "member_state__code")
    )
    all_positions: dict[int, list[YearPosition]] = defaultdict(list)
    for b in YearBalance.objects.select_related("fiscal_year"):
        all_positions[b.member_state_id].append(
            YearPosition(b.fiscal_year.year, b.assessed_cents, b.outstanding_cents, b.due_on)
        )
    entries = selectors.entries_by_state()
    budgets = {
        fy.year: sum(line.amount_cents for line in fy.lines.all())
        for fy in FiscalYear.objects.filter(year__in=years).prefetch_related("lines")
    }
    year_blocks = []
    for year in sorted(years):
        rows: list[dict[str, Any]] = []
        for b in (b for b in balances if b.fiscal_year.year == year):
            paid_on_time = (
                ledger.paid_by(entries.get(b.member_state_id, []), year=year, on=b.due_on)
                if b.due_on
                else 0
            )
            rows.append(
                {
                    **_state(b.member_state),
                    "assessed": b.assessed_cents,
                    "paid": b.paid_cents,
                    "outstanding": b.outstanding_cents,
                    "due_on": _iso(b.due_on),
                    "paid_by_due_date": paid_on_time,
                    "honour": b.assessed_cents > 0 and paid_on_time >= b.assessed_cents,
                }
            )
        year_blocks.append(
            {
                "year": year,
                "opened": year in fiscal_years,
                "budget": budgets.get(year, 0),
                "assessed": sum(r["assessed"] for r in rows),
                "paid": sum(r["paid"] for r in rows),
                "outstanding": sum(r["outstanding"] for r in rows),
                "rows": rows,
                "honour_roll": [r["code"] for r in rows if r["honour"]],
            }
        )
    rule = ArrearsRule(settings.FUNDING_ARREARS_RULE)
    suspended = set(
        governance_selectors.voting_rights_suspensions_open().values_list(
            "member_state_id", flat=True
        )
    )
    exempt = {e.member_state_id for e in ArrearsExemption.objects.all() if e.is_current(as_of)}
    states = []
    for account in StateAccount.objects.select_related("member_state").order_by(
        "member_state__code"
    ):
        positions = all_positions.get(account.member_state_id, [])
        finding = assess_arrears(rule, positions, on=as_of)
        states.append(
            {
                **_state(account.member_state),
                "assessed": sum(p.assessed for p in positions),
                "paid": sum(p.assessed - p.outstanding for p in positions),
                "outstanding": sum(p.outstanding for p in positions),
                "credit": account.credit_cents,
                "arrears": finding.arrears,
                "threshold": finding.threshold,
                "over_line": finding.over_line,
                "exempt": account.member_state_id in exempt,
                "votes_suspended": account.member_state_id in suspended,
            }
        )
    return {
        "kind": "status",
        **_common(as_of),
        "years": year_blocks,
        "states": states,
        "totals": {
            "assessed": sum(s["assessed"] for s in states),
            "paid": sum(s["paid"] for s in states),
            "outstanding": sum(s["outstanding"] for s in states),
            "credit": sum(s["credit"] for s in states),
            "arrears": sum(s["arrears"] for s in states),
        },
    }


def _movement(kind: str, amount: int) -> int:
    """How an entry moves what the state owes net of credit (positive: owes more)."""
    return {
        "assessment": amount,
        "payment_applied": -amount,
        "credit": -amount,
        "credit_applied": 0,
    }[kind]


def build_statement(state: MemberState, *, as_of: dt.date) -> dict[str, Any]:
    """Statement of account: every entry with its running balance, payments as received."""
    rows = list(
        LedgerEntry.objects.filter(member_state=state)
        .select_related("fiscal_year", "call", "payment", "reverses")
        .order_by("id")
    )
    balance = 0
    lines = []
    for row in rows:
        if row.kind == "reversal":
            assert row.reverses is not None  # noqa: S101 - a database constraint
            move = -_movement(row.reverses.kind, row.amount_cents)
        else:
            move = _movement(row.kind, row.amount_cents)
        balance += move
        lines.append(
            {
                "id": row.pk,
                "date": row.value_date.isoformat(),
                "kind": row.kind,
                "year": row.fiscal_year.year if row.fiscal_year else None,
                "amount": row.amount_cents,
                "movement": move,
                "balance": balance,
                "call": row.call.reference if row.call else None,
                "due_on": _iso(row.due_on),
                "payment": row.payment_id,
                "reverses": row.reverses_id,
                "reverses_kind": row.reverses.kind if row.reverses else None,
                "memo": row.memo,
            }
        )
    position = ledger.balances(selectors.entries_of(state))
    finding = assess_arrears(
        ArrearsRule(settings.FUNDING_ARREARS_RULE),
        selectors.positions_of(state),
        on=as_of,
    )
    payments = [
        {
            "id": p.pk,
            "value_date": p.value_date.isoformat(),
            "amount": str(p.amount),
            "currency": p.currency,
            "rate": str(p.rate),
            "rate_date": p.rate_date.isoformat(),
            "rate_source": p.rate_source,
            "base_cents": p.base_amount_cents,
            "reference": p.reference,
            "reversed": hasattr(p, "reversal"),
        }
        for p in selectors.payments_of(state).order_by("value_date", "id")
    ]
    voluntary = [
        {
            "id": v.pk,
            "year": v.fiscal_year.year,
            "kind": v.kind,
            "description": v.description,
            "received_on": v.received_on.isoformat(),
            "amount": str(v.amount),
            "currency": v.currency,
            "base_cents": v.base_amount_cents * (-1 if v.reverses_id else 1),
            "valuation_basis": v.valuation_basis,
            "reverses": v.reverses_id,
        }
        for v in VoluntaryContribution.objects.filter(member_state=state)
        .select_related("fiscal_year")
        .order_by("received_on", "id")
    ]
    return {
        "kind": "statement",
        **_common(as_of),
        "state": _state(state),
        "entries": lines,
        "years": [
            {
                "year": y.year,
                "assessed": y.assessed,
                "paid": y.paid,
                "outstanding": y.outstanding,
                "due_on": _iso(y.due_on),
            }
            for y in position.years.values()
        ],
        "assessed": position.assessed,
        "paid": position.paid,
        "outstanding": position.outstanding,
        "credit": position.credit,
        "net_due": position.outstanding - position.credit,
        "arrears": finding.arrears,
        "arrears_threshold": finding.threshold,
        "over_line": finding.over_line,
        "payments": payments,
        "voluntary": voluntary,
    }


def build_letter(call: ContributionCall) -> dict[str, Any]:
    """A call for contributions: the amount, when it is due, how it was found, what is still owed."""
    state = call.member_state
    earlier = sum(
        b.outstanding_cents
        for b in YearBalance.objects.filter(
            member_state=state, fiscal_year__year__lt=call.fiscal_year.year
        )
    )
    credit_applied = sum(
        e.amount_cents
        for e in LedgerEntry.objects.filter(
            member_state=state,
            fiscal_year=call.fiscal_year,
            kind="credit_applied",
            value_date=call.issued_on,
        )
    )
    assessment = call.assessment
    return {
        "kind": "call_letter",
        **_common(call.issued_on),
        "reference": call.reference,
        "year": call.fiscal_year.year,
        "state": _state(state),
        "language": call.language,
        "issued_on": call.issued_on.isoformat(),
        "due_on": call.due_on.isoformat(),
        "amount": call.amount_cents,
        "share": str(assessment.share),
        "scale": assessment.scale.reference,
        "budget": sum(line.amount_cents for line in call.fiscal_year.lines.all()),
        "credit_applied": credit_applied,
        "earlier_outstanding": earlier,
        "sender": settings.FUNDING_LETTER_SENDER,
    }
