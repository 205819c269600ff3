"""The contribution scale: hand-worked examples, the cents apportionment, and its properties."""

from __future__ import annotations

import json
import math
from decimal import Decimal
from fractions import Fraction
from typing import Any

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from funding.rules import (
    ExchangeRate,
    IncomeFigure,
    Member,
    MemberStatus,
    Reason,
    ScaleError,
    ScaleInputs,
    ScaleParameters,
    ScaleResult,
    apportion,
    compute_scale,
    fraction_to_decimal,
    fraction_to_str,
)

F = Fraction
D = Decimal
YEARS = (2023, 2024, 2025)
SCALE_YEAR = 2027
PHASE_IN = (F(70, 100), F(80, 100), F(90, 100))


def member(
    code: str,
    *incomes: int | str | None,
    currency: str = "EUR",
    status: MemberStatus = MemberStatus.FULL,
    accession: int = 2000,
    gdp: dict[int, str] | None = None,
) -> Member:
    """A member with one national-income figure per reference year (one figure means all three)."""
    per_year = incomes * 3 if len(incomes) == 1 else incomes
    gdp = gdp or {}
    figures = tuple(
        IncomeFigure(
            year=year,
            currency=currency,
            national_income=None if amount is None else D(amount),
            gdp=D(gdp[year]) if year in gdp else None,
        )
        for year, amount in zip(YEARS, per_year, strict=True)
    )
    return Member(code=code, status=status, accession_year=accession, figures=figures)


def scale(
    *members: Member,
    budget_cents: int = 1_000_000,
    rates: tuple[ExchangeRate, ...] = (),
    **parameters: Any,
) -> ScaleResult:
    return compute_scale(
        ScaleInputs(
            scale_year=SCALE_YEAR,
            budget_cents=budget_cents,
            members=members,
            rates=rates,
            parameters=ScaleParameters(**parameters),
        )
    )


def full_shares(result: ScaleResult) -> dict[str, Fraction]:
    return {line.code: line.full_share for line in result.members}


# --- worked examples -----------------------------------------------------------------------


def test_shares_are_average_income_over_the_sum_of_averages() -> None:
    """Each share is the member's three-year average income over the sum of all averages."""
    # given: averages AA (500+600+700)/3 = 600, BB 300, CC 100; sum 1000
    members = (member("AA", 500, 600, 700), member("BB", 300), member("CC", 100))

    # when
    result = scale(*members)

    # then: 600/1000 = 3/5, 300/1000 = 3/10, 100/1000 = 1/10
    assert result.shares == {"AA": F(3, 5), "BB": F(3, 10), "CC": F(1, 10)}
    assert result.member("AA").average_income == 600
    assert result.reference_years == YEARS
    assert all(line.reasons == () for line in result.members)


def test_average_income_is_exact_and_shown_rounded_to_the_cent() -> None:
    """The average is kept as an exact Fraction and shown in the budget currency to the cent."""
    # given: (100 + 100 + 101) / 3 = 301/3 = 100.333...
    members = (member("AA", 100, 100, 101), member("BB", 200))

    # when
    line = scale(*members).member("AA")

    # then
    assert line.average_income == F(301, 3)
    assert line.average_income_display == D("100.33")


def test_each_year_is_converted_at_that_years_rate() -> None:
    """Income in another currency is divided by the rate of its own year, then averaged."""
    # given: CH reports CHF; rates are CHF per EUR
    #   2023:  99 CHF / 0.90 = 110 EUR
    #   2024:  96 CHF / 0.96 = 100 EUR
    #   2025: 108 CHF / 1.20 =  90 EUR    average (110 + 100 + 90) / 3 = 100 EUR
    # and DE reports 300 EUR a year, so the sum of averages is 400
    rates = (
        ExchangeRate(2023, "CHF", D("0.90")),
        ExchangeRate(2024, "CHF", D("0.96")),
        ExchangeRate(2025, "CHF", D("1.20")),
    )
    members = (member("CH", 99, 96, 108, currency="CHF"), member("DE", 300))

    # when
    result = scale(*members, rates=rates, budget_cents=1_000_000)

    # then: CH 100/400 = 1/4 and DE 300/400 = 3/4 of 10,000.00 EUR
    assert [year.in_budget_currency for year in result.member("CH").years] == [110, 100, 90]
    assert [year.rate for year in result.member("CH").years] == [D("0.90"), D("0.96"), D("1.20")]
    assert result.shares == {"CH": F(1, 4), "DE": F(3, 4)}
    assert result.assessments == {"CH": 250_000, "DE": 750_000}


def test_the_three_latest_years_with_statistics_are_averaged() -> None:
    """Without explicit reference years, the latest three years with any national income count."""
    # given: AA also reports 2021 and 2022, which are older than the three latest years
    old = (IncomeFigure(2021, "EUR", D(9_000)), IncomeFigure(2022, "EUR", D(9_000)))
    aa = member("AA", 100)
    aa = Member(aa.code, aa.status, aa.accession_year, old + aa.figures)

    # when
    result = scale(aa, member("BB", 100))

    # then: 2021 and 2022 are ignored, so the shares are equal
    assert result.reference_years == (2023, 2024, 2025)
    assert result.shares == {"AA": F(1, 2), "BB": F(1, 2)}


def test_explicit_reference_years_override_the_latest_years() -> None:
    """Reference years set by the Council are used instead of the latest years reported."""
    # given: AA 100, 200, 300 and BB 100 a year; the Council averages only 2023 and 2024
    members = (member("AA", 100, 200, 300), member("BB", 100))

    # when
    result = scale(*members, reference_years=(2024, 2023))

    # then: AA (100 + 200) / 2 = 150, BB 100, so 3/5 and 2/5
    assert result.reference_years == (2023, 2024)
    assert result.shares == {"AA": F(3, 5), "BB": F(2, 5)}


def test_missing_national_income_is_estimated_from_gdp() -> None:
    """A year without national income is estimated as GDP times the ratio, and marked."""
    # given: AA has no national income for 2024, but GDP 125 and a ratio of 4/5: 125 * 4/5 = 100
    aa = member("AA", 100, None, 100, gdp={2024: "125"})

    # when
    result = scale(aa, member("BB", 300), gdp_ratio=F(4, 5))

    # then: AA averages 100 against BB's 300
    line = result.member("AA")
    assert [year.estimated for year in line.years] == [False, True, False]
    assert line.years[1].national_income == 100
    assert line.years[1].gdp == D("125")
    assert line.reasons == (Reason.ESTIMATE,)
    assert result.shares == {"AA": F(1, 4), "BB": F(3, 4)}


def test_ceiling_cuts_and_spreads_until_stable() -> None:
    """A share above the ceiling is cut, and the cut is spread until no share is above it."""
    # given: shares in percent AA 36, BB 19, CC 14, DD 11, EE 10, FF 5, GG 5; ceiling 20%
    #   round 1: AA is cut to 20; its 16 is spread over the others (64) in proportion:
    #            BB gets 19 + 16 * 19/64 = 23.75, above the ceiling
    #   round 2: AA and BB at 20 make 40; the other 60 goes to CC..GG (45) times 60/45 = 4/3:
    #            CC 14 * 4/3 = 56/3, DD 44/3, EE 40/3, FF 20/3, GG 20/3 -- all below 20, stable
    members = (
        member("AA", 36),
        member("BB", 19),
        member("CC", 14),
        member("DD", 11),
        member("EE", 10),
        member("FF", 5),
        member("GG", 5),
    )

    # when
    result = scale(*members, ceiling=F(1, 5))

    # then: 56/3 % = 14/75, 44/3 % = 11/75, 40/3 % = 2/15, 20/3 % = 1/15
    assert full_shares(result) == {
        "AA": F(1, 5),
        "BB": F(1, 5),
        "CC": F(14, 75),
        "DD": F(11, 75),
        "EE": F(2, 15),
        "FF": F(1, 15),
        "GG": F(1, 15),
    }
    assert result.member("AA").raw_share == F(36, 100)
    assert [line.code for line in result.members if Reason.CEILING in line.reasons] == ["AA", "BB"]


def test_member_exactly_at_the_ceiling_is_not_changed() -> None:
    """A member exactly at the ceiling keeps its share while another member's cut is spread."""
    # given: shares AA 25, BB 20, CC 15, DD 15, EE 15, FF 10 percent; ceiling 20%
    #   AA is cut to 20; BB, exactly at 20, may not rise, so CC..FF (55) carry 60: times 12/11
    #   CC, DD, EE 15 * 12/11 = 180/11 % = 9/55; FF 10 * 12/11 = 120/11 % = 6/55
    members = (
        member("AA", 25),
        member("BB", 20),
        member("CC", 15),
        member("DD", 15),
        member("EE", 15),
        member("FF", 10),
    )

    # when
    result = scale(*members, ceiling=F(1, 5))

    # then: BB is held at the ceiling, so it is marked, but its share does not move
    assert full_shares(result) == {
        "AA": F(1, 5),
        "BB": F(1, 5),
        "CC": F(9, 55),
        "DD": F(9, 55),
        "EE": F(9, 55),
        "FF": F(6, 55),
    }
    assert result.member("BB").raw_share == result.member("BB").full_share
    assert result.member("BB").reasons == (Reason.CEILING,)


def test_member_at_the_ceiling_with_nothing_to_spread_is_unmarked() -> None:
    """Where no share is above the ceiling, a share equal to it is neither moved nor marked."""
    # given: AA, BB, CC, DD 20% each, EE and FF 10% each; ceiling 20%
    members = (
        member("AA", 20),
        member("BB", 20),
        member("CC", 20),
        member("DD", 20),
        member("EE", 10),
        member("FF", 10),
    )

    # when
    result = scale(*members, ceiling=F(1, 5))

    # then
    assert all(line.full_share == line.raw_share for line in result.members)
    assert all(line.reasons == () for line in result.members)


def test_ceiling_that_just_covers_the_budget_puts_everyone_at_it() -> None:
    """With ceiling times members equal to 1, every member pays exactly the ceiling."""
    # given: shares 1/2, 1/3, 1/6 and a ceiling of 1/3 (3 * 1/3 = 1)
    members = (member("AA", 3), member("BB", 2), member("CC", 1))

    # when
    result = scale(*members, ceiling=F(1, 3))

    # then: AA is cut, BB is kept from rising, CC is raised to the ceiling and just reaches it
    assert full_shares(result) == {"AA": F(1, 3), "BB": F(1, 3), "CC": F(1, 3)}
    assert [line.reasons for line in result.members] == [(Reason.CEILING,), (Reason.CEILING,), ()]


def test_floor_raises_and_takes_from_the_others_in_proportion() -> None:
    """A share below the floor is raised to it, paid for by the others in proportion to their shares."""
    # given: shares AA 50, BB 30, CC 15, DD 5 percent; floor 10%
    #   DD is raised by 5; AA, BB, CC (95) keep 90 of their 95: times 90/95 = 18/19
    #   AA 1/2 * 18/19 = 9/19, BB 3/10 * 18/19 = 27/95, CC 3/20 * 18/19 = 27/190
    members = (member("AA", 50), member("BB", 30), member("CC", 15), member("DD", 5))

    # when
    result = scale(*members, floor=F(1, 10))

    # then
    assert full_shares(result) == {
        "AA": F(9, 19),
        "BB": F(27, 95),
        "CC": F(27, 190),
        "DD": F(1, 10),
    }
    assert result.member("DD").reasons == (Reason.FLOOR,)
    assert sum(full_shares(result).values()) == 1


@pytest.mark.parametrize(
    ("accession", "membership_year", "rate", "applied", "marked"),
    [
        # full share 1/5; the shortfall 1/5 - applied is spread over AA and BB 5:3
        (2027, 1, F(70, 100), F(7, 50), True),
        (2026, 2, F(80, 100), F(4, 25), True),
        (2025, 3, F(90, 100), F(9, 50), True),
        (2024, 4, None, F(1, 5), False),
    ],
)
def test_phase_in_pays_a_percentage_of_the_full_share(
    accession: int,
    membership_year: int,
    rate: Fraction | None,
    applied: Fraction,
    marked: bool,
) -> None:
    """A new member pays 70, 80, 90 percent of its full share in its first years, then all of it."""
    # given: AA 50, BB 30, NEW 20 percent; NEW accedes in `accession`, the scale is for 2027
    members = (member("AA", 50), member("BB", 30), member("NEW", 20, accession=accession))

    # when
    line = scale(*members, phase_in=PHASE_IN).member("NEW")

    # then
    assert line.membership_year == membership_year
    assert line.full_share == F(1, 5)
    assert line.phase_in_rate == rate
    assert line.applied_share == applied
    assert (Reason.PHASE_IN in line.reasons) is marked


def test_what_a_phase_in_member_does_not_pay_falls_on_full_members() -> None:
    """The phase-in shortfall is spread over the members paying in full, in proportion."""
    # given: AA 50, BB 30, NEW 20 percent; NEW in its first year pays 70% of 20 = 14
    #   the shortfall 6 is spread 5:3: AA 50 + 3.75 = 53.75 = 43/80, BB 30 + 2.25 = 32.25 = 129/400
    members = (member("AA", 50), member("BB", 30), member("NEW", 20, accession=SCALE_YEAR))

    # when
    result = scale(*members, phase_in=PHASE_IN)

    # then
    assert result.shares == {"AA": F(43, 80), "BB": F(129, 400), "NEW": F(7, 50)}
    assert full_shares(result) == {"AA": F(1, 2), "BB": F(3, 10), "NEW": F(1, 5)}


def test_associate_pays_the_fixed_share_and_full_members_the_rest() -> None:
    """An associate's share is the fixed amount; the rest of its full share falls on full members."""
    # given: AA 60, BB 30 percent full members, AS 10 percent associate; associate share 2%
    #   AS does not pay 10 - 2 = 8, spread 2:1: AA 60 + 16/3 = 196/3 % = 49/75,
    #   BB 30 + 8/3 = 98/3 % = 49/150
    members = (
        member("AA", 60),
        member("BB", 30),
        member("AS", 10, status=MemberStatus.ASSOCIATE, accession=SCALE_YEAR),
    )

    # when
    result = scale(*members, associate_share=F(1, 50), phase_in=PHASE_IN)

    # then: phase-in does not apply to an associate, whatever its accession year
    assert result.shares == {"AA": F(49, 75), "AS": F(1, 50), "BB": F(49, 150)}
    line = result.member("AS")
    assert line.full_share == F(1, 10)
    assert line.reasons == (Reason.ASSOCIATE,)
    assert line.phase_in_rate is None


def test_ceiling_also_holds_after_phase_in_is_spread() -> None:
    """What a phase-in member does not pay never lifts a full payer above the ceiling."""
    # given: AA 30, BB 25, CC 25, NEW 20 percent, ceiling 30%, NEW in its first year pays 14
    #   the shortfall 6 would lift AA above 30, so BB and CC carry it: 25 + 3 = 28 each
    members = (
        member("AA", 30),
        member("BB", 25),
        member("CC", 25),
        member("NEW", 20, accession=SCALE_YEAR),
    )

    # when
    result = scale(*members, ceiling=F(3, 10), phase_in=PHASE_IN)

    # then
    assert result.shares == {"AA": F(3, 10), "BB": F(7, 25), "CC": F(7, 25), "NEW": F(7, 50)}
    assert result.member("AA").reasons == (Reason.CEILING,)


def test_assessments_are_shares_of_the_budget_in_whole_cents() -> None:
    """Three equal members share 100 cents as 34, 33, 33; the odd cent goes alphabetically first."""
    # given
    members = (member("CC", 1), member("AA", 1), member("BB", 1))

    # when
    result = scale(*members, budget_cents=100)

    # then: each exact amount is 33 1/3 cents; one cent is left and the remainders tie
    assert result.assessments == {"AA": 34, "BB": 33, "CC": 33}
    assert [line.code for line in result.members] == ["AA", "BB", "CC"]


def test_to_dict_is_json_with_fractions_as_n_over_d() -> None:
    """The result serialises to JSON with every Fraction written "n/d"."""
    # given
    result = scale(member("AA", 3), member("BB", 1), ceiling=F(9, 10))

    # when
    data = json.loads(json.dumps(result.to_dict()))

    # then
    first = data["members"][0]
    assert first["code"] == "AA"
    assert first["applied_share"] == "3/4"
    assert first["average_income"] == "3/1"
    assert first["average_income_display"] == "3.00"
    assert first["years"][0]["rate"] == "1"
    assert first["assessed_cents"] == 750_000
    assert data["parameters"]["ceiling"] == "9/10"
    assert data["parameters"]["floor"] is None


@pytest.mark.parametrize(
    ("value", "places", "shown"),
    [
        (F(1, 8), 2, D("0.13")),
        (F(-1, 8), 2, D("-0.13")),
        (F(1, 3), 2, D("0.33")),
        (F(2, 3), 0, D("1")),
        (F(-1, 1000), 2, D("0.00")),
    ],
)
def test_fraction_to_decimal_rounds_half_up(value: Fraction, places: int, shown: Decimal) -> None:
    """Shown amounts round half away from zero, by integer arithmetic."""
    # when
    result = fraction_to_decimal(value, places)

    # then
    assert result == shown
    assert str(result) == str(shown)


def test_fraction_to_str_always_has_a_denominator() -> None:
    """Whole numbers are written with "/1", so readers parse one form."""
    # when / then
    assert fraction_to_str(F(1)) == "1/1"
    assert fraction_to_str(F(-6, 4)) == "-3/2"


# --- refusals -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("members", "parameters", "rates", "message"),
    [
        pytest.param(
            (member("AA", 100, None, 100), member("BB", 100)),
            {},
            (),
            "AA has neither national income nor GDP for 2024",
            id="no-income-no-gdp",
        ),
        pytest.param(
            (member("AA", 100, None, 100, gdp={2024: "150"}), member("BB", 100)),
            {},
            (),
            "no ratio is set",
            id="gdp-without-ratio",
        ),
        pytest.param(
            (member("AA", 100, currency="CHF"), member("BB", 100)),
            {},
            (),
            "No exchange rate for CHF in 2023",
            id="no-rate",
        ),
        pytest.param(
            (member("AA", 1), member("BB", 1), member("CC", 1)),
            {"floor": F(2, 5)},
            (),
            "Infeasible floor",
            id="floor-times-n-above-1",
        ),
        pytest.param(
            (member("AA", 1), member("BB", 1), member("CC", 1)),
            {"ceiling": F(3, 10)},
            (),
            "Infeasible ceiling",
            id="ceiling-times-n-below-1",
        ),
        pytest.param(
            (member("AA", 1), member("AS", 1, status=MemberStatus.ASSOCIATE)),
            {},
            (),
            "no associate share is set",
            id="associate-without-share",
        ),
        pytest.param(
            (member("AA", 1), member("AS", 1, status=MemberStatus.ASSOCIATE)),
            {"associate_share": F(11, 10)},
            (),
            "associate share must lie between 0 and 1",
            id="associate-share-above-1",
        ),
        pytest.param(
            (member("AA", 1), member("AA", 2)),
            {},
            (),
            "Members listed more than once: AA",
            id="duplicate-member",
        ),
        pytest.param(
            (member("AA", 1), member("BB", 0)),
            {},
            (),
            "average national income of BB must be positive",
            id="zero-income",
        ),
        pytest.param(
            (member("AA", 1), member("BB", 1, accession=2030)),
            {},
            (),
            "BB accedes in 2030",
            id="not-yet-a-member",
        ),
        pytest.param(
            (member("AA", 1), member("BB", 1)),
            {"ceiling": 0.5},
            (),
            "must be a Fraction or an int",
            id="float-ceiling",
        ),
        pytest.param(
            (member("AA", 1, currency="CHF"), member("BB", 1)),
            {},
            tuple(ExchangeRate(year, "CHF", D("-1")) for year in YEARS),
            "CHF rate of 2023 must be positive",
            id="negative-rate",
        ),
        pytest.param(
            (member("AA", 1), member("NEW", 1, accession=SCALE_YEAR)),
            {"phase_in": PHASE_IN, "ceiling": F(1, 2)},
            (),
            "Infeasible ceiling",
            id="phase-in-shortfall-above-ceiling",
        ),
    ],
)
def test_invalid_inputs_are_refused_with_a_clear_message(
    members: tuple[Member, ...],
    parameters: dict[str, Any],
    rates: tuple[ExchangeRate, ...],
    message: str,
) -> None:
    """Inputs from which no fair scale can be computed raise a ScaleError naming the cause."""
    # when / then
    with pytest.raises(ScaleError, match=message):
        scale(*members, rates=rates, **parameters)


def test_scale_error_is_a_value_error() -> None:
    """Callers that handle ValueError also handle a refused scale."""
    # when / then
    assert issubclass(ScaleError, ValueError)


# --- apportion ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("total", "weights", "parts"),
    [
        # 33 1/3 each: one cent left, equal remainders and weights, alphabetical order
        (100, {"CC": F(1), "BB": F(1), "AA": F(1)}, {"AA": 34, "BB": 33, "CC": 33}),
        # quotas 2.5, 2.5, 5: one unit left, AA and BB tie on remainder and weight
        (10, {"AA": F(1), "BB": F(1), "CC": F(2)}, {"AA": 3, "BB": 2, "CC": 5}),
        # quotas 0.5, 1.5, 1: AA and BB tie on remainder, BB's larger weight wins
        (3, {"AA": F(1, 6), "BB": F(1, 2), "CC": F(1, 3)}, {"AA": 0, "BB": 2, "CC": 1}),
        # quotas 1.2, 1.8: the largest remainder wins before any tie rule
        (3, {"AA": F(2, 5), "BB": F(3, 5)}, {"AA": 1, "BB": 2}),
        # weights need not add up to 1
        (7, {"AA": F(3), "BB": F(4)}, {"AA": 3, "BB": 4}),
        (0, {"AA": F(1), "BB": F(2)}, {"AA": 0, "BB": 0}),
        (5, {"AA": F(0), "BB": F(1)}, {"AA": 0, "BB": 5}),
        (0, {"AA": F(0)}, {"AA": 0}),
    ],
)
def test_apportion_by_largest_remainder(
    total: int, weights: dict[str, Fraction], parts: dict[str, int]
) -> None:
    """Floors first, then one unit each by largest remainder, larger weight, then key."""
    # when
    result = apportion(total, weights)

    # then
    assert result == parts


def test_apportion_tie_order_overrides_the_default() -> None:
    """A given tie order decides between equal remainders instead of weight and key."""
    # given: 100 over three equal weights, CC listed first
    weights = {"AA": F(1), "BB": F(1), "CC": F(1)}

    # when
    result = apportion(100, weights, tie_order=["CC", "AA", "BB"])

    # then
    assert result == {"AA": 33, "BB": 33, "CC": 34}


@pytest.mark.parametrize(
    ("total", "weights", "tie_order", "message"),
    [
        (-1, {"AA": F(1)}, None, "must not be negative"),
        (1, {"AA": F(-1), "BB": F(2)}, None, "AA has one"),
        (1, {"AA": F(0)}, None, "add up to zero"),
        (1, {"AA": 0.5}, None, "must be a Fraction or an int"),
        (1, {"AA": F(1), "BB": F(1)}, ["AA"], "tie_order must list every key"),
    ],
)
def test_apportion_refuses_invalid_input(
    total: int, weights: dict[str, Fraction], tie_order: list[str] | None, message: str
) -> None:
    """Negative totals or weights, no weight at all, floats and partial tie orders are refused."""
    # when / then
    with pytest.raises(ValueError, match=message):
        apportion(total, weights, tie_order=tie_order)


# --- properties -----------------------------------------------------------------------------

CODES = ("AT", "BE", "CH", "DE", "ES", "FR", "GB", "IT", "NO", "PL")
CURRENCIES = ("EUR", "CHF", "GBP")

weights_strategy = st.dictionaries(
    st.sampled_from(CODES),
    st.fractions(min_value=0, max_value=10, max_denominator=1000),
    min_size=1,
).filter(lambda weights: sum(weights.values()) > 0)


@given(total=st.integers(0, 10**12), weights=weights_strategy)
def test_apportion_adds_up_and_keeps_each_part_within_a_unit(
    total: int, weights: dict[str, Fraction]
) -> None:
    """Parts add up to the total, and each is its exact quota rounded down or up."""
    # when
    parts = apportion(total, weights)

    # then
    assert sum(parts.values()) == total
    weight_sum = sum(weights.values())
    for key, weight in weights.items():
        quota = total * weight / weight_sum
        assert quota - 1 < parts[key] <= quota + 1
        assert parts[key] in (math.floor(quota), math.ceil(quota))


@given(total=st.integers(0, 10**9), weights=weights_strategy, data=st.data())
def test_apportion_favours_larger_weights_and_ignores_order(
    total: int, weights: dict[str, Fraction], data: st.DataObject
) -> None:
    """A larger weight never gets less, and the order of the mapping does not matter."""
    # given
    shuffled = dict(data.draw(st.permutations(list(weights.items()))))

    # when
    parts = apportion(total, weights)

    # then
    assert apportion(total, shuffled) == parts
    for one in weights:
        for other in weights:
            if weights[one] > weights[other]:
                assert parts[one] >= parts[other]


@st.composite
def scale_inputs(draw: st.DrawFn, *, bounded: bool, special: bool) -> ScaleInputs:
    """Random members, incomes in three currencies, and optionally bounds, phase-in, associates."""
    codes = draw(st.lists(st.sampled_from(CODES), min_size=2, max_size=7, unique=True))
    count = len(codes)
    rates = tuple(
        ExchangeRate(year, currency, draw(st.decimals("0.5", "2", places=4)))
        for year in YEARS
        for currency in CURRENCIES[1:]
    )
    members = []
    for position, code in enumerate(codes):
        # The first member is always a full member from the start, so someone pays in full.
        associate = special and position > 0 and draw(st.booleans())
        accession = draw(st.sampled_from((2000, 2025, 2026, 2027))) if special else 2000
        currency = draw(st.sampled_from(CURRENCIES))
        figures = tuple(
            IncomeFigure(year, currency, draw(st.decimals(1, 10**9, places=2))) for year in YEARS
        )
        members.append(
            Member(
                code=code,
                status=MemberStatus.ASSOCIATE if associate else MemberStatus.FULL,
                accession_year=2000 if position == 0 else accession,
                figures=figures,
            )
        )
    parameters = ScaleParameters()
    if bounded or special:
        ceiling = (
            draw(st.none() | st.fractions(F(1, count), 1, max_denominator=100)) if bounded else None
        )
        floor = (
            draw(st.none() | st.fractions(0, F(1, count), max_denominator=100)) if bounded else None
        )
        parameters = ScaleParameters(
            ceiling=ceiling,
            floor=floor,
            phase_in=PHASE_IN if special else (),
            associate_share=draw(st.fractions(0, F(1, 20), max_denominator=1000)),
        )
    return ScaleInputs(
        scale_year=SCALE_YEAR,
        budget_cents=draw(st.integers(0, 10**13)),
        members=tuple(members),
        rates=rates,
        parameters=parameters,
    )


def scale_or_skip(inputs: ScaleInputs) -> ScaleResult:
    """Compute the scale, leaving aside the random settings that a ScaleError rightly refuses."""
    try:
        return compute_scale(inputs)
    except ScaleError:
        assume(False)
        raise


any_inputs = st.sampled_from([(False, False), (True, False), (False, True), (True, True)]).flatmap(
    lambda flags: scale_inputs(bounded=flags[0], special=flags[1])
)


@given(inputs=any_inputs)
def test_shares_add_up_to_exactly_one(inputs: ScaleInputs) -> None:
    """Full shares and applied shares each add up to exactly 1, and the bounds hold."""
    # when
    result = scale_or_skip(inputs)

    # then
    assert sum(line.full_share for line in result.members) == 1
    assert sum(line.applied_share for line in result.members) == 1
    params = inputs.parameters
    for line in result.members:
        if params.ceiling is not None:
            assert line.full_share <= params.ceiling
            assert line.applied_share <= params.ceiling
        if params.floor is not None:
            assert line.full_share >= params.floor
            if line.status is MemberStatus.FULL and line.phase_in_rate is None:
                assert line.applied_share >= params.floor


@given(inputs=scale_inputs(bounded=True, special=False))
def test_bounded_shares_are_stable(inputs: ScaleInputs) -> None:
    """Unmarked shares stay proportional to income; marked ones sit exactly on their bound."""
    # when
    result = scale_or_skip(inputs)

    # then
    params = inputs.parameters
    free = [line for line in result.members if line.reasons == ()]
    for line in free:
        assert line.full_share * free[0].raw_share == free[0].full_share * line.raw_share
    for line in result.members:
        if Reason.CEILING in line.reasons:
            assert line.full_share == params.ceiling
        if Reason.FLOOR in line.reasons:
            assert line.full_share == params.floor


@given(inputs=any_inputs)
def test_assessments_add_up_to_the_budget(inputs: ScaleInputs) -> None:
    """The assessed cents add up exactly to the budget, each within a cent of share * budget."""
    # when
    result = scale_or_skip(inputs)

    # then
    assert sum(result.assessments.values()) == inputs.budget_cents
    for line in result.members:
        assert abs(line.assessed_cents - line.applied_share * inputs.budget_cents) < 1


@given(
    inputs=any_inputs,
    pick=st.integers(0, 6),
    factor=st.integers(1, 5),
    extra=st.decimals(0, 10**9, places=2),
)
def test_more_income_never_lowers_a_members_share(
    inputs: ScaleInputs, pick: int, factor: int, extra: Decimal
) -> None:
    """Raising one member's income never lowers its full or applied share, bounds or not."""
    # given
    chosen = inputs.members[pick % len(inputs.members)]
    richer = Member(
        chosen.code,
        chosen.status,
        chosen.accession_year,
        tuple(
            IncomeFigure(
                figure.year,
                figure.currency,
                None if figure.national_income is None else figure.national_income * factor + extra,
            )
            for figure in chosen.figures
        ),
    )
    raised = ScaleInputs(
        inputs.scale_year,
        inputs.budget_cents,
        tuple(richer if member.code == chosen.code else member for member in inputs.members),
        inputs.rates,
        inputs.parameters,
    )

    # when
    before = scale_or_skip(inputs).member(chosen.code)
    after = scale_or_skip(raised).member(chosen.code)

    # then
    assert after.full_share >= before.full_share
    assert after.applied_share >= before.applied_share


@given(inputs=any_inputs, data=st.data())
def test_order_of_inputs_does_not_matter(inputs: ScaleInputs, data: st.DataObject) -> None:
    """Shuffling members, their figures and the rates gives the same result."""
    # given
    shuffled = ScaleInputs(
        inputs.scale_year,
        inputs.budget_cents,
        tuple(
            Member(
                member.code,
                member.status,
                member.accession_year,
                tuple(data.draw(st.permutations(member.figures))),
            )
            for member in data.draw(st.permutations(inputs.members))
        ),
        tuple(data.draw(st.permutations(inputs.rates))),
        inputs.parameters,
    )

    # when
    result = scale_or_skip(inputs)

    # then
    assert compute_scale(shuffled) == result
