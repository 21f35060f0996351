"""Hostile and malformed vendor data, served by the sandbox over real sockets: the report never
shows a wrong number, never sends a client another client's statement, and never ends in a
traceback. Each test names the outcome it asserts: a one-line error with nothing written, or
the value shown as it was with totals exact and the record flagged."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import io
import json
from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest
from conftest import MakeSandbox
from helpers import recalculated_sheets, run
from pypdf import PdfReader

from reports import rates
from reports.fetch import fetch_frames
from reports.report import ReportData, build_report_data
from reports.report.figures import FIGURES
from reports.sandbox import Sandbox
from reports.sandbox import hostile as scenarios
from reports.sandbox.data import SandboxData, generate

MONTH = scenarios.HOSTILE_MONTH
END = dt.date(2026, 10, 31)
#: Every scenario a report can be built from (the others must refuse).
REPORTABLE = (
    "null-invoice-total",
    "duplicate-invoice",
    "no-due-date",
    "same-name-clients",
    "missing-values",
    "foreign-incomes",
    "pipeline-currencies",
    "hostile-names",
    "misfiled-invoice",
    "misfiled-item",
    "misfiled-expense",
    "lookalike-names",
    "expense-statuses",
    "currency-spellings",
    "fine-amounts",
    "unnumbered-invoice",
    "uk-midnight",
    "idn-address",
    "long-text",
    "stated-subtotal-zero",
    "undated-invoice",  # last: it takes the month's last invoice out of the month
)


def hostile_data() -> SandboxData:
    return scenarios.apply(generate(1), REPORTABLE)


@pytest.fixture(scope="module")
def hostile_sandbox(make_sandbox: MakeSandbox) -> Sandbox:
    return make_sandbox(seed=1, plannr_rate_limit=1_000_000, hostile=REPORTABLE)


@pytest.fixture(scope="module")
def data(hostile_sandbox: Sandbox) -> ReportData:
    return build_report_data(fetch_frames(hostile_sandbox.config()), MONTH, rates=rates.embedded())


@pytest.fixture(scope="module")
def report(hostile_sandbox: Sandbox, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`reports monthly --email` over the hostile sandbox, as a user runs it."""
    out = tmp_path_factory.mktemp("hostile")
    addresses = {
        f"mobility-{client_id}": f"ap-{index}@client.example"
        for index, client_id in enumerate(scenarios.LOOKALIKE_CLIENT_IDS)
    }
    # An address by name for "José Ltd": three clients are called that as a reader sees it.
    addresses[scenarios.JOSE_NAMES[0]] = "ap@jose.example"
    toml = "[email]\nmonthly_to = ['partners@firm.example']\n[email.client_addresses]\n" + "".join(
        f'"{key}" = "{address}"\n' for key, address in addresses.items()
    )
    (out / "reports.toml").write_text(toml, encoding="utf-8")
    result = run(
        ["monthly", "--month", MONTH, "--out", str(out), "--workers", "2", "--email"],
        env=hostile_sandbox.environment(),
        cwd=out,
    )
    # Clients with no usable address are not sent their statement: the rest are, and then
    # the run says so and exits 1.
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    (out / "stderr.txt").write_text(result.stderr, encoding="utf-8")
    (out / "stdout.txt").write_text(result.stdout, encoding="utf-8")
    return out / MONTH


def flags(data: ReportData, check: str) -> list[dict[str, str]]:
    return data.quality.filter(pl.col("check") == check).to_dicts()


def pdf_text(path: Path) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(path).pages)


# --------------------------------------------------------------------------- statements


def test_clients_alike_in_name_or_id_each_get_their_own_statement(report: Path) -> None:
    listed = json.loads((report / "statements" / "statements.json").read_text())
    paths = [entry["path"] for entry in listed]
    assert len(paths) == len({path.lower() for path in paths})  # unique, whatever the case
    by_key = {entry["key"]: entry for entry in listed}
    for case_id, total in zip(scenarios.SMITH_IDS, scenarios.SMITH_TOTALS, strict=True):
        entry = by_key[f"willsuite-{case_id}"]
        text = pdf_text(report / "statements" / entry["path"])
        assert f"willsuite-{case_id}" in text
        assert f"£{total:,.2f}" in text
        other = next(t for t in scenarios.SMITH_TOTALS if t != total)
        assert f"£{other:,.2f}" not in text
    lookalikes = [by_key[f"mobility-{client_id}"] for client_id in scenarios.LOOKALIKE_CLIENT_IDS]
    assert len({entry["path"] for entry in lookalikes}) == 4
    for client_id, entry in zip(scenarios.LOOKALIKE_CLIENT_IDS, lookalikes, strict=True):
        assert f"Client reference: mobility-{client_id}\n" in pdf_text(
            report / "statements" / entry["path"]
        )


def test_each_email_attaches_the_statement_built_for_its_client(report: Path) -> None:
    listed = json.loads((report / "statements" / "statements.json").read_text())
    by_file = {entry["path"]: entry for entry in listed}
    expected = {
        f"john.smith.{case_id[:8]}@example.co.uk": f"willsuite-{case_id}"
        for case_id in scenarios.SMITH_IDS
    } | {
        f"ap-{index}@client.example": f"mobility-{client_id}"
        for index, client_id in enumerate(scenarios.LOOKALIKE_CLIENT_IDS)
    }
    seen = {}
    for file in (report / "outbox").glob("*.eml"):
        message = email.message_from_bytes(file.read_bytes(), policy=email.policy.default)
        attachment = next(message.iter_attachments())
        entry = by_file.get(attachment.get_filename())
        if entry is None:
            continue  # the partners' monthly report
        assert entry["sent_to"] == message["To"]  # statements.json says where each went
        if message["To"] not in expected:
            continue  # read the PDFs of the clients alike only: text extraction is slow
        content = attachment.get_content()
        text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)
        assert f"Client reference: {entry['key']}\n" in text
        seen[message["To"]] = entry["key"]
    for address, key in expected.items():
        assert seen[address] == key


def test_delivery_refuses_a_statement_swapped_after_rendering(report: Path, tmp_path: Path) -> None:
    import shutil

    from reports.config import EmailSettings
    from reports.render.messages import plan_messages

    folder = tmp_path / MONTH
    shutil.copytree(report, folder, ignore=shutil.ignore_patterns("outbox"))
    listed = json.loads((folder / "statements" / "statements.json").read_text())
    first, second = (
        next(e for e in listed if e["key"] == f"willsuite-{case_id}")
        for case_id in scenarios.SMITH_IDS
    )
    (folder / "statements" / first["path"]).write_bytes(
        (folder / "statements" / second["path"]).read_bytes()
    )
    with pytest.raises(Exception, match="is not the one rendered for client"):
        plan_messages(folder, "October 2026", EmailSettings())


# --------------------------------------------------------------------------- numbers


def _lines_total(invoice: dict) -> Decimal:
    return sum(
        (item["amount"] for item in invoice["items"] if item["status"] != "cancelled"),
        Decimal(0),
    )


def test_an_invoice_without_a_total_is_owed_its_lines_and_flagged(data: ReportData) -> None:
    raw = hostile_data()
    _, invoice = scenarios.target(raw, 0)
    lines = _lines_total(invoice)
    assert lines > 0
    row = data.invoices.filter(pl.col("id") == invoice["id"]).row(0, named=True)
    assert row["total"] == lines
    assert not row["consistent"]
    flagged = [
        f
        for f in flags(data, "header disagrees with its lines")
        if f["record"] == invoice["invoice_number"]
    ]
    assert flagged and f"header total missing (lines give {lines:.2f})" in flagged[0]["detail"]
    outstanding = Decimal(0)
    for invoices in raw.willsuite_invoices.values():
        seen = set()
        for each in invoices:
            if each["id"] in seen:
                continue
            seen.add(each["id"])
            # An invoice with no date is owed unless paid: it cannot be placed after the end.
            issued = dt.date.fromisoformat((each["date_created"] or "0001-01-01")[:10])
            paid = each["date_paid"] and dt.date.fromisoformat(each["date_paid"][:10]) <= END
            if issued <= END and not paid:
                outstanding += each["total"] if each["total"] is not None else _lines_total(each)
    assert data.headline.outstanding == outstanding


def test_a_duplicated_invoice_counts_once_and_is_flagged(data: ReportData) -> None:
    raw = hostile_data()
    _, invoice = scenarios.target(raw, 1)
    assert data.invoices.filter(pl.col("id") == invoice["id"]).height == 1
    assert data.invoice_items.filter(pl.col("case_invoice_id") == invoice["id"]).height == len(
        invoice["items"]
    )
    duplicate = [f for f in flags(data, "duplicate record") if f["record"] == invoice["id"]]
    assert duplicate == [
        {
            "source": "willsuite",
            "entity": "invoice",
            "record": invoice["id"],
            "check": "duplicate record",
            "detail": "served 2 times with the same contents",
            "action": "counted once",
        }
    ]
    issued = [
        each
        for case_invoices in raw.willsuite_invoices.values()
        for each in {i["id"]: i for i in case_invoices}.values()
        if (each["date_created"] or "").startswith(MONTH)
    ]
    expected = sum(
        (i["total"] if i["total"] is not None else _lines_total(i) for i in issued), Decimal(0)
    )
    assert data.headline.invoiced_total == expected


def test_an_invoice_without_a_due_date_has_its_own_bucket(data: ReportData) -> None:
    raw = hostile_data()
    _, invoice = scenarios.target(raw, 3)
    bucket = data.aged_debt.filter(age_bucket="no due date").row(0, named=True)
    assert (bucket["invoices"], bucket["amount"]) == (1, invoice["total"])
    assert data.headline.overdue_90_plus == data.aged_debt.filter(age_bucket="90+")["amount"].sum()


def test_missing_amounts_currencies_and_frequencies_are_flagged_not_lost(
    data: ReportData,
) -> None:
    raw = hostile_data()
    no_amount = scenarios._expense_of_month(raw, 0)
    no_currency = scenarios._expense_of_month(raw, 1)
    left_out = {f["record"]: f["detail"] for f in flags(data, "left out of totals")}
    assert left_out[str(no_amount["id"])] == "no amount: cannot be converted or counted"
    assert left_out[str(no_currency["id"])] == "no currency: cannot be converted or counted"
    # Both stay listed among the month's expenses, with no converted amount.
    listed = data.expenses.filter(
        pl.col("id").is_in([str(no_amount["id"]), str(no_currency["id"])])
    )
    assert listed.height == 2 and listed["report_amount"].null_count() == 2
    income_flags = {f["record"]: f["detail"] for f in flags(data, "income left out")}
    assert income_flags[scenarios._live_income(raw, 0)["uuid"]] == "no amount"
    assert income_flags[scenarios._live_income(raw, 1)["uuid"]] == "no frequency"
    assert data.incomes["annual_amount"].null_count() == 0


def test_incomes_in_other_currencies_are_converted_never_mixed(data: ReportData) -> None:
    raw = hostile_data()
    euro, yen = scenarios._live_income(raw, 2), scenarios._live_income(raw, 3)
    table = rates.embedded().table
    friday = dt.date(2026, 10, 30)  # the ECB rate in force on Saturday 31 October
    per_eur = {
        row["currency"]: row["per_eur"]
        for row in table.filter(rate_date=friday).iter_rows(named=True)
    }
    rows = {row["uuid"]: row for row in data.incomes.iter_rows(named=True)}
    euro_row, yen_row = rows[euro["uuid"]], rows[yen["uuid"]]
    assert (euro_row["annual_amount"], euro_row["amount_currency"]) == (Decimal(12000), "EUR")
    assert euro_row["report_annual_amount"] == (Decimal(12000) * per_eur["GBP"]).quantize(
        Decimal("0.01"), "ROUND_HALF_UP"
    )
    assert yen_row["monthly_amount"] == Decimal(3333)  # ¥40,000 / 12, to the whole yen
    assert yen_row["report_annual_amount"] == (
        Decimal(40000) * per_eur["GBP"] / per_eur["JPY"]
    ).quantize(Decimal("0.01"), "ROUND_HALF_UP")
    net = data.incomes.filter(amount_type="net", recurring=True)["report_annual_amount"].sum()
    assert data.headline.incomes_annual_net == net


def test_the_pipeline_never_adds_two_currencies(data: ReportData) -> None:
    raw = hostile_data()
    first = raw.plannr_cases[0]
    rows = data.pipeline.filter(
        (pl.col("status_name") == first["status"]["name"])
        & (pl.col("type_name") == first["type"]["name"])
    )
    by_currency = {row["currency"]: row["value"] for row in rows.iter_rows(named=True)}
    assert by_currency["EUR"] == Decimal(100)
    assert "GBP" in by_currency and by_currency["GBP"] >= Decimal(100)


def test_hostile_names_are_shown_literally_and_isolated(report: Path, data: ReportData) -> None:
    listed = json.loads((report / "statements" / "statements.json").read_text())
    clients = {entry["client"]: entry for entry in listed}
    rtl = clients[scenarios.RTL_NAME]
    text = pdf_text(report / "statements" / rtl["path"])
    # The override reverses the name itself, never what the template prints after it.
    assert ", October 2026" in text
    assert "6202 rebotcO" not in text
    assert "Broken \ufffd Name" in clients  # the lone surrogate shows as U+FFFD
    nul = clients[scenarios.NUL_NAME]
    mails = [
        email.message_from_bytes(f.read_bytes(), policy=email.policy.default)
        for f in (report / "outbox").glob("*.eml")
    ]
    body = next(
        m.get_body(("plain",)).get_content()
        for m in mails
        if next(m.iter_attachments()).get_filename() == nul["path"]
    )
    assert "Nul Byte" in body and "\x00" not in body


def test_the_workbook_recalculates_to_the_report_figures(report: Path, data: ReportData) -> None:
    sheets = recalculated_sheets(report / f"report-{MONTH}.xlsx")
    incomes = sheets["Incomes"]
    assert incomes[-1][0] == "Total"
    # Amounts in their own currencies (GBP, EUR, JPY) have no total; the converted ones do.
    assert incomes[-1][incomes[0].index("Annual")] == ""
    assert incomes[-1][incomes[0].index("Monthly")] == ""
    converted = incomes[-1][incomes[0].index("Annual (GBP)")]
    assert Decimal(converted) == data.incomes["report_annual_amount"].sum()
    values = {row[0]: row[1] for row in sheets["Summary"] if len(row) > 1 and row[0]}
    for figure in FIGURES:
        label = figure.label_for(data)
        assert Decimal(values[label]) == Decimal(str(figure.value_for(data))), label


# --------------------------------------------------------------------------- refusals


@pytest.mark.parametrize(
    ("scenario", "message"),
    [
        (
            "conflicting-invoice",
            "comes 2 times with different contents (1 such ids in all); correct it in willsuite",
        ),
        (
            "huge-amount",
            "mobility expenses 9999\\r\\nerror: forged line \\x1b[31m: field amount: amount "
            "100000000000000000000 is beyond the largest amount reported exactly",
        ),
        ("path-id", "cannot be used in a URL path"),
        ("missing-id", "record has no id; its related records cannot be read"),
    ],
)
def test_records_that_cannot_be_reported_stop_the_run_in_one_line(
    scenario: str, message: str, tmp_path: Path, make_sandbox: MakeSandbox
) -> None:
    server = make_sandbox(seed=1, plannr_rate_limit=1_000_000, hostile=[scenario])
    result = run(
        ["monthly", "--month", MONTH, "--out", str(tmp_path / "out")],
        env=server.environment(),
        cwd=tmp_path,
    )
    requests = dict(server.requests)
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert lines[-1].startswith("error: ") and message in lines[-1], result.stderr
    assert all(line.endswith("...") for line in lines[:-1])  # stage names only, no traceback
    assert not (tmp_path / "out" / MONTH).exists()
    if scenario == "path-id":  # the token never left for another path
        assert not any("mobility" in path for path in requests if path.startswith("/willsuite"))
