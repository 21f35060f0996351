"""The management context end to end: one monthly run on the sandbox with targets, alerts
and a commentary, then the same figures read back from the PDF's text, the workbook as
LibreOffice recalculates it (both writers) and the monthly email."""

from __future__ import annotations

import dataclasses
import email
import email.policy
from decimal import Decimal
from pathlib import Path

import pytest

from reports.config import DeliverySettings, EmailSettings
from reports.monthly import MonthlyResult, run_monthly
from reports.monthly_options import MonthlyOptions
from reports.periods import Month
from reports.render.commentary import percent
from reports.render.excel import write_workbook
from reports.report.history import History
from reports.sandbox import Sizes
from reports.targets import AlertKind, AlertRule, Better, Target
from tests.conftest import MakeSandbox
from tests.helpers import pdf_pages, recalculate_together, recalculated_sheets

MONTH = Month(2026, 10)
COMMENTARY = (
    "We invoiced {{ invoiced_total }} ({{ invoiced_total.change_pct }} on September); "
    "{{ outstanding }} is owed, {{ outstanding.status }}.\n"
)
#: Every source at a small size, with debt more than 90 days past due (the alert's): each
#: figure, trend and alert below has records, in a run of seconds, not the whole demo's.
SIZES = Sizes(mobility_cases=40, plannr_cases=40, plannr_clients=20, willsuite_cases=40)


@pytest.fixture(scope="module")
def result(make_sandbox: MakeSandbox, tmp_path_factory: pytest.TempPathFactory) -> MonthlyResult:
    sandbox = make_sandbox(sizes=SIZES, plannr_rate_limit=1_000_000)
    out = tmp_path_factory.mktemp("out")
    commentary = out / "commentary" / f"{MONTH}.md"
    commentary.parent.mkdir()
    commentary.write_text(COMMENTARY)
    config = dataclasses.replace(
        sandbox.demo(sandbox.config()),
        targets=(
            Target("invoiced_total", (Decimal(100_000),) * 12),
            Target("outstanding", (Decimal(1_000_000),) * 12, Better.LOWER),
        ),
        alerts=(AlertRule(AlertKind.ABOVE, Decimal(1), "overdue_90_plus"),),
        email=EmailSettings(monthly_to=("partners@firm.example",)),
        delivery=DeliverySettings(approval="auto"),
    )
    return run_monthly(MONTH, config, out, MonthlyOptions.current(email=True, workers=2))


def history(result: MonthlyResult) -> History:
    assert result.data.history is not None
    return result.data.history


def test_the_first_page_carries_status_alerts_and_commentary(result: MonthlyResult) -> None:
    pages = pdf_pages(result.report)
    first = " ".join(pages[0].split())
    invoiced = history(result).trend("invoiced_total")
    assert "Alerts (1)" in first
    assert "Alert: Debt over 90 days past due at month end is £" in first
    assert (
        f"We invoiced £{invoiced.value:,.2f} ({percent(invoiced.change_pct)} on September)" in first
    )
    assert "is owed, on track." in first
    assert "off track" in first  # invoiced against £100,000.00
    trends = next(" ".join(page.split()) for page in pages if "Trends: the 12 months" in page)
    assert f"£{invoiced.value:,.2f}" in trends and "year to date" in trends


def test_the_trends_sheet_recalculates_to_the_history(
    result: MonthlyResult, tmp_path: Path
) -> None:
    data = result.data
    openpyxl_copy = write_workbook(data, tmp_path / "openpyxl.xlsx", writer="openpyxl")
    recalculate_together(result.workbook, openpyxl_copy)  # one start of LibreOffice for both
    sheets = recalculated_sheets(result.workbook)
    assert recalculated_sheets(openpyxl_copy)["Trends"] == sheets["Trends"]
    rows = {row[0]: row for row in sheets["Trends"] if row}
    header = next(row for row in sheets["Trends"] if row and row[0] == "Figure")
    assert len([c for c in header if c]) == 1 + 12 + 9
    for trend in history(result).trends:
        row = rows[trend.figure.title_for(data)]
        # The months (the last one the Summary's live formula), then the year to date (a
        # live sum for a flow), last year and the live change on last month.
        assert [Decimal(cell) for cell in row[1:13]] == [value for _, value in trend.months]
        if trend.ytd is not None:
            assert Decimal(row[13]) == trend.ytd
        assert Decimal(row[14]) == trend.last_year
        # A spreadsheet subtracts in binary floating point: its result, to the penny.
        assert Decimal(row[15]).quantize(Decimal("0.01")) == trend.change
        if trend.status is not None:
            assert row[20] == trend.status.value


def test_the_monthly_email_opens_with_alerts_and_figures(result: MonthlyResult) -> None:
    outbox = result.folder / "outbox"
    messages = [
        email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        for path in outbox.glob("*.eml")
    ]
    monthly = next(m for m in messages if m["To"] == "partners@firm.example")
    assert "(1 alert)" in monthly["Subject"]
    body = monthly.get_body(("plain",)).get_content().replace("\r\n", "\n")  # type: ignore[union-attr]
    assert body.index("Alerts (1)") < body.index("The monthly report for October 2026")
    invoiced = history(result).trend("invoiced_total")
    flowed = " ".join(body.split())  # the text part is wrapped at 72 characters
    assert (
        f"Invoiced this month, gross (VAT included): £{invoiced.value:,.2f} against "
        "£100,000.00: off track"
    ) in flowed
    assert "Commentary\n\nWe invoiced £" in body or "Commentary\nWe invoiced £" in body


def test_each_report_keeps_the_figures_it_sent(result: MonthlyResult) -> None:
    import json

    sent = json.loads((result.folder / "figures.json").read_text())
    assert sent["month"] == "2026-10"
    assert Decimal(sent["figures"]["outstanding"]) == result.data.headline.outstanding
