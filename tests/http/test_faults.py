"""`reports fetch` through a flaky network: the sandbox injects each transient fault into a
tenth of its answers, and a mix of them into three tenths, with fixed seeds. At 10 % every
run must give exactly the frames of a fault-free fetch; at 30 %, the same frames or one
clean line of error with no file written; never a short or duplicated frame, and always
within a bounded time."""

from __future__ import annotations

import time
from dataclasses import replace
from pathlib import Path

import polars as pl
import pytest
from conftest import MakeSandbox
from helpers import invoke

from reports.http import MAX_RETRY_AFTER_SECONDS, retry_after_seconds
from reports.sandbox import Sizes
from reports.sandbox.faults import FAULTS

#: Plannr's window, shortened: a 429 from Plannr with no usable Retry-After (the nan fault)
#: waits out a whole window, as with the real one's minute.
WINDOW = 1.0
SIZES = Sizes(
    mobility_cases=12,
    plannr_cases=10,
    plannr_clients=8,
    willsuite_cases=10,
    max_expenses_per_case=4,
)
#: Small pages, so that lists span several pages and can shift while read; a short
#: deadline, so that a trickled answer costs little; a short backoff, so that the many
#: retries a run here makes wait hundredths of a second, not production's half second
#: doubled at each retry (what they wait is not what these tests are about).
BACKOFF_SECONDS = 0.02
ENV = {
    "REPORTS_MOBILITY_PAGE_SIZE": "10",
    "REPORTS_TIMEOUT_SECONDS": "1.5",
    "REPORTS_RETRY_BACKOFF_SECONDS": str(BACKOFF_SECONDS),
}
BOUND_SECONDS = 90
#: How long a slow answer is held: well inside the 1.5 s deadline, as the sandbox's own
#: second is, and less of each run's time.
SLOW_SECONDS = 0.3


def fetch(server, out: Path) -> tuple[object, float]:
    started = time.monotonic()
    result = invoke(
        ["fetch", "--out", str(out)], env={**server.environment(), **ENV}, cwd=out.parent
    )
    return result, time.monotonic() - started


def frames(folder: Path) -> dict[str, pl.DataFrame]:
    return {path.stem: pl.read_parquet(path) for path in sorted(folder.glob("*.parquet"))}


@pytest.fixture(scope="module")
def baseline(make_sandbox: MakeSandbox, tmp_path_factory: pytest.TempPathFactory) -> dict:
    out = tmp_path_factory.mktemp("baseline") / "out"
    result, _ = fetch(
        make_sandbox(sizes=SIZES, plannr_rate_limit=1_000_000, plannr_rate_window_seconds=WINDOW),
        out,
    )
    assert result.returncode == 0, result.stderr
    return frames(out)


def assert_same(got: dict[str, pl.DataFrame], baseline: dict[str, pl.DataFrame]) -> None:
    assert sorted(got) == sorted(baseline)
    for name, frame in baseline.items():
        assert got[name].equals(frame), name


@pytest.mark.parametrize("fault", FAULTS)
def test_each_fault_at_ten_percent_changes_nothing(
    fault: str, baseline: dict, make_sandbox: MakeSandbox, tmp_path: Path
) -> None:
    server = make_sandbox(
        sizes=SIZES,
        plannr_rate_limit=1_000_000,
        plannr_rate_window_seconds=WINDOW,
        fault_slow_seconds=SLOW_SECONDS,
        faults=[fault],
        fault_rate=0.1,
        fault_seed=7,
    )
    result, seconds = fetch(server, tmp_path / "out")
    assert result.returncode == 0, result.stderr
    assert server.fault_plan.injected[fault] > 0  # the fault really happened
    assert_same(frames(tmp_path / "out"), baseline)
    assert seconds < BOUND_SECONDS


@pytest.mark.parametrize("seed", [11, 12])
def test_a_mix_at_thirty_percent_gives_the_frames_or_one_clean_line(
    seed: int, baseline: dict, make_sandbox: MakeSandbox, tmp_path: Path
) -> None:
    server = make_sandbox(
        sizes=SIZES,
        plannr_rate_limit=1_000_000,
        plannr_rate_window_seconds=WINDOW,
        fault_slow_seconds=SLOW_SECONDS,
        faults=FAULTS,
        fault_rate=0.3,
        fault_seed=seed,
    )
    result, seconds = fetch(server, tmp_path / "out")
    assert seconds < BOUND_SECONDS
    assert sum(server.fault_plan.injected.values()) > 10
    if result.returncode == 0:
        assert_same(frames(tmp_path / "out"), baseline)
    else:
        assert result.returncode == 1
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
        assert "Traceback" not in result.stderr
        assert not list((tmp_path / "out").glob("*.parquet"))


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("0", 0.0),
        ("1", 1.0),
        ("2.5", 2.5),
        ("-3", 0.0),
        ("nan", None),
        ("inf", None),
        ("soon", None),
        ("", None),
        (None, None),
        ("100000", MAX_RETRY_AFTER_SECONDS),
        ("Wed, 21 Oct 2015 07:28:05 GMT", 0.0),  # in the past
        ("Wed, 21 Oct 2015 07:28:05 GMT", 5.0),  # five seconds ahead of `now`
    ],
)
def test_retry_after_is_read_robustly(header: str | None, expected: float | None) -> None:
    now = 1445412480.0 if expected == 5.0 else None
    assert retry_after_seconds(header, now=now) == expected


def test_a_run_that_keeps_failing_stops_with_what_failed(
    make_sandbox: MakeSandbox, tmp_path: Path
) -> None:
    server = make_sandbox(
        sizes=SIZES,
        plannr_rate_limit=1_000_000,
        plannr_rate_window_seconds=WINDOW,
        fault_slow_seconds=SLOW_SECONDS,
        faults=["503-html"],
        fault_rate=0.9,
        fault_seed=3,
    )
    result, seconds = fetch(server, tmp_path / "out")
    assert result.returncode == 1
    assert "HTTP 503" in result.stderr
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert not list((tmp_path / "out").glob("*.parquet"))
    assert seconds < BOUND_SECONDS


def test_retries_are_recorded_for_the_manifest(make_sandbox: MakeSandbox) -> None:
    from reports import rates
    from reports.fetch import fetch_all
    from reports.periods import Month

    server = make_sandbox(
        sizes=SIZES,
        plannr_rate_limit=1_000_000,
        plannr_rate_window_seconds=WINDOW,
        fault_slow_seconds=SLOW_SECONDS,
        faults=["502-html"],
        fault_rate=0.1,
        fault_seed=5,
    )
    config = replace(server.config(), retry_backoff_seconds=BACKOFF_SECONDS)
    snapshot = fetch_all(config, Month.parse("2026-10"), rates.embedded())
    notes = snapshot.notes["fetch_notes"]
    assert {"mobility retries", "plannr retries", "willsuite retries"} <= set(notes)
    retried = [note for name, note in notes.items() if name.endswith("retries")]
    assert any("HTTP 502 x" in note for note in retried), notes
