"""When arrears cost a member state its vote: the two rules in use, as pure arithmetic.

- **CERN** (as in the CERN Convention): a member loses its vote while
  its arrears *exceed* the contributions due from it for the current and the previous year.
  Arrears are the amounts called whose due date has passed and which are still unpaid.
- **UN Charter, Article 19**: a member loses its vote while its arrears *equal or exceed* the
  contributions due from it for the two preceding full years. As at the United Nations,
  arrears are what is still unpaid of the contributions of the years before the current one
  (on 1 January every unpaid contribution of the past year falls into arrears).

"Contributions due for a year" are the amounts called for that fiscal year (net of
reversals). Amounts are integer cents in the base currency.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

__all__ = ["ArrearsFinding", "ArrearsRule", "YearPosition", "assess_arrears"]


class ArrearsRule(StrEnum):
    CERN = "cern"
    UN_ARTICLE_19 = "un_article_19"


@dataclass(frozen=True)
class YearPosition:
    """A member's position for one fiscal year: called, still unpaid, and when it was due."""

    year: int
    assessed: int
    outstanding: int
    due_on: dt.date | None


@dataclass(frozen=True)
class ArrearsFinding:
    rule: ArrearsRule
    on: dt.date
    arrears: int
    threshold: int
    over_line: bool
    years_in_arrears: tuple[int, ...]

    def explain(self) -> str:
        """One sentence in English for the audit trail and the suspension's reason."""
        comparison = "exceed" if self.rule is ArrearsRule.CERN else "equal or exceed"
        basis = (
            "the contributions due for the current and the previous year"
            if self.rule is ArrearsRule.CERN
            else "the contributions due for the two preceding full years"
        )
        verdict = "do" if self.over_line else "do not"
        years = ", ".join(str(y) for y in self.years_in_arrears) or "none"
        return (
            f"On {self.on.isoformat()} arrears of {_cents(self.arrears)} (years: {years}) "
            f"{verdict} {comparison} {_cents(self.threshold)}, {basis} "
            f"({self.rule.value} rule)."
        )


def _cents(value: int) -> str:
    sign = "-" if value < 0 else ""
    whole, cents = divmod(abs(value), 100)
    return f"{sign}{whole:,}.{cents:02d}"


def assess_arrears(
    rule: ArrearsRule, positions: Iterable[YearPosition], *, on: dt.date
) -> ArrearsFinding:
    """Compare a member's arrears on ``on`` with the line its rule draws."""
    by_year = {p.year: p for p in positions}
    current = on.year

    def called(year: int) -> int:
        position = by_year.get(year)
        return position.assessed if position else 0

    if rule is ArrearsRule.CERN:
        late = [
            p
            for p in by_year.values()
            if p.outstanding > 0 and p.due_on is not None and p.due_on < on
        ]
        threshold = called(current) + called(current - 1)
        arrears = sum(p.outstanding for p in late)
        over = arrears > threshold
    else:
        late = [p for p in by_year.values() if p.outstanding > 0 and p.year < current]
        threshold = called(current - 1) + called(current - 2)
        arrears = sum(p.outstanding for p in late)
        # Nothing owed is never "equal" to a line of zero: a member without arrears keeps its vote.
        over = arrears > 0 and arrears >= threshold
    return ArrearsFinding(
        rule=rule,
        on=on,
        arrears=arrears,
        threshold=threshold,
        over_line=over,
        years_in_arrears=tuple(sorted(p.year for p in late)),
    )
