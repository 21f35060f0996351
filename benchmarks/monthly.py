"""End-to-end time and peak memory of `reports monthly --demo`, stage by stage, and how
each stage grows with the data.

    python benchmarks/monthly.py [--scale 10] [--workers N]

Runs what `reports monthly --demo --month 2026-10` runs (the sandbox in this process),
timing each stage and taking this process's peak resident memory within it (the kernel's
peak mark is reset at each stage; see measure.py), once on the demo's sandbox and once on
a sandbox with `--scale` times its cases, clients and so expenses, incomes and invoices.
Each run is a fresh process. Growth is the stage's time (or memory) at the larger scale
over its time at 1x; a stage growing linearly grows by about the scale. Statements render
in worker processes, whose memory is not in these figures. Linux only.
"""

from __future__ import annotations

import argparse
import dataclasses
import multiprocessing
import tempfile
import time
from pathlib import Path

from measure import reset_peak, result_of, status_kib

from reports.monthly import run_monthly
from reports.periods import Month
from reports.sandbox import Sandbox, Sizes


def run(scale: int, month: str, workers: int | None) -> dict[str, object]:
    """One `reports monthly --demo` on a sandbox `scale` times the demo's; its figures."""
    peaks: dict[str, float] = {}
    current: list[str] = []
    start_rss: dict[str, int] = {}

    def on_stage(name: str) -> None:
        if current:
            peaks[current[-1]] = max(0.0, (status_kib("VmHWM") - start_rss[current[-1]]) / 1024)
        current.append(name)
        start_rss[name] = status_kib("VmRSS")
        reset_peak()

    demo = Sizes()
    sizes = dataclasses.replace(
        demo,
        mobility_cases=demo.mobility_cases * scale,
        plannr_cases=demo.plannr_cases * scale,
        plannr_clients=demo.plannr_clients * scale,
        willsuite_cases=demo.willsuite_cases * scale,
    )
    # Plannr's rate limit (the sandbox's default: 500 requests a minute) is lifted: at 10x the
    # demo needs about 1,500 Plannr requests, and waiting out the vendor's windows would
    # hide how our own code grows.
    unlimited = 10**9
    with (
        Sandbox(sizes=sizes, plannr_rate_limit=unlimited) as server,
        tempfile.TemporaryDirectory() as out,
    ):
        records = {
            "plannr clients": len(server.data.plannr_clients),
            "expenses": sum(len(rows) for rows in server.data.mobility_expenses.values()),
            "invoices": sum(len(rows) for rows in server.data.willsuite_invoices.values()),
            "incomes": sum(len(rows) for rows in server.data.plannr_incomes.values()),
        }
        started = time.perf_counter()
        result = run_monthly(
            Month.parse(month),
            server.config(),
            Path(out),
            firm="Sandbox & Co",
            workers=workers,
            on_stage=on_stage,
        )
        total = time.perf_counter() - started
    if current:
        peaks[current[-1]] = max(0.0, (status_kib("VmHWM") - start_rss[current[-1]]) / 1024)
    return {
        "total": total,
        "timings": dict(result.timings),
        "peaks": peaks,
        "statements": result.statements,
        "records": records,
    }


def _child(scale: int, month: str, workers: int | None, queue: multiprocessing.Queue) -> None:
    queue.put(run(scale, month, workers))


def in_fresh_process(scale: int, month: str, workers: int | None) -> dict[str, object]:
    """`run` in a spawned process of its own (not a pool's: statements need child processes)."""
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    process = context.Process(target=_child, args=(scale, month, workers, queue))
    process.start()
    figures: dict[str, object] = result_of(process, queue)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--scale", type=int, default=10, help="the larger run's multiple")
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument("--month", default="2026-10")
    args = parser.parse_args()
    scales = [1] if args.scale == 1 else [1, args.scale]
    runs = {scale: in_fresh_process(scale, args.month, args.workers) for scale in scales}
    for scale, figures in runs.items():
        records = figures["records"]
        print(
            f"reports monthly --demo --month {args.month}, {scale}x data: {figures['total']:.2f} s "
            f"end to end, {figures['statements']} statements, "
            + ", ".join(f"{count:,} {name}" for name, count in records.items())  # type: ignore[attr-defined]
        )
    if args.scale > 1:
        print(
            "  (the sandbox's Plannr rate limit, 500 requests a minute, is lifted: with it, the "
            f"fetch at {args.scale}x also waits out its one-minute windows)"
        )
    base = runs[1]
    big = runs[scales[-1]]
    print(f"{'stage':9s} {'1x s':>8s} {'1x MiB':>8s}", end="")
    if len(scales) > 1:
        print(
            f" {f'{args.scale}x s':>8s} {f'{args.scale}x MiB':>8s} {'time growth':>12s} {'memory growth':>14s}"
        )
    else:
        print()
    for stage, seconds in base["timings"].items():  # type: ignore[attr-defined]
        peak = base["peaks"].get(stage, 0.0)  # type: ignore[attr-defined]
        line = f"{stage:9s} {seconds:8.2f} {peak:8.1f}"
        if len(scales) > 1:
            big_seconds = big["timings"][stage]  # type: ignore[index]
            big_peak = big["peaks"].get(stage, 0.0)  # type: ignore[attr-defined]
            growth = big_seconds / max(seconds, 1e-3)
            # Below a MiB a ratio says nothing: the stage holds (next to) nothing in this process.
            memory = f"{big_peak / peak:13.1f}x" if peak >= 1 else f"{'-':>14s}"
            verdict = "" if growth <= args.scale * 1.1 else "  WORSE THAN LINEAR"
            line += f" {big_seconds:8.2f} {big_peak:8.1f} {growth:11.1f}x {memory}{verdict}"
        print(line)


if __name__ == "__main__":
    main()
