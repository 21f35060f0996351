"""`reports approve` against `reports monthly` of the same month: what approving costs.

    python benchmarks/approve.py [--scale 1] [--workers N] [--month 2026-10]

On the demo's sandbox (`--scale K`: K times its cases and clients; 0.05, a handful of
statements, is the smallest that shows every document) with the demo's settings
(`demo/reports.toml`; the firm is the sandbox's), as `make demo` runs them: `reports
monthly` builds the month's draft (the baseline: fetch, compute, every document and
statement), then `reports approve` approves it. Each runs in a fresh process of its own,
its clock started once the sandbox is serving and the libraries that render are loaded;
the first document each renders pays for setting up fonts, as a command run does. It
prints both times, the ratio (target: at most 0.1x) and approve's time stage by stage.
Approving computes nothing and renders no statement, workbook or chart of the month, and
lays out no PDF: it swaps its stamp into the web page the draft kept (`approval/`) and
draws it over the monthly PDF the draft laid out there (`reports.render.pdf_overlay`),
rendering only the stamp's words, in a process of its own while the web page and
`OUT/index.html` are written (its time is in the `html` stage). Linux only.

It prints the processor time of each too (user and system, of the process and the ones it
started): on a machine that others' work shares, the wall clock of both stretches with the
load, and not alike (monthly's statements render on every core); the processor time much
less so.
"""

from __future__ import annotations

import argparse
import dataclasses
import resource
import tempfile
import time
from pathlib import Path

from measure import in_fresh_process

from reports.app import load_config
from reports.monthly import approve_month, run_monthly
from reports.monthly_options import MonthlyOptions
from reports.periods import Month
from reports.sandbox import Sandbox, Sizes

DEMO_SETTINGS = Path(__file__).resolve().parents[1] / "demo" / "reports.toml"


def _cpu_seconds() -> float:
    """User and system time of this process and of its children that ended so far."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _warm() -> None:
    """Load what renders before a clock starts: a command run pays for it either way."""
    import matplotlib.figure
    import weasyprint

    del matplotlib, weasyprint


def monthly(scale: float, month: str, workers: int | None, out: str) -> dict[str, object]:
    """`reports monthly --sandbox` of `month` into `out`, on a sandbox `scale` times the
    demo's with the demo's settings: its seconds and statements."""
    demo = Sizes()
    sizes = dataclasses.replace(
        demo,
        mobility_cases=max(1, round(demo.mobility_cases * scale)),
        plannr_cases=max(1, round(demo.plannr_cases * scale)),
        plannr_clients=max(1, round(demo.plannr_clients * scale)),
        willsuite_cases=max(1, round(demo.willsuite_cases * scale)),
    )
    _warm()
    with Sandbox(sizes=sizes, plannr_rate_limit=10**9) as server:
        config = server.demo(load_config(DEMO_SETTINGS, environ={}))
        started, cpu = time.perf_counter(), _cpu_seconds()
        built = run_monthly(
            Month.parse(month), config, Path(out), MonthlyOptions.current(workers=workers)
        )
        seconds, cpu = time.perf_counter() - started, _cpu_seconds() - cpu
    return {"seconds": seconds, "cpu": cpu, "statements": built.statements}


def approve(scale: float, month: str, workers: int | None, out: str) -> dict[str, object]:
    """`reports approve` of the draft of `month` in `out`, with the demo's settings (the
    sandbox's firm is the draft's, kept in its snapshot): its seconds and stages."""
    del scale
    _warm()
    config = load_config(DEMO_SETTINGS, environ={})
    started, cpu = time.perf_counter(), _cpu_seconds()
    approved = approve_month(
        Month.parse(month), config, Path(out), "Benchmark Partner", workers=workers
    )
    seconds, cpu = time.perf_counter() - started, _cpu_seconds() - cpu
    return {"seconds": seconds, "cpu": cpu, "stages": dict(approved.timings)}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--scale", type=float, default=1.0, help="the sandbox's size, a multiple of the demo's"
    )
    parser.add_argument("--workers", type=int, default=None, help="monthly's statement workers")
    parser.add_argument("--month", default="2026-10")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as out:
        arguments = (args.scale, args.month, args.workers, out)
        built = in_fresh_process(monthly, *arguments)
        approved = in_fresh_process(approve, *arguments)
    baseline, ours = float(built["seconds"]), float(approved["seconds"])  # type: ignore[arg-type]
    print(
        f"reports monthly --month {args.month} (baseline), {args.scale:g}x the demo's data: "
        f"{baseline:.2f} s, {built['statements']} statements"
    )
    print(
        f"reports approve --month {args.month}: ours {ours:.2f} s, baseline {baseline:.2f} s, "
        f"ratio {ours / baseline:.3f}x (target: at most 0.1x)"
    )
    cpu_baseline, cpu_ours = float(built["cpu"]), float(approved["cpu"])  # type: ignore[arg-type]
    print(
        f"processor time: ours {cpu_ours:.2f} s, baseline {cpu_baseline:.2f} s, "
        f"ratio {cpu_ours / cpu_baseline:.3f}x"
    )
    stages = approved["stages"]
    assert isinstance(stages, dict)
    print(
        "approve's stages: "
        + ", ".join(f"{stage} {seconds:.2f} s" for stage, seconds in stages.items())
    )


if __name__ == "__main__":
    main()
