"""The split of a period's GPU capacity between the facility, the director and the member states.

The capacity of an allocation period, in whole GPU-minutes, is split in nested steps, each one
a largest-remainder apportionment (:func:`funding.rules.apportion`), so every level adds up
exactly to the level above it and every figure is its exact value rounded down or up:

1. capacity -> facility programme, director's reserve, and the national pool (the rest);
2. national pool -> an equal part and a proportional part, by the policy's ``equal`` fraction
   (ECMWF: 35% equal, 65% by contribution; EuroHPC: all by contribution);
3. equal part -> the same exact amount for every state;
4. proportional part -> each state in proportion to its contribution share.

Among equal remainders in steps 3 and 4, the state with the larger contribution share gets the
odd minute first, then the lower state code. With that order a state with a larger share never
gets fewer minutes than a state with a smaller one.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from funding.rules import apportion, fraction_to_str

__all__ = [
    "ECMWF",
    "EUROHPC",
    "CapacitySplit",
    "QuotaCheck",
    "QuotaError",
    "SplitError",
    "SplitInputs",
    "SplitPolicy",
    "StateMinutes",
    "StateShare",
    "check_allocation",
    "concurrency_cap",
    "fairshare_parts",
    "project_fairshare",
    "split_capacity",
]


class SplitError(ValueError):
    """The inputs do not allow the period's capacity to be split."""


class QuotaError(ValueError):
    """The figures given for an allocation check are not valid quantities of GPU-minutes."""


def _exact(value: object, what: str) -> Fraction:
    """Accept a Fraction or an int; refuse floats, whose binary rounding would leak into minutes."""
    if isinstance(value, bool) or not isinstance(value, int | Fraction):
        raise SplitError(
            f"{what} must be a Fraction or an int, not {value!r} (write e.g. Fraction(35, 100))."
        )
    return Fraction(value)


def _minutes(value: object, what: str, error: type[ValueError]) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise error(f"{what} must be a whole number of GPU-minutes, not {value!r}.")
    if value < 0:
        raise error(f"{what} must not be negative; it is {value:,}.")
    return value


@dataclass(frozen=True)
class SplitPolicy:
    """How the national pool is split: ``equal`` of it in equal parts, the rest by contribution."""

    equal: Fraction

    def __post_init__(self) -> None:
        equal = _exact(self.equal, "The equal part")
        if not 0 <= equal <= 1:
            raise SplitError(f"The equal part must lie between 0 and 1; it is {equal}.")
        # Store a Fraction even when given an int, so that equal policies compare equal.
        object.__setattr__(self, "equal", equal)


# ECMWF shares its member states' computing resources 35% equally and 65% by contribution.
ECMWF = SplitPolicy(equal=Fraction(35, 100))
# EuroHPC shares its participating states' access time in proportion to their contributions.
EUROHPC = SplitPolicy(equal=Fraction(0))


@dataclass(frozen=True)
class StateShare:
    """A member state's contribution share, as it drives its national quota."""

    code: str
    share: Fraction


@dataclass(frozen=True)
class SplitInputs:
    """A period's capacity, the parts set aside from it, the policy and the states' shares."""

    capacity_minutes: int
    programme_share: Fraction
    reserve_share: Fraction
    policy: SplitPolicy
    states: tuple[StateShare, ...]


@dataclass(frozen=True)
class StateMinutes:
    """A state's quota for the period, shown as its equal part plus its proportional part."""

    code: str
    share: Fraction
    equal_minutes: int
    proportional_minutes: int

    @property
    def minutes(self) -> int:
        """The state's whole quota for the period."""
        return self.equal_minutes + self.proportional_minutes


@dataclass(frozen=True)
class CapacitySplit:
    """A period's capacity in whole GPU-minutes, split so that the parts add up to the whole."""

    capacity_minutes: int
    programme_minutes: int
    reserve_minutes: int
    equal_pool_minutes: int
    proportional_pool_minutes: int
    # Ordered by state code.
    states: tuple[StateMinutes, ...]

    @property
    def national_minutes(self) -> int:
        """The national pool: what is left for the member states."""
        return self.equal_pool_minutes + self.proportional_pool_minutes

    def state(self, code: str) -> StateMinutes:
        """Return the quota of the state with this code."""
        for line in self.states:
            if line.code == code:
                return line
        raise KeyError(code)

    def to_dict(self) -> dict[str, Any]:
        """Return the split as JSON-ready data, with shares written "n/d"."""
        return {
            "capacity_minutes": self.capacity_minutes,
            "programme_minutes": self.programme_minutes,
            "reserve_minutes": self.reserve_minutes,
            "national_minutes": self.national_minutes,
            "equal_pool_minutes": self.equal_pool_minutes,
            "proportional_pool_minutes": self.proportional_pool_minutes,
            "states": [
                {
                    "code": line.code,
                    "share": fraction_to_str(line.share),
                    "equal_minutes": line.equal_minutes,
                    "proportional_minutes": line.proportional_minutes,
                    "minutes": line.minutes,
                }
                for line in self.states
            ],
        }


def split_capacity(inputs: SplitInputs) -> CapacitySplit:
    """Split a period's capacity into the programme, the reserve and one quota per state."""
    capacity = _minutes(inputs.capacity_minutes, "The capacity", SplitError)
    programme = _exact(inputs.programme_share, "The programme share")
    reserve = _exact(inputs.reserve_share, "The reserve share")
    if programme < 0 or reserve < 0:
        raise SplitError("The programme and reserve shares must not be negative.")
    if programme + reserve > 1:
        raise SplitError(
            f"The programme ({programme}) and reserve ({reserve}) shares together exceed the "
            "whole capacity."
        )
    if not isinstance(inputs.policy, SplitPolicy):
        raise SplitError(f"The policy must be a SplitPolicy, not {inputs.policy!r}.")
    shares = _state_shares(inputs.states)

    top = apportion(
        capacity,
        {"programme": programme, "reserve": reserve, "states": 1 - programme - reserve},
    )
    equal = inputs.policy.equal
    pools = apportion(top["states"], {"equal": equal, "proportional": 1 - equal})
    # Larger share first, then code: the order that keeps larger shares from getting less.
    by_share = sorted(shares, key=lambda code: (-shares[code], code))
    equal_parts = apportion(pools["equal"], dict.fromkeys(shares, Fraction(1)), tie_order=by_share)
    proportional_parts = apportion(pools["proportional"], shares, tie_order=by_share)

    return CapacitySplit(
        capacity_minutes=capacity,
        programme_minutes=top["programme"],
        reserve_minutes=top["reserve"],
        equal_pool_minutes=pools["equal"],
        proportional_pool_minutes=pools["proportional"],
        states=tuple(
            StateMinutes(
                code=code,
                share=shares[code],
                equal_minutes=equal_parts[code],
                proportional_minutes=proportional_parts[code],
            )
            for code in sorted(shares)
        ),
    )


def _state_shares(states: Iterable[StateShare]) -> dict[str, Fraction]:
    shares: dict[str, Fraction] = {}
    for state in states:
        if state.code in shares:
            raise SplitError(f"{state.code} is listed more than once.")
        share = _exact(state.share, f"The share of {state.code}")
        if share < 0:
            raise SplitError(f"The share of {state.code} must not be negative; it is {share}.")
        shares[state.code] = share
    if not shares:
        raise SplitError("A split needs at least one member state.")
    total = sum(shares.values(), Fraction(0))
    if total != 1:
        raise SplitError(f"The contribution shares add up to {total}, not 1.")
    return shares


@dataclass(frozen=True)
class QuotaCheck:
    """Whether a new allocation fits a state's quota, and by how much it does or does not."""

    fits: bool
    # What the quota still holds before the new allocation; negative if already overdrawn.
    available_minutes: int
    # What the quota still holds after the new allocation; None when it does not fit.
    remaining_minutes: int | None
    # By how much the new allocation would overdraw the quota; 0 when it fits.
    overdraw_minutes: int
    reason: str | None


def check_allocation(
    *,
    state: str,
    quota_minutes: int,
    allocated_minutes: Iterable[int],
    requested_minutes: int,
) -> QuotaCheck:
    """Check whether a new allocation of ``requested_minutes`` fits within a state's quota."""
    quota = _minutes(quota_minutes, f"{state}'s quota", QuotaError)
    allocated = sum(
        _minutes(minutes, f"An existing allocation of {state}", QuotaError)
        for minutes in allocated_minutes
    )
    requested = _minutes(requested_minutes, "The requested allocation", QuotaError)
    if requested == 0:
        raise QuotaError("The requested allocation must be at least one GPU-minute.")
    available = quota - allocated
    if requested <= available:
        return QuotaCheck(
            fits=True,
            available_minutes=available,
            remaining_minutes=available - requested,
            overdraw_minutes=0,
            reason=None,
        )
    overdraw = requested - available
    return QuotaCheck(
        fits=False,
        available_minutes=available,
        remaining_minutes=None,
        overdraw_minutes=overdraw,
        reason=f"would overdraw {state}'s quota of {quota:,} GPU-minutes by {overdraw:,}",
    )


def concurrency_cap(
    *, minutes: int, period_minutes: int, burst: Fraction, cluster_gpus: int
) -> int:
    """How many GPUs an allocation's jobs may hold at once (Slurm's ``GrpTRES=gres/gpu=N``).

    Spread evenly, ``minutes`` over a period of ``period_minutes`` needs ``minutes /
    period_minutes`` GPUs at every moment; ``burst`` (at least 1) lets a project run that many
    times faster for a while. Rounded up, so a small allocation still runs one GPU, and never
    more than the cluster has: N = min(cluster, max(1, ceil(minutes / period_minutes x burst))).
    """
    used = _minutes(minutes, "The allocation", QuotaError)
    if period_minutes <= 0:
        raise QuotaError(f"A period lasts at least one minute, not {period_minutes}.")
    factor = _exact(burst, "The burst factor")
    if factor < 1:
        raise QuotaError(f"The burst factor is at least 1; it is {factor}.")
    if cluster_gpus <= 0:
        raise QuotaError(f"A cluster has at least one GPU, not {cluster_gpus}.")
    exact = Fraction(used, period_minutes) * factor
    return min(cluster_gpus, max(1, -(-exact.numerator // exact.denominator)))


# Slurm's RawShares of the state accounts add up to this: a contribution share in parts per 10,000.
FAIRSHARE_PARTS = 10_000


def fairshare_parts(
    shares: dict[str, Fraction], *, programme: str = "", programme_weight: Fraction = Fraction(0)
) -> dict[str, int]:
    """Each state's Fairshare (RawShares) from its contribution share, in parts per 10,000.

    The states' parts add up to exactly 10,000 (largest remainders, so 0.5 / 0.3 / 0.2 reads
    5000 / 3000 / 2000). The facility programme, when named, gets ``programme_weight`` (its part
    of the capacity over the states' part) on the same scale, so the programme and the states
    compete in proportion to the capacity each was given. Every account gets at least 1 (Slurm
    gives an account with 0 shares only what nobody else wants).
    """
    weights = {code: _exact(share, f"The share of {code}") for code, share in shares.items()}
    if not weights or sum(weights.values()) <= 0:
        return {}
    parts = apportion(FAIRSHARE_PARTS, weights)
    if programme:
        weight = _exact(programme_weight, "The programme's weight")
        exact = weight * FAIRSHARE_PARTS
        parts[programme] = math.floor(exact + Fraction(1, 2))  # half up
    return {name: max(1, n) for name, n in parts.items()}


def project_fairshare(minutes: int) -> int:
    """A project's Fairshare against its state's other projects: its allocation in GPU-hours,
    rounded up (at least 1)."""
    return max(1, -(-_minutes(minutes, "The allocation", QuotaError) // 60))
