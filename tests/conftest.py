"""Fixtures: the shared read-only sandbox, and a factory for sandboxes of a test's own."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from reports.sandbox import Sandbox

MakeSandbox = Callable[..., Sandbox]


@pytest.fixture(scope="session")
def sandbox() -> Iterator[Sandbox]:
    """The default sandbox, shared by tests that only read.

    Its Plannr rate limit is lifted: the whole suite reads Plannr far more than 500 times a
    minute, and waiting out real windows would only slow it. The limit has its own tests.
    """
    with Sandbox(seed=1, plannr_rate_limit=1_000_000) as server:
        yield server


@pytest.fixture(scope="module")
def make_sandbox() -> Iterator[MakeSandbox]:
    """`make_sandbox(**options)`: a started `Sandbox` of the test's own (any `Sandbox`
    option, or `cls=` a subclass), stopped when the module's tests are done."""
    started: list[Sandbox] = []

    def make(cls: type[Sandbox] = Sandbox, **options: Any) -> Sandbox:
        server = cls(**options).start()
        started.append(server)
        return server

    yield make
    for server in started:
        server.stop()
