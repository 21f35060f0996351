"""`reports monthly` end to end, checked against figures computed straight from the
sandbox's own records (not through our frames), and rebuilt from its snapshot."""

from __future__ import annotations

import bisect
import csv
import datetime as dt
import email
import email.policy
import io
import json
import re
import zipfile
from decimal import ROUND_HALF_UP, Decimal
from importlib import resources
from pathlib import Path

import pytest
from conftest import MakeSandbox
from helpers import invoke, recalculated_sheets
from pypdf import PdfReader

from reports.render.templates import money
from reports.sandbox import Sandbox, SandboxData, Sizes, generate

MONTH = "2026-10"
START, END = dt.date(2026, 10, 1), dt.date(2026, 10, 31)
#: A month with every source and every kind of expense status, and invoices issued, paid
#: and owed: each figure below has records to check against, in a run of seconds (the
#: whole demo's 90 statements took half a minute).
SEED, SIZES = 1, Sizes(mobility_cases=40, plannr_cases=40, plannr_clients=20, willsuite_cases=40)


def ecb_table() -> tuple[list[dt.date], dict[tuple[dt.date, str], Decimal]]:
    """The ECB history read independently of reports.compute.fx."""
    content = resources.files("currency_converter").joinpath("eurofxref-hist.zip").read_bytes()
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        text = archive.read(archive.namelist()[0]).decode()
    rows = list(csv.reader(io.StringIO(text)))
    header = rows[0]
    rates = {}
    for row in rows[1:]:
        day = dt.date.fromisoformat(row[0])
        rates[day, "EUR"] = Decimal(1)
        for currency, value in zip(header[1:], row[1:], strict=False):
            if currency and value not in ("N/A", ""):
                rates[day, currency] = Decimal(value)
    return sorted({day for day, _ in rates}), rates


CONVERTED = "Expenses this month in GBP (invoiced, approved or pending)"
OUTSTANDING = "Outstanding at month end (every unpaid invoice)"
INVOICED_NET = "Fees invoiced this month, net of VAT"
INVOICED = "  gross, VAT included"
QUARTER = "quarter Oct-Dec 2026 to 31 Oct 2026, invoice basis"


def expected_from_sandbox() -> dict[str, Decimal]:
    """The Summary's figures worked out from the sandbox's own records: each expense's
    status read as the platform writes it, rejected ones in no total."""
    data = generate(SEED, SIZES)
    days, rates = ecb_table()
    by_status = dict.fromkeys(("invoiced", "approved", "pending", "rejected"), Decimal(0))
    count = 0
    for rows in data.mobility_expenses.values():
        for expense in rows:
            incurred = dt.date.fromisoformat(expense["incurred_at"])
            if not START <= incurred <= END:
                continue
            amount, currency = Decimal(expense["amount"]), expense["currency_code"]
            if currency != "GBP":
                day = days[bisect.bisect_right(days, incurred) - 1]
                value = amount * rates[day, "GBP"] / rates[day, currency]
                amount = value.quantize(Decimal("0.01"), ROUND_HALF_UP)
            by_status[expense["status"]] += amount
            count += expense["status"] != "rejected"
    invoiced = invoiced_net = vat = net = outstanding = Decimal(0)
    for rows in data.willsuite_invoices.values():
        for invoice in rows:
            issued = dt.date.fromisoformat(invoice["date_created"][:10])
            if START <= issued <= END:
                invoiced += invoice["total"]
                invoiced_net += invoice["total"] - invoice["vat_amount"]
                for item in invoice["items"]:
                    if item["status"] != "cancelled":
                        vat += item["vat_amount"]
                        net += item["subtotal"]
            paid = invoice["date_paid"] and dt.date.fromisoformat(invoice["date_paid"][:10]) <= END
            if issued <= END and not paid:  # less what its lines have been paid already
                outstanding += invoice["total"] - sum(
                    item["amount"]
                    for item in invoice["items"]
                    if item["status"] != "cancelled"
                    and item["paid_at"]
                    and dt.date.fromisoformat(item["paid_at"][:10]) <= END
                )
    return {
        "Expenses this month (invoiced, approved or pending; not rejected)": Decimal(count),
        CONVERTED: by_status["invoiced"] + by_status["approved"] + by_status["pending"],
        "  of which invoiced": by_status["invoiced"],
        "  of which approved, to be invoiced (billable work in progress)": by_status["approved"],
        "  of which pending, awaiting approval": by_status["pending"],
        "Rejected expenses this month in GBP (in no total)": by_status["rejected"],
        INVOICED_NET: invoiced_net,
        INVOICED: invoiced,
        # October is the quarter's first month: the quarter to its end holds October only.
        f"VAT box 1, VAT due on sales: {QUARTER}": vat,
        f"VAT box 6, sales excluding VAT: {QUARTER}": net,
        OUTSTANDING: outstanding,
    }


def statements_expected(data: SandboxData) -> int:
    """How many statements the sandbox's records give: one for each mobility client with an
    expense in the month, and one for each WillSuite case with an invoice issued by the
    month's end and not paid before it began (issued, paid or still owed in it)."""
    client_of = {case["id"]: case["client_id"] for case in data.mobility_cases}
    spent = {
        client_of[case_id]
        for case_id, rows in data.mobility_expenses.items()
        for expense in rows
        if START <= dt.date.fromisoformat(expense["incurred_at"]) <= END
    }
    listed = {
        case_id
        for case_id, rows in data.willsuite_invoices.items()
        for invoice in rows
        if dt.date.fromisoformat(invoice["date_created"][:10]) <= END
        and not (invoice["date_paid"] and dt.date.fromisoformat(invoice["date_paid"][:10]) < START)
    }
    return len(spent) + len(listed)


def settings(server: Sandbox, folder: Path) -> Path:
    """A settings file with the demo's firm and recipients (`--demo`'s own, for a sandbox
    of the test's size): the partners, and an address for each mobility client."""
    email = server.email_settings()
    addresses = "".join(
        f"{json.dumps(name)} = {json.dumps(address)}\n"
        for name, address in email.client_addresses.items()
    )
    path = folder / "reports.toml"
    path.write_text(
        f"[firm]\nname = {json.dumps(server.firm_settings().name)}\n\n"
        f"[email]\nmonthly_to = {json.dumps(list(email.monthly_to))}\n\n"
        f"[email.client_addresses]\n{addresses}",
        encoding="utf-8",
    )
    return path


@pytest.fixture(scope="module")
def demo(make_sandbox: MakeSandbox, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo month's folder, as `reports monthly` builds it from the module's own small
    sandbox, reached as a cron job reaches it (its environment), with the demo's firm and
    recipients in a settings file."""
    server = make_sandbox(seed=SEED, sizes=SIZES, plannr_rate_limit=1_000_000)
    config = settings(server, tmp_path_factory.mktemp("settings"))
    out = tmp_path_factory.mktemp("output")
    # An unattended run: approved as it is built, then sent.
    result = invoke(
        [
            "monthly",
            "--config",
            str(config),
            "--month",
            MONTH,
            "--out",
            str(out),
            "--workers",
            "2",
            "--email",
        ],
        cwd=out,
        env={**server.environment(), "REPORTS_DELIVERY_APPROVAL": "auto"},
    )
    assert result.returncode == 0, result.stderr
    return out / MONTH


def summary(workbook: Path) -> dict[str, str]:
    return {
        row[0]: row[1]
        for row in recalculated_sheets(workbook)["Summary"]
        if len(row) > 1 and row[0]
    }


def test_demo_writes_a_complete_report(demo: Path) -> None:
    assert (demo / f"report-{MONTH}.xlsx").exists()
    assert (demo / f"report-{MONTH}.pdf").read_bytes().startswith(b"%PDF")
    statements = list((demo / "statements").glob("*.pdf"))
    assert len(statements) == statements_expected(generate(SEED, SIZES)) > 0
    messages = [
        email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        for path in (demo / "outbox").glob("*.eml")
    ]
    attached = [part.get_filename() for m in messages for part in m.iter_attachments()]
    # Each statement once, and the partners' copy with its workbook; one message an address.
    assert len(attached) == len(set(attached)) == len(statements) + 2
    assert f"report-{MONTH}.xlsx" in attached
    assert len({m["To"] for m in messages}) == len(messages)
    assert (demo / "data" / "manifest.json").exists()
    assert len(list((demo / "data").glob("*.parquet"))) == 13  # 12 frames and the ECB rates


def test_demo_totals_match_the_sandbox_records(demo: Path) -> None:
    values = summary(demo / f"report-{MONTH}.xlsx")
    for label, expected in expected_from_sandbox().items():
        assert Decimal(values[label]) == expected, label
    pdf = "\n".join(page.extract_text() for page in PdfReader(demo / f"report-{MONTH}.pdf").pages)
    for label in (CONVERTED, INVOICED_NET, INVOICED, OUTSTANDING):
        assert money(Decimal(values[label]), "GBP") in pdf, label


def test_rebuilding_from_the_snapshot_gives_the_same_report(demo: Path, tmp_path: Path) -> None:
    before = summary(demo / f"report-{MONTH}.xlsx")
    pdf_before = PdfReader(demo / f"report-{MONTH}.pdf").pages[1].extract_text()
    # No sandbox and no settings: the rebuild cannot reach any network source.
    result = invoke(
        [
            "monthly",
            "--month",
            MONTH,
            "--out",
            str(demo.parent),
            "--from-snapshot",
            "--workers",
            "2",
        ],
        cwd=tmp_path,
        env={"REPORTS_DELIVERY_APPROVAL": "auto"},
    )
    assert result.returncode == 0, result.stderr
    after = summary(demo / f"report-{MONTH}.xlsx")
    # When it was made and approved (each run approves itself, unattended) are the run's own.
    own = ("Generated", "Approval")
    assert {k: v for k, v in after.items() if k not in own} == {
        k: v for k, v in before.items() if k not in own
    }
    assert after["Approval"].startswith("Approved automatically (unattended run) on ")
    # Every page's header says who approved it and when: the run's own time, as above.
    stamped = re.compile(r"on \d{2} \w{3} \d{4} \d{2}:\d{2}")
    pdf_after = PdfReader(demo / f"report-{MONTH}.pdf").pages[1].extract_text()
    assert "Approved automatically" in pdf_after
    assert stamped.sub("on (time)", pdf_after) == stamped.sub("on (time)", pdf_before)
