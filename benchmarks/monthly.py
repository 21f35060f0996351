"""End-to-end time and peak memory of `reports monthly --demo`, stage by stage.

    python benchmarks/monthly.py [--workers N]

Runs what `reports monthly --demo --month 2026-10` runs (the sandbox in this process),
timing each stage and taking this process's peak resident memory within it (the kernel's
peak mark is reset at each stage; see measure.py). Statements render in worker processes,
whose memory is not in these figures. Linux only.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from measure import reset_peak, status_kib

from reports.monthly import run_monthly
from reports.sandbox import Sandbox


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument("--month", default="2026-10")
    args = parser.parse_args()
    peaks: dict[str, float] = {}
    current: list[str] = []

    def on_stage(name: str) -> None:
        if current:
            peaks[current[-1]] = (status_kib("VmHWM") - start_rss[current[-1]]) / 1024
        current.append(name)
        start_rss[name] = status_kib("VmRSS")
        reset_peak()

    start_rss: dict[str, int] = {}
    started = time.perf_counter()
    with Sandbox() as server, tempfile.TemporaryDirectory() as out:
        result = run_monthly(
            args.month,
            server.config(),
            Path(out),
            firm="Sandbox & Co",
            workers=args.workers,
            on_stage=on_stage,
        )
    total = time.perf_counter() - started
    print(
        f"reports monthly --demo --month {args.month}: {total:.2f} s end to end, {result.statements} statements"
    )
    for stage, seconds in result.timings.items():
        print(
            f"  {stage:8s} {seconds:7.2f} s  ({seconds / total:5.1%})  peak +{peaks.get(stage, 0):7.1f} MiB"
        )


if __name__ == "__main__":
    main()
