"""The notebooks of a firm with one source: each cell of another system's records says it
is not configured and shows nothing, and every notebook still runs top to bottom."""

from __future__ import annotations

import os
from pathlib import Path

import nbformat
import pytest
from helpers import ROOT
from nbclient import NotebookClient

from reports.sandbox.data import Sizes
from tests.conftest import MakeSandbox

NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
#: What each says of what it leaves out (the trends list plannr's figures alone).
SAYS = {
    "client_drilldown.ipynb": "No client has a statement from the sources configured",
    "monthly_analysis.ipynb": "Expenses: not configured (no source in these settings gives expenses)",
    "trends.ipynb": "invoiced_net: not configured",
    "vat_review.ipynb": "VatByPeriod: not configured",
}
SMALL = Sizes(mobility_cases=10, plannr_cases=8, plannr_clients=6, willsuite_cases=10)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_a_notebook_with_plannr_alone_shows_nothing_of_the_others(
    path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, make_sandbox: MakeSandbox
) -> None:
    server = make_sandbox(sizes=SMALL, plannr_rate_limit=1_000_000)
    for name in [n for n in os.environ if n.startswith("REPORTS_")]:
        monkeypatch.delenv(name)
    for name, value in server.environment().items():
        if name.startswith("REPORTS_PLANNR_"):
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
    text = "\n".join(o.get("text", "") for o in outputs if o.output_type == "stream")
    shown = "\n".join(
        str(o.get("data", {}).get("text/plain", ""))
        for o in outputs
        if o.output_type in ("execute_result", "display_data")
    )
    assert "Plannr at" in text and "WillSuite" not in text and "SANDBOX" not in text
    for words in ("Expenses this month", "Invoiced", "VAT box", "Box 1", "Outstanding"):
        assert words not in shown, f"{path.name} shows {words!r} with plannr alone"
    assert SAYS[path.name] in text
