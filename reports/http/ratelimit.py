"""Pacing under a vendor's requests-per-minute limit, and waiting out a spent window."""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable

#: The most of a window a spent window's pause adds as jitter.
JITTER_SHARE = 1 / 30
#: Called as `on_wait(waited, total)`, in whole seconds, while a spent window is waited out.
WaitCallback = Callable[[int, int], None]


class RateLimiter:
    """Keeps a client under a vendor's requests-per-minute limit (thread-safe).

    While the server's `X-Ratelimit-Remaining` shows plenty of budget, requests go out
    unhindered; once it falls to `reserve`, they are spaced at the sustained rate
    (`per_minute`) until the budget refills. Without the header, every request is spaced.

    Where the vendor's budget is per window of `window_seconds` (a minute, say), a budget
    seen at 0, or a 429 that says nothing of when to come back (`spent`), pauses every
    request until the window can have reset: one whole window from then, plus up to
    `jitter_seconds` (and at most a thirtieth of the window: 2 s of a minute's, as much
    as spreads the clients out, while a second's window is not tripled), however many
    requests see it at once. `clock` and `sleep` are the seams a test replaces.
    """

    def __init__(
        self,
        per_minute: float,
        reserve: int = 25,
        *,
        window_seconds: float | None = None,
        jitter_seconds: float = 2.0,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._interval = 60.0 / per_minute
        self._reserve = reserve
        self._remaining: int | None = None
        self._next = 0.0
        self._paused_until = 0.0
        self._pause_length = 0.0
        self._lock = threading.Lock()
        self._clock = clock
        self._sleep = sleep
        self.window_seconds = window_seconds
        self.jitter_seconds = jitter_seconds
        #: Told how the wait for a spent window goes (a progress line).
        self.on_wait: WaitCallback | None = None

    def observe(self, remaining: int) -> None:
        """What the server's `X-Ratelimit-Remaining` says is left."""
        with self._lock:
            self._remaining = remaining
        if remaining <= 0 and self.window_seconds:
            self.spent()

    def spent(self) -> float:
        """The window's budget is spent: pause every request until it can have reset (one
        window from now, plus jitter), unless a pause is already running. Returns how long
        from now requests wait."""
        if not self.window_seconds:
            return 0.0
        with self._lock:
            now = self._clock()
            if self._paused_until <= now:
                jitter = min(self.jitter_seconds, self.window_seconds * JITTER_SHARE)
                self._pause_length = self.window_seconds + random.uniform(0, jitter)
                self._paused_until = now + self._pause_length
                self._remaining = None
            return self._paused_until - now

    def _wait_out_pause(self) -> None:
        while True:
            with self._lock:
                left = self._paused_until - self._clock()
                total = self._pause_length
            if left <= 0:
                return
            if self.on_wait is not None:
                self.on_wait(int(total - left), max(1, round(total)))
            self._sleep(min(left, 1.0))

    def acquire(self) -> None:
        """Wait, if need be, until the next request may go."""
        self._wait_out_pause()
        with self._lock:
            if self._remaining is not None and self._remaining > self._reserve:
                self._remaining -= 1  # count requests in flight before their answers arrive
                return
            now = self._clock()
            slot = max(self._next, now)
            self._next = slot + self._interval
        if slot > now:
            self._sleep(slot - now)
