"""The monthly workbook, with openpyxl: a live Summary over one Excel table per frame.

Without a template the workbook is written in openpyxl's write-only mode (rows stream to
disk through lxml, so 100,000-row sheets take little memory). A firm's own template is
loaded and filled instead: its sheets (cover, logo, styles) come first, its defined names
`firm`, `period` and `generated_at` are filled, and a named style `Report header`, if it
has one, styles our table headers. openpyxl cannot stream into a loaded workbook, so a
template costs memory in proportion to the data.

Cells are typed: numbers are numbers (exact `Decimal`), dates are dates, money carries its
currency's number format. Text that would read as a formula (`=`, `+`, `-`, `@`, tab,
carriage return) is written as text.
"""

from __future__ import annotations

import datetime as dt
import re
import warnings
import zipfile
from collections.abc import Callable, Sequence
from copy import copy
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl
from openpyxl import Workbook, load_workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.chart import BarChart, Reference
from openpyxl.styles import Alignment, Font, NamedStyle, PatternFill
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.worksheet.filters import AutoFilter
from openpyxl.worksheet.table import Table, TableColumn, TableStyleInfo

from reports.errors import TemplateError
from reports.frames import WILLSUITE_CURRENCY
from reports.money import SYMBOLS, minor_units
from reports.output import atomic_write
from reports.periods import FIRM_ZONE
from reports.report.figures import FIGURES
from reports.report.model import ReportData

UK = FIRM_ZONE
FORMULA_LIKE = ("=", "+", "-", "@", "\t", "\r")
ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
HEADER_FONT = Font(bold=True, color="FFFFFF")
HEADER_FILL = PatternFill("solid", fgColor="1F4E79")


#: The format of an amount whose currency is not known (it is flagged in Data quality).
UNKNOWN_CURRENCY_FORMAT = "#,##0.00##"


def money_format(currency: str | None) -> str:
    """An Excel number format for `currency`, with its ISO 4217 minor units."""
    if not currency:
        return UNKNOWN_CURRENCY_FORMAT
    digits = minor_units(currency)
    number = "#,##0" + ("." + "0" * digits if digits else "")
    symbol = SYMBOLS.get(currency.upper())
    return f'"{symbol}"{number}' if symbol else f'{number} "{currency.upper()}"'


@dataclass(frozen=True)
class Col:
    """One column of a sheet: the frame field, its header, and how its cells are written."""

    field: str
    header: str
    kind: str = "text"  # text, int, money, decimal, percent, rate, date, datetime, bool
    currency: str | None = None  # fixed currency of a money column
    currency_field: str | None = None  # or the field holding each row's currency
    total: bool = False


@dataclass(frozen=True)
class Sheet:
    title: str
    table: str
    frame: pl.DataFrame
    columns: tuple[Col, ...]

    @property
    def rows(self) -> int:
        return max(self.frame.height, 1)  # an Excel table needs a data row, even an empty one

    def column_range(self, field: str) -> str:
        index = [c.field for c in self.columns].index(field) + 1
        letter = get_column_letter(index)
        return f"{quote_sheetname(self.title)}!${letter}$2:${letter}${self.rows + 1}"


def expense_columns(report_currency: str) -> tuple[Col, ...]:
    return (
        Col("id", "Expense"),
        Col("expat_case_id", "Case"),
        Col("client_name", "Client"),
        Col("title", "Title"),
        Col("incurred_at", "Incurred", "date"),
        Col("status", "Status"),
        Col("amount", "Amount", "money", currency_field="currency_code"),
        Col("currency_code", "Currency"),
        Col(
            "report_amount",
            f"Amount ({report_currency})",
            "money",
            currency=report_currency,
            total=True,
        ),
        Col("fx_rate_date", "ECB rate date", "date"),
        Col("fx_source_per_eur", "Currency per EUR", "rate"),
        Col("fx_target_per_eur", f"{report_currency} per EUR", "rate"),
        Col("invoiced", "Invoiced", "bool"),
        Col("invoice_id", "Invoice"),
        Col(
            "converted_amount",
            "Platform's conversion",
            "money",
            currency_field="converted_amount_currency_code",
        ),
        Col("converted_amount_currency_code", "Platform currency"),
    )


def sheets_for(data: ReportData) -> list[Sheet]:
    report_currency = data.report_currency
    invoice_currency = WILLSUITE_CURRENCY  # the VAT and debt tables carry no currency column
    items = data.invoice_items.join(
        data.invoices.select(pl.col("id").alias("case_invoice_id"), "invoice_number"),
        on="case_invoice_id",
        how="left",
        suffix="_invoice",
    )
    return [
        Sheet(
            "Cases",
            "Cases",
            data.cases,
            (
                Col("source", "Source"),
                Col("case_id", "Case"),
                Col("case_name", "Name"),
                Col("client", "Client"),
                Col("status", "Status"),
                Col("opened_on", "Opened", "date"),
                Col("closed_on", "Closed", "date"),
                Col("opened_in_period", "Opened this month", "bool"),
                Col("closed_in_period", "Closed this month", "bool"),
            ),
        ),
        Sheet(
            "Tasks",
            "Tasks",
            data.tasks,
            (
                Col("id", "Task"),
                Col("expat_case_id", "Case"),
                Col("name", "Name"),
                Col("assignee_name", "Assignee"),
                Col("status", "Status"),
                Col("start_date", "Start", "date"),
                Col("end_date", "End", "date"),
                Col("duration", "Days", "int"),
            ),
        ),
        Sheet("Expenses", "Expenses", data.expenses, expense_columns(report_currency)),
        Sheet(
            "Incomes",
            "Incomes",
            data.incomes,
            (
                Col("uuid", "Income"),
                Col("account_name", "Client"),
                Col("name", "Name"),
                Col("type", "Type"),
                Col("frequency", "Frequency"),
                Col("amount_type", "Net or gross"),
                Col("is_taxable", "Taxable", "bool"),
                Col("amount", "Amount", "money", currency_field="amount_currency"),
                Col(
                    "annual_amount", "Annual", "money", currency_field="amount_currency", total=True
                ),
                Col(
                    "monthly_amount",
                    "Monthly",
                    "money",
                    currency_field="amount_currency",
                    total=True,
                ),
                Col("amount_currency", "Currency"),
                Col(
                    "report_annual_amount",
                    f"Annual ({report_currency})",
                    "money",
                    currency=report_currency,
                    total=True,
                ),
                Col("start_date", "Start", "date"),
                Col("end_date", "End", "date"),
            ),
        ),
        Sheet(
            "Invoices",
            "Invoices",
            data.invoices,
            (
                Col("invoice_number", "Invoice"),
                Col("recipients_name", "Recipient"),
                Col("invoice_date", "Date", "date"),
                Col("status", "Status"),
                Col("subtotal", "Subtotal", "money", currency_field="currency", total=True),
                Col("vat_amount", "VAT", "money", currency_field="currency", total=True),
                Col("total", "Total", "money", currency_field="currency", total=True),
                Col(
                    "recomputed_subtotal",
                    "Lines: net",
                    "money",
                    currency_field="currency",
                    total=True,
                ),
                Col("recomputed_vat", "Lines: VAT", "money", currency_field="currency", total=True),
                Col(
                    "recomputed_total",
                    "Lines: gross",
                    "money",
                    currency_field="currency",
                    total=True,
                ),
                Col(
                    "cancelled_subtotal",
                    "Cancelled net",
                    "money",
                    currency_field="currency",
                    total=True,
                ),
                Col("consistent", "Consistent", "bool"),
                Col("issues", "Issues"),
            ),
        ),
        Sheet(
            "Invoice items",
            "InvoiceItems",
            items,
            (
                Col("invoice_number", "Invoice"),
                Col("description", "Description"),
                Col("quantity", "Quantity", "decimal"),
                Col("rate", "Rate", "money", currency_field="currency"),
                Col("subtotal", "Net", "money", currency_field="currency", total=True),
                Col("vat_amount", "VAT", "money", currency_field="currency", total=True),
                Col("amount", "Gross", "money", currency_field="currency", total=True),
                Col("has_vat", "VAT applies", "bool"),
                Col("cancelled", "Cancelled", "bool"),
            ),
        ),
        Sheet(
            "VAT",
            "VatByPeriod",
            data.vat_by_period,
            (
                Col("basis", "Basis"),
                Col("period_start", "From", "date"),
                Col("period_end", "To", "date"),
                Col("vat_rate", "VAT rate", "decimal"),
                Col("invoices", "Invoices", "int"),
                Col("lines", "Lines", "int"),
                Col("net_sales", "Net sales (box 6)", "money", currency=invoice_currency),
                Col("vat", "VAT (box 1)", "money", currency=invoice_currency),
            ),
        ),
        Sheet(
            "Aged debt",
            "AgedDebt",
            data.aged_debt,
            (
                Col("age_bucket", "Days past due"),
                Col("invoices", "Invoices", "int", total=True),
                Col("amount", "Outstanding", "money", currency=invoice_currency, total=True),
            ),
        ),
        Sheet(
            "Invoicing by month",
            "InvoicingByMonth",
            data.invoicing_by_month,
            (
                Col("month", "Month", "date"),
                Col("invoiced_amount", "Invoiced", "money", currency=report_currency, total=True),
                Col(
                    "not_invoiced_amount",
                    "Not invoiced",
                    "money",
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
                Col("source", "Source"),
                Col("case_id", "Case"),
                Col("case_name", "Name"),
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
                Col("source", "Source"),
                Col("entity", "Record type"),
                Col("record", "Record"),
                Col("check", "Check"),
                Col("detail", "Detail"),
            ),
        ),
    ]


def write_sheets(sheets: Sequence[Sheet], path: str | Path) -> Path:
    """Any frames as formatted Excel tables, streamed in write-only mode (atomically)."""
    book = Workbook(write_only=True)
    for sheet in sheets:
        _write_sheet(book, sheet, None)
    return atomic_write(Path(path), lambda temporary: book.save(temporary))


def write_workbook(data: ReportData, path: str | Path, template: str | Path | None = None) -> Path:
    """Write the month's workbook to `path` (atomically) and return it."""
    target = Path(path)
    sheets = sheets_for(data)
    if template is not None:
        try:
            book = load_workbook(template)
        except (OSError, ValueError, KeyError, zipfile.BadZipFile, InvalidFileException) as error:
            raise TemplateError(f"cannot use template {template}: {error}") from None
        _fill_defined_names(book, data)
    else:
        book = Workbook(write_only=True)
    header_style = _header_style(book)
    _write_summary(book, data, sheets)
    for sheet in sheets:
        _write_sheet(book, sheet, header_style)
    chart_sheet = next(s for s in sheets if s.table == "InvoicingByMonth")
    _add_chart(book[chart_sheet.title], chart_sheet)
    return atomic_write(target, lambda temporary: book.save(temporary))


# ----------------------------------------------------------------------------- cells


def _text(value: str) -> str:
    return ILLEGAL.sub("\ufffd", value)


def _cell(
    ws: Any, value: Any, number_format: str | None = None, *, bold: bool = False
) -> WriteOnlyCell:
    if isinstance(value, str):
        value = _text(value)
    elif isinstance(value, dt.datetime):
        value = _naive_uk(value)
    elif isinstance(value, list):
        value = ", ".join(str(v) for v in value)
    cell = WriteOnlyCell(ws, value=value)
    if isinstance(value, str) and value.startswith(FORMULA_LIKE):
        cell.data_type = "s"  # never a formula, whatever it starts with
        cell.quotePrefix = True
    if number_format:
        cell.number_format = number_format
    if bold:
        cell.font = Font(bold=True)
    return cell


def _formula(
    ws: Any, formula: str, number_format: str | None = None, *, bold: bool = False
) -> WriteOnlyCell:
    cell = WriteOnlyCell(ws, value=formula)
    if number_format:
        cell.number_format = number_format
    if bold:
        cell.font = Font(bold=True)
    return cell


FIXED_FORMATS = {
    "int": "0",
    "decimal": "0.00##",
    "percent": '0.00"%"',
    "rate": "0.000000",
    "date": "yyyy-mm-dd",
    "datetime": "yyyy-mm-dd hh:mm",
}


def _total_format(column: Col) -> str | None:
    if column.kind == "money":
        return money_format(column.currency)
    return FIXED_FORMATS.get(column.kind)


def _cell_maker(
    ws: Any, column: Col, positions: dict[str, int]
) -> Callable[[tuple[Any, ...]], Any]:
    """A function from a row tuple to this column's cell, specialised once per column.

    Plain values go to openpyxl as they are; styled cells share one cached style array per
    number format instead of looking the format up cell by cell (a large share of the time
    on 100,000-row sheets).
    """
    index = positions[column.field]
    styles: dict[str, Any] = {}

    def styled(value: Any, number_format: str) -> WriteOnlyCell:
        cell = WriteOnlyCell(ws, value=value)
        style = styles.get(number_format)
        if style is None:
            probe = WriteOnlyCell(ws)
            probe.number_format = number_format
            style = styles[number_format] = probe._style
        cell._style = copy(style)
        return cell

    if column.kind == "money":
        if column.currency:
            fixed = money_format(column.currency)
            return lambda row: None if row[index] is None else styled(row[index], fixed)
        currency_index = positions[column.currency_field or ""]
        formats: dict[str, str] = {}

        def money(row: tuple[Any, ...]) -> Any:
            value, currency = row[index], row[currency_index]
            if value is None:
                return None
            if not currency:
                return styled(value, UNKNOWN_CURRENCY_FORMAT)
            number_format = formats.get(currency) or formats.setdefault(
                currency, money_format(currency)
            )
            return styled(value, number_format)

        return money
    if column.kind in FIXED_FORMATS:
        fixed = FIXED_FORMATS[column.kind]
        if column.kind == "datetime":
            return lambda row: None if row[index] is None else styled(_naive_uk(row[index]), fixed)
        return lambda row: None if row[index] is None else styled(row[index], fixed)

    def plain(row: tuple[Any, ...]) -> Any:
        value = row[index]
        if isinstance(value, str):
            if value.startswith(FORMULA_LIKE) or ILLEGAL.search(value):
                return _cell(ws, value)
            return value
        if isinstance(value, list):
            return _cell(ws, value)
        return value

    return plain


def _naive_uk(value: dt.datetime) -> dt.datetime:
    return value.astimezone(UK).replace(tzinfo=None) if value.tzinfo else value


# ----------------------------------------------------------------------------- sheets


def _header_style(book: Workbook) -> str | None:
    names = {getattr(style, "name", style) for style in getattr(book, "named_styles", [])}
    return "Report header" if "Report header" in names else None


def _write_sheet(book: Workbook, sheet: Sheet, header_style: str | None) -> None:
    ws = book.create_sheet(sheet.title)
    widths = _widths(sheet)
    for index, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(index)].width = width
    ws.freeze_panes = "A2"
    headers = []
    for column in sheet.columns:
        cell = WriteOnlyCell(ws, value=column.header)
        if header_style:
            cell.style = header_style
        else:
            cell.font, cell.fill = HEADER_FONT, HEADER_FILL
            cell.alignment = Alignment(vertical="center")
        headers.append(cell)
    ws.append(headers)
    fields = [column.field for column in sheet.columns]
    extra = sorted({c.currency_field for c in sheet.columns if c.currency_field} - set(fields))
    positions = {name: index for index, name in enumerate([*fields, *extra])}
    makers = [_cell_maker(ws, column, positions) for column in sheet.columns]
    rows = (
        sheet.frame.select([*fields, *extra]).iter_rows()
        if sheet.frame.height
        else iter([(None,) * len(positions)])
    )
    for row in rows:
        ws.append([make(row) for make in makers])
    totalled = [_can_total(sheet.frame, column) for column in sheet.columns]
    totals = []
    for index, column in enumerate(sheet.columns):
        if index == 0:
            totals.append(_cell(ws, "Total", bold=True))
        elif totalled[index]:
            letter = get_column_letter(index + 1)
            totals.append(
                _formula(
                    ws,
                    f"=SUBTOTAL(109,{letter}2:{letter}{sheet.rows + 1})",
                    _total_format(column),
                    bold=True,
                )
            )
        else:
            totals.append(_cell(ws, None))
    ws.append(totals)
    last = get_column_letter(len(sheet.columns))
    table = Table(displayName=sheet.table, ref=f"A1:{last}{sheet.rows + 2}", totalsRowCount=1)
    # Write-only sheets cannot be read back, so the table's columns are named here, exactly
    # as the header cells say (Excel drops a table whose names differ from its headers).
    table.tableColumns = [
        TableColumn(id=index, name=column.header, totalsRowFunction="sum" if total else None)
        for index, (column, total) in enumerate(zip(sheet.columns, totalled, strict=True), start=1)
    ]
    table.tableColumns[0].totalsRowLabel = "Total"
    table.autoFilter = AutoFilter(
        ref=f"A1:{last}{sheet.rows + 1}"
    )  # header filters, not the totals
    table.tableStyleInfo = TableStyleInfo(name="TableStyleMedium2", showRowStripes=True)
    with warnings.catch_warnings():  # openpyxl warns in write-only mode even when columns are set
        warnings.filterwarnings("ignore", "In write-only mode you must add table columns manually")
        ws.add_table(table)


def _can_total(frame: pl.DataFrame, column: Col) -> bool:
    """A totals row never adds two currencies: a column whose rows carry their own currency
    is totalled only while they all carry the same one."""
    if not column.total:
        return False
    if column.currency_field is None or frame.height == 0:
        return True
    currencies = frame[column.currency_field]
    return currencies.null_count() == 0 and currencies.n_unique() == 1


def _widths(sheet: Sheet, sample: int = 200) -> list[float]:
    widths: list[float] = []
    for column in sheet.columns:
        longest = len(column.header)
        if column.kind in ("date",):
            longest = max(longest, 10)
        elif column.kind in ("money", "decimal", "rate", "percent"):
            longest = max(longest, 14)
        elif sheet.frame.height:
            values = (
                sheet.frame[column.field].head(sample).cast(pl.String, strict=False).drop_nulls()
            )
            longest = max([longest, *(len(v) for v in values)])
        widths.append(min(max(longest + 2, 8), 60))
    return widths


def _write_summary(book: Workbook, data: ReportData, sheets: Sequence[Sheet]) -> None:
    ws = book.create_sheet("Summary")
    ws.column_dimensions["A"].width = 44
    ws.column_dimensions["B"].width = 22
    ws.column_dimensions["C"].width = 22
    by_table = {s.table: s for s in sheets}
    report_format = money_format(data.report_currency)

    def ref(table: str, field: str) -> str:
        return by_table[table].column_range(field)

    ws.append([_cell(ws, f"{data.firm or 'Monthly report'}: {data.month_label}", bold=True)])
    ws.append(
        [
            _cell(ws, "Period"),
            _cell(ws, data.period_start, "yyyy-mm-dd"),
            _cell(ws, data.period_end, "yyyy-mm-dd"),
        ]
    )
    ws.append([_cell(ws, "Generated"), _cell(ws, data.generated_at, "yyyy-mm-dd hh:mm")])
    ws.append([_cell(ws, "Report currency"), _cell(ws, data.report_currency)])
    for source in data.sources:
        state = (
            f"fetched {source.fetched_at.astimezone(UK):%Y-%m-%d %H:%M}"
            if source.fetched_at
            else "fetched"
        )
        if not source.present:
            state = "MISSING: this report lacks its data"
        ws.append(
            [_cell(ws, f"Source: {source.name}"), _cell(ws, state), _cell(ws, source.rows, "0")]
        )
    ws.append([])
    ws.append([_cell(ws, "Figure", bold=True), _cell(ws, "Value", bold=True)])
    for figure in FIGURES:
        currency = figure.currency_for(data)
        ws.append(
            [
                _cell(ws, figure.label_for(data)),
                _formula(
                    ws, figure.formula(ref, data), money_format(currency) if currency else "0"
                ),
            ]
        )
    ws.append([])
    ws.append(
        [
            _cell(ws, "Expenses by currency", bold=True),
            _cell(ws, "Amount", bold=True),
            _cell(ws, f"In {data.report_currency}", bold=True),
        ]
    )
    for currency in data.expenses_by_currency["currency_code"].to_list():
        amount = (
            f'=SUMIFS({ref("Expenses", "amount")},{ref("Expenses", "currency_code")},"{currency}")'
        )
        converted = f'=SUMIFS({ref("Expenses", "report_amount")},{ref("Expenses", "currency_code")},"{currency}")'
        ws.append(
            [
                _cell(ws, currency),
                _formula(ws, amount, money_format(currency)),
                _formula(ws, converted, report_format),
            ]
        )
    if data.missing_sources:
        ws.append([])
        ws.append(
            [_cell(ws, f"INCOMPLETE: no data from {', '.join(data.missing_sources)}", bold=True)]
        )


def _add_chart(ws: Any, sheet: Sheet) -> None:
    """A native stacked column chart of invoiced and not invoiced expenses by month."""
    chart = BarChart()
    chart.type = "col"
    chart.grouping = "stacked"
    chart.overlap = 100
    chart.title = "Expenses invoiced and not invoiced, by month incurred"
    chart.y_axis.title = "Amount"
    rows = sheet.rows + 1
    title = quote_sheetname(sheet.title)
    # By range, not by cell: write-only sheets cannot be read back.
    chart.add_data(Reference(range_string=f"{title}!$B$1:$C${rows}"), titles_from_data=True)
    chart.set_categories(Reference(range_string=f"{title}!$A$2:$A${rows}"))
    chart.width, chart.height = 22, 11
    ws.add_chart(chart, "E2")


def _fill_defined_names(book: Workbook, data: ReportData) -> None:
    values = {
        "firm": data.firm,
        "period": data.month_label,
        "generated_at": data.generated_at.astimezone(UK).replace(tzinfo=None),
    }
    for name, value in values.items():
        defined = book.defined_names.get(name)
        if defined is None:
            continue
        for title, coordinate in defined.destinations:
            cell = book[title][coordinate.replace("$", "")]
            if isinstance(value, str):
                # The firm's name (from --firm or a snapshot) is text, whatever it starts with.
                cell.value = _text(value)
                cell.data_type = "s"
                cell.quotePrefix = value.startswith(FORMULA_LIKE)
            else:
                cell.value = value


def template_style() -> NamedStyle:
    """The named style a template may define for table headers (for template authors)."""
    return NamedStyle(name="Report header", font=HEADER_FONT, fill=HEADER_FILL)
