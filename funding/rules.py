"""The contribution scale: who pays which share of the budget, in exact arithmetic.

The scale follows CERN's method. Each member's national income is averaged over the reference
years (by default the three latest years with statistics), each year converted into the budget
currency at that year's average exchange rate. A member's raw share is its average divided by
the sum of all members' averages. Then, in this order:

1. **Ceiling and floor** bound the raw shares. What a capped member no longer pays, and what a
   floored member pays on top, is spread over the members inside the bounds in proportion to
   their shares, until no member is outside them. The result is the member's *full share*:
   what it would pay if every member paid in full.
2. **Phase-in and associates.** A new full member pays a percentage of its full share in each
   of its first years of membership; an associate member pays a fixed share instead of its full
   share. The difference (what they do not pay, or for an associate above its full share, what
   it pays on top) is spread over the full members paying in full, in proportion to their full
   shares, again within the ceiling and floor. The result is the member's *applied share*.
3. **Assessment.** The budget in cents is apportioned by the applied shares with
   :func:`apportion` (largest remainder), so the assessments add up exactly to the budget.

Shares are :class:`~fractions.Fraction` throughout, money is integer cents or
:class:`~decimal.Decimal`; nothing here is ever a float, so every figure can be re-checked by
hand from the result.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from fractions import Fraction
from typing import Any

__all__ = [
    "DISPLAY_ROUNDING",
    "ExchangeRate",
    "IncomeFigure",
    "Member",
    "MemberShare",
    "MemberStatus",
    "Reason",
    "ScaleError",
    "ScaleInputs",
    "ScaleParameters",
    "ScaleResult",
    "YearIncome",
    "apportion",
    "compute_scale",
    "fraction_to_decimal",
    "fraction_to_str",
]

# Averages are exact Fractions; this rounding is only for showing them in the budget currency.
DISPLAY_ROUNDING = ROUND_HALF_UP


class ScaleError(ValueError):
    """The inputs do not allow a contribution scale to be computed."""


class MemberStatus(StrEnum):
    """Kinds of member that appear on the scale (observers pay nothing and are left out)."""

    FULL = "full"
    ASSOCIATE = "associate"


class Reason(StrEnum):
    """Why a member's share is not simply its income-proportional share, or rests on estimates."""

    # Definition order is the order in which reasons are listed in a result.
    ESTIMATE = "estimate"  # at least one year's national income was estimated from GDP
    CEILING = "ceiling"  # held at the ceiling: cut to it, or kept from rising above it
    FLOOR = "floor"  # held at the floor: raised to it, or kept from falling below it
    PHASE_IN = "phase_in"  # pays a percentage of its full share in an early year of membership
    ASSOCIATE = "associate"  # pays the fixed associate share instead of its full share


@dataclass(frozen=True)
class IncomeFigure:
    """A member's national income, and optionally its GDP, for one year in one currency."""

    year: int
    currency: str
    national_income: Decimal | None = None
    gdp: Decimal | None = None


@dataclass(frozen=True)
class Member:
    """A member state as the scale sees it: code, status, year of accession and its figures."""

    code: str
    status: MemberStatus
    accession_year: int
    figures: tuple[IncomeFigure, ...] = ()


@dataclass(frozen=True)
class ExchangeRate:
    """A year's average rate: units of ``currency`` for one unit of the budget currency."""

    year: int
    currency: str
    per_budget_unit: Decimal


@dataclass(frozen=True)
class ScaleParameters:
    """The settings of the scale that the Council decides, not the statistics."""

    budget_currency: str = "EUR"
    years_averaged: int = 3
    # None: the latest ``years_averaged`` years for which any member reports national income.
    reference_years: tuple[int, ...] | None = None
    # National income estimated as GDP * this ratio where a member has no figure for a year.
    gdp_ratio: Fraction | None = None
    ceiling: Fraction | None = None
    floor: Fraction | None = None
    # Percentage of the full share paid in the 1st, 2nd, ... year of membership; 100% after.
    phase_in: tuple[Fraction, ...] = ()
    # The share every associate member pays; required when there is an associate member.
    # Associates still report income: their full share shows what they would pay as full
    # members, and what they do not pay of it is spread over the full members.
    associate_share: Fraction | None = None


@dataclass(frozen=True)
class ScaleInputs:
    """Everything the scale for one budget year is computed from."""

    scale_year: int
    budget_cents: int
    members: tuple[Member, ...]
    rates: tuple[ExchangeRate, ...] = ()
    parameters: ScaleParameters = field(default_factory=ScaleParameters)


@dataclass(frozen=True)
class YearIncome:
    """One line of the working: a member's income for one year, and its value in the budget currency."""

    year: int
    currency: str
    national_income: Fraction
    rate: Decimal
    in_budget_currency: Fraction
    estimated: bool
    gdp: Decimal | None = None


@dataclass(frozen=True)
class MemberShare:
    """A member's line on the scale, with the working needed to re-check it."""

    code: str
    status: MemberStatus
    accession_year: int
    membership_year: int
    years: tuple[YearIncome, ...]
    average_income: Fraction
    raw_share: Fraction
    full_share: Fraction
    applied_share: Fraction
    # The fraction of its full share a member in phase-in pays; None when phase-in does not apply.
    phase_in_rate: Fraction | None
    reasons: tuple[Reason, ...]
    assessed_cents: int

    @property
    def average_income_display(self) -> Decimal:
        """The average income in the budget currency, rounded to the cent for display."""
        return fraction_to_decimal(self.average_income, 2)


@dataclass(frozen=True)
class ScaleResult:
    """The contribution scale for one budget year, members ordered by code."""

    scale_year: int
    budget_currency: str
    reference_years: tuple[int, ...]
    budget_cents: int
    parameters: ScaleParameters
    members: tuple[MemberShare, ...]

    def member(self, code: str) -> MemberShare:
        """Return the line of the member with this code."""
        for line in self.members:
            if line.code == code:
                return line
        raise KeyError(code)

    @property
    def shares(self) -> dict[str, Fraction]:
        """The applied share of each member, by code."""
        return {line.code: line.applied_share for line in self.members}

    @property
    def assessments(self) -> dict[str, int]:
        """The assessed amount in cents of each member, by code."""
        return {line.code: line.assessed_cents for line in self.members}

    def to_dict(self) -> dict[str, Any]:
        """Return the result as JSON-ready data: Fractions as "n/d", Decimals as strings."""
        params = self.parameters
        return {
            "scale_year": self.scale_year,
            "budget_currency": self.budget_currency,
            "reference_years": list(self.reference_years),
            "budget_cents": self.budget_cents,
            "parameters": {
                "budget_currency": params.budget_currency,
                "years_averaged": params.years_averaged,
                "reference_years": (
                    None if params.reference_years is None else list(params.reference_years)
                ),
                "gdp_ratio": _optional_fraction(params.gdp_ratio),
                "ceiling": _optional_fraction(params.ceiling),
                "floor": _optional_fraction(params.floor),
                "phase_in": [fraction_to_str(rate) for rate in params.phase_in],
                "associate_share": _optional_fraction(params.associate_share),
            },
            "members": [
                {
                    "code": line.code,
                    "status": line.status.value,
                    "accession_year": line.accession_year,
                    "membership_year": line.membership_year,
                    "years": [
                        {
                            "year": year.year,
                            "currency": year.currency,
                            "national_income": fraction_to_str(year.national_income),
                            "gdp": None if year.gdp is None else str(year.gdp),
                            "estimated": year.estimated,
                            "rate": str(year.rate),
                            "in_budget_currency": fraction_to_str(year.in_budget_currency),
                        }
                        for year in line.years
                    ],
                    "average_income": fraction_to_str(line.average_income),
                    "average_income_display": str(line.average_income_display),
                    "raw_share": fraction_to_str(line.raw_share),
                    "full_share": fraction_to_str(line.full_share),
                    "applied_share": fraction_to_str(line.applied_share),
                    "phase_in_rate": _optional_fraction(line.phase_in_rate),
                    "reasons": [reason.value for reason in line.reasons],
                    "assessed_cents": line.assessed_cents,
                }
                for line in self.members
            ],
        }


def fraction_to_str(value: Fraction) -> str:
    """Write a Fraction as "n/d", also when d is 1, so that readers parse one form only."""
    return f"{value.numerator}/{value.denominator}"


def _optional_fraction(value: Fraction | None) -> str | None:
    return None if value is None else fraction_to_str(value)


def fraction_to_decimal(value: Fraction, places: int) -> Decimal:
    """Round a Fraction to ``places`` decimal places with :data:`DISPLAY_ROUNDING` (half up)."""
    # Integer arithmetic, so the result does not depend on the decimal context's precision.
    scale = 10**places
    scaled = abs(value) * scale
    whole, rest = divmod(scaled.numerator, scaled.denominator)
    if 2 * rest >= scaled.denominator:  # half up: a remainder of exactly one half rounds away
        whole += 1
    sign = "-" if value < 0 and whole else ""
    return Decimal(f"{sign}{whole}").scaleb(-places)


def apportion(
    total: int, weights: Mapping[str, Fraction], *, tie_order: Sequence[str] | None = None
) -> dict[str, int]:
    """Split a whole number ``total`` in proportion to ``weights`` by the largest-remainder method.

    Each key first gets its exact quota ``total * weight / sum of weights`` rounded down; the
    units left over go one each to the keys with the largest remainders. Among equal
    remainders the larger weight goes first, then the key in ascending order (for state codes:
    alphabetically). ``tie_order``, when given, replaces that tie order: it lists every key, and
    a key listed earlier wins a tie. The parts add up exactly to ``total``, and each part is its
    quota rounded down or up.
    """
    if isinstance(total, bool) or not isinstance(total, int):
        raise ValueError(f"The total to apportion must be a whole number, not {total!r}.")
    if total < 0:
        raise ValueError(f"The total to apportion must not be negative; it is {total}.")
    exact = {
        key: _exact(weight, f"The weight of {key}", error=ValueError)
        for key, weight in weights.items()
    }
    negative = sorted(key for key, weight in exact.items() if weight < 0)
    if negative:
        raise ValueError(f"Weights must not be negative; {', '.join(negative)} has one.")
    weight_sum = sum(exact.values(), Fraction(0))
    if weight_sum == 0:
        if total == 0:
            return dict.fromkeys(exact, 0)
        raise ValueError(f"Cannot apportion {total} over weights that add up to zero.")
    if tie_order is None:
        order = sorted(exact, key=lambda key: (-exact[key], key))
    else:
        order = list(tie_order)
        if len(order) != len(exact) or set(order) != set(exact):
            raise ValueError("tie_order must list every key of the weights exactly once.")
    rank = {key: position for position, key in enumerate(order)}

    quotas = {key: total * weight / weight_sum for key, weight in exact.items()}
    parts = {key: quota.numerator // quota.denominator for key, quota in quotas.items()}
    leftover = total - sum(parts.values())
    by_remainder = sorted(exact, key=lambda key: (-(quotas[key] - parts[key]), rank[key]))
    # Remainders are each below 1, so fewer units are left over than there are keys.
    for key in by_remainder[:leftover]:
        parts[key] += 1
    return parts


def _exact(value: object, what: str, *, error: type[ValueError] = ScaleError) -> Fraction:
    """Accept a Fraction or an int; refuse floats, whose binary rounding would leak into shares."""
    if isinstance(value, bool) or not isinstance(value, int | Fraction):
        raise error(f"{what} must be a Fraction or an int, not {value!r}.")
    return Fraction(value)


def _exact_decimal(value: Decimal, what: str) -> Fraction:
    if not isinstance(value, Decimal) or not value.is_finite():
        raise ScaleError(f"{what} must be a finite Decimal, not {value!r}.")
    return Fraction(value)


def compute_scale(inputs: ScaleInputs) -> ScaleResult:
    """Compute the contribution scale and the assessed amounts for one budget year."""
    params = inputs.parameters
    _check_inputs(inputs)
    years = _reference_years(inputs)
    rates = _rate_table(inputs.rates, params.budget_currency)

    workings = {
        member.code: _year_incomes(member, years, rates, params) for member in inputs.members
    }
    averages = {
        code: sum((line.in_budget_currency for line in lines), Fraction(0)) / len(lines)
        for code, lines in workings.items()
    }
    for code, average in averages.items():
        if average <= 0:
            raise ScaleError(f"The average national income of {code} must be positive.")
    income_sum = sum(averages.values(), Fraction(0))
    raw = {code: average / income_sum for code, average in averages.items()}

    full, full_bounds = _bounded_shares(
        Fraction(1), raw, floor=params.floor, ceiling=params.ceiling, what="the full shares"
    )

    members = {member.code: member for member in inputs.members}
    membership_years = {
        code: inputs.scale_year - member.accession_year + 1 for code, member in members.items()
    }
    applied, phase_in_rates, paying_bounds = _applied_shares(
        members, membership_years, full, params
    )
    assessed = apportion(inputs.budget_cents, applied)

    lines = []
    for code in sorted(members):
        member = members[code]
        reasons: set[Reason] = set()
        if any(line.estimated for line in workings[code]):
            reasons.add(Reason.ESTIMATE)
        for bound in (full_bounds[code], paying_bounds.get(code)):
            if bound is not None:
                reasons.add(bound)
        if code in phase_in_rates:
            reasons.add(Reason.PHASE_IN)
        if member.status is MemberStatus.ASSOCIATE:
            reasons.add(Reason.ASSOCIATE)
        lines.append(
            MemberShare(
                code=code,
                status=member.status,
                accession_year=member.accession_year,
                membership_year=membership_years[code],
                years=workings[code],
                average_income=averages[code],
                raw_share=raw[code],
                full_share=full[code],
                applied_share=applied[code],
                phase_in_rate=phase_in_rates.get(code),
                reasons=tuple(reason for reason in Reason if reason in reasons),
                assessed_cents=assessed[code],
            )
        )
    return ScaleResult(
        scale_year=inputs.scale_year,
        budget_currency=params.budget_currency,
        reference_years=years,
        budget_cents=inputs.budget_cents,
        parameters=params,
        members=tuple(lines),
    )


def _applied_shares(
    members: Mapping[str, Member],
    membership_years: Mapping[str, int],
    full: Mapping[str, Fraction],
    params: ScaleParameters,
) -> tuple[dict[str, Fraction], dict[str, Fraction], dict[str, Reason | None]]:
    """Apply phase-in and associate shares, and spread the difference over the full payers."""
    applied: dict[str, Fraction] = {}
    phase_in_rates: dict[str, Fraction] = {}
    for code, member in members.items():
        if member.status is MemberStatus.ASSOCIATE:
            applied[code] = _associate_share(params)
        elif membership_years[code] <= len(params.phase_in):
            phase_in_rates[code] = params.phase_in[membership_years[code] - 1]
            applied[code] = phase_in_rates[code] * full[code]
    paying_in_full = {code: full[code] for code in members if code not in applied}
    left_for_full_payers = 1 - sum(applied.values(), Fraction(0))
    if not paying_in_full:
        if left_for_full_payers != 0:
            raise ScaleError(
                "No full member pays its full share, so nobody can carry what associate and "
                "phase-in members do not pay."
            )
        return applied, phase_in_rates, {}
    if left_for_full_payers < 0:
        raise ScaleError(
            "The shares of associate and phase-in members add up to more than the whole budget."
        )
    # The same bounded spread as for the full shares, so the ceiling and floor hold for what
    # the full payers finally pay, not only for their full shares.
    paid, paying_bounds = _bounded_shares(
        left_for_full_payers,
        paying_in_full,
        floor=params.floor,
        ceiling=params.ceiling,
        what="the shares of the full members paying in full",
    )
    applied.update(paid)
    return applied, phase_in_rates, paying_bounds


def _check_inputs(inputs: ScaleInputs) -> None:
    params = inputs.parameters
    if isinstance(inputs.budget_cents, bool) or not isinstance(inputs.budget_cents, int):
        raise ScaleError(f"The budget must be whole cents, not {inputs.budget_cents!r}.")
    if inputs.budget_cents < 0:
        raise ScaleError("The budget must not be negative.")
    if not inputs.members:
        raise ScaleError("A scale needs at least one member.")
    codes = [member.code for member in inputs.members]
    duplicates = sorted({code for code in codes if codes.count(code) > 1})
    if duplicates:
        raise ScaleError(f"Members listed more than once: {', '.join(duplicates)}.")
    for member in inputs.members:
        if member.accession_year > inputs.scale_year:
            raise ScaleError(
                f"{member.code} accedes in {member.accession_year}, after the scale year "
                f"{inputs.scale_year}."
            )
        figure_years = [figure.year for figure in member.figures]
        repeated = sorted({year for year in figure_years if figure_years.count(year) > 1})
        if repeated:
            raise ScaleError(f"{member.code} has more than one figure for {repeated[0]}.")
    if params.years_averaged < 1:
        raise ScaleError("At least one year must be averaged.")
    for name, bound in (("ceiling", params.ceiling), ("floor", params.floor)):
        if bound is not None and not 0 <= _exact(bound, f"The {name}") <= 1:
            raise ScaleError(f"The {name} must lie between 0 and 1; it is {bound}.")
    if params.gdp_ratio is not None and _exact(params.gdp_ratio, "The GDP ratio") <= 0:
        raise ScaleError("The ratio of national income to GDP must be positive.")
    for position, rate in enumerate(params.phase_in, start=1):
        if not 0 <= _exact(rate, f"The phase-in rate of year {position}") <= 1:
            raise ScaleError(
                f"The phase-in rate of year {position} must lie between 0 and 1; it is {rate}."
            )
    if any(member.status is MemberStatus.ASSOCIATE for member in inputs.members):
        _associate_share(params)


def _associate_share(params: ScaleParameters) -> Fraction:
    if params.associate_share is None:
        raise ScaleError("There are associate members but no associate share is set.")
    share = _exact(params.associate_share, "The associate share")
    if not 0 <= share <= 1:
        raise ScaleError(f"The associate share must lie between 0 and 1; it is {share}.")
    return share


def _reference_years(inputs: ScaleInputs) -> tuple[int, ...]:
    params = inputs.parameters
    if params.reference_years is not None:
        years = tuple(sorted(set(params.reference_years)))
        if not years:
            raise ScaleError("The list of reference years is empty.")
        return years
    reported = sorted(
        {
            figure.year
            for member in inputs.members
            for figure in member.figures
            if figure.national_income is not None
        }
    )
    if len(reported) < params.years_averaged:
        raise ScaleError(
            f"National income is reported for {len(reported)} year(s); the scale averages "
            f"{params.years_averaged}."
        )
    return tuple(reported[-params.years_averaged :])


def _rate_table(
    rates: Iterable[ExchangeRate], budget_currency: str
) -> dict[tuple[int, str], tuple[Decimal, Fraction]]:
    table: dict[tuple[int, str], tuple[Decimal, Fraction]] = {}
    for rate in rates:
        key = (rate.year, rate.currency)
        if key in table:
            raise ScaleError(f"More than one exchange rate for {rate.currency} in {rate.year}.")
        exact = _exact_decimal(rate.per_budget_unit, f"The {rate.currency} rate of {rate.year}")
        if exact <= 0:
            raise ScaleError(f"The {rate.currency} rate of {rate.year} must be positive.")
        if rate.currency == budget_currency and exact != 1:
            raise ScaleError(f"The budget currency {budget_currency} has a rate other than 1.")
        table[key] = (rate.per_budget_unit, exact)
    return table


def _year_incomes(
    member: Member,
    years: tuple[int, ...],
    rates: Mapping[tuple[int, str], tuple[Decimal, Fraction]],
    params: ScaleParameters,
) -> tuple[YearIncome, ...]:
    figures = {figure.year: figure for figure in member.figures}
    lines = []
    for year in years:
        figure = figures.get(year)
        if figure is None:
            raise ScaleError(f"{member.code} has neither national income nor GDP for {year}.")
        if figure.national_income is not None:
            income = _exact_decimal(
                figure.national_income, f"The national income of {member.code} in {year}"
            )
            estimated = False
        elif figure.gdp is not None:
            if params.gdp_ratio is None:
                raise ScaleError(
                    f"{member.code} has no national income for {year}, and no ratio is set to "
                    "estimate it from GDP."
                )
            gdp = _exact_decimal(figure.gdp, f"The GDP of {member.code} in {year}")
            income = gdp * params.gdp_ratio
            estimated = True
        else:
            raise ScaleError(f"{member.code} has neither national income nor GDP for {year}.")
        if income < 0:
            raise ScaleError(f"The national income of {member.code} in {year} is negative.")
        if figure.currency == params.budget_currency:
            rate, exact_rate = Decimal(1), Fraction(1)
        else:
            try:
                rate, exact_rate = rates[(year, figure.currency)]
            except KeyError:
                raise ScaleError(
                    f"No exchange rate for {figure.currency} in {year}, needed for {member.code}."
                ) from None
        lines.append(
            YearIncome(
                year=year,
                currency=figure.currency,
                national_income=income,
                rate=rate,
                in_budget_currency=income / exact_rate,
                estimated=estimated,
                gdp=figure.gdp,
            )
        )
    return tuple(lines)


def _bounded_shares(
    total: Fraction,
    weights: Mapping[str, Fraction],
    *,
    floor: Fraction | None,
    ceiling: Fraction | None,
    what: str,
) -> tuple[dict[str, Fraction], dict[str, Reason | None]]:
    """Split ``total`` in proportion to positive ``weights`` with every part inside the bounds.

    Cutting a part to the ceiling (or raising it to the floor) and spreading the difference
    over the parts inside the bounds, repeated until nothing moves, ends where each part is
    ``clamp(level * weight, floor, ceiling)`` for the one ``level`` at which the parts add up
    to ``total``. That end point is computed here directly rather than by repeating, so it
    always terminates and never depends on the order of the rounds. A part exactly at a bound
    is not moved and not marked; a part is marked only where the bound holds it back.
    """
    if any(weight <= 0 for weight in weights.values()):
        raise ScaleError(f"Every weight must be positive for {what}.")
    count = len(weights)
    low = Fraction(0) if floor is None else floor
    high = total if ceiling is None else ceiling
    if count * low > total:
        raise ScaleError(
            f"Infeasible floor: {count} members at a floor of {_percent(low)} would pay more "
            f"than the {_percent(total)} to be shared ({what})."
        )
    if count * high < total:
        raise ScaleError(
            f"Infeasible ceiling: {count} members at a ceiling of {_percent(high)} cannot pay "
            f"the {_percent(total)} to be shared ({what})."
        )

    def marks(level: Fraction) -> dict[str, Reason | None]:
        return {
            code: (
                Reason.CEILING
                if ceiling is not None and level * weight > ceiling
                else Reason.FLOOR
                if floor is not None and level * weight < floor
                else None
            )
            for code, weight in weights.items()
        }

    if total == count * high:
        # Every part is forced to the ceiling. The lowest level that puts them all there marks
        # every part but the smallest, which just reaches the ceiling.
        return dict.fromkeys(weights, high), marks(high / min(weights.values()))
    if total == count * low:
        # Every part is forced to the floor: the mirror image of the case above.
        return dict.fromkeys(weights, low), marks(low / max(weights.values()))

    # Between two consecutive break points each part is either fixed at a bound or moves
    # with the level, so the sum is linear there and the level can be solved exactly.
    points = sorted({bound / weight for weight in weights.values() for bound in (low, high)})
    edges = [Fraction(0), *points]
    for start, end in zip(edges, [*points, None], strict=True):
        fixed = Fraction(0)
        moving = Fraction(0)
        for weight in weights.values():
            if end is not None and end * weight <= low:
                fixed += low
            elif start * weight >= high:
                fixed += high
            else:
                moving += weight
        if moving == 0:
            continue
        level = (total - fixed) / moving
        if start <= level and (end is None or level <= end):
            parts = {code: min(max(level * weight, low), high) for code, weight in weights.items()}
            return parts, marks(level)
    # The sum is continuous and runs from count * low to count * high, so a level exists.
    raise AssertionError("no level found for a feasible bounded split")  # pragma: no cover


def _percent(value: Fraction) -> str:
    return f"{fraction_to_decimal(value * 100, 4).normalize():f}%"
