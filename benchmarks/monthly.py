"""End-to-end time and peak memory of `reports monthly --demo`, stage by stage, and how
each stage grows with the data.

    python benchmarks/monthly.py [--scale 10 | --clients 2000] [--workers N] [--base 1]

Runs what `reports monthly --demo --month 2026-10` runs (the sandbox in this process),
timing each stage and taking this process's peak resident memory within it (the kernel's
peak mark is reset at each stage; see measure.py), once on the demo's sandbox (the
baseline) and once on a larger one:

- `--scale K`: K times the demo's cases and clients, and so its expenses, incomes and
  invoices;
- `--clients N`: a firm with N clients to send a statement to this month: the demo grown
  until its month has about N statements (the mobility platform's corporate clients,
  eight, do not grow with the data; its cases, expenses and everything else do).

`--base B` makes the baseline B times the demo's data, and the larger run grows from it:
`--base 0.1 --scale 1` is the smallest run, a tenth of the demo's data and no larger run.

Each run is a fresh process. Growth is the stage's time (or memory) at the larger size
over its time at the baseline's; a stage growing linearly grows by about the size's
multiple, and one growing faster than 1.1 times that is marked. The statements' share is
their stage's time over the whole run's. Statements render in worker processes, whose memory is
not in these figures. Linux only.
"""

from __future__ import annotations

import argparse
import dataclasses
import tempfile
import time
from pathlib import Path

from measure import in_fresh_process, release_free_memory, reset_peak, status_kib

from reports.monthly import run_monthly
from reports.monthly_options import MonthlyOptions
from reports.periods import Month
from reports.sandbox import Sandbox, Sizes


def run(scale: float, month: str, workers: int | None) -> dict[str, object]:
    """One `reports monthly --demo` on a sandbox `scale` times the demo's; its figures."""
    peaks: dict[str, float] = {}
    current: list[str] = []
    start_rss: dict[str, int] = {}

    def on_stage(name: str) -> None:
        if current:
            peaks[current[-1]] = max(0.0, (status_kib("VmHWM") - start_rss[current[-1]]) / 1024)
        current.append(name)
        # Free pages handed back first, so that a stage reusing what the one before freed
        # counts it as growth like one that maps new memory (as in measure.isolated).
        release_free_memory()
        start_rss[name] = status_kib("VmRSS")
        reset_peak()

    demo = Sizes()
    sizes = dataclasses.replace(
        demo,
        mobility_cases=round(demo.mobility_cases * scale),
        plannr_cases=round(demo.plannr_cases * scale),
        plannr_clients=round(demo.plannr_clients * scale),
        willsuite_cases=round(demo.willsuite_cases * scale),
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
            MonthlyOptions.current(firm="Sandbox & Co", workers=workers),
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
        # The mobility platform's statements are its corporate clients', a fixed few.
        "fixed_statements": sum(1 for s in result.data.statements if s.source == "mobility"),
        "records": records,
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    size = parser.add_mutually_exclusive_group()
    size.add_argument("--scale", type=float, default=10, help="the larger run's multiple")
    size.add_argument(
        "--clients", type=int, help="the larger run: a firm with this many statements a month"
    )
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument("--month", default="2026-10")
    parser.add_argument("--base", type=float, default=1, help="the baseline's multiple")
    args = parser.parse_args()
    base = in_fresh_process(run, args.base, args.month, args.workers)
    scale = args.scale
    if args.clients is not None:
        fixed = int(base["fixed_statements"])  # type: ignore[call-overload]
        growing = int(base["statements"]) - fixed  # type: ignore[call-overload]
        scale = max(1.0, (args.clients - fixed) / growing)
    runs = {args.base: base}
    if scale > 1:
        runs[args.base * scale] = in_fresh_process(run, args.base * scale, args.month, args.workers)
    for multiple, figures in runs.items():
        records = figures["records"]
        name = "the demo's data" if multiple == 1 else f"{multiple:.3g}x the demo's data"
        name += " (baseline)" if multiple == args.base else ""
        print(
            f"reports monthly --demo --month {args.month}, {name}: {figures['total']:.2f} s "
            f"end to end, {figures['statements']:,} statements, "
            + ", ".join(f"{count:,} {what}" for what, count in records.items())  # type: ignore[attr-defined]
        )
    big = runs[args.base * scale] if scale > 1 else base
    if scale > 1:
        print(
            "  (the sandbox's Plannr rate limit, 500 requests a minute, is lifted: with it, the "
            "larger fetch also waits out its one-minute windows)"
        )
    label = f"{scale:.1f}x"
    small = f"{args.base:g}x"
    header = f"{'stage':10s} {small + ' s':>8s} {small + ' MiB':>8s} {small + ' share':>9s}"
    if scale > 1:
        header += (
            f" {label + ' s':>8s} {label + ' MiB':>9s} {label + ' share':>10s}"
            f" {'time growth':>12s} {'memory growth':>14s}"
        )
    print(header)
    for stage, seconds in base["timings"].items():  # type: ignore[attr-defined]
        peak = base["peaks"].get(stage, 0.0)  # type: ignore[attr-defined]
        share = seconds / base["total"]  # type: ignore[operator]
        line = f"{stage:10s} {seconds:8.2f} {peak:8.1f} {share:9.0%}"
        if scale > 1:
            big_seconds = big["timings"][stage]  # type: ignore[index]
            big_peak = big["peaks"].get(stage, 0.0)  # type: ignore[attr-defined]
            big_share = big_seconds / big["total"]  # type: ignore[operator]
            growth = big_seconds / max(seconds, 1e-3)
            # Below a MiB a ratio says nothing: the stage holds (next to) nothing in this process.
            memory = f"{big_peak / peak:13.1f}x" if peak >= 1 else f"{'-':>14s}"
            worse = [
                what
                for what, grew in (("time", growth), ("memory", big_peak / max(peak, 1.0)))
                if grew > scale * 1.1 and (what == "time" or peak >= 1)
            ]
            verdict = f"  {' AND '.join(worse).upper()} WORSE THAN LINEAR" if worse else ""
            line += (
                f" {big_seconds:8.2f} {big_peak:9.1f} {big_share:10.0%}"
                f" {growth:11.1f}x {memory}{verdict}"
            )
        print(line)
    statements = [
        figures["timings"].get("statements", 0.0) / figures["total"] for figures in runs.values()
    ]  # type: ignore[attr-defined,operator]
    print(
        "statements' share of the run: "
        + ", ".join(
            f"{share:.0%} at {multiple:.3g}x"
            for multiple, share in zip(runs, statements, strict=True)
        )
    )


if __name__ == "__main__":
    main()
