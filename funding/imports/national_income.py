"""National-income figures: one row per state and year, columns read by their header names.

Columns: ``code`` (ISO 3166 alpha-2), ``year``, ``currency`` (ISO 4217), ``amount`` (the
national income; may be empty where ``gdp`` is given, for an estimate), and optionally ``gdp``,
``gni_or_nni`` (what the figure measures), ``unit`` (only ``units``) and ``source``. This is the
layout of ``demo/data/national_income.csv``.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from funding.imports.common import (
    ParseResult,
    cell,
    header_index,
    read_currency,
    read_decimal,
    read_records,
    read_year,
)
from funding.models import NationalIncomeFigure

AMOUNT_PLACES = 6
INCOME_FIELD = NationalIncomeFigure._meta.get_field("national_income")
GDP_FIELD = NationalIncomeFigure._meta.get_field("gdp")
MEASURE_MAX = NationalIncomeFigure._meta.get_field("measure").max_length or 0


@dataclass(frozen=True)
class IncomeRow:
    line: int
    code: str
    year: int
    currency: str
    national_income: Decimal | None
    gdp: Decimal | None
    measure: str
    source: str


def parse_national_income(text: str, *, known_codes: Collection[str]) -> ParseResult[IncomeRow]:
    """Read a national-income file; every unknown state, gap, bad number or repeat is a problem."""
    result: ParseResult[IncomeRow] = ParseResult()
    rows = read_records(result, text)
    if rows is None:
        return result
    header = rows[0][1]
    index = header_index(
        result,
        header,
        required=("code", "year", "currency", "amount"),
        optional=("gdp", "gni_or_nni", "unit", "source"),
        aliases={"national_income": "amount", "country": "code"},
    )
    if index is None:
        return result
    names = {position: header[position] for position in index.values()}
    seen: dict[tuple[str, int], int] = {}
    first_line: dict[str, int] = {}
    years_of: dict[str, set[int]] = {}
    for line, cells in rows[1:]:
        if len(cells) > len(header):
            result.problem(
                line,
                len(header) + 1,
                "",
                ngettext(
                    "%(fields)d field; the header has %(columns)d",
                    "%(fields)d fields; the header has %(columns)d",
                    len(cells),
                )
                % {"fields": len(cells), "columns": len(header)},
            )
            continue

        def at(name: str, cells: list[str] = cells) -> str:
            return cell(cells, index[name]) if name in index else ""

        code_pos = index["code"]
        code = at("code").upper()
        if code not in known_codes:
            result.problem(
                line,
                code_pos + 1,
                names[code_pos],
                _("unknown country %(code)s") % {"code": repr(at("code"))},
            )
        year = read_year(result, line, index["year"], names[index["year"]], at("year"))
        currency = read_currency(
            result, line, index["currency"], names[index["currency"]], at("currency")
        )
        income = gdp = None
        if at("amount"):
            income = read_decimal(
                result, line, index["amount"], names[index["amount"]], at("amount"),
                places=AMOUNT_PLACES, positive=True, field=INCOME_FIELD,
            )  # fmt: skip
        if at("gdp"):
            gdp = read_decimal(
                result, line, index["gdp"], names[index["gdp"]], at("gdp"),
                places=AMOUNT_PLACES, positive=True, field=GDP_FIELD,
            )  # fmt: skip
        if not at("amount") and not at("gdp"):
            result.problem(
                line,
                index["amount"] + 1,
                names[index["amount"]],
                _("neither a national income nor a GDP figure is given"),
            )
        if "unit" in index and at("unit") not in ("", "units"):
            result.problem(
                line,
                index["unit"] + 1,
                names[index["unit"]],
                _("the unit must be 'units' (whole currency units), not %(unit)s")
                % {"unit": repr(at("unit"))},
            )
        measure = at("gni_or_nni")
        if len(measure) > MEASURE_MAX:
            result.problem(
                line,
                index["gni_or_nni"] + 1,
                names[index["gni_or_nni"]],
                _("the measure is %(length)d characters long; at most %(most)d")
                % {"length": len(measure), "most": MEASURE_MAX},
            )
        if year is not None and code in known_codes:
            key = (code, year)
            if key in seen:
                result.problem(
                    line,
                    index["year"] + 1,
                    names[index["year"]],
                    _("%(code)s %(year)d is already given on line %(line)d")
                    % {"code": code, "year": year, "line": seen[key]},
                )
            else:
                seen[key] = line
            first_line.setdefault(code, line)
            years_of.setdefault(code, set()).add(year)
        if (
            code in known_codes
            and year is not None
            and currency is not None
            and (income is not None or gdp is not None)
        ):
            result.rows.append(
                IncomeRow(
                    line=line,
                    code=code,
                    year=year,
                    currency=currency,
                    national_income=income,
                    gdp=gdp,
                    measure=measure,
                    source=at("source"),
                )
            )
    all_years = set().union(*years_of.values()) if years_of else set()
    for code, years in sorted(years_of.items()):
        for year in sorted(all_years - years):
            result.problem(
                first_line[code],
                index["year"] + 1,
                names[index["year"]],
                _(
                    "missing year: %(code)s has no figure for %(year)d, which the file gives for "
                    "other states"
                )
                % {"code": code, "year": year},
            )
    result.problems.sort(key=lambda p: (p.line, p.column or 0))
    result.summary.update(
        {
            "rows": len(result.rows),
            "states": sorted(years_of),
            "years": sorted(all_years),
            "estimates_possible": sum(1 for r in result.rows if r.national_income is None),
        }
    )
    return result
