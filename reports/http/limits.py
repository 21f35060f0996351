"""`HttpLimits`: what a source's client takes from the run's settings, and no more.

A source is given its own settings, these limits and a transport, never the whole `Config`:
`Config` is one `HttpLimits` (its `[http]` section), `Limits` is another, for a caller that
has no configuration (a script creating a record, a test).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from reports.http.retry import RetryPolicy


class HttpLimits(Protocol):
    """Requests in flight at once (the per-case and per-client fan-out), how long one
    request may take, retries aside, and the first retry's longest backoff."""

    @property
    def concurrency(self) -> int: ...

    @property
    def timeout_seconds(self) -> float: ...

    @property
    def retry_backoff_seconds(self) -> float: ...


@dataclass(frozen=True)
class Limits:
    """`[http]`'s defaults, or the limits of a run, taken apart from its `Config`."""

    concurrency: int = 16
    timeout_seconds: float = 30.0
    #: The first retry waits up to this long, each next one up to twice the one before.
    retry_backoff_seconds: float = RetryPolicy.backoff_seconds

    @classmethod
    def of(cls, limits: HttpLimits) -> Limits:
        return cls(limits.concurrency, limits.timeout_seconds, limits.retry_backoff_seconds)


#: `[http]`'s defaults, for a caller with no configuration.
DEFAULT_LIMITS = Limits()
