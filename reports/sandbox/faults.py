"""Transient network faults the sandbox injects at random, as a flaky network or gateway does:
rate limits, gateway errors with HTML bodies, connections dropped before or during the
answer, truncated, empty or HTML bodies, slow and trickled answers, and lists that shift
between two pages. `Sandbox(faults=[...], fault_rate=0.1, fault_seed=1)`, or
`reports sandbox --faults NAME,NAME --fault-rate 0.1 --fault-seed 1`.
"""

from __future__ import annotations

import random
import threading
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

#: Every fault the sandbox can inject, by name.
FAULTS = (
    "429-retry-after-0",
    "429-retry-after-1",
    "429-retry-after-date",
    "429-retry-after-nan",
    "500-html",
    "502-html",
    "503-html",
    "504-html",
    "drop-before",
    "drop-mid-body",
    "truncated-json",
    "empty-200",
    "html-200",
    "slow",
    "trickle",
    "page-shift",
)
#: What the gateway errors and the HTML 200 answer with.
HTML_PAGE = b"<html><head><title>Bad Gateway</title></head><body><h1>Bad Gateway</h1></body></html>"
#: How long a slow answer waits, and how long a trickled one takes per byte.
SLOW_SECONDS = 1.0
TRICKLE_SECONDS_PER_BYTE = 0.05

_page_shift = threading.local()


def page_shifted() -> bool:
    """Whether the answer being built should show its page shifted by one record, as if a
    record had been inserted before it while the client was paging."""
    return bool(getattr(_page_shift, "on", False))


def set_page_shift(on: bool) -> None:
    _page_shift.on = on


@dataclass
class FaultPlan:
    """Which faults to inject, how often, and from which seed: the same seed and the same
    order of requests give the same faults; and how long a slow answer is held (a second,
    unless a test with a short deadline holds it for less)."""

    faults: tuple[str, ...] = ()
    rate: float = 0.0
    seed: int = 0
    slow_seconds: float = SLOW_SECONDS
    injected: Counter[str] = field(default_factory=Counter)

    def __post_init__(self) -> None:
        unknown = sorted(set(self.faults) - set(FAULTS))
        if unknown:
            raise ValueError(f"unknown faults {unknown}; choose from {', '.join(FAULTS)}")
        if not 0 <= self.rate <= 1:
            raise ValueError(f"fault rate must be between 0 and 1, not {self.rate}")
        if self.slow_seconds < 0:
            raise ValueError(f"a slow answer's seconds must not be negative: {self.slow_seconds}")
        self._random = random.Random(self.seed)
        self._lock = threading.Lock()

    @classmethod
    def of(
        cls, faults: Iterable[str], rate: float, seed: int, slow_seconds: float = SLOW_SECONDS
    ) -> FaultPlan:
        return cls(tuple(faults), rate, seed, slow_seconds)

    def draw(self) -> str | None:
        """The fault for the next request, or None."""
        if not self.faults or not self.rate:
            return None
        with self._lock:
            if self._random.random() >= self.rate:
                return None
            fault = self._random.choice(self.faults)
            self.injected[fault] += 1
            return fault
