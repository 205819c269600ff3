"""Money coming in: payments in any currency, their reversal, voluntary and in-kind contributions."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils.translation import gettext as _

from core.actors import Actor
from core.audit import audit_record, snapshot
from core.bounds import check_day, decimal_problem
from core.errors import Conflict, ValidationFailed
from core.permissions import require_fresh_mfa
from core.validators import clean_or_fail
from funding import clock, fx, ledger, permissions, selectors
from funding.errors import LedgerConflict
from funding.models import (
    BASE_CENTS_MAX,
    FiscalYear,
    Payment,
    PaymentReversal,
    VoluntaryContribution,
    VoluntaryKind,
)
from funding.selectors import base_currency
from funding.services.arrears import arrears_check
from funding.services.posting import lock_accounts, post

if TYPE_CHECKING:
    from governance.models import MemberState

ARREARS_ACTOR_LABEL = "funding.arrears"


def _amount(value: Decimal) -> Decimal:
    if not isinstance(value, Decimal) or not value.is_finite() or value <= 0:
        raise ValidationFailed(_("The amount must be a positive number."), field="amount")
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -2:
        raise ValidationFailed(_("Give the amount to the cent at most."), field="amount")
    problem = decimal_problem(value, Payment._meta.get_field("amount"))
    if problem:
        raise ValidationFailed(problem, field="amount")
    return value.quantize(Decimal("0.01"))


def _value_date(value: dt.date, field: str = "value_date") -> dt.date:
    if value > clock.today():
        raise ValidationFailed(_("The date cannot be in the future."), field=field)
    # Nothing was paid before the facility existed; a year-1 date would also overflow the
    # rate lookup.
    check_day(value, field=field)
    return value


def _convert(amount: Decimal, currency: str, on: dt.date) -> tuple[selectors.RateQuote, int]:
    if len(currency) != 3 or not currency.isalpha():
        raise ValidationFailed(_("Use a three-letter ISO 4217 currency code."), field="currency")
    quote = selectors.rate_on(currency.upper(), base_currency(), on)
    cents = fx.convert_to_cents(amount, quote.per_base_unit)
    if cents <= 0:
        raise ValidationFailed(_("The amount is less than a cent once converted."), field="amount")
    if cents > BASE_CENTS_MAX:
        raise ValidationFailed(
            _("The amount is too large once converted into %(base)s.")
            % {"base": quote.base_currency},
            field="amount",
        )
    return quote, cents


def _arrears_actor() -> Actor:
    from core.models import AuditSource

    # Votes are suspended by the rule, not by the person who recorded the payment.
    return Actor.system(ARREARS_ACTOR_LABEL, source=AuditSource.TASK)


@dataclass(frozen=True)
class PaymentPreview:
    """What recording a payment would do: the amount as received, the rate, the converted sum."""

    member_state: MemberState
    value_date: dt.date
    amount: Decimal
    quote: selectors.RateQuote
    base_cents: int

    @property
    def currency(self) -> str:
        return self.quote.currency

    @property
    def base_currency(self) -> str:
        return self.quote.base_currency

    @property
    def base_amount(self) -> Decimal:
        return fx.cents_to_decimal(self.base_cents)


def payment_preview(
    *, actor: Actor, member_state: MemberState, value_date: dt.date, amount: Decimal, currency: str
) -> PaymentPreview:
    """The checks and the conversion of :func:`payment_record`, saving nothing.

    The page shows this before the officer confirms; recording runs it again, so a rate
    imported in between is noticed rather than trusted from the first step.
    """
    permissions.check_handle_money(actor)
    amount = _amount(amount)
    value_date = _value_date(value_date)
    quote, cents = _convert(amount, currency, value_date)
    return PaymentPreview(member_state, value_date, amount, quote, cents)


@transaction.atomic
def payment_record(
    *,
    actor: Actor,
    member_state: MemberState,
    value_date: dt.date,
    amount: Decimal,
    currency: str,
    reference: str = "",
    note: str = "",
) -> Payment:
    """Record money received: converted at the ECB rate of its value date, oldest dues first."""
    permissions.check_handle_money(actor)
    require_fresh_mfa(actor)
    preview = payment_preview(
        actor=actor,
        member_state=member_state,
        value_date=value_date,
        amount=amount,
        currency=currency,
    )
    amount, value_date = preview.amount, preview.value_date
    quote, cents = preview.quote, preview.base_cents
    account = lock_accounts([member_state])[member_state.pk]
    payment = Payment(
        member_state=member_state,
        value_date=value_date,
        amount=amount,
        currency=quote.currency,
        base_currency=quote.base_currency,
        rate=quote.per_base_unit,
        rate_date=quote.rate_date,
        rate_source=quote.source,
        base_amount_cents=cents,
        rounding=fx.AMOUNT_ROUNDING,
        reference=reference,
        note=note,
        recorded_by=actor.user,
        recorded_by_label=actor.label[:200],
    )
    clean_or_fail(payment)
    payment.save()
    planned = ledger.plan_payment(
        selectors.entries_of(member_state), payment=payment.pk, amount=cents, value_date=value_date
    )
    post(actor=actor, account=account, planned=planned, payment=payment, memo=reference)
    audit_record(
        actor=actor,
        action="payment.record",
        target=payment,
        after={
            **snapshot(payment),
            "allocation": [
                {"kind": e.kind.value, "year": e.year, "cents": e.amount} for e in planned
            ],
        },
    )
    arrears_check(actor=_arrears_actor(), member_state=member_state)
    return payment


@transaction.atomic
def payment_reverse(
    *, actor: Actor, payment: Payment, reason: str, reversed_on: dt.date | None = None
) -> PaymentReversal:
    """Undo a payment recorded in error with reversal entries; the payment itself stays."""
    permissions.check_handle_money(actor)
    require_fresh_mfa(actor)
    if not reason.strip():
        raise ValidationFailed(_("Say why the payment is reversed."), field="reason")
    reversed_on = _value_date(reversed_on or clock.today(), field="reversed_on")
    state = payment.member_state
    account = lock_accounts([state])[state.pk]
    if PaymentReversal.objects.filter(payment=payment).exists():
        raise Conflict(_("This payment is already reversed."))
    entries = selectors.entries_of(state)
    undone = {e.reverses for e in entries if e.kind is ledger.EntryKind.REVERSAL}
    # The payment's own entries still in force (a reversal carries the payment id too).
    targets = [
        e.id
        for e in entries
        if e.id is not None
        and e.payment == payment.pk
        and e.kind is not ledger.EntryKind.REVERSAL
        and e.id not in undone
    ]
    try:
        planned = ledger.plan_reversal(entries, targets=targets, value_date=reversed_on)
    except ledger.LedgerError as exc:
        raise LedgerConflict(str(exc)) from exc
    reversal = PaymentReversal(
        payment=payment, reason=reason, reversed_on=reversed_on, reversed_by_label=actor.label[:200]
    )
    reversal.full_clean()
    reversal.save()
    post(actor=actor, account=account, planned=planned, memo=f"reversal: {reason}"[:300])
    audit_record(
        actor=actor,
        action="payment.reverse",
        target=payment,
        after={"reason": reason, "reversed_on": reversed_on.isoformat(), "entries": len(planned)},
        reason=reason,
    )
    arrears_check(actor=_arrears_actor(), member_state=state)
    return reversal


@transaction.atomic
def voluntary_record(
    *,
    actor: Actor,
    member_state: MemberState,
    fiscal_year: FiscalYear,
    kind: str,
    description: str,
    received_on: dt.date,
    amount: Decimal,
    currency: str,
    valuation_basis: str = "",
) -> VoluntaryContribution:
    """Record a voluntary contribution, or one in kind with its valuation and how it was made."""
    permissions.check_handle_money(actor)
    if kind not in VoluntaryKind.values:
        raise ValidationFailed(_("Choose money or in kind."), field="kind")
    if not description.strip():
        raise ValidationFailed(_("Describe the contribution."), field="description")
    if kind == VoluntaryKind.IN_KIND and not valuation_basis.strip():
        raise ValidationFailed(
            _("Say how the contribution in kind was valued."), field="valuation_basis"
        )
    amount = _amount(amount)
    received_on = _value_date(received_on, field="received_on")
    quote, cents = _convert(amount, currency, received_on)
    contribution = VoluntaryContribution(
        member_state=member_state,
        fiscal_year=fiscal_year,
        kind=kind,
        description=description,
        received_on=received_on,
        amount=amount,
        currency=quote.currency,
        rate=quote.per_base_unit,
        rate_date=quote.rate_date,
        rate_source=quote.source,
        base_amount_cents=cents,
        valuation_basis=valuation_basis,
        recorded_by_label=actor.label[:200],
    )
    clean_or_fail(contribution)
    contribution.save()
    audit_record(
        actor=actor, action="voluntary.record", target=contribution, after=snapshot(contribution)
    )
    return contribution


@transaction.atomic
def voluntary_reverse(
    *, actor: Actor, contribution: VoluntaryContribution, reason: str
) -> VoluntaryContribution:
    """Cancel a voluntary contribution recorded in error by a reversing row."""
    permissions.check_handle_money(actor)
    if not reason.strip():
        raise ValidationFailed(_("Say why the contribution is reversed."), field="reason")
    locked = VoluntaryContribution.objects.select_for_update().get(pk=contribution.pk)
    if locked.reverses_id is not None:
        raise Conflict(_("A reversal is not reversed; record the contribution again instead."))
    if VoluntaryContribution.objects.filter(reverses=locked).exists():
        raise Conflict(_("This contribution is already reversed."))
    reversal = VoluntaryContribution(
        member_state=locked.member_state,
        fiscal_year=locked.fiscal_year,
        kind=locked.kind,
        description=f"Reversal: {reason}",
        received_on=clock.today(),
        amount=locked.amount,
        currency=locked.currency,
        rate=locked.rate,
        rate_date=locked.rate_date,
        rate_source=locked.rate_source,
        base_amount_cents=locked.base_amount_cents,
        valuation_basis=locked.valuation_basis,
        reverses=locked,
        recorded_by_label=actor.label[:200],
    )
    reversal.full_clean()
    reversal.save()
    audit_record(
        actor=actor,
        action="voluntary.reverse",
        target=locked,
        after={"reason": reason},
        reason=reason,
    )
    return reversal
