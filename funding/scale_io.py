"""Freezing a scale's inputs as JSON and thawing them again, exactly: pure code.

An adopted scale keeps its inputs in this form, so anyone can recompute it with
:func:`funding.rules.compute_scale` and get the same shares. Decimals are written as strings
and Fractions as "n/d", never as floats.
"""

from __future__ import annotations

import hashlib
import json
from decimal import Decimal
from fractions import Fraction
from typing import Any

from funding.rules import (
    ExchangeRate,
    IncomeFigure,
    Member,
    MemberStatus,
    ScaleInputs,
    ScaleParameters,
    fraction_to_str,
)

__all__ = [
    "canonical_json",
    "inputs_from_dict",
    "inputs_to_dict",
    "parameters_from_dict",
    "parameters_to_dict",
    "sha256_of",
]


def canonical_json(data: Any) -> bytes:
    """JSON with sorted keys, no spaces and UTF-8: the bytes that are hashed."""
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def sha256_of(data: Any) -> str:
    return hashlib.sha256(canonical_json(data)).hexdigest()


def _fraction(text: str | None) -> Fraction | None:
    return None if text is None else Fraction(text)


def _optional(value: Fraction | None) -> str | None:
    return None if value is None else fraction_to_str(value)


def parameters_to_dict(params: ScaleParameters) -> dict[str, Any]:
    return {
        "budget_currency": params.budget_currency,
        "years_averaged": params.years_averaged,
        "reference_years": None if params.reference_years is None else list(params.reference_years),
        "gdp_ratio": _optional(params.gdp_ratio),
        "ceiling": _optional(params.ceiling),
        "floor": _optional(params.floor),
        "phase_in": [fraction_to_str(rate) for rate in params.phase_in],
        "associate_share": _optional(params.associate_share),
    }


def parameters_from_dict(data: dict[str, Any]) -> ScaleParameters:
    years = data.get("reference_years")
    return ScaleParameters(
        budget_currency=data.get("budget_currency", "EUR"),
        years_averaged=int(data.get("years_averaged", 3)),
        reference_years=None if years is None else tuple(int(y) for y in years),
        gdp_ratio=_fraction(data.get("gdp_ratio")),
        ceiling=_fraction(data.get("ceiling")),
        floor=_fraction(data.get("floor")),
        phase_in=tuple(Fraction(rate) for rate in data.get("phase_in", [])),
        associate_share=_fraction(data.get("associate_share")),
    )


def _decimal(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def inputs_to_dict(inputs: ScaleInputs) -> dict[str, Any]:
    return {
        "scale_year": inputs.scale_year,
        "budget_cents": inputs.budget_cents,
        "parameters": parameters_to_dict(inputs.parameters),
        "members": [
            {
                "code": member.code,
                "status": member.status.value,
                "accession_year": member.accession_year,
                "figures": [
                    {
                        "year": figure.year,
                        "currency": figure.currency,
                        "national_income": _decimal(figure.national_income),
                        "gdp": _decimal(figure.gdp),
                    }
                    for figure in member.figures
                ],
            }
            for member in inputs.members
        ],
        "rates": [
            {
                "year": rate.year,
                "currency": rate.currency,
                "per_budget_unit": str(rate.per_budget_unit),
            }
            for rate in inputs.rates
        ],
    }


def inputs_from_dict(data: dict[str, Any]) -> ScaleInputs:
    def dec(text: str | None) -> Decimal | None:
        return None if text is None else Decimal(text)

    return ScaleInputs(
        scale_year=int(data["scale_year"]),
        budget_cents=int(data["budget_cents"]),
        parameters=parameters_from_dict(data["parameters"]),
        members=tuple(
            Member(
                code=member["code"],
                status=MemberStatus(member["status"]),
                accession_year=int(member["accession_year"]),
                figures=tuple(
                    IncomeFigure(
                        year=int(figure["year"]),
                        currency=figure["currency"],
                        national_income=dec(figure["national_income"]),
                        gdp=dec(figure["gdp"]),
                    )
                    for figure in member["figures"]
                ),
            )
            for member in data["members"]
        ),
        rates=tuple(
            ExchangeRate(
                year=int(rate["year"]),
                currency=rate["currency"],
                per_budget_unit=Decimal(rate["per_budget_unit"]),
            )
            for rate in data["rates"]
        ),
    )
