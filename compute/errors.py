"""Domain errors of compute, with stable codes."""

from __future__ import annotations

from core.errors import Conflict, DomainError


class QuotaExceeded(Conflict):
    """An allocation would overdraw the quota it is charged to."""

    code = "quota_exceeded"


class NoPeriod(DomainError):
    """No allocation period covers the date asked for."""

    code = "no_period"


class SyncBusy(Conflict):
    """Another sync of the same cluster is running."""

    code = "sync_running"


class UsageFileInvalid(DomainError):
    """Some lines of a usage file are malformed; nothing was written."""

    code = "usage_invalid"

    def __init__(self, message: str, *, lines: list[tuple[int, str]]) -> None:
        super().__init__(message, field="lines")
        self.lines = lines


class SafetyFreezeInForce(Conflict):
    """A Safety Board freeze holds the project; only the Board's decision or its lapse lifts it."""

    code = "safety_freeze_in_force"
