"""The notebooks run as they are, top to bottom, in a real Jupyter kernel, reading every
source (a small sandbox's: with no source configured they would serve the demo-sized one,
which `tests/test_notebook.py` checks they do)."""

from __future__ import annotations

import os
from pathlib import Path

import nbformat
import pytest
from helpers import ROOT
from nbclient import NotebookClient

from reports.sandbox import Sandbox, Sizes
from tests.conftest import MakeSandbox

NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
#: Every source, with records of every kind over the sandbox's two years, in a fraction of
#: the demo's 1,050 cases: reading those took most of each notebook's run.
SMALL = Sizes(mobility_cases=40, plannr_cases=30, plannr_clients=20, willsuite_cases=40)


@pytest.fixture(scope="module")
def sandbox(make_sandbox: MakeSandbox) -> Sandbox:
    """The sources every notebook reads (they only read)."""
    return make_sandbox(sizes=SMALL, seed=1, plannr_rate_limit=1_000_000)


def test_there_are_notebooks() -> None:
    assert [p.name for p in NOTEBOOKS] == [
        "client_drilldown.ipynb",
        "monthly_analysis.ipynb",
        "trends.ipynb",
        "vat_review.ipynb",
    ]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_runs(
    path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sandbox: Sandbox
) -> None:
    for name in [n for n in os.environ if n.startswith("REPORTS_")]:
        monkeypatch.delenv(name)  # the sandbox, whatever this machine has configured
    for name, value in sandbox.environment().items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("MPLBACKEND", "Agg")
    notebook = nbformat.read(path, as_version=4)
    NotebookClient(
        notebook,
        timeout=300,
        kernel_name="python3",
        resources={"metadata": {"path": str(tmp_path)}},
    ).execute()
    outputs = [
        output for cell in notebook.cells if cell.cell_type == "code" for output in cell.outputs
    ]
    assert not [o for o in outputs if o.output_type == "error"]
    assert any(o.output_type in ("execute_result", "display_data") for o in outputs)
    text = "\n".join(o.get("text", "") for o in outputs if o.output_type == "stream")
    sources = next(line for line in text.splitlines() if line.startswith("Sources: "))
    assert sources.count(f" at {sandbox.url}/") == 3, sources  # every source, this sandbox's
