"""The `reports` command as a user runs it: real files, real exit codes; in a process of its
own where the process is what is tested (a server stopped by a signal, the one-line error of
`python -m reports`), in this one elsewhere."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest
from conftest import MakeSandbox
from helpers import invoke, run

from reports.frames import SCHEMAS
from reports.sandbox import Sandbox, Sizes

#: Every source with records of every kind, a fraction of the demo's 1,050 cases: what these
#: commands are checked for (files, exit codes, messages) does not depend on size.
SMALL = Sizes(mobility_cases=40, plannr_cases=30, plannr_clients=20, willsuite_cases=40)


@pytest.fixture(scope="module")
def sandbox(make_sandbox: MakeSandbox) -> Sandbox:
    """This module's read-only sandbox, in place of the suite's demo-sized one."""
    return make_sandbox(sizes=SMALL, seed=1, plannr_rate_limit=1_000_000)


COMMANDS = [
    [],
    ["fetch"],
    ["sandbox"],
    ["excel"],
    ["pdf"],
    ["email"],
    ["monthly"],
    ["trends"],
    ["rates"],
    ["rates", "info"],
    ["rates", "update"],
]


@pytest.mark.parametrize("command", COMMANDS)
def test_help_for_everything(command: list[str]) -> None:
    result = invoke([*command, "--help"])
    assert result.returncode == 0
    assert "Usage:" in result.stdout


def test_fetch_writes_every_frame_as_parquet(sandbox: Sandbox, tmp_path: Path) -> None:
    result = invoke(["fetch", "--out", str(tmp_path)], env=sandbox.environment(), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    written = sorted(p.name for p in tmp_path.glob("*.parquet"))
    assert written == sorted(f"{source}_{entity}.parquet" for source, entity in SCHEMAS)
    lines = result.stdout.splitlines()
    assert len(lines) == 12
    for (source, entity), schema in SCHEMAS.items():
        frame = pl.read_parquet(tmp_path / f"{source}_{entity}.parquet")
        assert frame.schema == schema.polars_schema
        assert any(
            line.endswith(f"{source}_{entity}.parquet  {frame.height} rows") for line in lines
        )
    assert not list(tmp_path.glob(".*.tmp"))


def test_fetch_one_source_with_a_config_file(sandbox: Sandbox, tmp_path: Path) -> None:
    env = sandbox.environment()
    config = tmp_path / "firm.toml"
    config.write_text(
        f'[willsuite]\nurl = "{env["REPORTS_WILLSUITE_URL"]}"\n'
        f'client_id = "{env["REPORTS_WILLSUITE_CLIENT_ID"]}"\n'
        f'client_secret = "{env["REPORTS_WILLSUITE_CLIENT_SECRET"]}"\n'
    )
    result = invoke(
        ["fetch", "--config", str(config), "--source", "willsuite", "--out", str(tmp_path / "out")]
    )
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in (tmp_path / "out").glob("*.parquet")) == [
        "willsuite_cases.parquet",
        "willsuite_invoice_items.parquet",
        "willsuite_invoices.parquet",
    ]


def test_errors_are_one_line_without_traceback_or_secret(sandbox: Sandbox, tmp_path: Path) -> None:
    env = {**sandbox.environment(), "REPORTS_MOBILITY_TOKEN": "wrong-token-abc"}
    result = run(
        ["fetch", "--source", "mobility", "--out", str(tmp_path / "out")], env=env, cwd=tmp_path
    )
    assert result.returncode == 1
    assert result.stderr.strip().count("\n") == 0
    assert result.stderr.startswith("error: mobility: GET /v1/cases failed with HTTP 401")
    assert "Traceback" not in result.stderr
    assert "wrong-token-abc" not in result.stderr + result.stdout
    assert not (tmp_path / "out").exists() or not list((tmp_path / "out").iterdir())


def test_half_configuration_and_no_configuration(tmp_path: Path) -> None:
    result = invoke(
        ["fetch", "--out", str(tmp_path)], env={"REPORTS_PLANNR_TOKEN": "t"}, cwd=tmp_path
    )
    assert result.returncode == 1
    assert "REPORTS_PLANNR_ACCOUNT_UUID" in result.stderr
    result = invoke(["fetch", "--out", str(tmp_path)], cwd=tmp_path)
    assert result.returncode == 1
    assert "no source is configured" in result.stderr
    result = invoke(
        ["fetch", "--config", str(tmp_path / "missing.toml"), "--out", str(tmp_path)], cwd=tmp_path
    )
    assert result.returncode == 1
    assert "does not exist" in result.stderr


def test_fetch_from_the_embedded_sandbox(tmp_path: Path) -> None:
    result = invoke(
        ["fetch", "--sandbox", "--source", "plannr", "--out", str(tmp_path)], cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr
    assert pl.read_parquet(tmp_path / "plannr_incomes.parquet").height > 0


def test_sandbox_command_serves_until_stopped(tmp_path: Path) -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "reports", "sandbox", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        first = process.stdout.readline()
        assert first.startswith("sandbox listening on http://127.0.0.1:")
        env = dict(
            process.stdout.readline().removeprefix("export ").strip().split("=", 1)
            for _ in range(8)
        )
        # The server is the process under test; its client can be this one.
        result = invoke(
            ["fetch", "--source", "willsuite", "--out", str(tmp_path)], env=env, cwd=tmp_path
        )
        assert result.returncode == 0, result.stderr
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_excel_command_writes_the_workbook(tmp_path: Path) -> None:
    result = invoke(
        ["excel", "--sandbox", "--month", "2026-10", "--firm", "Demo LLP", "--out", str(tmp_path)],
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    out = tmp_path / "2026-10" / "report-2026-10.xlsx"  # --out is the root, as for every command
    assert result.stdout.strip() == str(out)
    import openpyxl

    assert openpyxl.load_workbook(out)["Summary"]["A1"].value == "Demo LLP: October 2026"


def test_out_is_the_output_root_for_every_command() -> None:
    for command in ("excel", "pdf", "email", "monthly"):
        text = "".join(invoke([command, "--help"]).stdout.split())  # help wraps lines anywhere
        assert "--outDIRECTORYOutputfolder:themonth'sfilesgointoOUT/YYYY-MM/." in text, command
        assert "[default:output]" in text


def test_the_sandbox_option_is_one_option_in_every_command() -> None:
    for command in ("fetch", "excel", "pdf", "monthly"):
        text = "".join(invoke([command, "--help"]).stdout.split())
        assert "--sandbox,--demo" in text, command  # --demo is its alias, everywhere
        assert "insteadoftheconfiguredsources" in text, command


def test_a_failed_run_leaves_no_folder(tmp_path: Path) -> None:
    result = invoke(["excel", "--month", "2026-10"], cwd=tmp_path)  # nothing configured
    assert result.returncode == 1
    assert result.stderr.strip().startswith("error: no source is configured")
    assert list(tmp_path.iterdir()) == []


def test_a_template_that_is_not_a_workbook_is_refused_before_fetching(tmp_path: Path) -> None:
    bad = tmp_path / "brand.docx"
    bad.write_text("not a workbook")
    result = invoke(
        ["excel", "--sandbox", "--month", "2026-10", "--template", str(bad)], cwd=tmp_path
    )
    assert result.returncode == 2
    assert "is not an .xlsx workbook" in result.stderr
    assert "fetch" not in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["brand.docx"]


def test_a_month_out_of_range_says_so(tmp_path: Path) -> None:
    result = invoke(["excel", "--sandbox", "--month", "2026-13"], cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr.strip() == "error: month 2026-13 is out of range: months run 01 to 12"


def test_an_unknown_key_names_the_file_it_is_in(tmp_path: Path) -> None:
    settings = tmp_path / "firm-settings.toml"
    settings.write_text('[firm]\nnmae = "Acme"\n')
    result = invoke(["excel", "--month", "2026-10", "--config", str(settings)], cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr.strip() == (
        f"error: {settings}: unknown key 'nmae' in [firm]; did you mean 'name'?"
    )


def test_from_snapshot_without_one_fails_before_any_stage(tmp_path: Path) -> None:
    result = invoke(["monthly", "--month", "2026-10", "--from-snapshot"], cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        f"error: no snapshot in {Path('output') / '2026-10' / 'data'}: run `reports monthly` "
        "without --from-snapshot first"
    ]
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_a_signal_stops_the_sandbox_as_ctrl_c_does(signum: int) -> None:
    # Started in a session of its own, as a background job is: SIGINT is not the terminal's.
    process = subprocess.Popen(
        [sys.executable, "-m", "reports", "sandbox", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    assert process.stdout is not None
    assert process.stdout.readline().startswith("sandbox listening on")
    process.send_signal(signum)
    _, stderr = process.communicate(timeout=10)
    assert process.returncode == 0
    assert stderr.strip() == "sandbox stopped after 0 requests"


def test_excel_command_refuses_a_bad_month(tmp_path: Path) -> None:
    result = invoke(
        ["excel", "--sandbox", "--month", "October", "--out", str(tmp_path / "x.xlsx")],
        cwd=tmp_path,
    )
    assert result.returncode == 1
    assert result.stderr.strip() == "error: month must be YYYY-MM, got 'October'"
    assert not (tmp_path / "x.xlsx").exists()


def test_pdf_then_email_into_the_outbox(tmp_path: Path, make_sandbox: MakeSandbox) -> None:
    small = Sizes(mobility_cases=10, plannr_cases=5, plannr_clients=5, willsuite_cases=12)
    server = make_sandbox(seed=2, sizes=small)
    env = server.environment()
    result = invoke(
        ["pdf", "--month", "2026-10", "--out", str(tmp_path), "--workers", "2"],
        env=env,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    folder = tmp_path / "2026-10"  # under the root --out names, as every command
    assert (folder / "report-2026-10.pdf").read_bytes().startswith(b"%PDF")
    manifest = json.loads((folder / "statements" / "statements.json").read_text())
    assert manifest and all((folder / "statements" / entry["path"]).exists() for entry in manifest)
    # `reports pdf` writes documents to look at: a draft, with no manifest to approve.
    result = invoke(["email", "--month", "2026-10", "--out", str(tmp_path)], cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr.strip() == (
        "error: 2026-10 has no manifest: run reports monthly --month 2026-10, then approve it"
    )
    result = invoke(
        ["monthly", "--month", "2026-10", "--out", str(tmp_path), "--workers", "2"],
        env=env,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    result = invoke(
        ["approve", "--month", "2026-10", "--out", str(tmp_path), "--by", "Jo Partner"],
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    manifest = json.loads((folder / "statements" / "statements.json").read_text())
    # Statements go out in the firm's name: with none set, nothing is sent.
    result = invoke(["email", "--month", "2026-10", "--out", str(tmp_path)], cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr.strip() == (
        "error: no firm name is set, and statements go out in the firm's name: set [firm] name "
        "in reports.toml, REPORTS_FIRM_NAME, or --firm"
    )
    assert not (folder / "outbox").exists() or not list((folder / "outbox").glob("*.eml"))
    firm = {"REPORTS_FIRM_NAME": "Demo & Co"}
    result = invoke(
        ["email", "--month", "2026-10", "--out", str(tmp_path)],
        env={"REPORTS_EMAIL_MONTHLY_TO": "partners@firm.example", **firm},
        cwd=tmp_path,
    )
    # The mobility clients have no address: every other message is sent, then the run
    # says how many were not, and why, and exits 1.
    assert result.returncode == 1, result.stderr
    sent = len(list((folder / "outbox").glob("*.eml")))
    with_address = sum(1 for entry in manifest if entry["email"])
    missing = len(manifest) - with_address
    assert missing and sent == with_address + 1
    summary = f"sent {sent}, not sent {missing}: {missing} no address"
    assert result.stdout.strip().splitlines()[-1] == (
        f"email into {folder / 'outbox'} (no SMTP configured): {summary}"
    )
    assert result.stderr.count("not sent:") == missing
    assert "Traceback" not in result.stderr
    result = invoke(
        ["email", "--month", "2026-10", "--out", str(tmp_path), "--firm", "Demo & Co"],
        env={"REPORTS_EMAIL_MONTHLY_TO": "partners@firm.example"},
        cwd=tmp_path,
    )
    assert result.returncode == 1
    assert f": sent 0, {sent} sent before, not sent {missing}: {missing} no address" in (
        result.stdout
    )
    result = invoke(["email", "--month", "2026-10", "--out", str(tmp_path)], env=firm, cwd=tmp_path)
    assert (
        "note: the monthly report was not sent: no one is set to receive it ([email] "
        "monthly_to, or REPORTS_EMAIL_MONTHLY_TO)"
    ) in result.stderr.splitlines()


def test_email_before_any_report_is_a_clear_error(tmp_path: Path) -> None:
    result = invoke(["email", "--month", "2026-10", "--out", str(tmp_path)], cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr.strip() == (
        "error: 2026-10 has no manifest: run reports monthly --month 2026-10, then approve it"
    )


def test_trends_writes_the_months_asked_for(sandbox: Sandbox, tmp_path: Path) -> None:
    import openpyxl

    env = sandbox.environment()
    result = invoke(
        ["trends", "--from", "2026-05", "--to", "2026-10", "--out", str(tmp_path)],
        env=env,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    path = tmp_path / "trends-2026-05-to-2026-10.xlsx"
    assert result.stdout.strip() == str(path)
    sheet = openpyxl.load_workbook(path)["Trends"]
    header = next(row for row in sheet.iter_rows(values_only=True) if row[0] == "Figure")
    months = [cell for cell in header[1:] if hasattr(cell, "month")]
    assert [(m.year, m.month) for m in months] == [(2026, n) for n in range(5, 11)]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["trends", "--from", "2026-10", "--to", "2026-05"],
            "--from 2026-10 is after --to 2026-05",
        ),
        (["monthly", "--month", "2026-10", "--months", "0"], "0 is not in the range"),
    ],
)
def test_a_bad_history_option_says_what_to_fix(
    sandbox: Sandbox, tmp_path: Path, args: list[str], message: str
) -> None:
    result = invoke(
        [*args, "--out", str(tmp_path / "out")], env=sandbox.environment(), cwd=tmp_path
    )
    assert result.returncode != 0
    assert message in result.stderr
    assert "Traceback" not in result.stderr  # one line saying what to fix (and click's usage)
    assert not (tmp_path / "out").exists()
