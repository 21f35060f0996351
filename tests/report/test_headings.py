"""One column vocabulary for the tables shown: a column the web report's drill-down and the
workbook both show reads the same in both, as `report.headings` words it."""

from __future__ import annotations

import pytest

from reports import rates
from reports.fetch import fetch_frames
from reports.render.excel import credit_sheets, sheets_for
from reports.report import ReportData, build_report_data, headings
from reports.report.drill import breakdowns
from reports.sandbox import Sandbox

#: A figure's records in the drill-down, and the workbook sheet listing the same records.
SAME_TABLE = {
    "cases_opened": ("Cases", headings.CASES),
    "expenses": ("Expenses", headings.expenses("GBP")),
    "expenses_rejected": ("Expenses left out", headings.expenses("GBP")),
    "invoices": ("Invoices", headings.INVOICES),
    "vat_box1": ("Invoice items", headings.INVOICE_LINES),
    "cash_collected": ("Payments received", headings.PAYMENTS),
    "debtor_days": ("Debtor days", headings.COUNTBACK),
    "quality_flags": ("Data quality", headings.QUALITY),
}


@pytest.fixture(scope="module")
def data(sandbox: Sandbox) -> ReportData:
    return build_report_data(fetch_frames(sandbox.config()), "2026-10", rates=rates.embedded())


def test_the_drill_down_and_the_workbook_head_a_column_alike(data: ReportData) -> None:
    assert data.report_currency == "GBP"
    sheets = {sheet.title: sheet for sheet in [*sheets_for(data), *credit_sheets(data)]}
    shown = {breakdown.key: breakdown for breakdown in breakdowns(data)}
    for key, (title, table) in SAME_TABLE.items():
        drill = {column.name: column.title for column in shown[key].columns}
        book = {column.field: column.header for column in sheets[title].columns}
        both = drill.keys() & book.keys()
        assert len(both) >= 3, key
        assert {name: drill[name] for name in both} == {name: book[name] for name in both}, key
        # Every heading of either is the shared list's.
        assert {**drill, **book} == {name: table[name] for name in {*drill, *book}}, key
