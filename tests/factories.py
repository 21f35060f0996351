"""Frames and report data built in this process, for report and render tests that need data
but not the HTTP path: no sandbox is served on loopback, and each month is built once per
test process however many modules ask for it.

`sandbox_month` generates the sandbox's data (the same seed and sizes give the same records
a served sandbox would answer with) and reads it through each built-in source's own reader,
with an in-process transport in place of the network: the frames are the ones `fetch_frames`
returns over loopback, column for column, without spelling any vendor field here. Tests of
the HTTP path itself (retries, faults, pagination, the CLI end to end) keep a real sandbox.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import httpx

from reports import rates
from reports.config import EmailSettings, FirmSettings
from reports.periods import Month
from reports.report import ReportData, build_report_data
from reports.report.model import Frames
from reports.sandbox import Sandbox, SandboxData, Sizes, generate
from reports.sandbox import hostile as hostile_data
from reports.sandbox.common import to_json
from reports.sources import REGISTRY

#: The month the sandbox's demo reports on.
DEMO_MONTH = "2026-10"
ALL_SOURCES = ("mobility", "plannr", "willsuite")


@dataclass(frozen=True)
class SandboxMonth:
    """A sandbox's data and the frames its sources read from it, with the demo's firm and
    recipients (as `Sandbox.firm_settings` and `Sandbox.email_settings` give them)."""

    data: SandboxData
    frames: Mapping[tuple[str, str], Any]
    firm: FirmSettings
    email: EmailSettings

    def fetched(self) -> Frames:
        """The frames as `fetch_frames` returns them: a dict of the caller's own."""
        return dict(self.frames)

    def report(self, month: Month | str = DEMO_MONTH, **options: Any) -> ReportData:
        """`build_report_data` of `month` over these frames at the embedded ECB rates, for
        the demo's firm unless `firm=` says otherwise; any other option is passed on."""
        options.setdefault("firm", self.firm)
        return build_report_data(self.fetched(), month, rates=rates.embedded(), **options)


def sandbox_data(
    seed: int = 1, sizes: Sizes | None = None, hostile: Iterable[str] = ()
) -> SandboxData:
    """A fresh copy of the records `Sandbox(seed=seed, sizes=sizes, hostile=hostile)` serves,
    the caller's own to change before `read_sandbox`."""
    return hostile_data.apply(generate(seed, sizes), hostile)


def sandbox_month(
    seed: int = 1,
    sizes: Sizes | None = None,
    hostile: Iterable[str] = (),
    sources: Iterable[str] = ALL_SOURCES,
) -> SandboxMonth:
    """What `Sandbox(seed=seed, sizes=sizes, hostile=hostile)` serves, read by `sources`.

    Built once per process for each set of arguments and shared by every test that asks
    for it: a test that changes the records starts from `sandbox_data` instead."""
    return _shared(seed, sizes, tuple(hostile), tuple(sources))


@functools.cache
def _shared(
    seed: int, sizes: Sizes | None, hostile: tuple[str, ...], sources: tuple[str, ...]
) -> SandboxMonth:
    return read_sandbox(sandbox_data(seed, sizes, hostile), sources)


def read_sandbox(data: SandboxData, sources: Iterable[str] = ALL_SOURCES) -> SandboxMonth:
    """`data` as the built-in `sources` read it from a sandbox serving it, each through its
    own reader, the requests answered in this process."""
    # Plannr's rate limit is lifted as the suite's shared sandbox lifts it: the frames do
    # not depend on it, and a wait for a new window would only slow the test.
    sandbox = Sandbox(data=data, plannr_rate_limit=1_000_000)
    # Never started: its listening socket is closed at once, and each request is answered
    # by `Sandbox.handle` through the transport.
    sandbox._server.server_close()
    transport = httpx.MockTransport(functools.partial(_answer, sandbox))
    wanted = tuple(sources)
    config = sandbox.config(sources=wanted)
    frames: Frames = {}
    for name, source in REGISTRY.items():
        if name not in wanted:
            continue
        # A source of the same class over the in-process transport (the registry's own
        # instances read the network).
        reader = type(source)(transport=transport)
        for entity, frame in reader.fetch(config, reader.entities).items():
            frames[name, entity] = frame
    return SandboxMonth(sandbox.data, frames, sandbox.firm_settings(), sandbox.email_settings())


def _answer(sandbox: Sandbox, request: httpx.Request) -> httpx.Response:
    status, payload, headers = sandbox.handle(
        request.method, request.url.raw_path.decode("ascii"), request.headers, request.content
    )
    return httpx.Response(
        status, content=to_json(payload), headers={"Content-Type": "application/json", **headers}
    )
