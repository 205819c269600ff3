"""Domain exceptions with stable codes, shared by every app."""

from __future__ import annotations


class DomainError(Exception):
    """An error a person can act on; `code` is stable and machine-readable."""

    code = "invalid"
    status = 400

    def __init__(self, message: str, *, field: str | None = None, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        if code is not None:
            self.code = code


class ValidationFailed(DomainError):
    """Input broke a rule; `field` names the input at fault where there is one."""

    code = "invalid"


class NotAllowed(DomainError):
    """The actor may not do this."""

    code = "permission_denied"
    status = 403


class MfaRequired(NotAllowed):
    """The action needs a second factor that this session or token has not passed."""

    code = "mfa_required"


class MfaStale(MfaRequired):
    """The second factor was passed, but longer ago than weighty actions allow (MFA_FRESH_SECONDS)."""

    code = "mfa_stale"


class TooManyAttempts(NotAllowed):
    """Too many wrong passwords or codes for this account: it is locked for a while."""

    code = "too_many_attempts"
    status = 429


class Conflict(DomainError):
    """The request clashes with the current state of the data."""

    code = "conflict"
    status = 409


class AuditImmutableError(Exception):
    """The audit trail is append-only: past rows can never be changed or removed."""


class NotFound(DomainError):
    """The thing asked for does not exist (or is not visible to the actor)."""

    code = "not_found"
    status = 404
