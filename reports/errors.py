"""Every error this package raises on purpose: one line, saying what went wrong and what to fix."""

from __future__ import annotations


class ReportsError(Exception):
    """Base of all expected errors. The CLI prints `str(error)` and exits 1, never a traceback."""


class ConfigError(ReportsError):
    """A setting is missing, malformed or contradicts another."""


class ApiError(ReportsError):
    """A vendor API answered with an error we must not retry (401, 403, 404, 422, ...)."""

    def __init__(
        self,
        source: str,
        method: str,
        path: str,
        status: int,
        message: str,
        field_errors: dict[str, list[str]] | None = None,
    ) -> None:
        self.source = source
        self.method = method
        self.path = path
        self.status = status
        self.vendor_message = message
        self.field_errors = field_errors or {}
        detail = message or "no message"
        if self.field_errors:
            fields = "; ".join(
                f"{name}: {' '.join(messages)}" for name, messages in self.field_errors.items()
            )
            detail = f"{detail} ({fields})"
        super().__init__(f"{source}: {method} {path} failed with HTTP {status}: {detail}")


class TransientApiError(ReportsError):
    """The API kept failing with retryable errors (429, 5xx, connection) past the retry budget."""


class IncompleteDataError(ReportsError):
    """What we fetched does not add up to what the API said it holds."""


class DataError(ReportsError):
    """A vendor's record cannot be reported as it is: a value of the wrong type, an amount
    out of range, a missing id, two different records under one id. Names the record."""


class OutputError(ReportsError):
    """An output cannot be written where it was asked for."""


class ValidationError(ReportsError):
    """A payload we were asked to send is invalid; `field` names the offending field."""

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        super().__init__(f"{field}: {message}")
