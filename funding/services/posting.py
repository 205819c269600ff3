"""Posting planned ledger entries and keeping the running balances with them (internal).

Callers hold the state's account lock (``lock_accounts``) and run inside their transaction.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

from django.db import transaction

from core.actors import Actor
from funding import ledger, selectors
from funding.models import (
    ContributionCall,
    FiscalYear,
    LedgerEntry,
    Payment,
    StateAccount,
    YearBalance,
)

if TYPE_CHECKING:
    from governance.models import MemberState


def lock_accounts(states: Iterable[MemberState]) -> dict[int, StateAccount]:
    """Lock the accounts of these states in code order (created if missing), so writers queue."""
    wanted = list(states)
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("lock_accounts must run inside the service's transaction.")
    StateAccount.objects.bulk_create(
        [StateAccount(member_state=state) for state in wanted], ignore_conflicts=True
    )
    locked = (
        StateAccount.objects.select_for_update(of=("self",))
        .filter(member_state__in=wanted)
        .order_by("member_state__code")
    )
    return {account.member_state_id: account for account in locked}


def post(
    *,
    actor: Actor,
    account: StateAccount,
    planned: Sequence[ledger.Entry],
    payment: Payment | None = None,
    call: ContributionCall | None = None,
    memo: str = "",
) -> list[LedgerEntry]:
    """Store planned entries in order and move the running balances by each entry's effect."""
    if not planned:
        return []
    state_id = account.member_state_id
    years = {fy.year: fy for fy in FiscalYear.objects.filter(year__in={e.year for e in planned})}
    wanted = {p.reverses for p in planned if p.reverses is not None}
    targets = (
        {e.id: e for e in selectors.entries_of(account.member_state) if e.id in wanted}
        if wanted
        else {}
    )
    balances = {
        b.fiscal_year.year: b
        for b in YearBalance.objects.select_for_update(of=("self",))
        .filter(member_state_id=state_id)
        .select_related("fiscal_year")
    }
    stored: list[LedgerEntry] = []
    recompute_due: set[int] = set()
    for entry in planned:
        row = LedgerEntry(
            member_state_id=state_id,
            fiscal_year=years.get(entry.year) if entry.year is not None else None,
            kind=entry.kind.value,
            amount_cents=entry.amount,
            value_date=entry.value_date,
            due_on=entry.due_on,
            payment_id=entry.payment if entry.payment is not None else None,
            call=call if entry.kind is ledger.EntryKind.ASSESSMENT else None,
            reverses_id=entry.reverses,
            memo=memo[:300],
            created_by_label=actor.label[:200],
        )
        if payment is not None and entry.payment == payment.pk:
            row.payment = payment
        row.full_clean()
        row.save()
        stored.append(row)
        target = None
        if entry.reverses is not None:
            target = _target(entry.reverses, targets)
            if target.kind is ledger.EntryKind.ASSESSMENT and target.year is not None:
                recompute_due.add(target.year)
        change = ledger.effect(replace(entry, id=row.pk), target)
        account.credit_cents += change.credit
        if change.year is not None:
            balance = balances.get(change.year)
            if balance is None:
                balance = YearBalance(member_state_id=state_id, fiscal_year=years[change.year])
                balances[change.year] = balance
            balance.assessed_cents += change.assessed
            balance.paid_cents += change.paid
            if entry.kind is ledger.EntryKind.ASSESSMENT and entry.due_on is not None:
                balance.due_on = min(balance.due_on or entry.due_on, entry.due_on)
    if recompute_due:
        fresh = ledger.balances(selectors.entries_of(account.member_state))
        for year in recompute_due:
            balances[year].due_on = fresh.year(year).due_on
    for balance in balances.values():
        balance.full_clean(exclude=["member_state", "fiscal_year"])
        balance.save()
    account.full_clean(exclude=["member_state"])
    account.save(update_fields=["credit_cents"])
    return stored


def _target(entry_id: int, known: Mapping[int, ledger.Entry]) -> ledger.Entry:
    target = known.get(entry_id)
    if target is None:
        raise ledger.LedgerError(f"Entry {entry_id} is not in this account.")
    return target
