"""CSV that a spreadsheet opens as data, never as formulas: one writer for every CSV we publish.

A cell beginning with '=', '+', '-', '@' (or a tab or carriage return) is run as a formula by
Excel, LibreOffice and Google Sheets: a state or project named `=HYPERLINK(...)` would become a
link in a journalist's spreadsheet. Such text cells get a leading apostrophe (OWASP's advice),
which spreadsheets show as text; numbers, including negative ones written as text, are left as
they are so that the open data stays numeric.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from typing import Any, Protocol

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


def safe_cell(value: Any) -> Any:
    """The value, with text that a spreadsheet would run as a formula neutralised."""
    if isinstance(value, str) and value.startswith(FORMULA_START) and not _NUMBER.fullmatch(value):
        return "'" + value
    return value


class _Writable(Protocol):
    def write(self, text: str, /) -> Any: ...


class SafeCsvWriter:
    """csv.writer whose every cell passes through `safe_cell`."""

    def __init__(self, stream: _Writable, **options: Any) -> None:
        options.setdefault("lineterminator", "\n")
        self._writer = csv.writer(stream, **options)

    def writerow(self, row: Iterable[Any]) -> None:
        self._writer.writerow([safe_cell(value) for value in row])
