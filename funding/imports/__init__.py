"""Strict parsers for the CSV files finance staff import; pure code, nothing is written here.

Each parser returns every problem it finds with its line and column, so a person can fix a
bad file in one go. The services import a file only when it has no problem at all.
"""

from funding.imports.common import ImportProblem, ParseResult
from funding.imports.national_income import IncomeRow, parse_national_income
from funding.imports.rates import AnnualRate, DailyRate, parse_annual_rates, parse_ecb_rates

__all__ = [
    "AnnualRate",
    "DailyRate",
    "ImportProblem",
    "IncomeRow",
    "ParseResult",
    "parse_annual_rates",
    "parse_ecb_rates",
    "parse_national_income",
]
