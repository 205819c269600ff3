"""What the parsers share: problems with their place in the file, and strict cell readers."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any, Generic, TypeVar

from django.db.models import Field
from django.utils.translation import gettext as _

from core.bounds import decimal_problem
from core.text import first_control_character

T = TypeVar("T")

# Plain decimal notation only: no thousands separators, no exponent, no spaces inside.
_NUMBER = re.compile(r"^-?\d+(\.\d+)?$")
_CURRENCY = re.compile(r"^[A-Z]{3}$")
MAX_PROBLEMS = 500  # enough to fix a file in one pass; more would only repeat one mistake


@dataclass(frozen=True)
class ImportProblem:
    """One thing wrong with a file, where it is: line 1 is the header; columns count from 1."""

    line: int
    column: int | None
    column_name: str
    # In the language active when the file was read (the reader's on a page, English on the
    # command line): the preview stores it as text in ``DataImport.problems``, so a rejected
    # file read in German stays German for whoever opens its page later.
    message: str

    def __str__(self) -> str:
        # English, for the command line and tests; pages show line, column and message apart.
        where = f"line {self.line}"
        if self.column is not None:
            where += f", column {self.column}"
            if self.column_name:
                where += f" ({self.column_name})"
        return f"{where}: {self.message}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "line": self.line,
            "column": self.column,
            "column_name": self.column_name,
            "message": self.message,
        }


@dataclass
class ParseResult(Generic[T]):
    """The rows of a file and everything wrong with it; ``ok`` only when nothing is."""

    rows: list[T] = field(default_factory=list)
    problems: list[ImportProblem] = field(default_factory=list)
    summary: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.problems

    def problem(self, line: int, column: int | None, name: str, message: str) -> None:
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(ImportProblem(line, column, name, message))


def records(text: str) -> Iterator[tuple[int, list[str]]]:
    """(line number, cells) for each non-blank record, cells stripped of surrounding spaces."""
    if text.startswith("\ufeff"):
        text = text[1:]
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    start = 1
    try:
        for row in reader:
            line = start
            start = reader.line_num + 1
            if not row or all(not cell.strip() for cell in row):
                continue
            yield line, [cell.strip() for cell in row]
    except csv.Error as exc:
        raise CsvSyntaxError(reader.line_num, str(exc)) from exc


class CsvSyntaxError(ValueError):
    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


def read_records(result: ParseResult[Any], text: str) -> list[tuple[int, list[str]]] | None:
    """Every record of the file, or None with the problem recorded (not CSV, or empty)."""
    try:
        rows = list(records(text))
    except CsvSyntaxError as exc:
        # The detail is the csv module's own (English) words.
        result.problem(
            exc.line,
            None,
            "",
            _("the file is not valid CSV: %(error)s") % {"error": exc.message},
        )
        return None
    if not rows:
        result.problem(1, None, "", _("the file is empty"))
        return None
    if len(rows) == 1:
        result.problem(rows[0][0], None, "", _("the file has a header but no rows"))
    # What a person counts in the file: its lines of data, not the header or blank lines (an
    # ECB line holds one rate per currency, so the rows stored may be more).
    result.summary["data_lines"] = len(rows) - 1
    clean = True
    for line, cells in rows:
        for column, value in enumerate(cells, start=1):
            if (at := first_control_character(value)) is not None:
                clean = False
                result.problem(
                    line,
                    column,
                    "",
                    _("a control character (U+%(code)s) at position %(position)d of the cell")
                    % {"code": f"{ord(value[at]):04X}", "position": at + 1},
                )
    return rows if clean else None


def header_index(
    result: ParseResult[Any],
    header: Sequence[str],
    *,
    required: Sequence[str],
    optional: Sequence[str] = (),
    aliases: dict[str, str] | None = None,
) -> dict[str, int] | None:
    """Map column names to positions (case-insensitive); report missing and repeated columns."""
    aliases = aliases or {}
    index: dict[str, int] = {}
    for position, raw in enumerate(header):
        name = aliases.get(raw.lower(), raw.lower())
        if not name:
            continue
        if name in index:
            result.problem(
                1, position + 1, raw, _("the column %(name)s appears twice") % {"name": repr(raw)}
            )
            continue
        index[name] = position
    missing = [name for name in required if name not in index]
    for name in missing:
        result.problem(1, None, name, _("the header has no %(name)s column") % {"name": repr(name)})
    known = set(required) | set(optional)
    result.summary["ignored_columns"] = sorted(
        header[i] for n, i in index.items() if n not in known
    )
    return None if missing else index


def cell(cells: Sequence[str], position: int) -> str:
    return cells[position] if position < len(cells) else ""


def read_decimal(
    result: ParseResult[Any],
    line: int,
    position: int,
    name: str,
    text: str,
    *,
    places: int,
    positive: bool = False,
    field: Field[Any, Any] | None = None,
) -> Decimal | None:
    """A non-negative (or positive) decimal number in plain notation, or a problem.

    With ``field``, the number must also fit the model field it goes into (its column's digits
    and its validators' range: the same bounds as the forms, the API and the database).
    """
    if not _NUMBER.match(text):
        result.problem(
            line, position + 1, name, _("%(value)s is not a number") % {"value": repr(text)}
        )
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:  # pragma: no cover - the pattern above admits only valid numbers
        result.problem(
            line, position + 1, name, _("%(value)s is not a number") % {"value": repr(text)}
        )
        return None
    if value < 0 or (positive and value == 0):
        if positive:
            message = _("%(value)s must be positive") % {"value": text}
        else:
            message = _("%(value)s must be zero or more") % {"value": text}
        result.problem(line, position + 1, name, message)
        return None
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and -exponent > places:
        result.problem(
            line,
            position + 1,
            name,
            _("%(value)s has more than %(places)d decimal places")
            % {"value": text, "places": places},
        )
        return None
    problem = decimal_problem(value, field) if field is not None else None
    if problem:
        result.problem(line, position + 1, name, problem)
        return None
    return value


def read_year(
    result: ParseResult[Any], line: int, position: int, name: str, text: str
) -> int | None:
    if not text:
        result.problem(line, position + 1, name, _("the year is missing"))
        return None
    if not text.isdigit() or not 1900 <= int(text) <= 2200:
        result.problem(
            line, position + 1, name, _("%(value)s is not a year") % {"value": repr(text)}
        )
        return None
    return int(text)


def read_currency(
    result: ParseResult[Any], line: int, position: int, name: str, text: str
) -> str | None:
    if not _CURRENCY.match(text):
        result.problem(
            line,
            position + 1,
            name,
            _("%(value)s is not an ISO 4217 currency code (e.g. USD)") % {"value": repr(text)},
        )
        return None
    return text
