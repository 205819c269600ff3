"""Test helpers for funding: states with statistics, rates, an adopted scale, an approved year.

Rows that belong to other apps (motions, councils) are built directly, as fixtures; every
funding write goes through the services under test.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.utils import timezone

from core.actors import Actor
from core.models import AuditSource, User
from funding import services
from funding.models import (
    ContributionCall,
    ContributionScale,
    ExchangeRate,
    FiscalYear,
    NationalIncomeFigure,
)
from governance.models import (
    Council,
    CouncilKind,
    MemberState,
    MemberStatus,
    Motion,
    MotionKind,
    MotionStatus,
    StaffRoleKind,
)
from tests.factories import (
    AccreditationFactory,
    CouncilFactory,
    MemberStateFactory,
    SeatFactory,
    StaffRoleFactory,
    UserFactory,
)

# National income in EUR per year: DE 40 %, FR 30 %, IT 20 %, NL 10 % of the total every year.
INCOME = {"DE": 4000, "FR": 3000, "IT": 2000, "NL": 1000}
REFERENCE_YEARS = tuple(range(2019, 2025))


def finance_council() -> Council:
    return CouncilFactory(
        code="finance-committee",
        kind=CouncilKind.FINANCE_COMMITTEE,
        name_en="Finance Committee",
        name_de="Finanzausschuss",
        name_fr="Comité des finances",
    )


_motion_seq = iter(range(1, 10_000))


def budget_motion(
    council: Council, *, status: str = MotionStatus.DRAFT, outcome: str = ""
) -> Motion:
    now = timezone.now()
    return Motion.objects.create(
        reference=f"FC/T/{next(_motion_seq):03d}",
        council=council,
        kind=MotionKind.BUDGET,
        title="Budget decision",
        text="The Finance Committee decides.",
        status=status,
        outcome=outcome,
        rule={},
        opens_at=now - dt.timedelta(days=2),
        closes_at=now - dt.timedelta(days=1),
    )


def certify(motion: Motion, outcome: str = "adopted") -> Motion:
    """Mark a motion as certified with an outcome, as governance's certification would."""
    Motion.objects.filter(pk=motion.pk).update(
        status=MotionStatus.CERTIFIED, outcome=outcome, certified_at=timezone.now()
    )
    motion.refresh_from_db()
    return motion


def finance_officer(username: str = "finance") -> User:
    user = UserFactory(username=username)
    StaffRoleFactory(user=user, role=StaffRoleKind.FINANCE_OFFICER)
    return user


def rate(currency: str, day: dt.date, per_eur: str) -> ExchangeRate:
    return ExchangeRate.objects.create(currency=currency, date=day, per_eur=Decimal(per_eur))


@dataclass
class Books:
    council: Council
    states: dict[str, MemberState]
    officer: User
    actor: Actor
    scale: ContributionScale | None = None
    years: dict[int, FiscalYear] = field(default_factory=dict)

    def open_year(
        self,
        year: int,
        budget_cents: int,
        *,
        issued_on: dt.date | None = None,
        letters: bool = False,
    ) -> list[ContributionCall]:
        """Open, budget, approve, assess and (if ``issued_on``) call a fiscal year."""
        fiscal_year = services.fiscal_year_create(actor=self.actor, year=year)
        services.budget_line_set(
            actor=self.actor, fiscal_year=fiscal_year, code="operations", title="Operations",
            amount_cents=budget_cents,
        )  # fmt: skip
        motion = budget_motion(self.council)
        services.fiscal_year_submit_budget(actor=self.actor, fiscal_year=fiscal_year, motion=motion)
        certify(motion)
        fiscal_year = services.fiscal_year_approve(actor=self.actor, fiscal_year=fiscal_year)
        services.assessments_compute(actor=self.actor, fiscal_year=fiscal_year)
        self.years[year] = fiscal_year
        if issued_on is None:
            return []
        return services.calls_issue(
            actor=self.actor, fiscal_year=fiscal_year, issued_on=issued_on, letters=letters
        )

    def pay(self, code: str, amount: str, currency: str = "EUR", on: dt.date | None = None) -> Any:
        return services.payment_record(
            actor=self.actor,
            member_state=self.states[code],
            value_date=on or dt.date(2025, 3, 3),
            amount=Decimal(amount),
            currency=currency,
            reference=f"{code}-{amount}",
        )


def seat_committee(books: Books) -> tuple[Actor, dict[str, Actor]]:
    """Seat the states on the finance committee with a voting head each; return the secretary."""
    voters = {}
    for code, state in books.states.items():
        SeatFactory(council=books.council, member_state=state)
        head = UserFactory(username=f"{code.lower()}-fin")
        AccreditationFactory(user=head, council=books.council, member_state=state, role="head")
        voters[code] = Actor.for_user(head, source=AuditSource.WEB, mfa_verified=True)
    secretary = UserFactory(username="secretary")
    StaffRoleFactory(user=secretary, role=StaffRoleKind.COUNCIL_SECRETARY)
    return Actor.for_user(secretary, source=AuditSource.WEB, mfa_verified=True), voters


def make_books(
    *,
    income: dict[str, int] | None = None,
    first_year: int = 2025,
    last_year: int = 2027,
    parameters: dict[str, Any] | None = None,
    adopt: bool = True,
) -> Books:
    """Four states with three years of EUR national income and, by default, an adopted scale."""
    income = income or INCOME
    council = finance_council()
    states = {}
    for code, amount in income.items():
        state = MemberStateFactory(code=code, status=MemberStatus.FULL)
        states[code] = state
        for year in REFERENCE_YEARS:
            NationalIncomeFigure.objects.create(
                member_state=state, year=year, currency="EUR", national_income=Decimal(amount)
            )
    officer = finance_officer()
    actor = Actor.for_user(officer, source=AuditSource.WEB, mfa_verified=True)
    books = Books(council=council, states=states, officer=officer, actor=actor)
    if adopt:
        scale = services.scale_compute(
            actor=actor, reference=f"S{first_year}", first_year=first_year, last_year=last_year,
            parameters=parameters or {},
        )  # fmt: skip
        motion = budget_motion(council)
        services.scale_propose(actor=actor, scale=scale, motion=motion)
        certify(motion)
        books.scale = services.scale_decide(actor=actor, scale=scale)
    return books
