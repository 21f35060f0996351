"""`HttpLimits`: what a source's client takes from the run's settings, and no more.

A source is given its own settings, these limits and a transport, never the whole `Config`:
`Config` is one `HttpLimits` (its `[http]` section), `Limits` is another, for a caller that
has no configuration (a script creating a record, a test).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


class HttpLimits(Protocol):
    """Requests in flight at once (the per-case and per-client fan-out), and how long one
    request may take, retries aside."""

    @property
    def concurrency(self) -> int: ...

    @property
    def timeout_seconds(self) -> float: ...


@dataclass(frozen=True)
class Limits:
    """`[http]`'s defaults, or the limits of a run, taken apart from its `Config`."""

    concurrency: int = 16
    timeout_seconds: float = 30.0

    @classmethod
    def of(cls, limits: HttpLimits) -> Limits:
        return cls(limits.concurrency, limits.timeout_seconds)


#: `[http]`'s defaults, for a caller with no configuration.
DEFAULT_LIMITS = Limits()
