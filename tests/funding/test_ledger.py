"""The pure ledger: allocation oldest first, credit carried forward, reversals, recomputation."""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from funding import ledger
from funding.ledger import Entry, EntryKind

DAY = dt.date(2026, 3, 1)


class Account:
    """Stores planned entries with ids and keeps running balances, as the services do."""

    def __init__(self) -> None:
        self.entries: list[Entry] = []
        self.assessed: dict[int, int] = {}
        self.paid: dict[int, int] = {}
        self.credit = 0
        self.payments: dict[int, int] = {}
        self.reversed_payments: set[int] = set()

    def store(self, planned: list[Entry]) -> list[Entry]:
        stored = []
        by_id = {e.id: e for e in self.entries}
        for entry in planned:
            entry = replace(entry, id=len(self.entries) + 1)
            change = ledger.effect(entry, by_id.get(entry.reverses))
            self.credit += change.credit
            if change.year is not None:
                self.assessed[change.year] = self.assessed.get(change.year, 0) + change.assessed
                self.paid[change.year] = self.paid.get(change.year, 0) + change.paid
            self.entries.append(entry)
            by_id[entry.id] = entry
            stored.append(entry)
        return stored

    def assess(self, year: int, amount: int) -> None:
        due = dt.date(year, 2, 1)
        self.store(
            [Entry(EntryKind.ASSESSMENT, amount, dt.date(year, 1, 1), year=year, due_on=due)]
        )
        self.store(ledger.plan_credit_use(self.entries, value_date=DAY))

    def pay(self, amount: int) -> list[Entry]:
        payment = len(self.payments) + 1
        self.payments[payment] = amount
        return self.store(
            ledger.plan_payment(self.entries, payment=payment, amount=amount, value_date=DAY)
        )

    def reverse_payment(self, payment: int) -> None:
        undone = {e.reverses for e in self.entries}
        targets = [
            e.id for e in self.entries
            if e.payment == payment and e.kind is not EntryKind.REVERSAL and e.id not in undone
        ]  # fmt: skip
        self.store(ledger.plan_reversal(self.entries, targets=targets, value_date=DAY))
        self.reversed_payments.add(payment)

    def reverse_entry(self, entry_id: int) -> None:
        self.store(ledger.plan_reversal(self.entries, targets=[entry_id], value_date=DAY))


def test_a_payment_settles_the_oldest_year_first_and_the_rest_is_credit():
    """Two years due; a payment covers the older, part of the newer, and nothing is left over."""
    # given
    account = Account()
    account.assess(2024, 1000)
    account.assess(2025, 500)
    # when
    planned = account.pay(1200)
    # then
    assert [(e.kind, e.year, e.amount) for e in planned] == [
        (EntryKind.PAYMENT_APPLIED, 2024, 1000),
        (EntryKind.PAYMENT_APPLIED, 2025, 200),
    ]
    position = ledger.balances(account.entries)
    assert position.year(2025).outstanding == 300
    assert position.credit == 0


def test_an_overpayment_becomes_credit_applied_to_the_next_call():
    """What is paid beyond every amount due is carried forward and settles the next call."""
    # given
    account = Account()
    account.assess(2024, 1000)
    planned = account.pay(1500)
    assert planned[-1].kind is EntryKind.CREDIT and planned[-1].amount == 500
    # when the next year is called
    account.assess(2025, 800)
    # then the credit settles part of it
    position = ledger.balances(account.entries)
    assert position.credit == 0
    assert position.year(2025).paid == 500
    assert position.year(2025).outstanding == 300


def test_reversing_a_payment_whose_credit_was_used_takes_the_use_back():
    """A payment in error is undone even after its credit settled a later year."""
    # given
    account = Account()
    account.assess(2024, 1000)
    account.pay(1500)
    account.assess(2025, 800)
    # when the payment is reversed
    account.reverse_payment(1)
    # then both years are outstanding again and no credit is left
    position = ledger.balances(account.entries)
    assert position.year(2024).outstanding == 1000
    assert position.year(2025).outstanding == 800
    assert position.credit == 0
    assert all(e.amount > 0 for e in account.entries)


def test_reversing_an_assessment_turns_what_paid_it_into_credit():
    """A call withdrawn after it was paid leaves the money as credit for the next amount due."""
    # given
    account = Account()
    account.assess(2024, 1000)
    account.assess(2025, 400)
    account.pay(1000)
    assessment_2024 = account.entries[0].id
    assert assessment_2024 is not None
    # when
    account.reverse_entry(assessment_2024)
    # then 2025 is settled from the returned money, and 600 remains as credit
    position = ledger.balances(account.entries)
    assert position.year(2024).assessed == 0
    assert position.year(2025).outstanding == 0
    assert position.credit == 600


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        (Entry(EntryKind.ASSESSMENT, 0, DAY, year=2024), "positive"),
        (Entry(EntryKind.PAYMENT_APPLIED, 5, DAY), "fiscal year"),
        (Entry(EntryKind.REVERSAL, 5, DAY, year=2024), "names the entry"),
    ],
)
def test_malformed_entries_are_refused(entry, message):
    """Zero amounts, settlements without a year and reversals without a target are refused."""
    with pytest.raises(ledger.LedgerError, match=message):
        ledger.balances([replace(entry, id=1)])


def test_an_entry_is_reversed_once_and_a_reversal_never():
    """A second reversal of the same entry, or the reversal of a reversal, is refused."""
    account = Account()
    account.assess(2024, 1000)
    account.reverse_entry(1)
    with pytest.raises(ledger.LedgerError, match="already reversed"):
        account.reverse_entry(1)
    with pytest.raises(ledger.LedgerError, match="not reversed"):
        account.reverse_entry(2)


def test_paid_by_leaves_out_what_was_reversed():
    """The honour roll counts only payments made by the due date and never reversed."""
    account = Account()
    account.assess(2024, 1000)
    account.pay(1000)
    account.reverse_payment(1)
    assert ledger.paid_by(account.entries, year=2024, on=DAY) == 0


operations = st.lists(
    st.one_of(
        st.tuples(st.just("assess"), st.integers(2020, 2024), st.integers(1, 10**7)),
        st.tuples(st.just("pay"), st.integers(1, 10**7)),
        st.tuples(st.just("reverse_payment"), st.integers(1, 20)),
        st.tuples(st.just("reverse_assessment"), st.integers(0, 20)),
    ),
    max_size=25,
)


@settings(max_examples=300, deadline=None)
@given(ops=operations)
def test_every_sequence_of_changes_keeps_the_books_whole(ops):
    """Whatever happens, the books add up to the cent and the running totals equal a recount.

    After every change: paid + outstanding == assessed for every year, nothing is overpaid, the
    credit is never negative and is never held while anything is outstanding, each payment is
    allocated in full, what was paid and the credit add up to the payments not reversed, and
    recomputing from the entries gives exactly the running balances.
    """
    account = Account()
    for op in ops:
        if op[0] == "assess":
            account.assess(op[1], op[2])
        elif op[0] == "pay":
            before = ledger.balances(account.entries)
            planned = account.pay(op[1])
            # the sum of the allocations is the payment, oldest years first
            assert sum(e.amount for e in planned) == op[1]
            applied = [e for e in planned if e.kind is EntryKind.PAYMENT_APPLIED]
            for earlier, later in itertools.pairwise(applied):
                assert earlier.year is not None and later.year is not None
                assert earlier.year < later.year
                assert earlier.amount == before.year(earlier.year).outstanding
        elif op[0] == "reverse_payment":
            if op[1] in account.payments and op[1] not in account.reversed_payments:
                account.reverse_payment(op[1])
        else:
            undone = {e.reverses for e in account.entries}
            live = [
                e.id for e in account.entries
                if e.kind is EntryKind.ASSESSMENT and e.id not in undone
            ]  # fmt: skip
            if live:
                target = live[op[1] % len(live)]
                assert target is not None
                account.reverse_entry(target)

        position = ledger.balances(account.entries)
        assert position.credit == account.credit
        assert {y: b.assessed for y, b in position.years.items()} == dict(account.assessed)
        assert {y: b.paid for y, b in position.years.items()} == dict(account.paid)
        for line in position.years.values():
            assert line.paid + line.outstanding == line.assessed
            assert 0 <= line.paid <= line.assessed
        assert position.credit >= 0
        if position.credit > 0:
            assert position.outstanding == 0
        live_payments = sum(
            amount for p, amount in account.payments.items() if p not in account.reversed_payments
        )
        assert position.paid + position.credit == live_payments
        assert all(e.amount > 0 for e in account.entries)
