"""A rerun of the month's statements: how much of the first run's time it spends.

    python benchmarks/rerun.py [--workers N] [--statements N] [--cases N]

The sandbox's October 2026 statements (every client's, or the first --statements; the demo's
sandbox, or one of --cases cases a system), written
three times into fresh folders through one process pool of --workers (default: one per
core): the first run renders them all (the baseline: what every rerun cost before
statements were reused); the second reuses the first's files, as a rerun with unchanged
data does; the third follows a change to one client's statement. Each line prints ours,
the baseline and the ratio from this one run. Target: the unchanged rerun under a tenth of
the first, one statement rendered after one change.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from reports import fetch_frames, rates
from reports.render.pdf import write_statements
from reports.report import build_report_data
from reports.sandbox import Sandbox, Sizes


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--workers", type=int, default=os.cpu_count())
    parser.add_argument("--statements", type=int, default=None, help="the first N only")
    parser.add_argument(
        "--cases", type=int, default=None, help="cases a system (default: the demo's sandbox)"
    )
    args = parser.parse_args()
    sizes = Sizes.of(args.cases) if args.cases is not None else None
    with Sandbox(sizes=sizes, plannr_rate_limit=10**9) as server:
        frames = fetch_frames(server.config())
    data = build_report_data(frames, "2026-10", rates=rates.embedded(), firm="Sandbox & Co")
    statements = list(data.statements)[: args.statements]
    if len(statements) < (args.statements or 1):
        raise SystemExit(f"only {len(statements)} statements: ask for more --cases")
    changed = [
        dataclasses.replace(statements[0], client=statements[0].client + " Ltd"),
        *statements[1:],
    ]
    with tempfile.TemporaryDirectory() as folder, ProcessPoolExecutor(args.workers) as pool:
        out = Path(folder)
        write_statements(data, out / "warm", executor=pool, statements=statements[:2])
        timings, rendered = [], []
        for name, chosen, earlier in (
            ("first", statements, None),
            ("rerun", statements, out / "first"),
            ("one changed", changed, out / "rerun"),
        ):
            started = time.perf_counter()
            done = write_statements(
                data, out / name, executor=pool, statements=chosen, reuse_from=earlier
            )
            timings.append(time.perf_counter() - started)
            rendered.append(sum(1 for r in done if not r.reused))
    first = timings[0]
    print(f"{len(statements)} statements, {args.workers} workers")
    print(f"first run (baseline): {first:.2f} s, {rendered[0]} rendered")
    for label, seconds, count in zip(
        ("rerun, data unchanged", "rerun, one client changed"),
        timings[1:],
        rendered[1:],
        strict=True,
    ):
        print(
            f"{label}: ours {seconds:.2f} s, baseline {first:.2f} s, ratio {seconds / first:.3f}x, "
            f"{count} rendered"
        )


if __name__ == "__main__":
    main()
