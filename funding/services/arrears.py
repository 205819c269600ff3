"""Arrears and votes: one service compares a state's position with the rule and acts on the change."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.actors import Actor
from core.audit import audit_record, snapshot
from core.bounds import check_day
from core.errors import NotAllowed, ValidationFailed
from core.models import AuditSource
from funding import clock, permissions, selectors
from funding.arrears_rule import ArrearsFinding, ArrearsRule, assess_arrears
from funding.models import ArrearsExemption, StateAccount
from funding.services.posting import lock_accounts
from governance import selectors as governance_selectors
from governance import services as governance
from governance.choices import MotionOutcome, MotionStatus

if TYPE_CHECKING:
    from governance.models import MemberState, Motion


def arrears_rule() -> ArrearsRule:
    return ArrearsRule(settings.FUNDING_ARREARS_RULE)


def _governance_actor() -> Actor:
    # governance lets the platform itself suspend and restore votes for arrears; the rule
    # acts here, whoever recorded the payment that moved the state across the line.
    return Actor.system("funding.arrears", source=AuditSource.TASK)


@transaction.atomic
def arrears_check(
    *, actor: Actor, member_state: MemberState, on: dt.date | None = None
) -> ArrearsFinding:
    """Recompute a state's arrears; suspend or restore its votes if it crossed the line.

    Idempotent: a state already suspended stays suspended once, and only a suspension made for
    arrears is lifted when the state pays back below the line or is granted an exemption.
    """
    permissions.check_view_finances(actor)
    on = on or clock.today()
    account: StateAccount = lock_accounts([member_state])[member_state.pk]
    finding = assess_arrears(arrears_rule(), selectors.positions_of(member_state), on=on)
    exemption = selectors.exemption_current(member_state, on)
    suspend = finding.over_line and exemption is None
    open_suspension = selectors.suspension_current(member_state)
    if suspend and open_suspension is None:
        governance.voting_rights_suspend(
            actor=_governance_actor(),
            member_state=member_state,
            reason=finding.explain(),
            reference=selectors.ARREARS_REFERENCE,
        )
    elif (
        not suspend
        and open_suspension is not None
        and open_suspension.reference == selectors.ARREARS_REFERENCE
    ):
        why = (
            f"Exempted by {exemption.motion.reference}: {exemption.reason}"
            if exemption is not None
            else finding.explain()
        )
        governance.voting_rights_restore(
            actor=_governance_actor(), member_state=member_state, reason=why
        )
    before = snapshot(account, ["arrears_cents", "over_arrears_line", "arrears_threshold_cents"])
    account.arrears_cents = finding.arrears
    account.arrears_threshold_cents = finding.threshold
    account.over_arrears_line = finding.over_line
    account.arrears_rule = finding.rule.value
    account.arrears_checked_at = timezone.now()
    account.save(
        update_fields=[
            "arrears_cents",
            "arrears_threshold_cents",
            "over_arrears_line",
            "arrears_rule",
            "arrears_checked_at",
        ]
    )
    if before.get("over_arrears_line") != finding.over_line:
        audit_record(
            actor=actor,
            action="arrears.line_crossed" if finding.over_line else "arrears.line_cleared",
            target=member_state,
            before=before,
            after={"arrears_cents": finding.arrears, "over_arrears_line": finding.over_line},
            reason=finding.explain(),
        )
    return finding


def arrears_check_all(*, actor: Actor, on: dt.date | None = None) -> dict[str, bool]:
    """Check every state with an account; each in its own transaction. Returns code → over line."""
    permissions.check_view_finances(actor)
    result = {}
    states = governance_selectors.member_state_list().filter(funding_account__isnull=False)
    for state in states:
        result[state.code] = arrears_check(actor=actor, member_state=state, on=on).over_line
    return result


@transaction.atomic
def arrears_exemption_record(
    *,
    actor: Actor,
    member_state: MemberState,
    motion: Motion,
    valid_from: dt.date,
    reason: str,
    valid_until: dt.date | None = None,
) -> ArrearsExemption:
    """Record a council's decision that a state keeps its vote despite arrears, then re-check."""
    permissions.check_handle_money(actor)
    if motion.status not in (MotionStatus.CERTIFIED, MotionStatus.PUBLISHED):
        raise ValidationFailed(
            _("The exemption rests on a certified decision; this motion is not certified."),
            field="motion",
        )
    if motion.outcome != MotionOutcome.ADOPTED:
        raise NotAllowed(_("The council did not adopt this motion."))
    check_day(valid_from, field="valid_from")
    check_day(valid_until, field="valid_until")
    exemption = ArrearsExemption(
        member_state=member_state,
        council=motion.council,
        motion=motion,
        valid_from=valid_from,
        valid_until=valid_until,
        reason=reason,
        recorded_by_label=actor.label[:200],
    )
    exemption.full_clean()
    exemption.save()
    audit_record(
        actor=actor, action="arrears.exemption", target=member_state, after=snapshot(exemption)
    )
    arrears_check(actor=actor, member_state=member_state)
    return exemption
