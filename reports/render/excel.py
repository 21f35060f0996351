"""The month's workbook: a live Summary over one Excel table per frame, laid out in the
terms of `reports.render.workbook`.

This module decides what the month's workbook holds, cell by cell and format by format; two
writers put it on disk and nothing else differs between them:

- `excel_xlsxwriter` (the default): xlsxwriter's `constant_memory` mode streams each row to
  disk as it is written, so a million-row sheet takes a few MiB and is written faster than
  `polars.DataFrame.write_excel` (benchmarks/excel.py).
- `excel_openpyxl`: for a firm's own `.xlsx` template, which has to be loaded and filled
  (xlsxwriter cannot read a file). Its sheets (cover, logo, styles) come first, its defined
  names `firm`, `period` and `generated_at` are filled, and a named style `Report header`,
  if it has one, styles our table headers. A loaded workbook is held whole in memory.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from pathlib import Path
from typing import Literal

import polars as pl

from reports.render.commentary import alert_sentence
from reports.render.excel_formulas import formula_for, visible_sum
from reports.render.excel_trends import TITLE as TRENDS
from reports.render.excel_trends import trends_grid, trends_pages
from reports.render.plain_text import paragraphs
from reports.render.workbook import (
    SUMMARY_WIDTHS,
    Cell,
    Chart,
    Col,
    ColumnKind,
    Grid,
    Layout,
    PageSetup,
    Sheet,
    WorkbookWriter,
    cut_texts,
    figure_format,
    money_format,
    naive_uk,
)
from reports.report import headings
from reports.report.coverage import shows
from reports.report.figures import shown_figures
from reports.report.model import ReportData

__all__ = [
    "Col",
    "Sheet",
    "Writer",
    "expense_columns",
    "money_format",
    "sheets_for",
    "write_sheets",
    "write_workbook",
]

#: The library that writes the workbook: see the module's docstring.
Writer = Literal["xlsxwriter", "openpyxl"]


def expense_columns(report_currency: str) -> tuple[Col, ...]:
    shown = headings.expenses(report_currency)
    return (
        Col("id", shown["id"]),
        Col("case_id", shown["case_id"]),
        Col("client_name", shown["client_name"]),
        Col("title", shown["title"]),
        Col("incurred_at", shown["incurred_at"], ColumnKind.DATE),
        Col("status", shown["status"]),
        Col("state", shown["state"]),
        Col("amount", shown["amount"], ColumnKind.MONEY, currency_field="currency_code"),
        Col("currency_code", shown["currency_code"]),
        Col(
            "report_amount",
            shown["report_amount"],
            ColumnKind.MONEY,
            currency=report_currency,
            total=True,
        ),
        Col("fx_rate_date", shown["fx_rate_date"], ColumnKind.DATE),
        Col("fx_source_per_eur", shown["fx_source_per_eur"], ColumnKind.RATE),
        Col("fx_target_per_eur", shown["fx_target_per_eur"], ColumnKind.RATE),
        Col("invoice_id", shown["invoice_id"]),
        Col(
            "converted_amount",
            shown["converted_amount"],
            ColumnKind.MONEY,
            currency_field="converted_amount_currency_code",
        ),
        Col("converted_amount_currency_code", shown["converted_amount_currency_code"]),
    )


def sheets_for(data: ReportData) -> list[Sheet]:
    """The month's detail sheets, those of the configured sources alone (`report.coverage`):
    no Expenses sheet for a firm without the system that sends expenses."""
    return [sheet for sheet in _every_sheet(data) if shows(data, sheet.table)]


def _every_sheet(data: ReportData) -> list[Sheet]:
    report_currency = data.report_currency
    invoice_currency = data.invoice_currency  # the VAT and debt tables carry no currency column
    items = data.invoice_items.join(
        data.invoices.select(pl.col("id").alias("invoice_id"), "invoice_number"),
        on="invoice_id",
        how="left",
        suffix="_invoice",
    )
    return [
        Sheet(
            "Cases",
            "Cases",
            data.cases,
            (
                Col("source", headings.CASES["source"]),
                Col("case_id", headings.CASES["case_id"]),
                Col("case_name", headings.CASES["case_name"]),
                Col("client", headings.CASES["client"]),
                Col("status", headings.CASES["status"]),
                Col("opened_on", headings.CASES["opened_on"], ColumnKind.DATE),
                Col("closed_on", headings.CASES["closed_on"], ColumnKind.DATE),
                Col("opened_in_period", headings.CASES["opened_in_period"], ColumnKind.BOOL),
                Col("closed_in_period", headings.CASES["closed_in_period"], ColumnKind.BOOL),
                Col("open_at_end", headings.CASES["open_at_end"], ColumnKind.BOOL),
            ),
        ),
        Sheet(
            "Tasks",
            "Tasks",
            data.tasks,
            (
                Col("id", "Task"),
                Col("case_id", "Case"),
                Col("name", "Name"),
                Col("assignee_name", "Assignee"),
                Col("status", "Status"),
                Col("start_date", "Start", ColumnKind.DATE),
                Col("end_date", "End", ColumnKind.DATE),
                Col("duration", "Days", ColumnKind.INT),
            ),
        ),
        Sheet("Expenses", "Expenses", data.expenses, expense_columns(report_currency)),
        Sheet(
            "Expenses left out",
            "ExpensesLeftOut",
            data.expenses_left_out,
            (Col("reason", "Left out because"), *expense_columns(report_currency)),
        ),
        Sheet(
            "Incomes",
            "Incomes",
            data.incomes,
            (
                Col("id", "Income"),
                Col("account_name", "Client"),
                Col("name", "Name"),
                Col("type", "Type"),
                Col("frequency", "Frequency"),
                Col("recurring", "Recurring", ColumnKind.BOOL),
                Col("amount_type", "Recorded net or gross"),
                Col("is_taxable", "Taxable", ColumnKind.BOOL),
                Col("amount", "Amount", ColumnKind.MONEY, currency_field="amount_currency"),
                # No totals row for the amounts of every kind: net and gross recurring
                # incomes are different incomes and a one-off is no yearly amount; the three
                # columns of the kinds (`incomes.by_kind`) each total apart.
                Col("annual_amount", "Annual", ColumnKind.MONEY, currency_field="amount_currency"),
                Col(
                    "monthly_amount", "Monthly", ColumnKind.MONEY, currency_field="amount_currency"
                ),
                Col("amount_currency", "Currency"),
                Col(
                    "report_annual_amount",
                    f"Annual ({report_currency})",
                    ColumnKind.MONEY,
                    currency=report_currency,
                ),
                *(
                    Col(
                        field,
                        f"{header} ({report_currency})",
                        ColumnKind.MONEY,
                        currency=report_currency,
                        total=True,
                    )
                    for field, header in (
                        ("report_annual_net", "Recurring net of tax, a year"),
                        ("report_annual_gross", "Recurring gross, a year"),
                        ("report_one_off", "One-off, once"),
                    )
                ),
                Col("start_date", "Start", ColumnKind.DATE),
                Col("end_date", "End", ColumnKind.DATE),
            ),
        ),
        *client_book_sheets(data),
        Sheet(
            "Invoices",
            "Invoices",
            data.invoices,
            (
                Col("id", headings.INVOICES["id"]),
                Col("invoice_number", headings.INVOICES["invoice_number"]),
                Col("client_name", headings.INVOICES["client_name"]),
                Col("invoice_date", headings.INVOICES["invoice_date"], ColumnKind.DATE),
                Col("status", headings.INVOICES["status"]),
                Col(
                    "subtotal",
                    headings.INVOICES["subtotal"],
                    ColumnKind.MONEY,
                    currency_field="currency",
                    total=True,
                ),
                Col(
                    "vat_amount",
                    headings.INVOICES["vat_amount"],
                    ColumnKind.MONEY,
                    currency_field="currency",
                    total=True,
                ),
                Col(
                    "total",
                    headings.INVOICES["total"],
                    ColumnKind.MONEY,
                    currency_field="currency",
                    total=True,
                ),
                Col(
                    "recomputed_subtotal",
                    headings.INVOICES["recomputed_subtotal"],
                    ColumnKind.MONEY,
                    currency_field="currency",
                    total=True,
                ),
                Col(
                    "recomputed_vat",
                    headings.INVOICES["recomputed_vat"],
                    ColumnKind.MONEY,
                    currency_field="currency",
                    total=True,
                ),
                Col(
                    "recomputed_total",
                    headings.INVOICES["recomputed_total"],
                    ColumnKind.MONEY,
                    currency_field="currency",
                    total=True,
                ),
                Col(
                    "cancelled_subtotal",
                    headings.INVOICES["cancelled_subtotal"],
                    ColumnKind.MONEY,
                    currency_field="currency",
                    total=True,
                ),
                Col("consistent", headings.INVOICES["consistent"], ColumnKind.BOOL),
                Col("issues", headings.INVOICES["issues"]),
            ),
        ),
        Sheet(
            "Invoice items",
            "InvoiceItems",
            items,
            (
                Col("invoice_number", headings.INVOICE_LINES["invoice_number"]),
                Col("description", headings.INVOICE_LINES["description"]),
                Col("quantity", headings.INVOICE_LINES["quantity"], ColumnKind.DECIMAL),
                Col(
                    "rate",
                    headings.INVOICE_LINES["rate"],
                    ColumnKind.MONEY,
                    currency_field="currency",
                ),
                Col(
                    "subtotal",
                    headings.INVOICE_LINES["subtotal"],
                    ColumnKind.MONEY,
                    currency_field="currency",
                    total=True,
                ),
                Col(
                    "vat_amount",
                    headings.INVOICE_LINES["vat_amount"],
                    ColumnKind.MONEY,
                    currency_field="currency",
                    total=True,
                ),
                Col(
                    "amount",
                    headings.INVOICE_LINES["amount"],
                    ColumnKind.MONEY,
                    currency_field="currency",
                    total=True,
                ),
                Col("has_vat", headings.INVOICE_LINES["has_vat"], ColumnKind.BOOL),
                Col("cancelled", headings.INVOICE_LINES["cancelled"], ColumnKind.BOOL),
            ),
        ),
        Sheet(
            "VAT",
            "VatByPeriod",
            data.vat_by_period,
            (
                Col("basis", "Basis"),
                Col("period_start", "From", ColumnKind.DATE),
                Col("period_end", "To", ColumnKind.DATE),
                Col("vat_rate", "VAT rate", ColumnKind.FRACTION),
                Col("invoices", "Invoices", ColumnKind.INT),
                Col("lines", "Lines", ColumnKind.INT),
                Col("net_sales", "Net sales (box 6)", ColumnKind.MONEY, currency=invoice_currency),
                Col("vat", "VAT (box 1)", ColumnKind.MONEY, currency=invoice_currency),
            ),
        ),
        Sheet(
            "Aged debt",
            "AgedDebt",
            data.aged_debt,
            (
                Col("age_bucket", "Days past due"),
                Col("invoices", "Invoices", ColumnKind.INT, total=True),
                Col(
                    "amount", "Outstanding", ColumnKind.MONEY, currency=invoice_currency, total=True
                ),
            ),
        ),
        *receivables_sheets(data),
        *credit_sheets(data),
        Sheet(
            "Expenses by month",
            "ExpensesByMonth",
            data.expenses_by_month_state,
            (
                Col("month", "Month", ColumnKind.DATE),
                Col(
                    "invoiced_amount",
                    "Invoiced",
                    ColumnKind.MONEY,
                    currency=report_currency,
                    total=True,
                ),
                Col(
                    "to_be_invoiced_amount",
                    "Approved, to be invoiced",
                    ColumnKind.MONEY,
                    currency=report_currency,
                    total=True,
                ),
                Col(
                    "awaiting_approval_amount",
                    "Pending, awaiting approval",
                    ColumnKind.MONEY,
                    currency=report_currency,
                    total=True,
                ),
            ),
        ),
        Sheet(
            "Changes",
            "Changes",
            data.changes,
            (
                Col("source", headings.CASES["source"]),
                Col("case_id", headings.CASES["case_id"]),
                Col("case_name", headings.CASES["case_name"]),
                Col("change", "Change since last month"),
                Col("before", "Before"),
                Col("after", "Now"),
            ),
        ),
        Sheet(
            "Data quality",
            "DataQuality",
            data.quality,
            (
                Col("source", headings.QUALITY["source"]),
                Col("entity", headings.QUALITY["entity"]),
                Col("record", headings.QUALITY["record"]),
                Col("check", headings.QUALITY["check"]),
                Col("detail", headings.QUALITY["detail"]),
                Col("action", headings.QUALITY["action"]),
            ),
        ),
    ]


def credit_sheets(data: ReportData) -> list[Sheet]:
    """The month's payments and refunds, which the cash collected adds up, and the months
    the debtor days count back through, which its formula counts (`figures`); none where
    the report has no such records (no configured source holds invoices)."""
    if not data.payments_received.width:
        return []
    currency = data.invoice_currency
    return [
        Sheet(
            "Payments received",
            "PaymentsReceived",
            data.payments_received,
            (
                Col("date", headings.PAYMENTS["date"], ColumnKind.DATE),
                Col("client", headings.PAYMENTS["client"]),
                Col("invoice_number", headings.PAYMENTS["invoice_number"]),
                Col("kind", headings.PAYMENTS["kind"]),
                Col(
                    "paid",
                    headings.PAYMENTS["paid"],
                    ColumnKind.MONEY,
                    currency=currency,
                    total=True,
                ),
            ),
        ),
        Sheet(
            "Debtor days",
            "DebtorDays",
            data.countback,
            (
                Col("month", headings.COUNTBACK["month"], ColumnKind.DATE),
                Col("days", headings.COUNTBACK["days"], ColumnKind.INT),
                Col("gross", headings.COUNTBACK["gross"], ColumnKind.MONEY, currency=currency),
                Col(
                    "invoiced_after",
                    headings.COUNTBACK["invoiced_after"],
                    ColumnKind.MONEY,
                    currency=currency,
                ),
                Col(
                    "debt_left",
                    headings.COUNTBACK["debt_left"],
                    ColumnKind.MONEY,
                    currency=currency,
                ),
                # No total: the figure adds the exact days, not these, and rounds once.
                Col("days_counted", headings.COUNTBACK["days_counted"], ColumnKind.DECIMAL),
            ),
        ),
    ]


def receivables_sheets(data: ReportData) -> list[Sheet]:
    """The aged receivables (each client owing at the month's end, by days past due) and
    every unpaid invoice, where the report has them; none otherwise. Their totals are the
    headline's outstanding, and follow a filter as every table's do."""
    owed = data.receivables
    if owed is None:
        return []
    currency = data.invoice_currency

    def amount(field: str, header: str) -> Col:
        return Col(field, header, ColumnKind.MONEY, currency=currency, total=True)

    return [
        Sheet(
            "Aged receivables",
            "AgedReceivables",
            owed.summary,
            (
                Col("client", "Client"),
                Col("payment_reference", "Reference"),
                amount("current", "Current"),
                amount("days_1_30", "1-30 days"),
                amount("days_31_60", "31-60 days"),
                amount("days_61_90", "61-90 days"),
                amount("over_90", "Over 90 days"),
                amount("total", "Total owed"),
                Col("oldest_due_date", "Oldest due", ColumnKind.DATE),
                Col("last_payment_date", "Last paid", ColumnKind.DATE),
                Col("key", "Statement"),
            ),
        ),
        Sheet(
            "Unpaid invoices",
            "UnpaidInvoices",
            owed.detail,
            (
                Col("invoice_number", "Invoice"),
                Col("client", "Client"),
                Col("payment_reference", "Reference"),
                Col("invoice_date", "Invoice date", ColumnKind.DATE),
                Col("due_date", "Due", ColumnKind.DATE),
                Col("days_overdue", "Days overdue (negative: not yet due)", ColumnKind.INT),
                Col("band", "Age band"),
                amount("gross", "Gross"),
                amount("paid", "Paid"),
                amount("outstanding", "Outstanding"),
                Col("key", "Statement"),
            ),
        ),
        *reminders_sheets(data),
    ]


def reminders_sheets(data: ReportData) -> list[Sheet]:
    """The month's payment reminders, each invoice a reminder asked for, by the day it was
    sent, where credit control is configured; none otherwise."""
    reminders = data.reminders
    if reminders is None:
        return []
    return [
        Sheet(
            "Reminders sent",
            "RemindersSent",
            reminders.month.with_columns(
                state=pl.col("state").replace({"uncertain": "may have gone"})
            ),
            (
                Col("date", "Sent", ColumnKind.DATE),
                Col("client", "Client"),
                Col("payment_reference", "Reference"),
                Col("invoice_number", "Invoice"),
                Col("step", "Step"),
                Col("step_days", "Step, days from due", ColumnKind.INT),
                Col("to", "Sent to"),
                Col("state", "State"),
                Col("asked", "Asked for", ColumnKind.MONEY, currency=data.invoice_currency),
                Col(
                    "outstanding",
                    f"Outstanding at {data.period_end:%d %b %Y}",
                    ColumnKind.MONEY,
                    currency=data.invoice_currency,
                ),
                Col("key", "Statement"),
            ),
        ),
    ]


def client_book_sheets(data: ReportData) -> list[Sheet]:
    """The Client book sheet, every client with its incomes a year and bands (net and gross
    apart, each its own total), where the report has a client book; none otherwise."""
    book = data.client_book
    if book is None:
        return []
    currency = book.currency
    return [
        Sheet(
            "Client book",
            "ClientBook",
            book.clients,
            (
                Col("client", "Client"),
                Col("email", "Email"),
                Col("incomes_on_file", "Incomes on file", ColumnKind.INT),
                Col(
                    "net_annual",
                    f"Recurring net of tax, a year ({currency})",
                    ColumnKind.MONEY,
                    currency=currency,
                    total=True,
                ),
                Col("net_band", "Band by net"),
                Col(
                    "gross_annual",
                    f"Recurring gross, a year ({currency})",
                    ColumnKind.MONEY,
                    currency=currency,
                    total=True,
                ),
                Col("gross_band", "Band by gross"),
                Col("recorded_this_month", "Recorded this month", ColumnKind.INT, total=True),
                Col("ending_soon", "Ending within 90 days", ColumnKind.INT, total=True),
                Col("next_ending", "First ending", ColumnKind.DATE),
                Col("next_review", "Next review", ColumnKind.DATE),
            ),
        )
    ]


# ----------------------------------------------------------------------------- writing


def write_sheets(sheets: Sequence[Sheet], path: str | Path, writer: Writer = "xlsxwriter") -> Path:
    """Any frames as formatted Excel tables, with no Summary (atomically)."""
    return _writer(writer).write(Layout(sheets=tuple(sheets)), Path(path))


def write_workbook(
    data: ReportData,
    path: str | Path,
    template: str | Path | None = None,
    writer: Writer | None = None,
) -> Path:
    """Write the month's workbook to `path` (atomically) and return it.

    `writer` is chosen for you: openpyxl with a template, xlsxwriter without. The tests
    name it to hold both to the same output.
    """
    layout = month_layout(data)
    if template is not None:
        from reports.render import excel_openpyxl

        if writer == "xlsxwriter":
            raise ValueError("a template is filled by openpyxl; xlsxwriter cannot read one")
        return excel_openpyxl.write(layout, Path(path), template=Path(template))
    return _writer(writer or "xlsxwriter").write(layout, Path(path))


def write_trends_workbook(data: ReportData, path: str | Path) -> Path:
    """A workbook of `data`'s Trends sheet alone (`reports trends`), atomically."""
    if data.history is None:
        raise ValueError("the report was built without history (history_months=0)")
    grid = trends_grid(data, data.history, {})
    firm = (data.firm.name or "Trends").replace("&", "&&")
    setup = PageSetup(True, header=f"&L{firm}&C&A&R{data.month_label}")
    pages = {grid.title: trends_pages(grid, len(data.history.months), setup)}
    return _writer("xlsxwriter").write(Layout(sheets=(), grids=(grid,), pages=pages), Path(path))


def month_layout(data: ReportData) -> Layout:
    """Everything the month's workbook holds, for a writer to put on disk."""
    sheets = tuple(sheets_for(data))
    chart_sheet = next((s for s in sheets if s.table == "ExpensesByMonth"), None)
    labels = max(len(figure.label_for(data)) for figure in shown_figures(data)) + 2
    summary = tuple(summary_rows(data, sheets))
    grids: tuple[Grid, ...] = ()
    pages = page_setups(data, sheets)
    statuses = None
    if data.history is not None:
        labelled = {figure.label_for(data): figure.key for figure in shown_figures(data)}
        rows = {
            labelled[row[0].value]: number
            for number, row in enumerate(summary, start=1)
            if len(row) > 1 and row[1].formula and row[0].value in labelled
        }
        grid = trends_grid(data, data.history, rows)
        if rows:  # the figures' Status column, coloured by its words as on Trends
            statuses = f"D{min(rows.values())}:D{max(rows.values())}"
        grids = (grid,)
        pages[TRENDS] = trends_pages(grid, len(data.history.months), pages["Summary"])
    return Layout(
        sheets=sheets,
        grids=grids,
        summary=summary,
        chart=Chart(chart_sheet, y_title=f"Amount in {data.report_currency}")
        if chart_sheet is not None
        else None,
        summary_widths=(max(SUMMARY_WIDTHS[0], labels), *SUMMARY_WIDTHS[1:]),
        summary_status_range=statuses,
        pages=pages,
        defined_names={
            "firm": data.firm.name,
            "period": data.month_label,
            "generated_at": naive_uk(data.generated_at),
        },
    )


def _writer(name: Writer) -> WorkbookWriter:
    if name == "xlsxwriter":
        from reports.render import excel_xlsxwriter

        return excel_xlsxwriter
    from reports.render import excel_openpyxl

    return excel_openpyxl


#: Sheets wider than this many columns print across the page (landscape).
PORTRAIT_COLUMNS = 7
#: The Summary's row saying whether the month is a draft or approved, and by whom (its
#: text in column B): `reports approve` rewrites that one cell (`excel_stamp`).
APPROVAL_ROW = 5
APPROVAL_CELL = f"B{APPROVAL_ROW}"
APPROVAL_HEADING = "Approval"
#: Characters of commentary a Summary line holds: its columns together are wider
#: (`SUMMARY_WIDTHS`), and each line runs on over the empty cells beside it.
COMMENTARY_WIDTH = 120


def page_setups(data: ReportData, sheets: Sequence[Sheet]) -> dict[str, PageSetup]:
    """Each sheet's print setup, the Summary's on one page; the header names the firm, the
    sheet and the month."""
    firm = (data.firm.name or "Monthly report").replace("&", "&&")
    header = f"&L{firm}&C&A&R{data.month_label}"
    pages = {"Summary": PageSetup(False, fit_height=1, repeat_header=False, header=header)}
    for sheet in sheets:
        pages[sheet.title] = PageSetup(len(sheet.columns) > PORTRAIT_COLUMNS, header=header)
    return pages


def commentary_rows(data: ReportData) -> list[tuple[Cell, ...]]:
    """The month's commentary under the figures, as the PDF has it: its paragraphs in plain
    text, each wrapped into lines of `COMMENTARY_WIDTH` characters and a blank row between.
    Lines of their own rather than a wrapped cell: a spreadsheet sizes no row to a merged
    cell's text, and a cell of one column would wrap at the labels' width."""
    if data.commentary is None:
        return []
    title = "Commentary" if data.commentary.by_firm else "This month in brief"
    rows: list[tuple[Cell, ...]] = [(), (Cell(title, bold=True),)]
    for number, paragraph in enumerate(paragraphs(data.commentary.text)):
        if number:
            rows.append(())
        rows += [(Cell(line),) for line in textwrap.wrap(paragraph, COMMENTARY_WIDTH)]
    return rows


def summary_rows(data: ReportData, sheets: Sequence[Sheet]) -> list[tuple[Cell, ...]]:
    """The Summary sheet: period and sources, then every figure as a live formula over the
    tables, then expenses by currency."""
    by_table = {s.table: s for s in sheets}
    report_format = money_format(data.report_currency)

    def ref(table: str, field: str) -> str:
        return by_table[table].column_range(field)

    # The period's first day is the cell `excel_formulas.PERIOD_START_CELL` names (B2).
    rows: list[tuple[Cell, ...]] = [
        (Cell(f"{data.firm.name or 'Monthly report'}: {data.month_label}", bold=True),),
        # The facts of the report read from the left, as the text beside them does.
        (
            Cell("Period"),
            Cell(data.period_start, "yyyy-mm-dd", align="left"),
            Cell(data.period_end, "yyyy-mm-dd", align="left"),
        ),
        (
            Cell("Generated"),
            Cell(naive_uk(data.generated_at), "yyyy-mm-dd hh:mm", align="left"),
        ),
        (Cell("Report currency"), Cell(data.report_currency)),
        (Cell(APPROVAL_HEADING), Cell(data.stamp.label, bold=True)),
    ]
    assert len(rows) == APPROVAL_ROW  # `reports approve` writes its stamp there
    if data.empty_month_note:
        rows.append((Cell(data.empty_month_note, bold=True),))
    for source in data.sources:
        state = (
            f"fetched {naive_uk(source.fetched_at):%Y-%m-%d %H:%M}"
            if source.fetched_at
            else "fetched"
        )
        if not source.present:
            state = "MISSING: this report lacks its data"
        rows.append(
            (
                Cell(f"Source: {source.name}"),
                Cell(state),
                Cell(source.rows, '#,##0" records"', align="left"),
            )
        )
    for alert in data.alerts:
        rows.append((Cell(alert_sentence(alert), bold=True),))
    trends = {t.key: t for t in data.history.trends} if data.history else {}
    targeted = any(t.target is not None for t in trends.values())
    # Each heading sits as its column's values do: amounts right, the status word centred
    # (a target's figure and its status would otherwise read as one, "55on track").
    target_header = (
        (Cell("Target", bold=True, align="right"), Cell("Status", bold=True, align="center"))
        if targeted
        else ()
    )
    rows += [
        (),
        (Cell("Figure", bold=True), Cell("Value", bold=True, align="right"), *target_header),
    ]
    for figure in shown_figures(data):
        currency = figure.currency_for(data)
        number_format = money_format(currency) if currency else figure_format(figure.unit)
        trend = trends.get(figure.key)
        status: tuple[Cell, ...] = ()
        if trend is not None and trend.target is not None and trend.status is not None:
            status = (
                Cell(trend.target, number_format),
                Cell(trend.status.value, align="center"),
            )
        rows.append(
            (
                Cell(figure.label_for(data)),
                Cell(
                    formula_for(figure, ref, data),
                    number_format,
                    formula=True,
                    cached=figure.value_for(data),
                ),
                *status,
            )
        )
    rows += commentary_rows(data)
    # Expenses come from one system: a firm without it has no such table.
    if shows(data, "Expenses"):
        rows += [
            (),
            (
                Cell("Expenses by currency", bold=True),
                Cell("Amount", bold=True, align="right"),
                Cell(f"In {data.report_currency}", bold=True, align="right"),
            ),
        ]
        currency_range = ref("Expenses", "currency_code")
        first = len(rows) + 1  # the sheet's row of the first currency (rows count from 1)
        by_currency = data.expenses_by_currency
        for currency, amount, converted in by_currency.select(
            "currency_code", "amount", "report_amount"
        ).iter_rows():
            where = (currency_range, f'"{currency}"')
            rows.append(
                (
                    Cell(currency),
                    Cell(
                        "=" + visible_sum(ref("Expenses", "amount"), where),
                        money_format(currency),
                        formula=True,
                        cached=amount,
                    ),
                    Cell(
                        "=" + visible_sum(ref("Expenses", "report_amount"), where),
                        report_format,
                        formula=True,
                        cached=converted,
                    ),
                )
            )
        last = len(rows)
        total = by_currency["report_amount"].sum() if by_currency.height else 0
        rows.append(
            (
                Cell("Total (each currency converted)", bold=True),
                Cell(),
                Cell(
                    f"=SUM(C{first}:C{last})" if last >= first else "=0",
                    report_format,
                    bold=True,
                    formula=True,
                    cached=total or 0,
                ),
            )
        )
    if data.missing_sources:
        rows += [
            (),
            (Cell(f"INCOMPLETE: no data from {', '.join(data.missing_sources)}", bold=True),),
        ]
    # Lines of the commentary's width, so the Summary still prints one page wide at its size.
    for each in (each for sheet in sheets for each in cut_texts(sheet)):
        lines = textwrap.wrap(each.sentence(), COMMENTARY_WIDTH)
        rows += [(), *((Cell(line, bold=True),) for line in lines)]
    return rows
