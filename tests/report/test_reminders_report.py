"""The payment reminders in the month's report: reminders drafted, approved and sent into
the outbox (`reports chase`) on a small sandbox over real sockets, then the month built as
`reports monthly` builds it (`monthly.with_reminders`, reading the chase ledgers): the PDF,
the workbook's `Reminders sent` sheet, and the web page's month of reminders and each
client's chase history."""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
from pathlib import Path

import openpyxl
import pytest
from factories import sandbox_month

from reports import archive, rates
from reports.chase import (
    approve_chase,
    build_chase,
    chase_period,
    reminders_sent,
    send_chase,
)
from reports.chase_settings import parse_credit_control
from reports.config import Config, EmailSettings, FirmSettings
from reports.fetch import fetch_frames
from reports.monthly import run_monthly, with_reminders
from reports.monthly_options import MonthlyOptions
from reports.periods import Month
from reports.render.excel import write_workbook
from reports.render.pdf import write_monthly_pdf
from reports.render.templates import money
from reports.render.views import REMINDERS_IN_PDF
from reports.render.web import write_monthly_html
from reports.report.build import build_report_data
from reports.report.model import REMINDER_COLUMNS, Frames, ReportData
from reports.report.reminders import step_label
from reports.sandbox import Sizes
from tests.conftest import MakeSandbox
from tests.helpers import pdf_pages

DAY = dt.date(2026, 10, 31)
#: When the reminders are handed over: the day chased for, a UK afternoon.
SENT_AT = dt.datetime(2026, 10, 31, 14, 0, tzinfo=dt.UTC)
OCTOBER, NOVEMBER = Month.parse("2026-10"), Month.parse("2026-11")
#: The steps, by days from the due date.
SCHEDULE = {-3: "reminder-before", 7: "overdue-1", 21: "overdue-2", 45: "final"}
STEPS = {
    "steps": [{"days": days, "template": name} for days, name in SCHEDULE.items()],
    "minimum": 10.0,
}
FIRM = FirmSettings(name="Demo & Co", email="accounts@demo.example")


@pytest.fixture(scope="module")
def frames() -> Frames:
    # WillSuite's invoices are what is chased: enough of them overdue at every step. The
    # mobility platform's expenses are never chased: more of them only slow each PDF.
    sizes = Sizes(mobility_cases=4, plannr_cases=5, plannr_clients=5, willsuite_cases=80)
    return sandbox_month(seed=9, sizes=sizes).fetched()


CHASED = Config(
    firm=FIRM, email=EmailSettings(), credit_control=parse_credit_control(STEPS, "test")
)


@pytest.fixture(scope="module")
def out(frames: Frames, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An output folder whose chase ledgers hold the reminders of 31 Oct 2026, sent that
    afternoon into the outbox."""
    out = tmp_path_factory.mktemp("out")
    data = build_report_data(frames, chase_period(DAY), rates=rates.embedded(), firm=FIRM)
    draft = build_chase(DAY, CHASED, out, data, on=DAY)
    assert draft.reminders, "the sandbox has invoices overdue on the day"
    approve_chase(out, DAY, "Jo Partner", clock=lambda: SENT_AT)
    assert send_chase(out, DAY, CHASED, clock=lambda: SENT_AT).complete
    return out


def month_data(frames: Frames, month: Month, config: Config, out: Path) -> ReportData:
    data = build_report_data(frames, month, rates=rates.embedded(), firm=FIRM)
    return with_reminders(data, config, out)


@pytest.fixture(scope="module")
def october(frames: Frames, out: Path) -> ReportData:
    return month_data(frames, OCTOBER, CHASED, out)


def pdf_text(path: Path) -> str:
    return " ".join(" ".join(pdf_pages(path)).split())


def test_the_month_lists_each_invoice_and_step_its_reminders_asked_for(
    frames: Frames, october: ReportData, out: Path
) -> None:
    assert october.reminders is not None and october.receivables is not None
    month, sent = october.reminders.month, reminders_sent(out, OCTOBER.start, OCTOBER.end)
    assert month.columns == list(REMINDER_COLUMNS)
    assert month.height == sent.height > 0
    assert set(month["date"]) == {DAY} and set(month["state"]) == {"sent"}
    assert sorted(month.select("key", "invoice_number", "step_days").rows()) == sorted(
        sent.select("client_key", "invoice_number", "step_days").rows()
    )
    # Each client as its statement names it; each amount what the invoice still owes.
    statements = {s.key: s for s in october.statements}
    owed = {
        (key, number): amount
        for key, number, amount in october.receivables.detail.select(
            "key", "invoice_number", "outstanding"
        ).iter_rows()
    }
    for row in month.iter_rows(named=True):
        statement = statements[row["key"]]
        assert (row["client"], row["payment_reference"]) == (
            statement.client,
            statement.payment_reference,
        )
        assert row["outstanding"] == owed[(row["key"], row["invoice_number"])]
        # Asked on the month's last day, of the data of that day: what it owed then.
        assert row["asked"] == row["outstanding"]
        assert row["step"].startswith(f"{row['template']} (step ")
    # Each invoice at its own step, whatever the latest step its message asked for.
    assert all(
        SCHEDULE[days] == name for days, name in month.select("step_days", "template").rows()
    )
    assert set(month["step"]) >= {
        "overdue-1 (step at 7 days overdue)",
        "final (step at 45 days overdue)",
    }
    # The reminders are no headline figure: a rerun that lists more restates nothing.
    assert archive.figures_of(october) == archive.figures_of(
        build_report_data(frames, OCTOBER, rates=rates.embedded(), firm=FIRM)
    )


def test_the_pdf_lists_the_months_reminders_after_the_aged_receivables(
    october: ReportData, tmp_path: Path
) -> None:
    assert october.reminders is not None
    text = pdf_text(write_monthly_pdf(october, tmp_path / "m.pdf"))
    assert text.index("Aged receivables at 31 Oct 2026") < text.index("Payment reminders sent")
    section = text[text.index("Payment reminders sent") :]
    month = october.reminders.month
    listed = month.head(REMINDERS_IN_PDF)
    for row in listed.iter_rows(named=True):
        line = (
            f"31 Oct 2026 {row['client']} {row['payment_reference']} {row['invoice_number']} "
            f"{row['step']} {money(row['asked'], 'GBP')} {money(row['outstanding'], 'GBP')}"
        )
        assert line in section, line
    if month.height > REMINDERS_IN_PDF:
        more = month.height - REMINDERS_IN_PDF
        assert f"and {more} more (in the workbook's Reminders sent sheet)" in section
    clients = month["key"].n_unique()
    assert f"{month.height} in all, to {clients} clients" in section


def test_the_workbook_has_a_reminders_sent_table(october: ReportData, tmp_path: Path) -> None:
    assert october.reminders is not None
    month = october.reminders.month
    book = openpyxl.load_workbook(write_workbook(october, tmp_path / "m.xlsx"))
    sheet = book["Reminders sent"]
    (table,) = sheet.tables.values()
    assert table.name == "RemindersSent" and table.autoFilter is not None
    header = [cell.value for cell in sheet[1]]
    assert header[:5] == ["Sent", "Client", "Reference", "Invoice", "Step"]
    assert header[-3:] == ["Asked for", "Outstanding at 31 Oct 2026", "Statement"]
    assert sheet.max_row == month.height + 2  # the header and the totals row
    first = dict(zip(header, (cell.value for cell in sheet[2]), strict=True))
    row = month.row(0, named=True)
    assert first["Sent"] == dt.datetime(2026, 10, 31)
    assert (first["Client"], first["Invoice"], first["Step"]) == (
        row["client"],
        row["invoice_number"],
        row["step"],
    )
    assert first["Outstanding at 31 Oct 2026"] == pytest.approx(float(row["outstanding"]))
    assert first["Asked for"] == pytest.approx(float(row["asked"]))
    assert (first["Step, days from due"], first["State"]) == (row["step_days"], "sent")


def test_the_web_page_lists_the_reminders_and_each_clients_chase_history(
    october: ReportData, tmp_path: Path
) -> None:
    assert october.reminders is not None and october.receivables is not None
    page = write_monthly_html(october, tmp_path / "report-2026-10.html").read_text()
    assert 'href="#reminders-sent"' in page and 'id="reminders-sent"' in page
    month = october.reminders.month
    section = page[page.index('id="reminders-sent"') : page.index('id="chase-history"')]
    assert section.count('<tr class="record">') == month.height  # every one, not the first 30
    history = page[page.index('id="chase-history"') :]
    for key, rows in month.partition_by("key", as_dict=True).items():
        row = re.search(rf'<tr class="record" id="chase-{re.escape(key[0])}">.*?</tr>', history)
        assert row is not None, key
        for number, asked in rows.select("invoice_number", "asked").iter_rows():
            assert f"{number} ({money(asked, 'GBP')})" in row.group(0)
        assert "31 Oct 2026: " in row.group(0)
    # Each client owing that was chased links from the aged receivables to its history.
    chased = set(month["key"]) & set(october.receivables.summary["key"])
    assert chased
    for key in chased:
        assert f'href="#chase-{key}"' in page


def test_the_next_month_lists_none_sent_in_it_and_the_history_before(
    frames: Frames, out: Path, tmp_path: Path
) -> None:
    november = month_data(frames, NOVEMBER, CHASED, out)
    assert november.reminders is not None
    assert november.reminders.month.height == 0
    assert november.reminders.history.height == reminders_sent(out, DAY, DAY).height
    text = pdf_text(write_monthly_pdf(november, tmp_path / "m.pdf"))
    assert "Payment reminders sent No reminders were sent in November 2026." in text
    page = write_monthly_html(november, tmp_path / "report-2026-11.html").read_text()
    assert page.count('id="chase-') == november.reminders.history["key"].n_unique() + 1
    # October's report, built before any reminder was sent, lists none.
    before = month_data(frames, OCTOBER, CHASED, tmp_path / "empty")
    assert before.reminders is not None and before.reminders.month.height == 0
    text = pdf_text(write_monthly_pdf(before, tmp_path / "before.pdf"))
    assert "No reminders were sent in October 2026." in text


def test_a_reminder_that_may_have_gone_is_listed_as_such(
    frames: Frames, out: Path, tmp_path: Path
) -> None:
    """The sender killed once the last message was handed over, before it was recorded as
    sent: its record ends on `sending`, as a SIGKILL leaves it."""
    killed = tmp_path / "out"
    shutil.copytree(out, killed)
    record = killed / "chase" / DAY.isoformat() / "sent" / "record.jsonl"
    *kept, last = record.read_text().splitlines()
    assert json.loads(last)["state"] == "sent"
    record.write_text("\n".join(kept) + "\n")
    data = month_data(frames, OCTOBER, CHASED, killed)
    assert data.reminders is not None
    month = data.reminders.month
    uncertain = month.filter(state="uncertain")
    assert 0 < uncertain.height < month.height
    text = pdf_text(write_monthly_pdf(data, tmp_path / "m.pdf"))
    assert 'A reminder marked "may have gone" was being sent when the run stopped' in text
    for number in uncertain["invoice_number"]:
        assert re.search(rf"{re.escape(number)} \S.*?\(may have gone\)", text), number


def test_a_ledger_from_before_amounts_were_kept_leaves_them_blank(
    frames: Frames, out: Path, tmp_path: Path
) -> None:
    earlier = tmp_path / "out"
    shutil.copytree(out, earlier)
    ledger = earlier / "chase" / DAY.isoformat() / "sent" / "asked.jsonl"
    entries = [json.loads(line) for line in ledger.read_text().splitlines()]
    kept = [{key: value for key, value in e.items() if key != "amounts"} for e in entries]
    ledger.write_text("".join(json.dumps(entry) + "\n" for entry in kept))
    data = month_data(frames, OCTOBER, CHASED, earlier)
    assert data.reminders is not None
    assert data.reminders.month["asked"].null_count() == data.reminders.month.height > 0
    text = pdf_text(write_monthly_pdf(data, tmp_path / "m.pdf"))
    assert "(blank: sent before the amounts were recorded)" in text


def test_a_firm_that_chases_nobody_has_no_reminders_section(
    frames: Frames, out: Path, tmp_path: Path
) -> None:
    unchased = Config(firm=FIRM, email=EmailSettings())
    data = month_data(frames, OCTOBER, unchased, out)
    assert data.reminders is None
    assert "Payment reminders sent" not in pdf_text(write_monthly_pdf(data, tmp_path / "m.pdf"))
    book = openpyxl.load_workbook(write_workbook(data, tmp_path / "m.xlsx"))
    assert "Reminders sent" not in book.sheetnames
    page = write_monthly_html(data, tmp_path / "report-2026-10.html").read_text()
    assert 'id="reminders-sent"' not in page and 'id="chase-history"' not in page
    assert 'href="#chase-' not in page and "Last reminder" not in page
    # Nor one whose sources hold no invoices to chase.
    mobility = {k: v for k, v in frames.items() if k[0] == "mobility"}
    expenses_only = build_report_data(mobility, OCTOBER, rates=rates.embedded(), firm=FIRM)
    assert with_reminders(expenses_only, CHASED, out).reminders is None


def test_a_step_is_named_by_its_template_and_when_it_falls() -> None:
    assert step_label(-3, "reminder-before") == "reminder-before (step at 3 days before due)"
    assert step_label(1, "overdue-1") == "overdue-1 (step at 1 day overdue)"
    assert step_label(0, "due") == "due (step on the due date)"
    # A step the schedule no longer has: when it fell, unnamed.
    assert step_label(30, None) == "step at 30 days overdue"


def test_a_rerun_after_chase_lists_what_was_sent_since_and_changes_nothing_else(
    make_sandbox: MakeSandbox, tmp_path: Path
) -> None:
    """`reports monthly` before `reports chase` (as `make demo` runs them) lists none; a
    rebuild from the snapshot afterwards lists them, its figures and statements as they
    were."""
    sizes = Sizes(mobility_cases=2, plannr_cases=2, plannr_clients=2, willsuite_cases=15)
    server = make_sandbox(seed=9, sizes=sizes)
    config = Config(
        source_settings=server.config().source_settings,
        firm=FIRM,
        credit_control=CHASED.credit_control,
    )
    out = tmp_path / "out"
    first = run_monthly(OCTOBER, config, out, MonthlyOptions.current(workers=1))
    assert first.data.reminders is not None and first.data.reminders.month.height == 0
    assert "No reminders were sent in October 2026." in pdf_text(first.report)
    statements = {p.name: p.read_bytes() for p in (first.folder / "statements").glob("*.pdf")}
    figures = archive.read_figures(first.folder)
    chased = build_report_data(
        fetch_frames(config), chase_period(DAY), rates=rates.embedded(), firm=FIRM
    )
    assert build_chase(DAY, config, out, chased, on=DAY).reminders
    approve_chase(out, DAY, "Jo Partner", clock=lambda: SENT_AT)
    assert send_chase(out, DAY, config, clock=lambda: SENT_AT).complete
    again = run_monthly(OCTOBER, config, out, MonthlyOptions.current(from_snapshot=True, workers=1))
    assert again.data.reminders is not None
    sent = again.data.reminders.month
    assert sent.height == reminders_sent(out, OCTOBER.start, OCTOBER.end).height > 0
    text = pdf_text(again.report)
    assert "No reminders were sent" not in text
    assert all(number in text for number in sent["invoice_number"].head(REMINDERS_IN_PDF))
    assert "Reminders sent" in openpyxl.load_workbook(again.workbook).sheetnames
    assert archive.read_figures(again.folder) == figures
    assert {
        p.name: p.read_bytes() for p in (again.folder / "statements").glob("*.pdf")
    } == statements
