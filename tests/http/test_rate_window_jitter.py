"""A spent rate-limit window's pause: the window plus jitter of up to 2 s, and never more than
a thirtieth of the window, so that a short window (a test's second) is not tripled while a
minute's keeps its 2 s to spread the clients out."""

from __future__ import annotations

import random

import pytest

from reports.http import RateLimiter


def pauses(window: float, draws: int = 200) -> list[float]:
    """What `spent` pauses for, `draws` times, each from a fresh window at time 0."""
    random.seed(4)
    lengths = []
    for _ in range(draws):
        limiter = RateLimiter(6000, window_seconds=window, clock=lambda: 0.0)
        lengths.append(limiter.spent())
    return lengths


def test_a_minutes_window_keeps_up_to_two_seconds_of_jitter() -> None:
    lengths = pauses(60.0)
    assert all(60.0 <= length <= 62.0 for length in lengths)
    assert max(lengths) > 61.5  # the whole 2 s is used, not a thirtieth of it


@pytest.mark.parametrize("window", [1.0, 2.0, 15.0])
def test_a_shorter_windows_jitter_is_a_thirtieth_of_it(window: float) -> None:
    lengths = pauses(window)
    assert all(window <= length <= window * (1 + 1 / 30) for length in lengths)
    assert max(lengths) > window * (1 + 1 / 40)  # still jittered
