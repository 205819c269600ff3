"""A fiscal year: its budget, its approval, the assessment of each state and the calls."""

from __future__ import annotations

import datetime as dt
from fractions import Fraction
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.actors import Actor
from core.audit import audit_record, snapshot
from core.bounds import check_day
from core.errors import Conflict, ValidationFailed
from funding import clock, ledger, permissions, selectors
from funding.models import (
    Assessment,
    BudgetLine,
    CallLanguage,
    ContributionCall,
    FiscalYear,
    FiscalYearStatus,
    Report,
    ReportKind,
    ScaleShare,
)
from funding.rules import apportion
from funding.selectors import base_currency
from funding.services.arrears import arrears_check
from funding.services.posting import lock_accounts, post
from funding.services.scales import check_budget_motion
from governance.choices import MotionOutcome, MotionStatus

if TYPE_CHECKING:
    from governance.models import Motion


def _locked(fiscal_year: FiscalYear) -> FiscalYear:
    return FiscalYear.objects.select_for_update().get(pk=fiscal_year.pk)


@transaction.atomic
def fiscal_year_create(*, actor: Actor, year: int) -> FiscalYear:
    """Open a fiscal year in the base currency of the books."""
    permissions.check_handle_money(actor)
    first, last = settings.FACILITY_FOUNDED.year, clock.today().year + 5
    if not first <= year <= last:
        raise ValidationFailed(
            _("Open a fiscal year from %(first)d to %(last)d.") % {"first": first, "last": last},
            field="year",
        )
    fiscal_year = FiscalYear(year=year, base_currency=base_currency())
    fiscal_year.full_clean()
    fiscal_year.save()
    audit_record(
        actor=actor, action="fiscal_year.create", target=fiscal_year, after=snapshot(fiscal_year)
    )
    return fiscal_year


@transaction.atomic
def budget_line_set(
    *, actor: Actor, fiscal_year: FiscalYear, code: str, title: str, amount_cents: int
) -> BudgetLine:
    """Add or change a budget line while the budget is still in preparation."""
    permissions.check_handle_money(actor)
    locked = _locked(fiscal_year)
    if locked.status != FiscalYearStatus.DRAFT:
        raise Conflict(
            _("The budget of %(year)d is approved; it no longer changes.") % {"year": locked.year}
        )
    line = BudgetLine.objects.filter(fiscal_year=locked, code=code).first() or BudgetLine(
        fiscal_year=locked, code=code
    )
    before = snapshot(line, ["title", "amount_cents"]) if line.pk else {}
    line.title = title
    line.amount_cents = amount_cents
    line.full_clean()
    line.save()
    audit_record(
        actor=actor,
        action="budget_line.set",
        target=line,
        before=before,
        after=snapshot(line, ["code", "title", "amount_cents"]),
    )
    return line


@transaction.atomic
def fiscal_year_submit_budget(
    *, actor: Actor, fiscal_year: FiscalYear, motion: Motion
) -> FiscalYear:
    """Name the budget motion of the finance committee whose adoption approves this budget."""
    permissions.check_handle_money(actor)
    locked = _locked(fiscal_year)
    if locked.status != FiscalYearStatus.DRAFT:
        raise Conflict(_("The budget is already approved."))
    check_budget_motion(motion)
    if motion.status not in (MotionStatus.DRAFT, MotionStatus.TABLED):
        raise Conflict(_("The motion's vote has already opened."), field="motion")
    if not selectors.budget_cents(locked):
        raise ValidationFailed(_("The budget has no lines yet."))
    locked.budget_motion = motion
    locked.save(update_fields=["budget_motion"])
    audit_record(
        actor=actor,
        action="fiscal_year.submit_budget",
        target=locked,
        after={"motion": motion.reference, "budget_cents": selectors.budget_cents(locked)},
    )
    return locked


@transaction.atomic
def fiscal_year_approve(*, actor: Actor, fiscal_year: FiscalYear) -> FiscalYear:
    """Record the approval of the budget once its motion is certified as adopted."""
    permissions.check_handle_money(actor)
    locked = _locked(fiscal_year)
    if locked.status != FiscalYearStatus.DRAFT:
        raise Conflict(_("The budget is already approved."))
    motion = locked.budget_motion
    if motion is None:
        raise ValidationFailed(_("Submit the budget to the finance committee first."))
    if motion.status not in (MotionStatus.CERTIFIED, MotionStatus.PUBLISHED):
        raise Conflict(_("The council's decision is not certified yet."))
    if motion.outcome != MotionOutcome.ADOPTED:
        raise Conflict(_("The council did not adopt this budget."))
    locked.status = FiscalYearStatus.APPROVED
    locked.approved_at = timezone.now()
    locked.full_clean()
    locked.save(update_fields=["status", "approved_at"])
    audit_record(
        actor=actor,
        action="fiscal_year.approve",
        target=locked,
        before={"status": "draft"},
        after={"status": "approved", "budget_cents": selectors.budget_cents(locked)},
    )
    return locked


@transaction.atomic
def assessments_compute(*, actor: Actor, fiscal_year: FiscalYear) -> list[Assessment]:
    """Apportion the approved budget by the adopted scale, to the cent (largest remainders)."""
    permissions.check_handle_money(actor)
    locked = _locked(fiscal_year)
    if locked.status != FiscalYearStatus.APPROVED:
        raise Conflict(_("Assessments follow the approval of the budget."))
    if Assessment.objects.filter(fiscal_year=locked).exists():
        raise Conflict(_("The assessments of %(year)d are already made.") % {"year": locked.year})
    scale = selectors.scale_covering(locked.year)
    if scale is None:
        raise Conflict(_("No adopted scale covers %(year)d.") % {"year": locked.year})
    if scale.budget_currency != locked.base_currency:
        raise Conflict(_("The scale and the budget are in different currencies."))
    shares = list(
        ScaleShare.objects.filter(scale=scale, year=locked.year).select_related("member_state")
    )
    total = selectors.budget_cents(locked)
    amounts = apportion(total, {s.member_state.code: Fraction(s.share_exact) for s in shares})
    rows = [
        Assessment(
            fiscal_year=locked,
            member_state=s.member_state,
            scale=scale,
            share_exact=s.share_exact,
            share=s.share,
            amount_cents=amounts[s.member_state.code],
        )
        for s in shares
    ]
    for row in rows:
        row.full_clean(exclude=["fiscal_year", "member_state", "scale"])
    Assessment.objects.bulk_create(rows)
    audit_record(
        actor=actor,
        action="assessments.compute",
        target=locked,
        after={"scale": scale.reference, "budget_cents": total, "states": len(rows)},
    )
    return rows


def call_language(code: str) -> str:
    return settings.FUNDING_STATE_LANGUAGES.get(code, CallLanguage.EN)


@transaction.atomic
def calls_issue(
    *,
    actor: Actor,
    fiscal_year: FiscalYear,
    issued_on: dt.date,
    languages: dict[str, str] | None = None,
    letters: bool = True,
) -> list[ContributionCall]:
    """Issue the calls not yet issued: each due after the configured days, with its letter.

    ``letters=False`` is for back-filling past years kept elsewhere; real calls have letters.
    """
    from funding.services.reports import enqueue

    permissions.check_handle_money(actor)
    check_day(issued_on, field="issued_on", years_ahead=1)
    locked = _locked(fiscal_year)
    if locked.status != FiscalYearStatus.APPROVED:
        raise Conflict(_("Calls follow the approval of the budget."))
    pending = list(
        Assessment.objects.filter(fiscal_year=locked, call__isnull=True, amount_cents__gt=0)
        .select_related("member_state")
        .order_by("member_state__code")
    )
    if not pending:
        raise Conflict(_("Every assessment of %(year)d is already called.") % {"year": locked.year})
    due_on = issued_on + dt.timedelta(days=settings.FUNDING_CALL_DUE_DAYS)
    accounts = lock_accounts([a.member_state for a in pending])
    calls = []
    for assessment in pending:
        state = assessment.member_state
        language = (languages or {}).get(state.code) or call_language(state.code)
        call = ContributionCall(
            fiscal_year=locked,
            member_state=state,
            assessment=assessment,
            reference=f"CFC/{locked.year}/{state.code}",
            issued_on=issued_on,
            due_on=due_on,
            amount_cents=assessment.amount_cents,
            language=language,
            issued_by=actor.user,
            issued_by_label=actor.label[:200],
        )
        call.full_clean()
        call.save()
        account = accounts[state.pk]
        called = ledger.Entry(
            ledger.EntryKind.ASSESSMENT,
            assessment.amount_cents,
            issued_on,
            year=locked.year,
            due_on=due_on,
        )
        post(actor=actor, account=account, planned=[called], call=call, memo=call.reference)
        credit_use = ledger.plan_credit_use(selectors.entries_of(state), value_date=issued_on)
        post(actor=actor, account=account, planned=credit_use, memo="credit carried forward")
        if letters:
            call.letter = Report.objects.create(
                kind=ReportKind.CALL_LETTER,
                params={"call_id": call.pk},
                language=language,
                requested_by=actor.user,
                requested_by_label=actor.label[:200],
            )
            call.save(update_fields=["letter"])
            enqueue(call.letter)
        calls.append(call)
    audit_record(
        actor=actor,
        action="calls.issue",
        target=locked,
        after={
            "issued_on": issued_on.isoformat(),
            "due_on": due_on.isoformat(),
            "calls": len(calls),
            "total_cents": sum(c.amount_cents for c in calls),
        },
    )
    for call in calls:
        arrears_check(actor=actor, member_state=call.member_state)
    return calls
