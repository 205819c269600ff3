"""Funding's domain errors, with stable codes for the API (on top of core.errors)."""

from __future__ import annotations

from typing import Any

from core.errors import Conflict, ValidationFailed


class NoExchangeRate(ValidationFailed):
    """No ECB rate for the currency on the value date or in the days before it."""

    code = "no_exchange_rate"


class ImportRejected(ValidationFailed):
    """The file has problems; nothing was imported. ``problems`` lists them with line and column."""

    code = "import_rejected"

    def __init__(self, message: str, *, problems: list[dict[str, Any]]) -> None:
        super().__init__(message, field="file")
        self.problems = problems


class ScaleNotComputable(ValidationFailed):
    """The statistics or parameters do not allow a scale to be computed."""

    code = "scale_not_computable"


class LedgerConflict(Conflict):
    """The change would break the account (a second reversal, an unknown entry)."""

    code = "ledger_conflict"
