"""The month in progress on the command line, on a fixed day of the firm's clock: refused
whole, built to date with `--to-date` (named apart, said on every page, dated the day), and
never approved or sent."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner, Result
from conftest import MakeSandbox
from helpers import pdf_pages

from reports import periods
from reports.cli import main
from reports.sandbox import Sizes

SMALL = Sizes(mobility_cases=10, plannr_cases=5, plannr_clients=5, willsuite_cases=12)


def fix_clock(monkeypatch: pytest.MonkeyPatch, day: dt.date) -> None:
    """The firm's day is `day` for the commands run in this process: the clock reads its
    noon, UTC (the same day in the UK), for "today" and for a run's time alike."""
    noon = dt.datetime.combine(day, dt.time(12), dt.UTC)
    monkeypatch.setattr(periods, "now", lambda: noon)


def invoke(args: list[str], env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(main, args, env=env)


@pytest.fixture(autouse=True)
def _no_settings_of_the_machine(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in [n for n in __import__("os").environ if n.startswith("REPORTS_")]:
        monkeypatch.delenv(name)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["monthly", "--month", "2026-12"],
            "2026-12 is still in progress (today is 6 Dec 2026): use --to-date for a "
            "month-to-date report, or --month 2026-11",
        ),
        (
            ["pdf", "--month", "2026-12"],
            "2026-12 is still in progress (today is 6 Dec 2026): use --to-date for a "
            "month-to-date report, or --month 2026-11",
        ),
        (
            ["excel", "--month", "2026-12"],
            "2026-12 is still in progress (today is 6 Dec 2026): use --to-date for a "
            "month-to-date report, or --month 2026-11",
        ),
        (
            ["monthly", "--month", "2027-01", "--to-date"],
            "2027-01 has not begun (today is 06 Dec 2026): report 2026-12 or an earlier month",
        ),
        (
            ["monthly", "--month", "2026-11", "--to-date"],
            "2026-11 has ended (today is 6 Dec 2026): --to-date is for the month in progress; "
            "drop it for 2026-11's whole report",
        ),
        (
            ["trends", "--from", "2026-01", "--to", "2026-12"],
            "--to 2026-12 is still in progress (today is 6 Dec 2026): trends show whole "
            "months; end them at --to 2026-11",
        ),
        (
            ["approve", "--month", "2026-12", "--by", "Jo Partner"],
            "2026-12 is still in progress (today is 6 Dec 2026): a month is approved and sent "
            "once it has ended, after 31 Dec 2026; reports monthly --month 2026-12 --to-date "
            "builds one to read meanwhile",
        ),
        (
            ["email", "--month", "2026-12"],
            "2026-12 is still in progress (today is 6 Dec 2026): a month is approved and sent "
            "once it has ended, after 31 Dec 2026; reports monthly --month 2026-12 --to-date "
            "builds one to read meanwhile",
        ),
    ],
)
def test_the_month_in_progress_is_refused_in_one_line(
    args: list[str], message: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fix_clock(monkeypatch, dt.date(2026, 12, 6))
    result = invoke([*args, "--out", str(tmp_path / "out")])
    assert result.exit_code == 1
    assert result.stderr == f"error: {message}\n"
    assert not (tmp_path / "out" / "2026-12").exists()


def test_a_month_to_date_report(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, make_sandbox: MakeSandbox
) -> None:
    # The sandbox's records run to 31 October: on the 8th, those after it are not yet.
    fix_clock(monkeypatch, dt.date(2026, 10, 8))
    server = make_sandbox(seed=2, sizes=SMALL)
    out = tmp_path / "out"
    args = ["--month", "2026-10", "--out", str(out)]
    result = invoke(["monthly", *args, "--to-date", "--workers", "1"], env=server.environment())
    assert result.exit_code == 0, result.output
    assert "1\u20138 October 2026 (month to date): for reading, never approved or sent" in (
        result.stderr
    )
    # A folder of its own, every file named for the days it covers; the month's stays free.
    folder = out / "2026-10-to-08"
    assert not (out / "2026-10").exists()
    for suffix in ("pdf", "xlsx", "html"):
        assert (folder / f"report-2026-10-to-08.{suffix}").exists()
    words = "1\u20138 October 2026 (month to date)"
    pages = pdf_pages(folder / "report-2026-10-to-08.pdf")
    assert len(pages) > 1 and all(words in page for page in pages)
    assert "Period 01 Oct 2026 to 08 Oct 2026" in pages[0]
    assert "Month to date: 1\u20138 Oct 2026. The month is in progress" in pages[0]
    entries = json.loads((folder / "statements" / "statements.json").read_text())
    assert entries
    for entry in entries:
        assert entry["attachment"].endswith(" - 2026-10-to-08.pdf")
        statement = pdf_pages(folder / "statements" / entry["path"])
        assert "Month to date: 1\u20138 Oct 2026. The month is in progress" in statement[0]
        for page in statement:
            assert words in page
            assert "Statement date 08 Oct 2026" in page  # dated the day, not 31 October
    workbook = openpyxl.load_workbook(folder / "report-2026-10-to-08.xlsx")
    assert all(words in sheet.oddHeader.right.text for sheet in workbook.worksheets)
    assert f"<title>Monthly report: monthly report, {words}</title>" in (
        (folder / "report-2026-10-to-08.html").read_text()
    )
    # Counted to the 8th: 4 of October's 9 counted expenses (the rest are 9-11 October).
    figures = json.loads((folder / "figures.json").read_text())["figures"]
    assert figures["expenses"] == "4"
    manifest = json.loads((folder / "manifest.json").read_text())
    assert (manifest["month"], manifest["approval"]) == ("2026-10-to-08", "draft")

    # Read, never approved or sent: by the folder's name or by --to-date.
    refusal = (
        "error: a month-to-date report of 2026-10 cannot be approved or sent: it is for "
        "reading while the month is in progress, its figures stopping short of 31 Oct 2026; "
        "report, approve and send 2026-10 once it has ended\n"
    )
    for command in (
        ["approve", "--month", "2026-10-to-08", "--by", "Jo Partner"],
        ["approve", "--month", "2026-10", "--to-date", "--by", "Jo Partner"],
        ["email", "--month", "2026-10-to-08"],
        ["email", "--month", "2026-10", "--to-date"],
        ["monthly", *args, "--to-date", "--email"],
    ):
        result = invoke([*command, "--out", str(out)], env=server.environment())
        assert (result.exit_code, result.stderr) == (1, refusal), command
    assert json.loads((folder / "manifest.json").read_text()) == manifest
    assert not (folder / "outbox").exists()
