"""Exchange rates: the ECB's daily reference rates, and annual average rates.

The daily file is read in the exact layout of the ECB's ``eurofxref-hist.csv``: a ``Date``
column and one column per currency, read by header name (the set and order of currencies has
changed over the years); a trailing comma on every line; ``N/A`` where a currency had no rate
that day; newest first, though any order is accepted; no row for weekends and ECB holidays.
Values are units of the currency for one euro. The same date twice is an error.

The annual file has the layout of ``demo/data/exchange_rates_annual.csv``: ``currency``,
``year``, ``avg_rate_per_eur``, and optionally ``daily_obs`` and ``source``.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from core.bounds import DATE_MAX
from funding.imports.common import (
    ParseResult,
    cell,
    header_index,
    read_currency,
    read_decimal,
    read_records,
    read_year,
)
from funding.models.reference import EURO_BORN, AnnualExchangeRate, ExchangeRate

RATE_PLACES = 6
DAILY_FIELD = ExchangeRate._meta.get_field("per_eur")
ANNUAL_FIELD = AnnualExchangeRate._meta.get_field("per_eur")
NO_RATE = ("N/A", "")
_CURRENCY = re.compile(r"^[A-Z]{3}$")
_MONTHS = {
    name: number
    for number, name in enumerate(
        (
            "january", "february", "march", "april", "may", "june", "july", "august",
            "september", "october", "november", "december",
        ),
        start=1,
    )
}  # fmt: skip


@dataclass(frozen=True)
class DailyRate:
    line: int
    date: dt.date
    currency: str
    per_eur: Decimal


@dataclass(frozen=True)
class AnnualRate:
    line: int
    currency: str
    year: int
    per_eur: Decimal
    daily_obs: int | None
    source: str


def _read_date(text: str) -> dt.date | None:
    """ISO dates as in eurofxref-hist.csv; also "13 April 2026" as in the single-day file."""
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        pass
    parts = text.split()
    if len(parts) == 3 and parts[0].isdigit() and parts[2].isdigit():
        month = _MONTHS.get(parts[1].lower())
        if month:
            try:
                return dt.date(int(parts[2]), month, int(parts[0]))
            except ValueError:
                return None
    return None


def parse_ecb_rates(text: str) -> ParseResult[DailyRate]:
    """Read the ECB's reference rates; any bad date, value or repeated date is a problem."""
    result: ParseResult[DailyRate] = ParseResult()
    rows = read_records(result, text)
    if rows is None:
        return result
    header = rows[0][1]
    if not header or header[0] != "Date":
        result.problem(1, 1, header[0] if header else "", _("the first column must be 'Date'"))
        return result
    width = len(header)
    trailing = header[-1] == ""  # the ECB ends every line with a comma
    columns: dict[int, str] = {}
    for position, name in enumerate(header[1:], start=1):
        if name == "" and position == width - 1:
            continue
        if not _CURRENCY.match(name):
            result.problem(
                1, position + 1, name, _("%(name)s is not a currency code") % {"name": repr(name)}
            )
        elif name in columns.values():
            result.problem(
                1, position + 1, name, _("the currency %(code)s appears twice") % {"code": name}
            )
        else:
            columns[position] = name
    if not result.ok:
        return result
    seen: dict[dt.date, int] = {}
    for line, cells in rows[1:]:
        # Rows end with the same trailing comma as the header; accept rows without it too.
        if len(cells) != width and not (trailing and len(cells) == width - 1):
            result.problem(
                line,
                min(len(cells), width) + 1,
                "",
                ngettext(
                    "%(fields)d field; the header has %(columns)d",
                    "%(fields)d fields; the header has %(columns)d",
                    len(cells),
                )
                % {"fields": len(cells), "columns": width},
            )
            continue
        if trailing and len(cells) == width and cells[-1] != "":
            result.problem(
                line,
                width,
                "",
                _("unexpected value %(value)s after the last rate") % {"value": repr(cells[-1])},
            )
        date = _read_date(cells[0])
        if date is None:
            result.problem(
                line,
                1,
                "Date",
                _("%(value)s is not a date (YYYY-MM-DD)") % {"value": repr(cells[0])},
            )
            continue
        if not EURO_BORN <= date <= DATE_MAX:
            result.problem(
                line,
                1,
                "Date",
                _("%(date)s is out of range: the euro's rates run from %(first)s to %(last)s")
                % {
                    "date": date.isoformat(),
                    "first": EURO_BORN.isoformat(),
                    "last": DATE_MAX.isoformat(),
                },
            )
            continue
        if date in seen:
            result.problem(
                line,
                1,
                "Date",
                _("%(date)s is already given on line %(line)d")
                % {"date": date.isoformat(), "line": seen[date]},
            )
            continue
        seen[date] = line
        for position, currency in columns.items():
            value = cell(cells, position)
            if value in NO_RATE:
                continue
            rate = read_decimal(
                result, line, position, currency, value, places=RATE_PLACES, positive=True,
                field=DAILY_FIELD,
            )  # fmt: skip
            if rate is None:
                continue
            if currency == "EUR":
                if rate != 1:
                    result.problem(line, position + 1, currency, _("the euro's rate must be 1"))
                continue
            result.rows.append(DailyRate(line, date, currency, rate))
    dates = sorted(seen)
    result.summary.update(
        {
            "dates": len(dates),
            "first_date": dates[0].isoformat() if dates else None,
            "last_date": dates[-1].isoformat() if dates else None,
            "currencies": sorted({r.currency for r in result.rows}),
            "rates": len(result.rows),
        }
    )
    return result


def parse_annual_rates(text: str) -> ParseResult[AnnualRate]:
    """Read annual average rates (units per euro); EUR rows must say 1 and are not stored."""
    result: ParseResult[AnnualRate] = ParseResult()
    rows = read_records(result, text)
    if rows is None:
        return result
    header = rows[0][1]
    index = header_index(
        result,
        header,
        required=("currency", "year", "avg_rate_per_eur"),
        optional=("daily_obs", "source"),
        aliases={"rate": "avg_rate_per_eur"},
    )
    if index is None:
        return result
    names = {position: header[position] for position in index.values()}
    seen: dict[tuple[str, int], int] = {}
    for line, cells in rows[1:]:

        def at(name: str, cells: list[str] = cells) -> str:
            return cell(cells, index[name]) if name in index else ""

        currency = read_currency(
            result, line, index["currency"], names[index["currency"]], at("currency")
        )
        year = read_year(result, line, index["year"], names[index["year"]], at("year"))
        position = index["avg_rate_per_eur"]
        rate = read_decimal(
            result, line, position, names[position], at("avg_rate_per_eur"),
            places=RATE_PLACES, positive=True, field=ANNUAL_FIELD,
        )  # fmt: skip
        obs = None
        if at("daily_obs"):
            if at("daily_obs").isdigit():
                obs = int(at("daily_obs"))
            else:
                result.problem(
                    line,
                    index["daily_obs"] + 1,
                    names[index["daily_obs"]],
                    _("%(value)s is not a whole number") % {"value": repr(at("daily_obs"))},
                )
        if currency is None or year is None:
            continue
        key = (currency, year)
        if key in seen:
            result.problem(
                line,
                index["year"] + 1,
                names[index["year"]],
                _("%(code)s %(year)d is already given on line %(line)d")
                % {"code": currency, "year": year, "line": seen[key]},
            )
            continue
        seen[key] = line
        if rate is None:
            continue
        if currency == "EUR":
            if rate != 1:
                result.problem(line, position + 1, names[position], _("the euro's rate must be 1"))
            continue
        result.rows.append(AnnualRate(line, currency, year, rate, obs, at("source")))
    result.summary.update(
        {
            "rates": len(result.rows),
            "currencies": sorted({r.currency for r in result.rows}),
            "years": sorted({r.year for r in result.rows}),
        }
    )
    return result
