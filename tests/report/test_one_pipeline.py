"""Every command that reports a month builds it through one pipeline (`run_monthly` with
its `MonthlyOptions`): `reports pdf`, `reports excel` and `reports trends` show the month's
figures as `reports monthly` does, the month before included, and write only what they
are asked for."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pytest
from conftest import MakeSandbox
from helpers import invoke
from pypdf import PdfReader

from reports import rates
from reports.errors import PeriodError
from reports.monthly import run_monthly
from reports.monthly_options import MonthlyOptions
from reports.periods import Month
from reports.sandbox import Sandbox, Sizes

MONTH = "2026-10"
SMALL = Sizes(mobility_cases=15, plannr_cases=10, plannr_clients=5, willsuite_cases=15)
#: What differs between two runs of a report: when it was generated, and when each source
#: was fetched (`reports pdf` fetches again, maybe in the next minute).
GENERATED = re.compile(r"\b\d{4}-\d{2}-\d{2} \d{2}:\d{2}\b|\b\d{1,2} \w{3} \d{4},? \d{2}:\d{2}\b")


@pytest.fixture(scope="module")
def server(make_sandbox: MakeSandbox) -> Sandbox:
    return make_sandbox(sizes=SMALL)


def pdf_text(path: Path) -> str:
    return GENERATED.sub("(time)", "\n".join(p.extract_text() for p in PdfReader(path).pages))


def test_reports_pdf_shows_what_reports_monthly_shows(server: Sandbox, tmp_path: Path) -> None:
    """With September's report in the folder, October's counts what changed since: `reports
    pdf` (once without the month before, its own data) shows it as `reports monthly` does."""
    options = ["--out", str(tmp_path), "--workers", "1"]
    for month in ("2026-09", MONTH):
        result = invoke(["monthly", "--month", month, *options], env=server.environment())
        assert result.returncode == 0, result.stderr
    folder = tmp_path / MONTH
    monthly_pdf = pdf_text(folder / f"report-{MONTH}.pdf")
    monthly_figures = json.loads((folder / "figures.json").read_text(encoding="utf-8"))
    workbook = (folder / f"report-{MONTH}.xlsx").read_bytes()
    snapshot = (folder / "data" / "manifest.json").read_bytes()
    assert "Since last month" in monthly_pdf

    result = invoke(["pdf", "--month", MONTH, *options], env=server.environment())
    assert result.returncode == 0, result.stderr
    assert pdf_text(folder / f"report-{MONTH}.pdf") == monthly_pdf
    assert json.loads((folder / "figures.json").read_text(encoding="utf-8")) == monthly_figures
    # Only what `reports pdf` writes was written: the rest of the month is as it was.
    assert (folder / f"report-{MONTH}.xlsx").read_bytes() == workbook
    assert (folder / "data" / "manifest.json").read_bytes() == snapshot


def test_a_run_takes_its_clock_from_its_options(server: Sandbox, tmp_path: Path) -> None:
    """Nothing read from the machine inside: the day it runs on decides which month has
    ended, and the report says it was generated then."""
    then = dt.datetime(2026, 11, 2, 9, 30, tzinfo=dt.UTC)
    options = MonthlyOptions(rates=rates.embedded(), now=then, workers=1, pdf=False, web=False)
    result = run_monthly(Month.parse(MONTH), server.config(), tmp_path, options)
    assert result.data.generated_at == then
    assert result.statements > 0 and result.workbook.is_file()
    assert not result.report.exists() and not result.page.exists()
    early = MonthlyOptions(rates=rates.embedded(), now=dt.datetime(2026, 10, 20, tzinfo=dt.UTC))
    with pytest.raises(PeriodError, match="in progress"):
        run_monthly(Month.parse(MONTH), server.config(), tmp_path / "early", early)
