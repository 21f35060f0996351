"""When a request is tried again, how long it waits, and how many retries a run may spend.

Every retry has a `RetryReason` (an enum, never read back from message text) and a detail
for people (`HTTP 503`, `connection dropped (ReadError)`); the budget counts them by reason.
"""

from __future__ import annotations

import math
import random
import threading
import time
from collections import Counter
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from enum import StrEnum

from reports.errors import TransientApiError

#: Statuses worth asking again: the server pacing us, or failing for now.
RETRYABLE_STATUS = frozenset({429, 500, 502, 503, 504})
#: The longest a `Retry-After` is obeyed; a larger one (or a far HTTP date) waits this long.
MAX_RETRY_AFTER_SECONDS = 60.0


class RetryReason(StrEnum):
    """Why a request is tried again."""

    #: 429: the server pacing us; counted, never charged to the budget.
    RATE_LIMITED = "rate limited"
    #: 500, 502, 503, 504.
    SERVER_ERROR = "server error"
    CONNECTION = "connection error"
    TIMEOUT = "timeout"
    DROPPED = "connection dropped"
    #: The whole exchange, body included, outlasted the request's deadline.
    DEADLINE = "deadline passed"
    EMPTY_BODY = "empty body"
    NOT_JSON = "not JSON"
    #: JSON, but not the vendor's envelope (a gateway's page, a truncated list).
    NO_ENVELOPE = "no envelope"


#: How the budget's summary names the reasons whose detail varies per request.
_SUMMARY_NAMES = {
    RetryReason.EMPTY_BODY: "an empty body",
    RetryReason.NOT_JSON: "a body that is not JSON",
    RetryReason.NO_ENVELOPE: "an answer without the vendor's envelope",
}


@dataclass(frozen=True)
class Retry:
    """One failed attempt worth another: its reason, and what happened, for people."""

    reason: RetryReason
    detail: str

    @property
    def charged(self) -> bool:
        return self.reason is not RetryReason.RATE_LIMITED

    @property
    def kind(self) -> str:
        """The retry as the budget's summary counts it: its detail, or for the reasons whose
        detail names a path or a count, the reason alone."""
        return _SUMMARY_NAMES.get(self.reason, self.detail)


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 6
    backoff_seconds: float = 0.5
    max_backoff_seconds: float = 30.0

    def delay(self, attempt: int, retry_after: float | None) -> float:
        if retry_after is not None:
            return min(max(retry_after, 0.0), self.max_backoff_seconds)
        exponential = self.backoff_seconds * (2 ** (attempt - 1))
        # Full jitter keeps many workers from retrying in lock-step after a shared 503.
        return min(self.max_backoff_seconds, random.uniform(0, exponential))


def retry_after_seconds(value: str | None, now: float | None = None) -> float | None:
    """`Retry-After` as seconds to wait: delta-seconds or an HTTP date, never negative, at
    most `MAX_RETRY_AFTER_SECONDS`. Missing, `nan`, `inf` or garbage is None: back off as
    for any other failure."""
    if not value or not value.strip():
        return None
    text = value.strip()
    try:
        seconds = float(text)
    except ValueError:
        try:
            when = parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            return None
        if when is None:
            return None
        seconds = when.timestamp() - (time.time() if now is None else now)
    if not math.isfinite(seconds):
        return None
    return min(max(seconds, 0.0), MAX_RETRY_AFTER_SECONDS)


class RetryBudget:
    """How many retries one source's fetch may spend: `share` of its requests plus
    `allowance`. Past that the network or the service is unwell, and the run stops with what
    failed and why, rather than retrying for ever. A 429 is the server pacing us, not a
    failure: it is counted and reported, never charged. Thread-safe."""

    def __init__(self, source: str, share: float = 0.10, allowance: int = 20) -> None:
        self.source = source
        self.share = share
        self.allowance = allowance
        self.requests = 0
        self.retries = 0
        self.charged = 0
        self.reasons: Counter[str] = Counter()
        self.by_reason: Counter[RetryReason] = Counter()
        self._lock = threading.Lock()

    def count(self) -> None:
        with self._lock:
            self.requests += 1

    def spend(self, retry: Retry) -> None:
        """Count `retry`; a `TransientApiError` when the budget is spent."""
        with self._lock:
            self.retries += 1
            self.reasons[retry.kind] += 1
            self.by_reason[retry.reason] += 1
            if retry.charged:
                self.charged += 1
            over = self.charged > self.share * self.requests + self.allowance
        if over:
            raise TransientApiError(
                f"{self.source}: {self.charged} of {self.requests} requests failed and were "
                f"retried ({self.summary_of_reasons()}), more than a run allows "
                f"({self.share:.0%} of requests plus {self.allowance}): the network or the "
                "service is unwell; try again later",
                source=self.source,
                reason=retry.reason,
            )

    def summary_of_reasons(self) -> str:
        return ", ".join(f"{reason} x{count}" for reason, count in self.reasons.most_common())

    def summary(self) -> str:
        """For the run's manifest: `3 retries in 212 requests (HTTP 503 x2, ...)`."""
        if not self.retries:
            return f"no retries in {self.requests} requests"
        return f"{self.retries} retries in {self.requests} requests ({self.summary_of_reasons()})"
