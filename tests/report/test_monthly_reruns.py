"""`reports monthly` on small sandboxes of its own: a failing source stops it (or, allowed,
marks it incomplete), the previous month's snapshot gives the changes, secrets stay out of
the snapshot, and a rerun reads only what changed. Apart from test_monthly.py's demo month,
so that the two halves run side by side."""

from __future__ import annotations

import datetime as dt
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import MakeSandbox
from helpers import invoke, recalculated_sheets
from pypdf import PdfReader

from reports.config import Secret
from reports.monthly import run_monthly
from reports.monthly_options import MonthlyOptions
from reports.periods import Month
from reports.sandbox import Sandbox, Sizes

MONTH = "2026-10"
#: The firm whose month is built once and rerun: enough WillSuite cases that reading only
#: the changed one is plainly fewer requests than reading all.
RERUN = Sizes(mobility_cases=5, plannr_cases=5, plannr_clients=5, willsuite_cases=40)


@dataclass(frozen=True)
class Built:
    """October built over a sandbox of `RERUN` as it was generated, into `out`."""

    server: Sandbox
    out: Path


@pytest.fixture(scope="module")
def built(make_sandbox: MakeSandbox, tmp_path_factory: pytest.TempPathFactory) -> Built:
    server = make_sandbox(sizes=RERUN)
    out = tmp_path_factory.mktemp("built")
    run_monthly(Month.parse(MONTH), server.config(), out, MonthlyOptions.current(workers=1))
    return Built(server, out)


def rerun_folder(built: Built, tmp_path: Path) -> Path:
    """A copy of the built output folder, for a test to rerun the month into."""
    shutil.copytree(built.out, tmp_path / "out")
    return tmp_path / "out"


def test_a_failing_source_stops_the_run_unless_partial_is_allowed(
    tmp_path: Path, make_sandbox: MakeSandbox
) -> None:
    small = Sizes(mobility_cases=10, plannr_cases=5, plannr_clients=5, willsuite_cases=10)
    server = make_sandbox(sizes=small)
    env = {**server.environment(), "REPORTS_WILLSUITE_CLIENT_SECRET": "wrong"}
    result = invoke(
        ["monthly", "--month", MONTH, "--out", str(tmp_path), "--workers", "1"],
        env=env,
        cwd=tmp_path,
    )
    assert result.returncode == 1
    assert "willsuite: POST /oauth/token/ failed with HTTP 401" in result.stderr
    assert "no report was written" in result.stderr
    assert not (tmp_path / MONTH).exists()
    result = invoke(
        [
            "monthly",
            "--month",
            MONTH,
            "--out",
            str(tmp_path),
            "--workers",
            "1",
            "--allow-partial",
        ],
        env=env,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert "warning: willsuite failed" in result.stderr
    first = PdfReader(tmp_path / MONTH / f"report-{MONTH}.pdf").pages[0].extract_text()
    assert "INCOMPLETE: no data from willsuite" in first
    statement = next((tmp_path / MONTH / "statements").glob("*.pdf"))
    assert "INCOMPLETE" in PdfReader(statement).pages[0].extract_text()
    assert "INCOMPLETE: no data from willsuite" in "\n".join(
        ",".join(row)
        for row in recalculated_sheets(tmp_path / MONTH / f"report-{MONTH}.xlsx")["Summary"]
    )


def test_changes_against_the_previous_months_snapshot(
    tmp_path: Path, make_sandbox: MakeSandbox
) -> None:
    small = Sizes(mobility_cases=15, plannr_cases=10, plannr_clients=5, willsuite_cases=15)
    server = make_sandbox(sizes=small)
    config = server.config()
    september = run_monthly(
        Month.parse("2026-09"), config, tmp_path, MonthlyOptions.current(workers=1)
    )
    moved = server.data.mobility_cases[0]
    moved["status"], moved["status_label"] = "on_hold", "Put on hold"
    server.data.plannr_cases.pop()  # gone from the CRM: not a change we report
    extra = dict(server.data.mobility_cases[1], id=9999, name="Brand new case")
    server.data.mobility_cases.append(extra)
    server.data.mobility_expenses[9999] = []
    server.data.mobility_case_managers[9999] = []
    result = run_monthly(Month.parse(MONTH), config, tmp_path, MonthlyOptions.current(workers=1))
    changes = {(row["case_id"], row["change"]) for row in result.data.changes.iter_rows(named=True)}
    assert ("9999", "new") in changes
    assert (str(moved["id"]), "status changed") in changes
    assert result.data.headline.cases_new_since_previous == 1
    # The month before as September's own report counted it: settled the same way (copies
    # once, totals from lines), net of VAT, as the month's revenue figure is.
    headline = result.data.headline
    assert headline.invoiced_previous_month == september.data.headline.invoiced_net
    assert headline.invoiced_change == headline.invoiced_net - headline.invoiced_previous_month
    pdf = "\n".join(page.extract_text() for page in PdfReader(result.report).pages)
    assert "Since last month" in pdf
    assert "Brand new case" in pdf


def test_secrets_stay_out_of_the_snapshot(built: Built) -> None:
    secrets = [
        Secret(s).reveal()
        for s in ("sandbox-mobility-token", "sandbox-plannr-token", "sandbox-willsuite-secret")
    ]
    for file in (built.out / MONTH / "data").iterdir():
        content = file.read_bytes()
        assert not any(secret.encode() in content for secret in secrets), file


def test_a_rerun_reads_only_what_changed_and_equals_a_full_fetch(
    built: Built, tmp_path: Path
) -> None:
    from decimal import Decimal as D

    from reports import fetch_frames
    from reports.snapshot import load as load_snapshot
    from reports.sources import willsuite
    from reports.sources.willsuite import LineInput, draft_invoice

    # The built month's own server: the invoice added here is in no other test's month.
    server, out = built.server, rerun_folder(built, tmp_path)
    config = server.config()
    case_id = server.data.willsuite_cases[3]["id"]
    draft = draft_invoice(
        invoice_number="LATE-1",
        sender_id="9b5c02d1-a587-4b0b-b83c-a8889f038f85",
        date_created=dt.datetime(2026, 10, 30, 9),
        date_due=dt.datetime(2026, 11, 29, 9),
        lines=[LineInput("Single Will", 1, D("150.00"))],
    )
    willsuite.create_invoice(case_id, draft, config.willsuite)
    server.requests.clear()
    result = run_monthly(Month.parse(MONTH), config, out, MonthlyOptions.current(workers=1))
    assert server.requests["/willsuite/cases/{id}/invoices"] == 1  # only the changed case
    full = fetch_frames(config.only(["willsuite"]))
    snapshot = load_snapshot(out / MONTH / "data")[0]
    for entity in ("cases", "invoices", "invoice_items"):
        assert (
            snapshot.frames["willsuite", entity]
            .sort("id")
            .equals(full["willsuite", entity].sort("id"))
        ), entity
    assert "LATE-1" in result.data.invoices["invoice_number"].to_list()


def test_a_deleted_case_makes_the_rerun_read_everything(
    built: Built, make_sandbox: MakeSandbox, tmp_path: Path
) -> None:
    from reports.snapshot import load as load_snapshot

    # A server of its own with the built month's records, as generated, to delete one from.
    server, out = make_sandbox(sizes=RERUN), rerun_folder(built, tmp_path)
    config = server.config()
    gone = server.data.willsuite_cases.pop(0)
    left = len(server.data.willsuite_cases)
    server.requests.clear()
    run_monthly(Month.parse(MONTH), config, out, MonthlyOptions.current(workers=1))
    assert server.requests["/willsuite/cases/{id}/invoices"] == left  # fell back to a full read
    cases = load_snapshot(out / MONTH / "data")[0].frames["willsuite", "cases"]
    assert cases.height == left and gone["id"] not in cases["id"].to_list()
