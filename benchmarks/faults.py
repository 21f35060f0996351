"""What transient faults cost: `reports fetch` through each fault the sandbox injects, and a mix.

    python benchmarks/faults.py [--rate 0.1] [--mix-rate 0.3] [--seed 7] [--fault NAME]...
                                [--backoff 0.5]

For each fault (or each --fault named), at --rate of requests, and for them all mixed at
--mix-rate, it prints whether the run gave the same frames as a fault-free fetch of the same
data (or failed with one clean line), the faults injected, and the wall time as a ratio of
the fault-free run's. Retries back off as `[http] retry_backoff_seconds` sets (--backoff;
production's default unless given): a smaller one measures the faults' own cost apart from
the waits between retries.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import polars as pl

from reports.http import DEFAULT_LIMITS
from reports.sandbox import Sandbox, Sizes
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
ENV = {"REPORTS_MOBILITY_PAGE_SIZE": "10", "REPORTS_TIMEOUT_SECONDS": "1.5"}


def fetch(
    server: Sandbox, out: Path, backoff: float
) -> tuple[subprocess.CompletedProcess[str], float]:
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "reports", "fetch", "--out", str(out)],
        env={
            "PATH": "/usr/bin:/bin",
            **server.environment(),
            **ENV,
            "REPORTS_RETRY_BACKOFF_SECONDS": str(backoff),
        },
        capture_output=True,
        text=True,
        timeout=600,
    )
    return result, time.perf_counter() - started


def frames(folder: Path) -> dict[str, pl.DataFrame]:
    return {path.stem: pl.read_parquet(path) for path in sorted(folder.glob("*.parquet"))}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=0.1)
    parser.add_argument("--mix-rate", type=float, default=0.3)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--fault", action="append", choices=FAULTS, help="only this fault (repeatable)"
    )
    parser.add_argument(
        "--backoff",
        type=float,
        default=DEFAULT_LIMITS.retry_backoff_seconds,
        help="the first retry's longest wait, in seconds (production's unless given)",
    )
    args = parser.parse_args()
    chosen = tuple(args.fault or FAULTS)
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        with Sandbox(
            sizes=SIZES, plannr_rate_limit=1_000_000, plannr_rate_window_seconds=WINDOW
        ) as server:
            result, clean_seconds = fetch(server, root / "clean", args.backoff)
            requests = sum(server.requests.values())
        if result.returncode:
            raise SystemExit(result.stderr)
        expected = frames(root / "clean")
        print(f"fault-free: {clean_seconds:.2f} s, {requests} requests")
        print(
            f"{'fault':24} {'rate':>5} {'injected':>8}  {'outcome':28} {'time':>7} {'vs clean':>8}"
        )
        runs = [([fault], args.rate) for fault in chosen] + [(list(chosen), args.mix_rate)]
        for index, (faults, rate) in enumerate(runs):
            with Sandbox(
                sizes=SIZES,
                plannr_rate_limit=1_000_000,
                plannr_rate_window_seconds=WINDOW,
                faults=faults,
                fault_rate=rate,
                fault_seed=args.seed,
            ) as server:
                out = root / f"run-{index}"
                result, seconds = fetch(server, out, args.backoff)
                injected = sum(server.fault_plan.injected.values())
            if result.returncode == 0:
                got = frames(out)
                same = sorted(got) == sorted(expected) and all(
                    got[name].equals(frame) for name, frame in expected.items()
                )
                outcome = "same frames" if same else "DIFFERENT FRAMES"
            else:
                written = list(out.glob("*.parquet"))
                outcome = "one-line error" + (", FILES WRITTEN" if written else ", nothing written")
            name = (
                f"mix of {'all' if chosen == FAULTS else len(chosen)}"
                if index == len(chosen)
                else faults[0]
            )
            print(
                f"{name:24} {rate:>5.0%} {injected:>8}  {outcome:28} {seconds:>6.2f}s "
                f"{seconds / clean_seconds:>7.2f}x"
            )


if __name__ == "__main__":
    main()
