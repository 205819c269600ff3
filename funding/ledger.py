"""A member state's account as an append-only list of entries, in integer cents: pure, no ORM.

Every figure of an account is derived from its entries, never kept on its own:

- ``ASSESSMENT`` puts an amount due on a fiscal year (posted when the call is issued);
- ``PAYMENT_APPLIED`` settles part of a year with part of a payment;
- ``CREDIT`` is the part of a payment for which nothing was due: a credit carried forward;
- ``CREDIT_APPLIED`` settles part of a year with credit carried forward;
- ``REVERSAL`` cancels one earlier entry; it is how every correction is made.

Payments settle the oldest fiscal year first. Whenever credit is left and something is
outstanding, the credit is applied to the oldest outstanding year at once, so an account never
holds credit and an amount outstanding at the same time.

The functions named ``plan_*`` return the entries a change needs; the caller stores them in
order (a reversal names an entry that is already stored) and keeps any running balances with
:func:`effect`, the same function :func:`balances` uses to recompute them from scratch.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum

__all__ = [
    "Balances",
    "Effect",
    "Entry",
    "EntryKind",
    "LedgerError",
    "YearBalance",
    "allocate",
    "balances",
    "effect",
    "paid_by",
    "plan_credit_use",
    "plan_payment",
    "plan_reversal",
]


class LedgerError(ValueError):
    """A change the ledger cannot make (an unknown entry, a second reversal, a bad amount)."""


class EntryKind(StrEnum):
    ASSESSMENT = "assessment"
    PAYMENT_APPLIED = "payment_applied"
    CREDIT = "credit"
    CREDIT_APPLIED = "credit_applied"
    REVERSAL = "reversal"


@dataclass(frozen=True)
class Entry:
    """One line of the account. ``id`` is None until stored; ``amount`` is positive cents."""

    kind: EntryKind
    amount: int
    value_date: dt.date
    year: int | None = None  # the fiscal year; None for CREDIT (credit belongs to no year)
    due_on: dt.date | None = None  # ASSESSMENT only
    payment: int | None = None  # PAYMENT_APPLIED and CREDIT: the payment they come from
    reverses: int | None = None  # REVERSAL only: the id of the entry it cancels
    id: int | None = None


@dataclass(frozen=True)
class Effect:
    """What one entry changes: a year's assessed and paid amounts, and the credit."""

    year: int | None
    assessed: int = 0
    paid: int = 0
    credit: int = 0


@dataclass(frozen=True)
class YearBalance:
    year: int
    assessed: int
    paid: int
    due_on: dt.date | None

    @property
    def outstanding(self) -> int:
        return self.assessed - self.paid


@dataclass(frozen=True)
class Balances:
    """An account's position: per fiscal year (ordered by year) and the credit carried forward."""

    years: Mapping[int, YearBalance]
    credit: int

    @property
    def assessed(self) -> int:
        return sum(y.assessed for y in self.years.values())

    @property
    def paid(self) -> int:
        return sum(y.paid for y in self.years.values())

    @property
    def outstanding(self) -> int:
        return sum(y.outstanding for y in self.years.values())

    def year(self, year: int) -> YearBalance:
        return self.years.get(year) or YearBalance(year, 0, 0, None)


def _direct_effect(entry: Entry) -> Effect:
    kind = entry.kind
    if kind is EntryKind.ASSESSMENT:
        return Effect(entry.year, assessed=entry.amount)
    if kind is EntryKind.PAYMENT_APPLIED:
        return Effect(entry.year, paid=entry.amount)
    if kind is EntryKind.CREDIT:
        return Effect(None, credit=entry.amount)
    if kind is EntryKind.CREDIT_APPLIED:
        return Effect(entry.year, paid=entry.amount, credit=-entry.amount)
    raise LedgerError(f"A {kind} entry has no effect of its own.")


def effect(entry: Entry, target: Entry | None = None) -> Effect:
    """The change one entry makes; a reversal needs the entry it cancels as ``target``."""
    if entry.kind is not EntryKind.REVERSAL:
        return _direct_effect(entry)
    if target is None or target.id != entry.reverses:
        raise LedgerError("A reversal needs the entry it cancels.")
    undone = _direct_effect(target)
    return Effect(undone.year, -undone.assessed, -undone.paid, -undone.credit)


def _check(entry: Entry) -> None:
    if isinstance(entry.amount, bool) or not isinstance(entry.amount, int) or entry.amount <= 0:
        raise LedgerError(f"An entry's amount must be a positive whole number of cents: {entry}")
    needs_year = entry.kind in (
        EntryKind.ASSESSMENT,
        EntryKind.PAYMENT_APPLIED,
        EntryKind.CREDIT_APPLIED,
    )
    if needs_year and entry.year is None:
        raise LedgerError(f"A {entry.kind} entry belongs to a fiscal year: {entry}")
    if entry.kind is EntryKind.REVERSAL and entry.reverses is None:
        raise LedgerError("A reversal names the entry it cancels.")


def balances(entries: Iterable[Entry]) -> Balances:
    """Recompute an account's position from its entries alone."""
    stored = list(entries)
    by_id = {e.id: e for e in stored if e.id is not None}
    assessed: dict[int, int] = {}
    paid: dict[int, int] = {}
    due_on: dict[int, dt.date] = {}
    reversed_ids = {e.reverses for e in stored if e.kind is EntryKind.REVERSAL}
    credit = 0
    for entry in stored:
        _check(entry)
        target = by_id.get(entry.reverses) if entry.reverses is not None else None
        if entry.kind is EntryKind.REVERSAL and target is None:
            raise LedgerError(f"Entry {entry.id} reverses an unknown entry {entry.reverses}.")
        change = effect(entry, target)
        credit += change.credit
        if change.year is not None:
            assessed[change.year] = assessed.get(change.year, 0) + change.assessed
            paid[change.year] = paid.get(change.year, 0) + change.paid
        if (
            entry.kind is EntryKind.ASSESSMENT
            and entry.id not in reversed_ids
            and entry.due_on is not None
            and entry.year is not None
        ):
            due_on[entry.year] = min(due_on.get(entry.year, entry.due_on), entry.due_on)
    years = {
        year: YearBalance(year, assessed[year], paid.get(year, 0), due_on.get(year))
        for year in sorted(assessed)
    }
    return Balances(years=years, credit=credit)


def allocate(outstanding: Mapping[int, int], amount: int) -> tuple[dict[int, int], int]:
    """Split ``amount`` over the outstanding years, oldest first; return (per year, left over)."""
    if amount < 0:
        raise LedgerError("Cannot allocate a negative amount.")
    parts: dict[int, int] = {}
    left = amount
    for year in sorted(outstanding):
        if left == 0:
            break
        take = min(left, outstanding[year])
        if take > 0:
            parts[year] = take
            left -= take
    return parts, left


def _outstanding(position: Balances) -> dict[int, int]:
    return {y: b.outstanding for y, b in position.years.items() if b.outstanding > 0}


def plan_payment(
    entries: Sequence[Entry], *, payment: int, amount: int, value_date: dt.date
) -> list[Entry]:
    """Entries for a payment of ``amount`` cents: the oldest years first, the rest as credit."""
    if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
        raise LedgerError("A payment must be a positive whole number of cents.")
    parts, left = allocate(_outstanding(balances(entries)), amount)
    planned = [
        Entry(EntryKind.PAYMENT_APPLIED, cents, value_date, year=year, payment=payment)
        for year, cents in parts.items()
    ]
    if left:
        planned.append(Entry(EntryKind.CREDIT, left, value_date, payment=payment))
    return planned


def plan_credit_use(entries: Sequence[Entry], *, value_date: dt.date) -> list[Entry]:
    """Entries that apply the credit carried forward to the oldest outstanding years."""
    position = balances(entries)
    if position.credit <= 0:
        return []
    parts, _left = allocate(_outstanding(position), position.credit)
    return [
        Entry(EntryKind.CREDIT_APPLIED, cents, value_date, year=year)
        for year, cents in parts.items()
    ]


def _reversal_of(target: Entry, value_date: dt.date) -> Entry:
    return Entry(
        EntryKind.REVERSAL,
        target.amount,
        value_date,
        year=target.year,
        payment=target.payment,
        reverses=target.id,
    )


def plan_reversal(
    entries: Sequence[Entry], *, targets: Iterable[int], value_date: dt.date
) -> list[Entry]:
    """Entries that cancel ``targets`` and put the account right again.

    After the targets are cancelled: a year now paid beyond what is assessed gives back its
    latest settlements (a payment's part returns as that payment's credit); credit that went
    below zero (its money was cancelled) takes back the latest uses of credit; and whatever
    credit remains is applied to the oldest outstanding years.
    """
    stored = list(entries)
    by_id = {e.id: e for e in stored if e.id is not None}
    already = {e.reverses for e in stored if e.kind is EntryKind.REVERSAL}
    planned: list[Entry] = []
    reversed_now: set[int] = set()

    def cancel(target: Entry) -> None:
        assert target.id is not None  # noqa: S101 - only stored entries are cancelled
        planned.append(_reversal_of(target, value_date))
        reversed_now.add(target.id)

    for target_id in targets:
        target = by_id.get(target_id)
        if target is None:
            raise LedgerError(f"No entry {target_id} in this account.")
        if target.kind is EntryKind.REVERSAL:
            raise LedgerError("A reversal is not reversed; record the entry again instead.")
        if target_id in already or target_id in reversed_now:
            raise LedgerError(f"Entry {target_id} is already reversed.")
        cancel(target)

    def live(kinds: tuple[EntryKind, ...], year: int | None = None) -> list[Entry]:
        gone = already | reversed_now
        return [
            e
            for e in reversed(stored)  # newest first
            if e.kind in kinds and e.id not in gone and (year is None or e.year == year)
        ]

    def position() -> Balances:
        return balances(stored + _provisional(planned, stored))

    # A year paid beyond its assessment gives back its latest settlements.
    for year, line in position().years.items():
        excess = line.paid - line.assessed
        for settlement in live((EntryKind.PAYMENT_APPLIED, EntryKind.CREDIT_APPLIED), year):
            if excess <= 0:
                break
            cancel(settlement)
            if settlement.kind is EntryKind.PAYMENT_APPLIED:
                planned.append(
                    Entry(
                        EntryKind.CREDIT,
                        settlement.amount,
                        value_date,
                        payment=settlement.payment,
                    )
                )
            excess -= settlement.amount
    # Credit below zero takes back the latest uses of credit.
    deficit = -position().credit
    for use in live((EntryKind.CREDIT_APPLIED,)):
        if deficit <= 0:
            break
        cancel(use)
        deficit -= use.amount
    if position().credit < 0:
        raise LedgerError("The reversal leaves the account with negative credit.")
    planned.extend(plan_credit_use(stored + _provisional(planned, stored), value_date=value_date))
    return planned


def _provisional(planned: Sequence[Entry], stored: Sequence[Entry]) -> list[Entry]:
    """Give planned entries ids that cannot clash with stored ones, for recomputing balances."""
    base = min((e.id for e in stored if e.id is not None), default=0)
    start = min(base, 0) - 1
    return [replace(e, id=start - i) for i, e in enumerate(planned)]


def paid_by(entries: Iterable[Entry], *, year: int, on: dt.date) -> int:
    """What settled ``year`` with a value date on or before ``on``, leaving out what was reversed.

    Used for the honour roll: a payment later found to be in error never counted.
    """
    stored = list(entries)
    reversed_ids = {e.reverses for e in stored if e.kind is EntryKind.REVERSAL}
    return sum(
        e.amount
        for e in stored
        if e.kind in (EntryKind.PAYMENT_APPLIED, EntryKind.CREDIT_APPLIED)
        and e.year == year
        and e.value_date <= on
        and e.id not in reversed_ids
    )
