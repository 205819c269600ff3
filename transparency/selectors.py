"""Reads the portal's pages share: a state's arrears and vote, a receipt looked up in a chain."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

from django.conf import settings

from funding import selectors as funding_selectors
from funding.arrears_rule import ArrearsRule, assess_arrears
from governance import selectors as governance_selectors

if TYPE_CHECKING:
    from funding.models import ArrearsExemption
    from governance.models import MemberState, Motion, VotingRightsSuspension

RECEIPT = re.compile(r"^[0-9a-f]{64}$")


@dataclass(frozen=True)
class ArrearsStanding:
    """A state's arrears on a day, the line its rule draws, and whether it votes (cents)."""

    rule: ArrearsRule
    on: dt.date
    arrears: int
    threshold: int
    over_line: bool
    years: tuple[int, ...]
    in_arrears_since: dt.date | None  # the first day the oldest unpaid amount counted as arrears
    exemption: ArrearsExemption | None
    suspension: VotingRightsSuspension | None

    @property
    def votes(self) -> bool:
        """Whether the state may vote today: only an open suspension takes the vote away."""
        return self.suspension is None

    @property
    def threshold_years(self) -> tuple[int, int]:
        """The two fiscal years whose contributions draw the line, the later first."""
        last = self.on.year if self.rule is ArrearsRule.CERN else self.on.year - 1
        return last, last - 1

    @property
    def to_regain(self) -> int:
        """The least payment that brings the arrears back within the line (0 if they are)."""
        if not self.over_line:
            return 0
        # CERN: the vote comes back at arrears <= line; Article 19: only below the line.
        return min(
            self.arrears,
            self.arrears - self.threshold + (0 if self.rule is ArrearsRule.CERN else 1),
        )

    @property
    def suspended_for_arrears(self) -> bool:
        return (
            self.suspension is not None
            and self.suspension.reference == funding_selectors.ARREARS_REFERENCE
        )


def arrears_standing(member_state: MemberState, *, on: dt.date) -> ArrearsStanding:
    """What the arrears rule in force finds for the state on `on`, with its exemption or suspension.

    The same arithmetic as the daily arrears check (funding.arrears_rule), read from the same
    stored balances, so the portal explains exactly what decides the state's vote.
    """
    rule = ArrearsRule(settings.FUNDING_ARREARS_RULE)
    positions = funding_selectors.positions_of(member_state)
    finding = assess_arrears(rule, positions, on=on)
    late = [p for p in positions if p.year in finding.years_in_arrears]
    if rule is ArrearsRule.CERN:
        # A contribution is late the day after it was due (assess_arrears: due_on < on).
        dues = [p.due_on for p in late if p.due_on is not None]
        since = min(dues) + dt.timedelta(days=1) if dues else None
    else:
        # Under Article 19 a year's unpaid contribution falls into arrears on 1 January after it.
        since = (
            dt.date(min(finding.years_in_arrears) + 1, 1, 1) if finding.years_in_arrears else None
        )
    return ArrearsStanding(
        rule=rule,
        on=on,
        arrears=finding.arrears,
        threshold=finding.threshold,
        over_line=finding.over_line,
        years=finding.years_in_arrears,
        in_arrears_since=since,
        exemption=funding_selectors.exemption_current(member_state, on),
        suspension=funding_selectors.suspension_current(member_state),
    )


class ReceiptStatus(StrEnum):
    COUNTED = "counted"
    SUPERSEDED = "superseded"
    OTHER_DECISION = "other_decision"
    NOT_FOUND = "not_found"


@dataclass(frozen=True)
class ReceiptCheck:
    """What the published chain says of a receipt (the hash of a ballot-chain entry)."""

    status: ReceiptStatus
    receipt: str
    seq: int | None = None
    choice: str = ""
    state: str = ""  # the state's code in a roll-call vote; empty in a secret one
    proxy_holder: str = ""
    counted_seq: int | None = None  # the entry that counts instead, when superseded
    other: Motion | None = None  # the published decision the receipt belongs to instead
    encrypted: bool = False  # a secret vote's tracker: the ballot holds no readable choice


def receipt_clean(text: str) -> str | None:
    """A pasted receipt without spaces or line breaks, in lower case; None if it is not one."""
    receipt = "".join(text.split()).lower()
    return receipt if RECEIPT.match(receipt) else None


def receipt_check(motion: Motion, receipt: str) -> ReceiptCheck:
    """Find the receipt in the decision's chain: the last entry of its tag counts, earlier ones not.

    "Last entry of its tag" is read from the chain itself (the highest sequence number with the
    same tag), as anyone re-walking the published chain would, not from a stored flag.
    """
    tracked = governance_selectors.tracker_find(motion, receipt) if motion.secret else None
    if tracked is not None:
        seq, state, last_encrypted = tracked
        return ReceiptCheck(
            ReceiptStatus.COUNTED if seq == last_encrypted else ReceiptStatus.SUPERSEDED,
            receipt,
            seq=seq,
            state=state,
            counted_seq=None if seq == last_encrypted else last_encrypted,
            encrypted=True,
        )
    ballot = governance_selectors.ballot_with_receipt(motion=motion, receipt=receipt)
    if ballot is None:
        other = governance_selectors.ballot_published_with_receipt(receipt=receipt)
        if other is not None:
            return ReceiptCheck(ReceiptStatus.OTHER_DECISION, receipt, other=other.motion)
        return ReceiptCheck(ReceiptStatus.NOT_FOUND, receipt)
    last = governance_selectors.ballot_last_seq(motion=motion, tag=ballot.tag)
    counted = last == ballot.seq
    return ReceiptCheck(
        ReceiptStatus.COUNTED if counted else ReceiptStatus.SUPERSEDED,
        receipt,
        seq=ballot.seq,
        choice=ballot.choice,
        state="" if motion.secret else ballot.tag,
        proxy_holder=ballot.proxy_holder.code if ballot.proxy_holder else "",
        counted_seq=None if counted else last,
    )
