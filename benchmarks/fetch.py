"""Wall time of `fetch_expenses` against its floor and against a plain sequential httpx loop.

    python benchmarks/fetch.py [--cases 2000] [--latency-ms 50] [--concurrency 16] [--runs 3]

The sandbox runs in its own process (as a vendor's server would be) and answers each
request --latency-ms after it came in. Both clients read the same endpoints: the case
list, then every case's expenses. The floor is requests x latency / concurrency, with the
requests the sandbox counted: what perfect fan-out costs. The target is within 1.1x.
"""

from __future__ import annotations

import argparse
import re
import statistics
import subprocess
import sys
import time

import httpx

from reports import fetch_expenses
from reports.config import Config, Secret
from reports.sandbox import MOBILITY_TOKEN
from reports.sources.mobility import MobilitySettings


def start_sandbox(cases: int, latency_ms: float) -> tuple[subprocess.Popen[str], str]:
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "reports",
            "sandbox",
            "--port",
            "0",
            "--cases",
            str(cases),
            "--latency-ms",
            str(latency_ms),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    first = process.stdout.readline()
    url = first.split()[3]
    return process, f"{url}/mobility"


def stop_sandbox(process: subprocess.Popen[str]) -> int:
    """Stop the sandbox; how many requests it served (it says so as it stops)."""
    process.terminate()
    _, stderr = process.communicate(timeout=30)
    served = re.search(r"sandbox stopped after ([\d,]+) requests", stderr)
    if served is None:
        raise RuntimeError(f"the sandbox did not say how many requests it served: {stderr}")
    return int(served.group(1).replace(",", ""))


def sequential_httpx(base_url: str) -> tuple[int, int]:
    """The obvious hand-written loop: one request after another."""
    headers = {"Authorization": f"Bearer {MOBILITY_TOKEN}", "Accept": "application/json"}
    requests = rows = 0
    with httpx.Client(base_url=base_url, headers=headers, timeout=30) as client:
        cases, page, last = [], 1, 1
        while page <= last:
            result = client.get("/v1/cases", params={"page": page, "per_page": 500}).json()[
                "result"
            ]
            requests += 1
            cases += result["items"]
            last, page = result["lastPage"], page + 1
        for case in cases:
            page, last = 1, 1
            while page <= last:
                result = client.get(
                    f"/v1/cases/{case['id']}/expenses", params={"page": page, "per_page": 500}
                ).json()["result"]
                requests += 1
                rows += len(result["items"])
                last, page = result["lastPage"], page + 1
    return requests, rows


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--cases", type=int, default=2000)
    parser.add_argument("--latency-ms", type=float, default=50.0)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--runs", type=int, default=3, help="fetches of ours, for their median")
    parser.add_argument("--skip-sequential", action="store_true", help="skip the slow baseline")
    args = parser.parse_args()

    runs = []
    for _ in range(args.runs):
        process, base_url = start_sandbox(args.cases, args.latency_ms)
        try:
            config = Config(
                mobility=MobilitySettings(base_url, Secret(MOBILITY_TOKEN)),
                concurrency=args.concurrency,
            )
            started = time.perf_counter()
            frame = fetch_expenses(config)
            runs.append(time.perf_counter() - started)
        finally:
            requests = stop_sandbox(process)
    ours = statistics.median(runs)
    floor = requests * args.latency_ms / 1000 / args.concurrency
    print(f"sandbox: {args.cases} mobility cases, {args.latency_ms:g} ms latency per response")
    print(
        f"fetch_expenses: {frame.height} rows, {requests} requests (as the sandbox counted "
        f"them), concurrency {args.concurrency}"
    )
    print(
        f"  ours:       {ours:8.2f} s   (the median of {args.runs} runs: "
        + ", ".join(f"{seconds:.2f}" for seconds in runs)
        + ")"
    )
    ratio = f"ours / floor = {ours / floor:.3f}" if floor else "no floor at zero latency"
    print(
        f"  floor:      {floor:8.2f} s   (requests x latency / concurrency); "
        f"{ratio} (target: at most 1.1)"
    )
    if not args.skip_sequential:
        process, base_url = start_sandbox(args.cases, args.latency_ms)
        try:
            started = time.perf_counter()
            seq_requests, seq_rows = sequential_httpx(base_url)
            sequential = time.perf_counter() - started
        finally:
            stop_sandbox(process)
        assert seq_rows == frame.height, (seq_rows, frame.height)
        print(
            f"  sequential: {sequential:8.2f} s   (plain httpx loop, {seq_requests} requests); "
            f"sequential / ours = {sequential / ours:.1f}x"
        )


if __name__ == "__main__":
    main()
