"""Pacing under a vendor's requests-per-minute limit."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable


class RateLimiter:
    """Keeps a client under a vendor's requests-per-minute limit (thread-safe).

    While the server's `X-Ratelimit-Remaining` shows plenty of budget, requests go out
    unhindered; once it falls to `reserve`, they are spaced at the sustained rate
    (`per_minute`) until the budget refills. A 429 that still happens is retried after its
    `Retry-After` by the client. Without the header, every request is spaced. `clock` and
    `sleep` are the seams a test replaces.
    """

    def __init__(
        self,
        per_minute: float,
        reserve: int = 25,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._interval = 60.0 / per_minute
        self._reserve = reserve
        self._remaining: int | None = None
        self._next = 0.0
        self._lock = threading.Lock()
        self._clock = clock
        self._sleep = sleep

    def observe(self, remaining: int) -> None:
        """What the server's `X-Ratelimit-Remaining` says is left."""
        with self._lock:
            self._remaining = remaining

    def acquire(self) -> None:
        """Wait, if need be, until the next request may go."""
        with self._lock:
            if self._remaining is not None and self._remaining > self._reserve:
                self._remaining -= 1  # count requests in flight before their answers arrive
                return
            now = self._clock()
            slot = max(self._next, now)
            self._next = slot + self._interval
        if slot > now:
            self._sleep(slot - now)
