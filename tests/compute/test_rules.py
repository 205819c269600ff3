"""The split of a period's GPU capacity and the allocation check: worked examples and properties."""

from __future__ import annotations

import json
import math
from fractions import Fraction
from typing import Any, cast

import pytest
from hypothesis import given
from hypothesis import strategies as st

from compute.rules import (
    ECMWF,
    EUROHPC,
    CapacitySplit,
    QuotaError,
    SplitError,
    SplitInputs,
    SplitPolicy,
    StateShare,
    check_allocation,
    split_capacity,
)

F = Fraction
THREE_STATES = (StateShare("DE", F(1, 2)), StateShare("FR", F(1, 3)), StateShare("IT", F(1, 6)))
PROGRAMME = F(10, 100)
RESERVE = F(5, 100)


def split(
    capacity: int = 1_000_000,
    programme: Fraction = PROGRAMME,
    reserve: Fraction = RESERVE,
    policy: SplitPolicy = ECMWF,
    states: tuple[StateShare, ...] = THREE_STATES,
) -> CapacitySplit:
    return split_capacity(
        SplitInputs(
            capacity_minutes=capacity,
            programme_share=programme,
            reserve_share=reserve,
            policy=policy,
            states=states,
        )
    )


def quotas(result: CapacitySplit) -> dict[str, tuple[int, int, int]]:
    """Each state's (equal, proportional, total) minutes."""
    return {
        line.code: (line.equal_minutes, line.proportional_minutes, line.minutes)
        for line in result.states
    }


# --- worked examples -----------------------------------------------------------------------


def test_ecmwf_split_worked_by_hand() -> None:
    """A million minutes: 10% programme, 5% reserve, the rest 35% equally, 65% by share."""
    # given: 1,000,000 GPU-minutes; DE 1/2, FR 1/3, IT 1/6
    #   programme 100,000; reserve 50,000; national pool 850,000
    #   equal part 35% = 297,500: 99,166 2/3 each; floors 3 * 99,166 = 297,498, 2 minutes left,
    #     remainders tie, larger share first: DE and FR 99,167, IT 99,166
    #   proportional part 65% = 552,500: DE 276,250; FR 184,166 2/3; IT 92,083 1/3
    #     floors add up to 552,499; the one minute left goes to FR (largest remainder, 2/3)
    # when
    result = split()

    # then: DE 99,167 + 276,250 = 375,417; FR 99,167 + 184,167 = 283,334; IT 99,166 + 92,083
    assert result.programme_minutes == 100_000
    assert result.reserve_minutes == 50_000
    assert result.national_minutes == 850_000
    assert result.equal_pool_minutes == 297_500
    assert result.proportional_pool_minutes == 552_500
    assert quotas(result) == {
        "DE": (99_167, 276_250, 375_417),
        "FR": (99_167, 184_167, 283_334),
        "IT": (99_166, 92_083, 191_249),
    }


def test_eurohpc_split_is_purely_proportional() -> None:
    """With no equal part, the national pool follows the contribution shares alone."""
    # given: the same million minutes and states, EuroHPC policy
    #   pool 850,000: DE 425,000; FR 283,333 1/3; IT 141,666 2/3
    #   floors add up to 849,999; the one minute left goes to IT (remainder 2/3)
    # when
    result = split(policy=EUROHPC)

    # then
    assert quotas(result) == {
        "DE": (0, 425_000, 425_000),
        "FR": (0, 283_333, 283_333),
        "IT": (0, 141_667, 141_667),
    }


@pytest.mark.parametrize(
    ("capacity", "programme", "reserve", "policy", "expected", "top"),
    [
        # everything equal: 1,000 / 3 = 333 1/3, the odd minute to the largest share (DE)
        (1_000, F(0), F(0), SplitPolicy(F(1)), {"DE": 334, "FR": 333, "IT": 333}, (0, 0)),
        # programme and reserve take everything
        (1_000, F(3, 4), F(1, 4), ECMWF, {"DE": 0, "FR": 0, "IT": 0}, (750, 250)),
        # nothing to split
        (0, F(1, 10), F(1, 20), ECMWF, {"DE": 0, "FR": 0, "IT": 0}, (0, 0)),
        # 10 minutes: programme 1, reserve 1/2 and pool 8 1/2; the odd minute to the larger part
        # pool 9: equal 3.15 -> 3 (1, 1, 1), proportional 5.85 -> 6 (3, 2, 1)
        (10, F(1, 10), F(1, 20), ECMWF, {"DE": 4, "FR": 3, "IT": 2}, (1, 0)),
    ],
)
def test_edge_splits(
    capacity: int,
    programme: Fraction,
    reserve: Fraction,
    policy: SplitPolicy,
    expected: dict[str, int],
    top: tuple[int, int],
) -> None:
    """All-equal, all-set-aside, empty and tiny capacities still add up to the whole."""
    # when
    result = split(capacity, programme, reserve, policy)

    # then
    assert {line.code: line.minutes for line in result.states} == expected
    assert (result.programme_minutes, result.reserve_minutes) == top
    assert result.programme_minutes + result.reserve_minutes + sum(expected.values()) == capacity


def test_equal_shares_split_the_odd_minute_by_code() -> None:
    """Between states with the same share, the lower code gets the odd minute first."""
    # given: 101 minutes, nothing set aside, two states at 1/2 each
    states = (StateShare("NO", F(1, 2)), StateShare("AT", F(1, 2)))

    # when
    result = split(101, F(0), F(0), EUROHPC, states)

    # then
    assert quotas(result) == {"AT": (0, 51, 51), "NO": (0, 50, 50)}


def test_presets_are_35_and_0_percent_equal() -> None:
    """ECMWF shares 35% equally and EuroHPC nothing, as exact Fractions."""
    # when / then
    assert ECMWF.equal == F(35, 100)
    assert EUROHPC.equal == 0
    assert isinstance(EUROHPC.equal, Fraction)


def test_policy_given_an_int_stores_a_fraction() -> None:
    """SplitPolicy(equal=0) is accepted and equals the EuroHPC preset."""
    # given: an int, as callers may write SplitPolicy(equal=0)
    zero: Any = 0

    # when
    policy = SplitPolicy(equal=zero)

    # then
    assert policy == EUROHPC
    assert isinstance(policy.equal, Fraction)


def test_split_to_dict_is_json() -> None:
    """The split serialises to JSON with shares written "n/d"."""
    # when
    data = json.loads(json.dumps(split().to_dict()))

    # then
    assert data["national_minutes"] == 850_000
    assert data["states"][0] == {
        "code": "DE",
        "share": "1/2",
        "equal_minutes": 99_167,
        "proportional_minutes": 276_250,
        "minutes": 375_417,
    }


# --- refusals -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        pytest.param(
            {"states": (StateShare("DE", F(1, 2)), StateShare("FR", F(1, 3)))},
            "add up to 5/6, not 1",
            id="shares-below-1",
        ),
        pytest.param(
            {"states": (StateShare("DE", F(3, 2)), StateShare("FR", F(-1, 2)))},
            "share of FR must not be negative",
            id="negative-share",
        ),
        pytest.param(
            {"states": (StateShare("DE", F(1, 2)), StateShare("DE", F(1, 2)))},
            "DE is listed more than once",
            id="duplicate-state",
        ),
        pytest.param({"states": ()}, "at least one member state", id="no-states"),
        pytest.param(
            {"programme": F(9, 10), "reserve": F(2, 10)},
            "together exceed the whole capacity",
            id="programme-and-reserve-above-1",
        ),
        pytest.param({"reserve": F(-1, 10)}, "must not be negative", id="negative-reserve"),
        pytest.param({"capacity": -1}, "capacity must not be negative", id="negative-capacity"),
        pytest.param({"capacity": 10.0}, "whole number of GPU-minutes", id="float-capacity"),
        pytest.param({"programme": 0.1}, "must be a Fraction or an int", id="float-programme"),
        pytest.param(
            {"states": (StateShare("DE", cast(Fraction, 1.0)),)},
            "must be a Fraction or an int",
            id="float-share",
        ),
    ],
)
def test_invalid_split_inputs_are_refused(overrides: dict[str, Any], message: str) -> None:
    """Shares not adding up to 1, negative numbers and oversized set-asides raise SplitError."""
    # when / then
    with pytest.raises(SplitError, match=message):
        split(**overrides)


@pytest.mark.parametrize(
    ("equal", "message"),
    [
        (0.35, "must be a Fraction or an int"),
        (F(-1, 10), "between 0 and 1"),
        (F(11, 10), "between 0 and 1"),
    ],
)
def test_invalid_policy_is_refused(equal: Any, message: str) -> None:
    """A policy's equal part is an exact fraction between 0 and 1; a float is refused."""
    # when / then
    with pytest.raises(SplitError, match=message):
        SplitPolicy(equal=equal)


# --- allocation check -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("quota", "allocated", "requested", "fits", "available", "remaining", "overdraw"),
    [
        (1_200_000, [700_000, 400_000], 50_000, True, 100_000, 50_000, 0),
        (1_200_000, [700_000, 400_000], 100_000, True, 100_000, 0, 0),
        (1_200_000, [700_000, 400_000], 130_000, False, 100_000, None, 30_000),
        (1_200_000, [], 1_200_000, True, 1_200_000, 0, 0),
        (0, [], 1, False, 0, None, 1),
        # the quota was lowered below what is already allocated
        (1_000, [1_500], 10, False, -500, None, 510),
    ],
)
def test_allocation_check(
    quota: int,
    allocated: list[int],
    requested: int,
    fits: bool,
    available: int,
    remaining: int | None,
    overdraw: int,
) -> None:
    """A new allocation fits while quota minus existing allocations covers it, exactly or more."""
    # when
    check = check_allocation(
        state="DE", quota_minutes=quota, allocated_minutes=allocated, requested_minutes=requested
    )

    # then
    assert check.fits is fits
    assert check.available_minutes == available
    assert check.remaining_minutes == remaining
    assert check.overdraw_minutes == overdraw
    assert (check.reason is None) is fits


def test_overdraw_reason_names_state_quota_and_excess() -> None:
    """The refusal reads "would overdraw DE's quota of 1,200,000 GPU-minutes by 30,000"."""
    # given: 1,100,000 of 1,200,000 minutes are allocated
    allocated = (700_000, 400_000)

    # when: 130,000 more are asked for
    check = check_allocation(
        state="DE", quota_minutes=1_200_000, allocated_minutes=allocated, requested_minutes=130_000
    )

    # then
    assert check.reason == "would overdraw DE's quota of 1,200,000 GPU-minutes by 30,000"


@pytest.mark.parametrize(
    ("quota", "allocated", "requested", "message"),
    [
        (-1, [], 1, "DE's quota must not be negative"),
        (10, [-1], 1, "existing allocation of DE must not be negative"),
        (10, [], 0, "at least one GPU-minute"),
        (10, [], -5, "requested allocation must not be negative"),
        (10, [1.5], 1, "whole number of GPU-minutes"),
        (10, [], True, "whole number of GPU-minutes"),
    ],
)
def test_invalid_allocation_check_is_refused(
    quota: int, allocated: list[int], requested: int, message: str
) -> None:
    """Negative, empty and fractional quantities of minutes raise QuotaError."""
    # when / then
    with pytest.raises(QuotaError, match=message):
        check_allocation(
            state="DE",
            quota_minutes=quota,
            allocated_minutes=allocated,
            requested_minutes=requested,
        )


# --- properties -----------------------------------------------------------------------------

CODES = ("AT", "BE", "CH", "DE", "ES", "FR", "GB", "IT", "NO", "PL", "SE", "UA")


@st.composite
def split_inputs(draw: st.DrawFn) -> SplitInputs:
    """Random capacity, set-asides, policy, and shares that add up to exactly 1."""
    codes = draw(st.lists(st.sampled_from(CODES), min_size=1, max_size=12, unique=True))
    weights = draw(
        st.lists(st.integers(0, 1_000), min_size=len(codes), max_size=len(codes)).filter(any)
    )
    total = sum(weights)
    return SplitInputs(
        capacity_minutes=draw(st.integers(0, 10**12)),
        programme_share=draw(st.fractions(0, F(1, 2), max_denominator=1000)),
        reserve_share=draw(st.fractions(0, F(1, 2), max_denominator=1000)),
        policy=SplitPolicy(draw(st.fractions(0, 1, max_denominator=1000))),
        states=tuple(
            StateShare(code, F(weight, total)) for code, weight in zip(codes, weights, strict=True)
        ),
    )


@given(inputs=split_inputs())
def test_parts_always_add_up_to_the_capacity(inputs: SplitInputs) -> None:
    """Programme, reserve and states add up to the capacity, and each level to the one above."""
    # when
    result = split_capacity(inputs)

    # then
    states = result.states
    assert (
        result.programme_minutes + result.reserve_minutes + sum(line.minutes for line in states)
        == inputs.capacity_minutes
    )
    assert sum(line.equal_minutes for line in states) == result.equal_pool_minutes
    assert sum(line.proportional_minutes for line in states) == result.proportional_pool_minutes
    assert all(line.equal_minutes >= 0 and line.proportional_minutes >= 0 for line in states)


@given(inputs=split_inputs())
def test_every_part_is_its_exact_value_rounded(inputs: SplitInputs) -> None:
    """Each figure is its exact value rounded down or up, and a quota is within 4 minutes of ideal."""
    # when
    result = split_capacity(inputs)

    # then
    capacity = inputs.capacity_minutes
    national = 1 - inputs.programme_share - inputs.reserve_share
    equal = inputs.policy.equal
    count = len(inputs.states)

    def rounded(part: int, exact: Fraction) -> bool:
        return part in (math.floor(exact), math.ceil(exact))

    assert rounded(result.programme_minutes, capacity * inputs.programme_share)
    assert rounded(result.reserve_minutes, capacity * inputs.reserve_share)
    assert rounded(result.equal_pool_minutes, result.national_minutes * equal)
    for state in inputs.states:
        line = result.state(state.code)
        assert rounded(line.equal_minutes, F(result.equal_pool_minutes, count))
        assert rounded(line.proportional_minutes, result.proportional_pool_minutes * state.share)
        ideal = capacity * national * (equal / count + (1 - equal) * state.share)
        assert abs(line.minutes - ideal) < 4


@given(inputs=split_inputs())
def test_a_larger_share_never_gets_fewer_minutes(inputs: SplitInputs) -> None:
    """A state with a larger contribution share never gets fewer minutes than a smaller one."""
    # when
    result = split_capacity(inputs)

    # then
    for one in result.states:
        for other in result.states:
            if one.share > other.share:
                assert one.minutes >= other.minutes
                assert one.equal_minutes >= other.equal_minutes
                assert one.proportional_minutes >= other.proportional_minutes


@given(inputs=split_inputs(), data=st.data())
def test_order_of_states_does_not_matter(inputs: SplitInputs, data: st.DataObject) -> None:
    """Listing the states in another order gives the same split."""
    # given
    shuffled = SplitInputs(
        inputs.capacity_minutes,
        inputs.programme_share,
        inputs.reserve_share,
        inputs.policy,
        tuple(data.draw(st.permutations(inputs.states))),
    )

    # when / then
    assert split_capacity(shuffled) == split_capacity(inputs)


@given(
    quota=st.integers(0, 10**9),
    allocated=st.lists(st.integers(0, 10**8), max_size=10),
    requested=st.integers(1, 10**9),
)
def test_allocation_check_adds_up(quota: int, allocated: list[int], requested: int) -> None:
    """A fitting allocation leaves quota minus all allocations; a refusal names the exact excess."""
    # when
    check = check_allocation(
        state="FR", quota_minutes=quota, allocated_minutes=allocated, requested_minutes=requested
    )

    # then
    used = sum(allocated) + requested
    assert check.fits is (used <= quota)
    if check.fits:
        assert check.remaining_minutes == quota - used
    else:
        assert check.overdraw_minutes == used - quota > 0
        assert check.reason is not None
        assert f"{used - quota:,}" in check.reason
