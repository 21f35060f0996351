"""Every script in benchmarks/ runs, at its smallest size, as `python benchmarks/<script>`
runs it: a change that breaks one fails here, not the next time someone measures. Each
runs in a process of its own, as the scripts themselves spawn theirs (measure.py)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"
#: What each script needs to run at its smallest: its options, a few records, one worker.
SMALLEST = {
    "activity.py": ["--invoices", "300"],
    # 0.05: the smallest demo month with every document (a handful of statements).
    "approve.py": ["--scale", "0.05", "--workers", "1"],
    # Four cases a system: the sandbox needs two Plannr clients to share a case.
    "compute.py": ["--expenses", "200", "--invoices", "100", "--cases", "4"],
    "excel.py": ["--rows", "50", "--memory-rows", "0"],
    # Retries back off for hundredths of a second: the waits are not what can rot.
    "faults.py": ["--fault", "500-html", "--backoff", "0.02"],
    "fetch.py": ["--cases", "5", "--latency-ms", "0", "--runs", "1"],
    "monthly.py": ["--base", "0.05", "--scale", "1", "--workers", "1"],
    "pdf.py": ["--statements", "1", "--workers", "1"],
    # Six cases a system still give the two statements (the rerun changes the first).
    "rerun.py": ["--statements", "2", "--cases", "6", "--workers", "1"],
}
#: Modules the scripts import, not scripts.
LIBRARIES = {"measure.py"}
#: The scripts that serve a sandbox, marked `loopback` so that `make test-fast` (which
#: refuses sandboxes only in its own process) skips them. Found here, outside any function:
#: conftest.py marks every test whose functions name the sandbox.
SERVING = {
    name
    for name in SMALLEST
    if re.search(r"\bSandbox\(|\"sandbox\",", (BENCHMARKS / name).read_text(encoding="utf-8"))
}


def _script(name: str) -> object:
    return pytest.param(name, marks=[pytest.mark.loopback] if name in SERVING else [])


def test_every_script_has_its_smallest_size() -> None:
    scripts = {path.name for path in BENCHMARKS.glob("*.py")} - LIBRARIES
    assert scripts == set(SMALLEST)


@pytest.mark.parametrize("script", [_script(name) for name in sorted(SMALLEST)])
def test_the_script_runs_at_its_smallest_size(script: str, tmp_path: Path) -> None:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("REPORTS_")}
    result = subprocess.run(
        [sys.executable, str(BENCHMARKS / script), *SMALLEST[script]],
        capture_output=True,
        text=True,
        env=clean,
        cwd=tmp_path,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Traceback" not in result.stderr
    # It measured something: every script prints its figures in seconds or as ratios.
    assert re.search(r"\d\.\d+ ?(s\b|x\b)", result.stdout), result.stdout
