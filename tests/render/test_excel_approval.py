"""`reports approve` and the workbook: the Summary's one approval cell says who approved the
month and when, written into the draft's file without building it again."""

from __future__ import annotations

import json
import shutil
import zipfile
from pathlib import Path

import openpyxl
import pytest
from conftest import MakeSandbox
from helpers import recalculated_sheets
from openpyxl.worksheet.worksheet import Worksheet

from reports import fetch_frames, rates
from reports.app import load_config
from reports.approval import file_digest
from reports.errors import ApprovalError
from reports.monthly import approve_month, run_monthly
from reports.monthly_options import MonthlyOptions
from reports.periods import Month
from reports.render.excel import (
    APPROVAL_CELL,
    APPROVAL_HEADING,
    Writer,
    sheets_for,
    write_sheets,
    write_workbook,
)
from reports.render.excel_stamp import stamp_workbook
from reports.report import ReportData, build_report_data
from reports.report.model import Stamp
from reports.sandbox.generate import Sizes

MONTH = "2026-10"
TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
SMALL = Sizes(mobility_cases=8, plannr_cases=4, plannr_clients=4, willsuite_cases=14)


def summary(path: Path) -> Worksheet:
    return openpyxl.load_workbook(path)["Summary"]


@pytest.fixture(scope="module")
def approved(make_sandbox: MakeSandbox, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small month built as a draft, then approved: its folder."""
    server = make_sandbox(seed=3, sizes=SMALL)
    settings = tmp_path_factory.mktemp("settings") / "reports.toml"
    settings.write_text('[firm]\nname = "Approvals & Co"\n', encoding="utf-8")
    config = server.demo(load_config(settings, environ={}))
    out = tmp_path_factory.mktemp("out")
    # A copy of the templates of its own: the draft and its approval must use the same.
    templates = shutil.copytree(TEMPLATES, tmp_path_factory.mktemp("templates") / "templates")
    built = run_monthly(
        Month.parse(MONTH), config, out, MonthlyOptions.current(workers=1, templates_dir=templates)
    )
    assert summary(built.workbook)[APPROVAL_CELL].value == "Draft: not approved for sending"
    approve_month(Month.parse(MONTH), config, out, "Jo Partner", workers=1, templates_dir=templates)
    return built.folder


def test_approving_writes_who_approved_on_the_summary(approved: Path) -> None:
    workbook = approved / f"report-{MONTH}.xlsx"
    said = summary(workbook)[APPROVAL_CELL].value
    assert said.startswith("Approved by Jo Partner on ")
    assert summary(workbook)[APPROVAL_CELL].font.b  # its style kept
    manifest = json.loads((approved / "manifest.json").read_text())
    assert manifest["files"][workbook.name] == file_digest(workbook)
    # The workbook is still whole: LibreOffice opens it and recalculates every sheet.
    sheets = recalculated_sheets(workbook)
    assert sheets["Summary"][int(APPROVAL_CELL[1:]) - 1][1] == said


@pytest.fixture(scope="module")
def data(make_sandbox: MakeSandbox) -> ReportData:
    server = make_sandbox(seed=3, sizes=SMALL)
    return build_report_data(fetch_frames(server.config()), MONTH, rates=rates.embedded())


@pytest.mark.parametrize("writer", ["xlsxwriter", "openpyxl"])
def test_the_stamp_changes_that_one_cell_alone(
    data: ReportData, tmp_path: Path, writer: Writer
) -> None:
    draft = write_workbook(data, tmp_path / "draft.xlsx", writer=writer)
    stamp = Stamp.approved("Jo Partner", data.generated_at)
    stamped = stamp_workbook(
        draft, tmp_path / "stamped.xlsx", APPROVAL_CELL, APPROVAL_HEADING, stamp.label
    )
    before, after = zipfile.ZipFile(draft), zipfile.ZipFile(stamped)
    assert before.namelist() == after.namelist()
    changed = [n for n in before.namelist() if before.read(n) != after.read(n)]
    assert len(changed) == 1  # the Summary's sheet
    old, new = openpyxl.load_workbook(draft)["Summary"], openpyxl.load_workbook(stamped)["Summary"]
    differing = [
        cell.coordinate
        for row in old.iter_rows()
        for cell in row
        if cell.value != new[cell.coordinate].value
    ]
    assert differing == [APPROVAL_CELL]
    assert new[APPROVAL_CELL].value == stamp.label


def test_a_workbook_without_its_approval_cell_is_refused_in_a_line(
    data: ReportData, tmp_path: Path
) -> None:
    # A workbook of tables alone, as from before the Summary said its approval.
    draft = write_sheets(sheets_for(data)[:1], tmp_path / "old.xlsx")
    with pytest.raises(ApprovalError, match="no Summary sheet"):
        stamp_workbook(draft, tmp_path / "stamped.xlsx", APPROVAL_CELL, APPROVAL_HEADING, "Yes")
    assert not (tmp_path / "stamped.xlsx").exists()


@pytest.mark.parametrize("writer", ["xlsxwriter", "openpyxl"])
def test_a_draft_from_before_the_approval_row_is_refused_not_overwritten(
    data: ReportData, tmp_path: Path, writer: Writer
) -> None:
    # The Summary as it was before it said its approval: another row where the approval is.
    draft = write_workbook(data, tmp_path / "old.xlsx", writer=writer)
    book = openpyxl.load_workbook(draft)
    row = int(APPROVAL_CELL[1:])
    book["Summary"][f"A{row}"] = "Source: mobility"
    book.save(draft)
    with pytest.raises(ApprovalError, match=r"has no approval cell \(Summary!B5\)"):
        stamp_workbook(draft, tmp_path / "stamped.xlsx", APPROVAL_CELL, APPROVAL_HEADING, "Yes")
    assert not (tmp_path / "stamped.xlsx").exists()
