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
from helpers import invoke, recalculated_sheets
from pypdf import PdfReader

from reports import rates
from reports.fetch import fetch_frames
from reports.render.templates import money
from reports.report import ReportData, build_report_data
from reports.report.figures import FIGURES
from reports.sandbox import Sandbox, SandboxData, Sizes, generate
from reports.sandbox import hostile as scenarios

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
    "credit-note",
    "undated-invoice",  # last: it takes the month's last invoice out of the month
)


#: All 300 of the demo's WillSuite cases: fewer would leave too few invoices of the month
#: (22 at this size) for each scenario to have one of its own. A third of its mobility and
#: Plannr cases: the 8 mobility companies still each have a statement, and Plannr still has
#: the live incomes the scenarios change. The demo's size would only slow every test.
SIZES = Sizes(mobility_cases=100, plannr_cases=40, plannr_clients=30, willsuite_cases=300)
#: Enough for each refused scenario's record: a run stops at it before writing anything.
REFUSED_SIZES = Sizes(mobility_cases=40, plannr_cases=5, plannr_clients=5, willsuite_cases=60)


def hostile_data() -> SandboxData:
    return scenarios.apply(generate(1, SIZES), REPORTABLE)


@pytest.fixture(scope="module")
def hostile_sandbox(make_sandbox: MakeSandbox) -> Sandbox:
    return make_sandbox(seed=1, sizes=SIZES, plannr_rate_limit=1_000_000, hostile=REPORTABLE)


@pytest.fixture(scope="module")
def data(hostile_sandbox: Sandbox) -> ReportData:
    return build_report_data(fetch_frames(hostile_sandbox.config()), MONTH, rates=rates.embedded())


@pytest.fixture(scope="module")
def report(hostile_sandbox: Sandbox, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`reports monthly --email` over the hostile sandbox, as a user runs it unattended
    (`[delivery] approval = "auto"`)."""
    out = tmp_path_factory.mktemp("hostile")
    addresses = {
        f"mobility-{client_id}": f"ap-{index}@client.example"
        for index, client_id in enumerate(scenarios.LOOKALIKE_CLIENT_IDS)
    }
    # An address by name for "José Ltd": three clients are called that as a reader sees it.
    addresses[scenarios.JOSE_NAMES[0]] = "ap@jose.example"
    toml = "[firm]\nname = 'Hostile & Co'\n[delivery]\napproval = 'auto'\n"
    toml += "[email]\nmonthly_to = ['partners@firm.example']\n[email.client_addresses]\n" + "".join(
        f'"{key}" = "{address}"\n' for key, address in addresses.items()
    )
    (out / "reports.toml").write_text(toml, encoding="utf-8")
    result = invoke(
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
    attachments = [entry["attachment"].casefold() for entry in listed]
    assert len(attachments) == len(set(attachments))
    by_key = {entry["key"]: entry for entry in listed}
    smiths = [by_key[f"willsuite-{case_id}"] for case_id in scenarios.SMITH_IDS]
    assert len({entry["reference"] for entry in smiths}) == 2
    for entry, total in zip(smiths, scenarios.SMITH_TOTALS, strict=True):
        text = pdf_text(report / "statements" / entry["path"])
        assert f"Your reference {entry['reference']}\n" in text
        assert "willsuite-" not in text  # never an internal key
        assert f"£{total:,.2f}" in text
        other = next(t for t in scenarios.SMITH_TOTALS if t != total)
        assert f"£{other:,.2f}" not in text
        # Two clients named alike: each attachment carries the client's own reference.
        assert entry["attachment"] == f"Statement - John Smith ({entry['reference']}) - {MONTH}.pdf"
    lookalikes = [by_key[f"mobility-{client_id}"] for client_id in scenarios.LOOKALIKE_CLIENT_IDS]
    assert len({entry["path"] for entry in lookalikes}) == 4
    for client_id, entry in zip(scenarios.LOOKALIKE_CLIENT_IDS, lookalikes, strict=True):
        assert f"Your reference {client_id}\n" in pdf_text(report / "statements" / entry["path"])


def test_each_email_attaches_the_statement_built_for_its_client(report: Path) -> None:
    listed = json.loads((report / "statements" / "statements.json").read_text())
    by_file = {entry["attachment"]: entry for entry in listed}
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
        assert f"Your reference {entry['reference']}\n" in text
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


def _paid_lines(invoice: dict) -> Decimal:
    """What the invoice's live lines paid by the month's end: a part payment."""
    return sum(
        (
            item["amount"]
            for item in invoice["items"]
            if item["status"] != "cancelled"
            and item["paid_at"]
            and dt.date.fromisoformat(item["paid_at"][:10]) <= END
        ),
        Decimal(0),
    )


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
                owed = each["total"] if each["total"] is not None else _lines_total(each)
                outstanding += owed - _paid_lines(each)
    assert data.headline.outstanding == outstanding


def test_a_duplicated_invoice_counts_once_and_is_flagged(data: ReportData) -> None:
    raw = hostile_data()
    _, invoice = scenarios.target(raw, 1)
    assert data.invoices.filter(pl.col("id") == invoice["id"]).height == 1
    assert data.invoice_items.filter(pl.col("invoice_id") == invoice["id"]).height == len(
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
    rows = {row["id"]: row for row in data.incomes.iter_rows(named=True)}
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
    assert data.incomes["report_annual_net"].sum() == net  # its kind's column, totalled apart


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
        if next(m.iter_attachments()).get_filename() == nul["attachment"]
    )
    assert "Nul Byte" in body and "\x00" not in body


def test_the_workbook_recalculates_to_the_report_figures(report: Path, data: ReportData) -> None:
    sheets = recalculated_sheets(report / f"report-{MONTH}.xlsx")
    incomes = sheets["Incomes"]
    assert incomes[-1][0] == "Total"
    # Amounts in their own currencies (GBP, EUR, JPY) have no total, nor the converted
    # amounts of every kind together: each kind, converted, totals apart.
    assert incomes[-1][incomes[0].index("Annual")] == ""
    assert incomes[-1][incomes[0].index("Monthly")] == ""
    assert incomes[-1][incomes[0].index("Annual (GBP)")] == ""
    for column, header in (
        ("report_annual_net", "Recurring net of tax, a year (GBP)"),
        ("report_annual_gross", "Recurring gross, a year (GBP)"),
        ("report_one_off", "One-off, once (GBP)"),
    ):
        total = incomes[-1][incomes[0].index(header)]
        assert Decimal(total or "0") == (data.incomes[column].sum() or Decimal(0)), header
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
        (
            "invisible-currency",
            "field currency_code: 'EUR\\u200b' is not an ISO 4217 currency code; correct it in "
            "its system",
        ),
        ("missing-id", "record has no id; its related records cannot be read"),
    ],
)
def test_records_that_cannot_be_reported_stop_the_run_in_one_line(
    scenario: str, message: str, tmp_path: Path, make_sandbox: MakeSandbox
) -> None:
    server = make_sandbox(
        seed=1, sizes=REFUSED_SIZES, plannr_rate_limit=1_000_000, hostile=[scenario]
    )
    result = invoke(
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


# --------------------------------------------------------------------------- ownership


def statement_files(report: Path) -> dict[str, dict]:
    listed = json.loads((report / "statements" / "statements.json").read_text())
    return {entry["key"]: entry for entry in listed}


def statement_text(report: Path, key: str) -> str:
    """A statement's words, one space between each: a table cell may wrap its text."""
    return " ".join(pdf_text(report / "statements" / statement_files(report)[key]["path"]).split())


def test_an_invoice_stays_with_the_case_it_was_listed_under(report: Path, data: ReportData) -> None:
    raw = hostile_data()
    listed_under, invoice = scenarios.target(raw, 9)
    named = invoice["customer_case_id"]
    assert named != listed_under
    number = invoice["invoice_number"]
    assert number in statement_text(report, f"willsuite-{listed_under}")
    assert number not in statement_text(report, f"willsuite-{named}")
    assert [f for f in flags(data, "names another case") if f["entity"] == "invoice"] == [
        {
            "source": "willsuite",
            "entity": "invoice",
            "record": invoice["id"],
            "check": "names another case",
            "detail": f"listed under case {listed_under} but names case {named}",
            "action": f"kept under case {listed_under}, the one it was listed under",
        }
    ]


def test_an_expense_stays_with_the_case_it_was_listed_under(report: Path, data: ReportData) -> None:
    raw = hostile_data()
    listed_under, expense = next(
        (case_id, each)
        for case_id, expenses in raw.mobility_expenses.items()
        for each in expenses
        if each["title"] == scenarios.MISFILED_TITLE
    )
    clients = {case["id"]: case["client_id"] for case in raw.mobility_cases}
    own, other = clients[listed_under], clients[expense["expat_case_id"]]
    assert own != other
    assert scenarios.MISFILED_TITLE in statement_text(report, f"mobility-{own}")
    assert scenarios.MISFILED_TITLE not in statement_text(report, f"mobility-{other}")
    row = data.expenses.filter(pl.col("id") == str(expense["id"])).row(0, named=True)
    assert (row["case_id"], row["stated_case_id"]) == (
        str(listed_under),
        str(expense["expat_case_id"]),
    )
    (flag,) = [f for f in flags(data, "names another case") if f["entity"] == "expense"] or [None]
    assert flag is not None and flag["detail"] == (
        f"listed under case {listed_under} but names case {expense['expat_case_id']}"
    )


def test_an_item_stays_with_the_invoice_it_was_listed_in_and_its_quarter(
    data: ReportData,
) -> None:
    raw = hostile_data()
    _, invoice = scenarios.target(raw, 11)
    item = next(i for i in invoice["items"] if i["case_invoice_id"] != invoice["id"])
    # The VAT of every quarter, from the raw records, each item under the invoice it is in.
    expected: dict[dt.date, Decimal] = {}
    seen = set()
    for invoices in raw.willsuite_invoices.values():
        for each in invoices:
            if each["id"] in seen or each["date_created"] is None:
                continue
            seen.add(each["id"])
            day = dt.date.fromisoformat(each["date_created"][:10])
            quarter = dt.date(day.year, (day.month - 1) // 3 * 3 + 1, 1)
            for line in each["items"]:
                if line["status"] != "cancelled" and day <= END:
                    expected[quarter] = expected.get(quarter, Decimal(0)) + line["vat_amount"]
    got = dict(
        data.vat_return.filter(basis="invoice")
        .select("period_start", "box1_vat_due_on_sales")
        .rows()
    )
    assert got == expected
    assert data.headline.vat_box1 == expected[dt.date(2026, 10, 1)]
    flagged = [f for f in flags(data, "names another invoice") if f["record"] == item["id"]]
    assert (
        flagged[0]["action"] == f"kept under invoice {invoice['id']}, the one it was listed under"
    )


def test_an_address_by_name_is_used_for_no_client_alike_in_name(report: Path) -> None:
    by_key = statement_files(report)
    jose = [entry for entry in by_key.values() if entry["client"] in scenarios.JOSE_NAMES]
    assert len(jose) == 3 and len({entry["path"] for entry in jose}) == 3  # three statements
    assert all(entry["sent_to"] is None for entry in jose)
    recipients = [
        email.message_from_bytes(f.read_bytes(), policy=email.policy.default)["To"]
        for f in (report / "outbox").glob("*.eml")
    ]
    assert "ap@jose.example" not in recipients
    stderr = (report.parent / "stderr.txt").read_text(encoding="utf-8")
    keys = ", ".join(sorted(entry["key"] for entry in jose))
    for entry in jose:
        assert (
            f"not sent: {entry['client'].replace(chr(0x200B), chr(92) + 'u200b')} ({entry['key']}): "
            f"3 clients share this name ({keys}), so the address configured for 'José Ltd' is "
            "used for none of them: add it under [email.client_addresses] by id, as "
            f'"{entry["key"]}" = "address"'
        ) in stderr


# --------------------------------------------------------------------------- meanings


def test_rejected_and_unknown_expenses_are_in_no_total(data: ReportData) -> None:
    raw = hostile_data()
    on_hold, no_status = scenarios._expense_of_month(raw, 4), scenarios._expense_of_month(raw, 5)
    left_out = dict(data.expenses_left_out.select("id", "reason").rows())
    assert left_out[str(on_hold["id"])] == "status on_hold is not known"
    assert left_out[str(no_status["id"])] == "status (none) is not known"
    rejected = data.expenses_left_out.filter(reason="rejected")
    assert rejected.height > 0
    assert set(data.expenses["state"]) <= {"invoiced", "to be invoiced", "awaiting approval"}
    assert not set(left_out) & set(data.expenses["id"])
    h = data.headline
    assert h.expenses_converted == data.expenses["report_amount"].sum()
    assert h.expenses_converted == (
        h.expenses_invoiced + h.expenses_to_be_invoiced + h.expenses_awaiting_approval
    )
    assert h.expenses_rejected == rejected["report_amount"].sum()
    unknown = {f["record"]: f for f in flags(data, "unknown expense status")}
    assert unknown[str(on_hold["id"])]["detail"] == (
        "status on_hold is none of pending, approved, invoiced, rejected"
    )
    assert unknown[str(no_status["id"])]["action"] == (
        "left out of every total; listed under Expenses left out"
    )


def test_a_statement_shows_each_expense_status_and_owes_only_invoices(
    report: Path, data: ReportData
) -> None:
    by_key = statement_files(report)
    mobility = next(
        s
        for s in data.statements
        if s.source == "mobility" and s.rejected_expenses.height and s.expenses.height > 3
    )
    text = statement_text(report, mobility.key)
    for state in set(mobility.expenses["state"]):
        assert state in text
    totals = mobility.totals
    assert f"To be invoiced (approved) {money(totals.expenses_to_be_invoiced, 'GBP')}" in text
    assert f"Awaiting approval (pending) {money(totals.expenses_awaiting_approval, 'GBP')}" in text
    assert "Rejected: not charged" in text
    assert "Outstanding" not in text and by_key[mobility.key]["outstanding"] is None
    willsuite = next(
        s for s in data.statements if s.source == "willsuite" and s.invoices.height > 1
    )
    text = statement_text(report, willsuite.key)
    t = willsuite.totals
    assert t.outstanding == willsuite.invoices["outstanding"].sum()
    assert (
        f"Total {money(t.invoiced_net, 'GBP')} {money(t.invoiced_vat, 'GBP')} "
        f"{money(t.invoiced, 'GBP')} {money(t.paid, 'GBP')} {money(t.outstanding, 'GBP')}"
    ) in text
    assert f"Amount due at 31 Oct 2026 {money(t.outstanding, 'GBP')}" in text
    zero = [e for e in by_key.values() if e["outstanding"] == "£0.00"]
    assert zero  # a WillSuite client invoiced and paid this month owes £0.00, not ""


def test_a_credit_note_not_refunded_lowers_what_is_owed_everywhere(
    report: Path, data: ReportData
) -> None:
    """£540.00 owed less a credit note of -£120.00 ("Not Paid", no date_paid): the statement
    says £420.00 is owed, and the aged debt and the headline count the credit alike."""
    case_id, invoice = scenarios.target(hostile_data(), scenarios.CREDIT_NOTE_SLOT)
    key = f"willsuite-{case_id}"
    statement = next(s for s in data.statements if s.key == key)
    assert statement.totals.outstanding == Decimal("420.00")
    assert statement_files(report)[key]["outstanding"] == "£420.00"
    text = statement_text(report, key)
    number = f"{invoice['invoice_number']}-CN"
    assert f"{number} 29 Oct 2026 29 Oct 2026 credit -£100.00 -£20.00 -£120.00 £0.00 -£120.00" in (
        text
    )
    assert "Amount due at 31 Oct 2026 £420.00" in text
    credit = data.debt.filter(pl.col("id") == scenarios.CREDIT_NOTE_ID).row(0, named=True)
    assert (credit["outstanding"], credit["age_bucket"], credit["days_past_due"]) == (
        Decimal("-120.00"),
        "not due",
        None,
    )
    owed = data.debt.filter(pl.col("case_id") == case_id)["outstanding"].sum()
    assert owed == Decimal("420.00")
    # The bands add up to the headline, the credit taken off the current band.
    assert data.headline.outstanding == data.aged_debt["amount"].sum()
    assert data.headline.outstanding == data.debt["outstanding"].sum()
    not_due = data.debt.filter(pl.col("age_bucket") == "not due")["outstanding"].sum()
    assert data.aged_debt.filter(age_bucket="not due")["amount"].item() == not_due
    assert [f["record"] for f in flags(data, "credit note not refunded")] == [number]


def test_uk_days_put_records_in_the_uk_month(report: Path, data: ReportData) -> None:
    raw = hostile_data()
    case, _ = scenarios._slots(raw)[14]
    row = data.cases.filter(pl.col("case_id") == case["id"]).row(0, named=True)
    assert (row["opened_on"], row["opened_in_period"]) == (dt.date(2026, 10, 1), True)
    assert "01 Oct 2026" in statement_text(report, f"willsuite-{case['id']}")
    expense = next(
        each
        for expenses in raw.mobility_expenses.values()
        for each in expenses
        if each["incurred_at"] == "2026-09-30T23:30:00Z"
    )
    listed = pl.concat([data.expenses, data.expenses_left_out], how="diagonal_relaxed")
    assert listed.filter(pl.col("id") == str(expense["id"]))["incurred_at"].to_list() == [
        dt.date(2026, 10, 1)
    ]


def test_amounts_finer_than_their_currency_are_rounded_once(report: Path, data: ReportData) -> None:
    raw = hostile_data()
    ids = [str(scenarios._expense_of_month(raw, i)["id"]) for i in (9, 10)]
    listed = pl.concat([data.expenses, data.expenses_left_out], how="diagonal_relaxed")
    rows = {row["id"]: row for row in listed.iter_rows(named=True)}
    assert (rows[ids[0]]["amount"], rows[ids[1]]["amount"]) == (Decimal("10.01"), Decimal("2501"))
    by_record = {f["record"]: f for f in flags(data, "amount finer than its currency's minor unit")}
    assert by_record[ids[0]]["detail"] == "amount 10.005 EUR (EUR has 2 decimal places)"
    assert by_record[ids[0]]["action"] == "rounded half up to 10.01 once, before any total"
    assert by_record[ids[1]]["action"] == "rounded half up to 2501 once, before any total"
    # The workbook holds what the PDFs print.
    sheets = recalculated_sheets(report / f"report-{MONTH}.xlsx")
    for sheet in ("Expenses", "Expenses left out"):
        table = sheets[sheet]
        column, ident = table[0].index("Amount"), table[0].index("Expense")
        for line in table[1:]:
            if line[ident] in ids:
                assert Decimal(line[column]) in (Decimal("10.01"), Decimal("2501"))


def test_currency_codes_are_normalised_once_and_flagged(report: Path, data: ReportData) -> None:
    raw = hostile_data()
    ids = [str(scenarios._expense_of_month(raw, i)["id"]) for i in (6, 7)]
    assert set(data.expenses["currency_code"]) == {
        c for c in data.expenses["currency_code"] if c is None or c == c.strip().upper()
    }
    normalised = {f["record"]: f["detail"] for f in flags(data, "currency code normalised")}
    assert normalised[ids[0]] == 'sent as {"currency_code": "eur"}'
    assert normalised[ids[1]] == 'sent as {"currency_code": " EUR "}'
    # The workbook's by-currency rows add up to the month's total, as the PDF's do.
    summary = recalculated_sheets(report / f"report-{MONTH}.xlsx")["Summary"]
    start = next(i for i, row in enumerate(summary) if row[0] == "Expenses by currency")
    rows = [row for row in summary[start + 1 :] if len(row) > 2 and len(row[0]) == 3]
    assert [row[0] for row in rows] == data.expenses_by_currency["currency_code"].to_list()
    assert sum(Decimal(row[2]) for row in rows) == data.headline.expenses_converted


def test_an_undated_or_unnumbered_invoice_is_counted_and_flagged(
    report: Path, data: ReportData
) -> None:
    raw = hostile_data()
    undated = next(
        each
        for invoices in raw.willsuite_invoices.values()
        for each in invoices
        if each["date_created"] is None
    )
    assert undated["total"] == Decimal("120.00")
    bucket = data.aged_debt.filter(age_bucket="no invoice date").row(0, named=True)
    assert (bucket["invoices"], bucket["amount"]) == (1, Decimal("120.00"))
    (flag,) = flags(data, "no invoice date")
    assert flag["record"] == undated["invoice_number"]
    assert flag["action"] == (
        "counted as outstanding (bucket 'no invoice date'); in no month's invoicing and no VAT "
        "period"
    )
    _, unnumbered = scenarios.target(raw, 13)
    assert data.invoices.filter(pl.col("id") == unnumbered["id"]).height == 1
    (flag,) = flags(data, "no invoice number")
    assert (flag["record"], flag["action"]) == (unnumbered["id"], "shown and counted by its id")
    # The workbook counts the same invoices as the PDF: by id, the unnumbered one too.
    summary = recalculated_sheets(report / f"report-{MONTH}.xlsx")["Summary"]
    count = next(row[1] for row in summary if row[0] == "Invoices issued this month")
    assert int(count) == data.headline.invoices == data.invoices.height


def test_text_longer_than_a_cell_is_cut_in_the_workbook_alone(
    report: Path, data: ReportData
) -> None:
    """The report keeps text whole; the workbook cuts what a cell cannot hold, visibly, and
    its Summary says where; the client's statement shows the whole text."""
    import openpyxl

    book = openpyxl.load_workbook(report / f"report-{MONTH}.xlsx", read_only=True)
    titles = [row[3] for row in book["Expenses"].iter_rows(min_row=2, values_only=True) if row[3]]
    long = [title for title in titles if len(title) > 1000]
    assert len(long) == 1 and len(long[0]) == 32_767 and long[0].endswith("\u2026")
    assert scenarios.LONG_TITLE.startswith(long[0][:-1])
    (expense_id,) = data.expenses.filter(pl.col("title") == scenarios.LONG_TITLE)["id"]
    summary = [r[0] for r in book["Summary"].iter_rows(values_only=True) if r and r[0]]
    assert (
        "Cut to fit a cell of 32,767 characters, ending in \u2026: Expenses, Title of Expense "
        f"{expense_id} ({len(scenarios.LONG_TITLE):,} characters); the PDF and the web report "
        "show the whole text"
    ) in " ".join(str(line) for line in summary)
    assert not flags(data, "text longer than a spreadsheet cell")
    (key,) = [
        s.key
        for s in data.statements
        if scenarios.LONG_TITLE in s.expenses.get_column("title", default=pl.Series()).to_list()
    ]
    words = "".join(pdf_text(report / "statements" / statement_files(report)[key]["path"]).split())
    assert scenarios.LONG_TITLE.replace(" ", "") in words


# --------------------------------------------------------------------------- delivery


def test_a_domain_in_another_script_is_sent_as_idna_and_one_refusal_stops_nothing(
    report: Path,
) -> None:
    by_key = statement_files(report)
    anna = next(e for e in by_key.values() if e["email"] == scenarios.IDN_ADDRESS)
    assert anna["sent_to"] == "anna@xn--bcher-kva.example"
    jorg = next(e for e in by_key.values() if e["email"] == scenarios.NON_ASCII_LOCAL_ADDRESS)
    assert jorg["sent_to"] is None
    stderr = (report.parent / "stderr.txt").read_text(encoding="utf-8")
    assert (
        f"refused: address for the statement of {jorg['key']} 'jörg@example.co.uk' has letters "
        "outside ASCII before the @, which most mail servers refuse: give the client's ASCII "
        "address"
    ) in stderr
    sent = [e for e in by_key.values() if e["sent_to"]]
    stdout = (report.parent / "stdout.txt").read_text(encoding="utf-8")
    not_sent = len(by_key) - len(sent)
    messages = len({e["sent_to"] for e in sent}) + 1  # one per address, and the partners'
    assert (
        stdout.strip()
        .splitlines()[-1]
        .endswith(
            f"(no SMTP configured): sent {messages}, not sent {not_sent}: 3 name shared by "
            "several clients, 1 no address, 1 refused"
        )
    )
    assert len(list((report / "outbox").glob("*.eml"))) == messages


def test_every_figure_breaks_down_into_records_summing_to_it(data: ReportData) -> None:
    """The web report's drill-down over every hostile record: each figure's records add up
    to it (`breakdowns` refuses otherwise), and no record is shown under two invoices."""
    from reports.report.drill import breakdowns

    found = {b.key: b for b in breakdowns(data)}
    assert set(found) == {figure.key for figure in FIGURES}
    lines = found["vat_box1"].rows
    assert lines["id"].is_unique().all()
    # An unnumbered invoice is listed by its id, as Data quality says.
    assert not found["invoices"].rows["invoice_number"].is_null().any()
