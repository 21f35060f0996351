"""Every error this package raises on purpose: one line, saying what went wrong and what to fix.

    ReportsError                every expected failure; the CLI prints it and exits 1
    ├── ConfigError             a setting is missing, malformed, unknown or contradicts another
    ├── PeriodError             a month that is not YYYY-MM
    ├── SourceError             reading from (or writing to) a vendor's API
    │   ├── ApiError            the API answered an error not worth retrying (401, 404, 422...)
    │   ├── TransientApiError   retryable failures (429, 5xx, connection) outlasted the retries
    │   └── IncompleteDataError what came back does not add up to what the API said it holds
    ├── DataError               a vendor's record cannot be reported as it is (names the record)
    ├── ValidationError         a payload we were asked to send is invalid (names the field)
    ├── RatesError              ECB rates missing for a currency or date, or unreadable
    ├── SnapshotError           a month's saved snapshot is missing or does not match
    ├── TemplateError           a template is missing, broken, or names an unknown variable
    ├── OutputError             an output cannot be written where it was asked for
    ├── LockError               another run is using the output folder (named, with its pid)
    ├── DeliveryError           an email cannot be built, attached or sent
    └── ApprovalError           a month is not approved, or changed after its approval

Errors carry what they are about as attributes (`ApiError.status`, `.path`, ...), as httpx's
do, so a caller can act on them without parsing the message.
"""

from __future__ import annotations

from enum import StrEnum


class ReportsError(Exception):
    """Base of all expected errors. The CLI prints `str(error)` and exits 1, never a traceback."""


class ConfigError(ReportsError):
    """A setting is missing, malformed, unknown or contradicts another."""


class PeriodError(ReportsError):
    """A month or period that cannot be read (`Month.parse`)."""


class SourceError(ReportsError):
    """Reading from, or writing to, a vendor's API failed. Where it is known, the error
    carries what it is about: the source, the method, the URL (base and path: never a
    credential, which travels in headers) and the status of the last answer."""

    def __init__(
        self,
        message: str,
        *,
        source: str | None = None,
        method: str | None = None,
        url: str | None = None,
        status: int | None = None,
    ) -> None:
        super().__init__(message)
        self.source = source
        self.method = method
        self.url = url
        self.status = status


class ApiError(SourceError):
    """A vendor API answered with an error we must not retry (401, 403, 404, 422, ...)."""

    def __init__(
        self,
        source: str,
        method: str,
        path: str,
        status: int,
        message: str,
        field_errors: dict[str, list[str]] | None = None,
        url: str | None = None,
    ) -> None:
        self.path = path
        self.vendor_message = message
        self.field_errors = field_errors or {}
        detail = message or "no message"
        if self.field_errors:
            fields = "; ".join(
                f"{name}: {' '.join(messages)}" for name, messages in self.field_errors.items()
            )
            detail = f"{detail} ({fields})"
        super().__init__(
            f"{source}: {method} {path} failed with HTTP {status}: {detail}",
            source=source,
            method=method,
            url=url or path,
            status=status,
        )


class TransientApiError(SourceError):
    """The API kept failing with retryable errors (429, 5xx, connection) past the retry
    budget; `reason` is the last failure's `reports.http.retry.RetryReason`."""

    def __init__(
        self,
        message: str,
        *,
        source: str | None = None,
        method: str | None = None,
        url: str | None = None,
        status: int | None = None,
        reason: StrEnum | None = None,
    ) -> None:
        super().__init__(message, source=source, method=method, url=url, status=status)
        self.reason = reason


class IncompleteDataError(SourceError):
    """What we fetched does not add up to what the API said it holds."""


class DataError(ReportsError):
    """A vendor's record cannot be reported as it is: a value of the wrong type, an amount
    out of range, a missing id, two different records under one id. Names the record."""


class OutputError(ReportsError):
    """An output cannot be written where it was asked for."""


class LockError(ReportsError):
    """Another run holds the output folder (`reports.store.lock`): the message names it, and
    `pid` is its process where the lock says."""

    def __init__(self, message: str, *, pid: int | None = None) -> None:
        super().__init__(message)
        self.pid = pid


class ValidationError(ReportsError):
    """A payload we were asked to send is invalid; `field` names the offending field."""

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        super().__init__(f"{field}: {message}")


class RatesError(ReportsError):
    """A currency or date the ECB rates do not cover, or a rates file we cannot read."""


class SnapshotError(ReportsError):
    """A month's saved snapshot (`data/`) is missing, of another version, or does not match
    its manifest."""


class MonthFolderError(ReportsError):
    """A file of a month's folder (`reports.store`) is damaged: the message names it and
    what to run."""


class TemplateError(ReportsError):
    """A PDF or email template is missing, does not parse, or names a variable the report
    does not have."""


class DeliveryError(ReportsError):
    """An email could not be built, attached or sent."""


class ApprovalError(ReportsError):
    """A month cannot be sent (a draft, or a file changed since it was approved), or cannot
    be approved as it stands. `path` names the file at fault, where one is."""

    def __init__(self, message: str, *, path: str | None = None) -> None:
        super().__init__(message)
        self.path = path
