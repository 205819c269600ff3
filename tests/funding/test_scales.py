"""Contribution scales: computed from imported statistics, frozen, adopted by a council's vote."""

from __future__ import annotations

import csv
import datetime as dt
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import pytest
from django.db import connection, transaction
from django.utils import timezone

from core.actors import Actor
from core.errors import Conflict, ValidationFailed
from core.models import AuditSource
from demo.management.commands.seed_demo import ASSOCIATES, FOUNDED
from funding import rules, services
from funding.errors import ScaleNotComputable
from funding.models import (
    ContributionScale,
    FiscalYearStatus,
    NationalIncomeFigure,
    ScaleShare,
    ScaleStatus,
)
from governance import services as governance
from governance.models import ContributionShare, MemberStatus, Motion
from governance.rules import VotingRule
from tests.factories import (
    MemberStateFactory,
)
from tests.funding.books import budget_motion, certify, make_books, seat_committee

pytestmark = pytest.mark.django_db
DATA = Path(__file__).resolve().parents[2] / "demo" / "data"


def shares(scale: ContributionScale, year: int) -> dict[str, str]:
    return {
        s.member_state.code: s.share_exact
        for s in ScaleShare.objects.filter(scale=scale, year=year).select_related("member_state")
    }


def test_shares_follow_average_national_income_and_the_inputs_are_frozen():
    """Shares are each member's average over the sum of averages; the inputs are kept whole."""
    books = make_books(adopt=False)
    scale = services.scale_compute(
        actor=books.actor, reference="S-2025", first_year=2025, last_year=2027
    )
    assert shares(scale, 2025) == {"DE": "2/5", "FR": "3/10", "IT": "1/5", "NL": "1/10"}
    assert scale.results["2025"]["reference_years"] == [2022, 2023, 2024]
    assert services.scale_verify(scale)
    # a revised statistic after the fact does not move the computed scale
    NationalIncomeFigure.objects.filter(member_state__code="DE").update(national_income=1)
    scale.refresh_from_db()
    assert services.scale_verify(scale)
    assert shares(scale, 2025)["DE"] == "2/5"


def test_a_ceiling_and_a_gdp_estimate_are_applied_and_named():
    """A member held at the ceiling, and one whose income is estimated from GDP, say so."""
    books = make_books(adopt=False)
    NationalIncomeFigure.objects.filter(member_state__code="NL", year=2024).update(
        national_income=None, gdp=Decimal(2000)
    )
    scale = services.scale_compute(
        actor=books.actor, reference="S-cap", first_year=2025, last_year=2025,
        parameters={"ceiling": "0.35", "gdp_ratio": "1/2"},
    )  # fmt: skip
    lines = {m["code"]: m for m in scale.results["2025"]["members"]}
    assert lines["DE"]["applied_share"] == "7/20"
    assert lines["DE"]["reasons"] == ["ceiling"]
    assert lines["NL"]["reasons"] == ["estimate"]
    assert sum(Fraction(m["applied_share"]) for m in lines.values()) == 1


def test_missing_statistics_make_the_scale_impossible_with_a_reason():
    books = make_books(adopt=False)
    NationalIncomeFigure.objects.filter(member_state__code="NL", year=2023).delete()
    with pytest.raises(ScaleNotComputable, match="NL has neither national income nor GDP for 2023"):
        services.scale_compute(actor=books.actor, reference="S", first_year=2025, last_year=2025)


def test_only_a_budget_motion_of_the_finance_committee_can_adopt_a_scale():
    books = make_books(adopt=False)
    scale = services.scale_compute(
        actor=books.actor, reference="S", first_year=2025, last_year=2025
    )
    other = budget_motion(books.council)
    Motion.objects.filter(pk=other.pk).update(kind="general")
    other.refresh_from_db()
    with pytest.raises(ValidationFailed, match="budget motion"):
        services.scale_propose(actor=books.actor, scale=scale, motion=other)
    voted = budget_motion(books.council, status="voting_open")
    with pytest.raises(Conflict, match="already opened"):
        services.scale_propose(actor=books.actor, scale=scale, motion=voted)


def test_an_adopted_scale_is_frozen_in_the_database():
    """PostgreSQL refuses any change to an adopted scale, even by raw SQL."""
    books = make_books()
    assert books.scale is not None and books.scale.status == ScaleStatus.ADOPTED
    with (
        pytest.raises(Exception, match="frozen"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("UPDATE funding_contributionscale SET results = '{}'")
    with (
        pytest.raises(Exception, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("UPDATE funding_scaleshare SET share = 0")


def test_a_rejected_motion_rejects_the_scale_and_sets_no_shares():
    books = make_books(adopt=False)
    scale = services.scale_compute(
        actor=books.actor, reference="S", first_year=2025, last_year=2025
    )
    motion = budget_motion(books.council)
    services.scale_propose(actor=books.actor, scale=scale, motion=motion)
    certify(motion, outcome="rejected")
    scale = services.scale_decide(actor=books.actor, scale=scale)
    assert scale.status == ScaleStatus.REJECTED
    assert not ContributionShare.objects.exists()


def test_the_finance_committee_adopts_scale_and_budget_by_vote_end_to_end(
    django_capture_on_commit_callbacks,
):
    """Certifying the budget motions adopts the scale (and its voting shares) and the budget."""
    # given the finance committee with the four states seated, their heads and a secretary
    books = make_books(adopt=False)
    sec, voters = seat_committee(books)
    scale = services.scale_compute(
        actor=books.actor, reference="S-2025-2027", first_year=2025, last_year=2027
    )
    fiscal_year = services.fiscal_year_create(actor=books.actor, year=2025)
    services.budget_line_set(
        actor=books.actor, fiscal_year=fiscal_year, code="ops", title="Operations",
        amount_cents=50_000_000_00,
    )  # fmt: skip

    def vote(title: str, *, attach, rule=None) -> Motion:
        now = timezone.now()
        motion = governance.motion_create(
            actor=sec, council=books.council, kind="budget", title=title, text=title,
            opens_at=now + dt.timedelta(minutes=1), closes_at=now + dt.timedelta(days=2),
            rule=rule,
        )  # fmt: skip
        attach(motion)
        governance.motion_table(actor=sec, motion=motion)
        motion = governance.motion_open(actor=sec, motion=motion)
        for code in books.states:
            governance.ballot_cast(
                actor=voters[code], motion=motion, member_state=books.states[code], choice="yes"
            )
        governance.motion_close(actor=sec, motion=motion)
        with django_capture_on_commit_callbacks(execute=True):
            return governance.motion_certify(actor=sec, motion=motion)

    # when the committee adopts the founding scale (by simple majority: no shares exist yet
    # for the weighted rule), then the budget by its usual contribution-weighted majority
    vote(
        "Scale 2025-2027",
        attach=lambda m: services.scale_propose(actor=books.actor, scale=scale, motion=m),
        rule=VotingRule.simple_majority().to_dict(),
    )
    vote(
        "Budget 2025",
        attach=lambda m: services.fiscal_year_submit_budget(
            actor=books.actor, fiscal_year=fiscal_year, motion=m
        ),
    )
    # then the scale is adopted and frozen, the budget approved
    scale.refresh_from_db()
    fiscal_year.refresh_from_db()
    assert scale.status == ScaleStatus.ADOPTED and scale.decided_at is not None
    assert fiscal_year.status == FiscalYearStatus.APPROVED
    # and governance's weighted votes use the adopted shares from 1 January of each year
    de = ContributionShare.objects.get(
        member_state=books.states["DE"], valid_from=dt.date(2025, 1, 1)
    )
    assert de.share == Decimal("0.4")
    assert "S-2025-2027" in de.source
    assert ContributionShare.objects.filter(valid_from=dt.date(2027, 1, 1)).count() == 4
    # and the next vote's frozen electorate carries them
    later = vote("Another budget question", attach=lambda m: None)
    electors = {e["state"]: e["share"] for e in later.electorate.entries["electors"]}
    assert electors["DE"] == "2/5"
    # and the budget can now be assessed with the adopted scale
    assessed = services.assessments_compute(actor=books.actor, fiscal_year=fiscal_year)
    assert {a.member_state.code: a.amount_cents for a in assessed}["NL"] == 5_000_000_00


def test_the_demo_figures_give_the_same_shares_as_seed_demo_computes_today():
    """Importing demo/data through the services and computing the scale matches seed_demo."""
    # given the 35 demo states, as seed_demo creates them
    for row in csv.DictReader((DATA / "member_states.csv").open(encoding="utf-8")):
        MemberStateFactory(
            code=row["code"], currency=row["currency"],
            status=MemberStatus.ASSOCIATE if row["code"] in ASSOCIATES else MemberStatus.FULL,
            accession_date=ASSOCIATES.get(row["code"], FOUNDED),
        )  # fmt: skip
    officer = make_books.__globals__["finance_officer"]()
    actor = Actor.for_user(officer, source=AuditSource.COMMAND, mfa_verified=True)
    for kind, name in (
        ("national_income", "national_income.csv"),
        ("annual_rates", "exchange_rates_annual.csv"),
    ):
        preview = services.data_import_preview(
            actor=actor, kind=kind, filename=name, content=(DATA / name).read_bytes()
        )
        services.data_import_apply(actor=actor, data_import=preview)
    # when
    scale = services.scale_compute(
        actor=actor, reference="DEMO-2026", first_year=2026, last_year=2026,
        parameters={"associate_share": "1/200"},
    )  # fmt: skip
    # then the shares equal those of seed_demo's own computation (funding.rules, same inputs)
    usd = {
        int(r["year"]): Decimal(r["avg_rate_per_eur"])
        for r in csv.DictReader((DATA / "exchange_rates_annual.csv").open())
        if r["currency"] == "USD"
    }
    figures: dict[str, list[rules.IncomeFigure]] = {}
    for r in csv.DictReader((DATA / "national_income.csv").open()):
        figures.setdefault(r["code"], []).append(
            rules.IncomeFigure(int(r["year"]), "USD", national_income=Decimal(r["amount"]))
        )
    expected = rules.compute_scale(
        rules.ScaleInputs(
            scale_year=2026,
            budget_cents=0,
            members=tuple(
                rules.Member(
                    code,
                    rules.MemberStatus.ASSOCIATE if code in ASSOCIATES else rules.MemberStatus.FULL,
                    ASSOCIATES.get(code, FOUNDED).year,
                    tuple(f),
                )
                for code, f in figures.items()
            ),
            rates=tuple(rules.ExchangeRate(y, "USD", r) for y, r in usd.items()),
            parameters=rules.ScaleParameters(associate_share=Fraction(1, 200)),
        )
    )
    assert shares(scale, 2026) == {
        code: rules.fraction_to_str(share) for code, share in expected.shares.items()
    }
    assert shares(scale, 2026)["UA"] == "1/200"
