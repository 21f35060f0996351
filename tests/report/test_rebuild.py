"""A rebuild from the snapshot is the same document, and an approval renders none again: the
demo month built live (`reports monthly --sandbox --config demo/reports.toml`), rebuilt
from its snapshot with the same settings file and no sandby (`--from-snapshot`, the firm
then the draft's, kept in the snapshot), and approved from it."""

from __future__ import annotations

import hashlib
import io
import json
import re
import shutil
from pathlib import Path

import openpyxl
import pytest
from conftest import MakeSandbox
from helpers import ROOT, pdf_pages

from reports.app import load_config
from reports.approval import read_manifest
from reports.config import Config
from reports.errors import ApprovalError, SnapshotError
from reports.monthly import MonthlyResult, approve_month, run_monthly
from reports.monthly_options import MonthlyOptions
from reports.periods import Month
from reports.render.chart_cache import CHARTS_FILE
from reports.sandbox import Sizes

MONTH = Month.parse("2026-10")
DEMO_SETTINGS = ROOT / "demo" / "reports.toml"
#: The demo's systems at a small size: statements of both kinds, clients who owe (whose
#: statements say how to pay), every chart; built in seconds, not the whole demo's minute.
SIZES = Sizes(mobility_cases=40, plannr_cases=40, plannr_clients=20, willsuite_cases=40)


def settings() -> Config:
    """`--config demo/reports.toml`, with nothing from the environment."""
    return load_config(DEMO_SETTINGS, environ={})


def contents(folder: Path) -> dict[str, bytes]:
    """Every file under `folder`, by its path there."""
    return {
        p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()
    }


def text(path: Path) -> str:
    return " ".join(" ".join(pdf_pages(path)).split())


class Rebuilt:
    """The demo month's draft as built live, and its rebuild from the snapshot."""

    def __init__(self, out: Path, live: dict[str, bytes], result: MonthlyResult) -> None:
        self.out = out
        #: The live build's files, by path under the month's folder.
        self.live = live
        self.result = result
        #: What the rebuild told of each statement it rendered.
        self.progress: list[tuple[str, int, int]] = []


@pytest.fixture(scope="module")
def rebuilt(make_sandbox: MakeSandbox, tmp_path_factory: pytest.TempPathFactory) -> Rebuilt:
    sandbox = make_sandbox(sizes=SIZES, plannr_rate_limit=1_000_000)
    out = tmp_path_factory.mktemp("output")
    # `--sandbox`: the sandbox's sources, and its firm, as the settings file names none.
    run_monthly(MONTH, sandbox.demo(settings()), out, MonthlyOptions.current(workers=2))
    live = contents(out / str(MONTH))
    progress: list[tuple[str, int, int]] = []
    result = run_monthly(
        MONTH,
        settings(),
        out,
        MonthlyOptions.current(from_snapshot=True, workers=2),
        on_progress=lambda stage, done, total: progress.append((stage, done, total)),
    )
    built = Rebuilt(out, live, result)
    built.progress = progress
    return built


def statements(files: dict[str, bytes]) -> dict[str, bytes]:
    return {name: data for name, data in files.items() if name.startswith("statements/")}


def test_a_rebuild_from_the_snapshot_gives_the_same_statements_byte_for_byte(
    rebuilt: Rebuilt,
) -> None:
    now = statements(contents(rebuilt.result.folder))
    assert len(now) == rebuilt.result.statements + 1  # and statements.json
    assert now == statements(rebuilt.live)
    # Each one reused, as a live rerun does: none rendered again.
    assert [p for p in rebuilt.progress if p[0] == "statements"] == []


def test_a_rebuilt_statement_keeps_the_firms_details(rebuilt: Rebuilt) -> None:
    # What the rebuild lost before the snapshot kept the draft's firm whole.
    first = sorted((rebuilt.result.folder / "statements").glob("*.pdf"))[0]
    shown = text(first)
    for detail in ("12 Example Street", "EC1A 1AA", "GB 123 4567 89", "01234567"):
        assert detail in shown, detail
    assert "accounts@sandbox.example" in shown and "020 7946 0000" in shown
    # Bank details, on every statement of a client who owes the firm.
    assert any(
        "How to pay" in text(path) and "sort code 00-00-00" in text(path)
        for path in sorted((rebuilt.result.folder / "statements").glob("*.pdf"))
    )
    assert rebuilt.result.data.firm.name == "Sandbox & Co"


@pytest.fixture
def drafted(rebuilt: Rebuilt, tmp_path: Path) -> Path:
    """A copy of the rebuilt draft's output folder, for a test to approve or spoil."""
    shutil.copytree(rebuilt.out, tmp_path / "output")
    return tmp_path / "output"


def test_an_approval_renders_no_statement_and_draws_no_chart_again(drafted: Path) -> None:
    month = drafted / str(MONTH)
    before = contents(month)
    told: list[tuple[str, int, int]] = []
    # No sandbox: the settings file names no firm, and the draft's is in its snapshot.
    result = approve_month(
        MONTH,
        settings(),
        drafted,
        "Jo Partner",
        on_progress=lambda stage, done, total: told.append((stage, done, total)),
    )
    after = contents(month)
    assert told == []
    stamped = (f"report-{MONTH}.pdf", f"report-{MONTH}.html", f"report-{MONTH}.xlsx")
    kept = {name for name in before if name not in stamped} - {"manifest.json"}
    assert {name: after[name] for name in kept} == {name: before[name] for name in kept}
    # The workbook is the draft's with its Summary's approval cell alone written.
    draft_book = openpyxl.load_workbook(io.BytesIO(before[f"report-{MONTH}.xlsx"]))
    approved_book = openpyxl.load_workbook(io.BytesIO(after[f"report-{MONTH}.xlsx"]))
    changed = [
        (sheet.title, cell.coordinate)
        for sheet in draft_book.worksheets
        for row in sheet.iter_rows()
        for cell in row
        if cell.value != approved_book[sheet.title][cell.coordinate].value
    ]
    assert changed == [("Summary", "B5")]
    assert str(approved_book["Summary"]["B5"].value).startswith("Approved by Jo Partner on ")
    assert len(statements(after)) == result.statements + 1
    manifest = read_manifest(month)
    assert manifest is not None and manifest.stamp.by == "Jo Partner"
    assert set(manifest.files) == set(after) - {"manifest.json"}
    assert all(
        hashlib.sha256(after[name]).hexdigest() == digest
        for name, digest in manifest.files.items()
        if not name.endswith("statements.json")
    )
    # The stamp is new; the charts are the draft's, as reviewed.
    page = after[f"report-{MONTH}.html"].decode()
    assert "Approved by Jo Partner on " in page
    # Each chart drawn again would differ (matplotlib dates every SVG it writes).
    drawn = set(json.loads(after[CHARTS_FILE])["charts"].values())
    assert drawn and drawn <= set(re.findall(r"data:image/svg\+xml;base64,[A-Za-z0-9+/=]+", page))
    report = text(month / f"report-{MONTH}.pdf")
    assert "Approved by Jo Partner on " in report and "DRAFT" not in report
    assert "Sandbox & Co" in report


@pytest.mark.parametrize(
    "name",
    [f"report-{MONTH}.xlsx", CHARTS_FILE, "data/willsuite_invoices.parquet"],
)
def test_an_approval_refuses_a_file_it_keeps_changed_since_the_draft(
    drafted: Path, name: str
) -> None:
    month = drafted / str(MONTH)
    with (month / name).open("ab") as spoiled:
        spoiled.write(b"\n")
    before = contents(drafted)
    with pytest.raises(ApprovalError) as refused:
        approve_month(MONTH, settings(), drafted, "Jo Partner")
    assert str(refused.value) == (
        f"{name} of {MONTH} changed since its draft was built: nothing was approved. Rerun "
        f"reports monthly --month {MONTH}, look it over, then approve it"
    )
    assert contents(drafted) == before


def test_a_damaged_snapshot_file_is_one_line_naming_it(drafted: Path) -> None:
    data = drafted / str(MONTH) / "data"
    damaged = next(iter(sorted(data.glob("*.parquet"))))
    damaged.write_bytes(b"PAR1 cut short")
    with pytest.raises(SnapshotError) as raised:
        run_monthly(
            MONTH, settings(), drafted, MonthlyOptions.current(from_snapshot=True, workers=1)
        )
    message = str(raised.value)
    assert "\n" not in message
    assert str(damaged) in message and "without --from-snapshot" in message
