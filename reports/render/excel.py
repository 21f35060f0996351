"""The monthly workbook: a live Summary over one Excel table per frame.

This module decides what the workbook holds, cell by cell and format by format; two writers
put it on disk and nothing else differs between them:

- `excel_xlsxwriter` (the default): xlsxwriter's `constant_memory` mode streams each row to
  disk as it is written, so a million-row sheet takes a few MiB and is written faster than
  `polars.DataFrame.write_excel` (benchmarks/excel.py).
- `excel_openpyxl`: for a firm's own `.xlsx` template, which has to be loaded and filled
  (xlsxwriter cannot read a file). Its sheets (cover, logo, styles) come first, its defined
  names `firm`, `period` and `generated_at` are filled, and a named style `Report header`,
  if it has one, styles our table headers. A loaded workbook is held whole in memory.

Cells are typed: numbers are numbers (exact `Decimal`, never a float on the way), dates are
dates, money carries its currency's number format. Text that would read as a formula (`=`,
`+`, `-`, `@`, tab, carriage return) is written as text with a quote prefix.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

import polars as pl
from openpyxl.utils import get_column_letter, quote_sheetname

from reports.frames import WILLSUITE_CURRENCY
from reports.money import SYMBOLS, minor_units
from reports.periods import FIRM_TIMEZONE, FIRM_ZONE
from reports.report import figures
from reports.report.figures import FIGURES, visible_sum
from reports.report.model import ReportData

UK = FIRM_ZONE
#: How a true or false value is shown on every sheet (`figures.YES` is what they look for).
YES, NO = figures.YES, "No"
FORMULA_LIKE = ("=", "+", "-", "@", "\t", "\r")
#: Control characters an .xlsx cannot hold; shown as U+FFFD, as the PDFs show them.
ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
HEADER_COLOUR = "1F4E79"
#: The Summary sheet's column widths, in characters: labels (at least this, and wide enough
#: for the longest figure's label), then two values.
SUMMARY_WIDTHS = (44, 22, 22)
#: The library that writes the workbook: see the module's docstring.
Writer = Literal["xlsxwriter", "openpyxl"]


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
    #: text, int, money, decimal, percent (41.07 is 41.07 %), fraction (0.2 is 20 %), rate,
    #: date, datetime, bool (shown Yes or No)
    kind: str = "text"
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
        Col("state", "Billing"),
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
                Col("uuid", "Income"),
                Col("account_name", "Client"),
                Col("name", "Name"),
                Col("type", "Type"),
                Col("frequency", "Frequency"),
                Col("recurring", "Recurring", "bool"),
                Col("amount_type", "Recorded net or gross"),
                Col("is_taxable", "Taxable", "bool"),
                Col("amount", "Amount", "money", currency_field="amount_currency"),
                Col(
                    "annual_amount", "Annual", "money", currency_field="amount_currency", total=True
                ),
                Col("monthly_amount", "Monthly", "money", currency_field="amount_currency"),
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
                Col("id", "Invoice id"),
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
                Col("vat_rate", "VAT rate", "fraction"),
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
                    "to_be_invoiced_amount",
                    "Approved, to be invoiced",
                    "money",
                    currency=report_currency,
                    total=True,
                ),
                Col(
                    "awaiting_approval_amount",
                    "Pending, awaiting approval",
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
                Col("action", "What was done"),
            ),
        ),
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
    sheets = tuple(sheets_for(data))
    chart_sheet = next(s for s in sheets if s.table == "InvoicingByMonth")
    labels = max(len(figure.label_for(data)) for figure in FIGURES) + 2
    layout = Layout(
        sheets=sheets,
        summary=tuple(summary_rows(data, sheets)),
        chart=Chart(chart_sheet, y_title=f"Amount in {data.report_currency}"),
        summary_widths=(max(SUMMARY_WIDTHS[0], labels), *SUMMARY_WIDTHS[1:]),
        pages=page_setups(data, sheets),
    )
    if template is not None:
        from reports.render import excel_openpyxl

        if writer == "xlsxwriter":
            raise ValueError("a template is filled by openpyxl; xlsxwriter cannot read one")
        return excel_openpyxl.write(layout, Path(path), template=Path(template), data=data)
    return _writer(writer or "xlsxwriter").write(layout, Path(path))


def _writer(name: Writer) -> Any:
    if name == "xlsxwriter":
        from reports.render import excel_xlsxwriter

        return excel_xlsxwriter
    from reports.render import excel_openpyxl

    return excel_openpyxl


# ----------------------------------------------------------------------------- layout


@dataclass(frozen=True)
class Cell:
    """One Summary or totals cell, as both writers write it."""

    value: Any = None  # text, a number, a date, a naive UK datetime, or a formula
    number_format: str | None = None
    bold: bool = False
    formula: bool = False
    #: A formula's result, stored with it, so that previews that do not recalculate (mail
    #: apps, file browsers, `openpyxl` with `data_only=True`) show the figure; it is what the
    #: formula gives over the tables as written (the tests recalculate and compare).
    cached: Any = None


@dataclass(frozen=True)
class Chart:
    """The native stacked column chart of invoiced and not invoiced expenses by month."""

    sheet: Sheet
    title: str = "Expenses by month incurred: invoiced, to be invoiced, awaiting approval"
    y_title: str = "Amount"
    #: The axes' number formats: months on the x axis, money with thousands on the y axis.
    x_format: str = "mmm yy"
    y_format: str = "#,##0"
    anchor: str = "F2"
    width_cm: float = 22
    height_cm: float = 11

    @property
    def last_row(self) -> int:
        return self.sheet.rows + 1  # the header, then the data rows

    @property
    def series_letters(self) -> tuple[str, ...]:
        """The columns drawn, one series each: every column after the month's."""
        return tuple(get_column_letter(i + 1) for i in range(1, len(self.sheet.columns)))


@dataclass(frozen=True)
class PageSetup:
    """How a sheet prints: on A4, one page wide, its header row on every page, and a header
    and footer in Excel's codes (`&L`, `&C`, `&R` sections; `&A` the sheet, `&P` and `&N`
    the page and the page count)."""

    landscape: bool
    #: Pages tall at the most; 0 for as many as it takes (one page wide always).
    fit_height: int = 0
    repeat_header: bool = True
    header: str = ""
    footer: str = "&CPage &P of &N"


#: Sheets wider than this many columns print across the page (landscape).
PORTRAIT_COLUMNS = 7


def page_setups(data: ReportData, sheets: Sequence[Sheet]) -> dict[str, PageSetup]:
    """Each sheet's print setup, the Summary's on one page; the header names the firm, the
    sheet and the month."""
    firm = (data.firm.name or "Monthly report").replace("&", "&&")
    header = f"&L{firm}&C&A&R{data.month_label}"
    pages = {"Summary": PageSetup(False, fit_height=1, repeat_header=False, header=header)}
    for sheet in sheets:
        pages[sheet.title] = PageSetup(len(sheet.columns) > PORTRAIT_COLUMNS, header=header)
    return pages


@dataclass(frozen=True)
class Layout:
    """Everything a writer puts in the workbook, in order: Summary, then the sheets."""

    sheets: tuple[Sheet, ...]
    summary: tuple[tuple[Cell, ...], ...] | None = None
    chart: Chart | None = None
    summary_widths: tuple[float, ...] = SUMMARY_WIDTHS
    #: Each sheet's print setup, by title (none given: the writer's defaults).
    pages: dict[str, PageSetup] = field(default_factory=dict)


ColumnKind = Literal["text", "number", "bool", "date", "datetime"]


@dataclass(frozen=True)
class ColumnPlan:
    """How one column's cells are written: their type and number format, which is fixed or
    read, row by row, from the currency at `currency_index` of the row."""

    kind: ColumnKind
    number_format: str | None = None
    currency_index: int | None = None


FIXED_FORMATS = {
    "int": "0",
    "decimal": "0.00##",
    "percent": '0.00"%"',
    "fraction": "0.0%",
    "rate": "0.000000",
    "date": "yyyy-mm-dd",
    "datetime": "yyyy-mm-dd hh:mm",
}
#: Rows normalised by Polars at a time: enough to be vectorised, few enough that a
#: million-row sheet never has a second copy of itself in memory.
CHUNK_ROWS = 20_000


def cached_number(value: Any) -> Any:
    """A formula's cached result as a writer stores it: a `Decimal` in plain notation
    (`0.0000`, never `0E-4`), so that every reader takes it for the number it is."""
    return Decimal(format(value, "f")) if isinstance(value, Decimal) else value


def is_formula_like(text: str) -> bool:
    return text.startswith(FORMULA_LIKE)


def clean_text(value: str) -> str:
    return ILLEGAL.sub("\ufffd", value)


def naive_uk(value: dt.datetime) -> dt.datetime:
    return value.astimezone(UK).replace(tzinfo=None) if value.tzinfo else value


def column_plans(sheet: Sheet) -> tuple[list[pl.Expr], list[ColumnPlan]]:
    """The Polars expressions that normalise a sheet's rows, and how each column is written.

    Rows hold the columns' values in order, then the currency fields of per-row money
    formats. Text is cleaned of control characters and lists are joined here, once per
    chunk, rather than cell by cell in either writer.
    """
    schema = sheet.frame.schema
    fields = [column.field for column in sheet.columns]
    extra = sorted({c.currency_field for c in sheet.columns if c.currency_field} - set(fields))
    positions = {name: index for index, name in enumerate([*fields, *extra])}
    expressions: list[pl.Expr] = []
    plans: list[ColumnPlan] = []
    for column in sheet.columns:
        expression, plan = _plan(column, schema.get(column.field, pl.Null()), positions)
        expressions.append(expression.alias(column.field))
        plans.append(plan)
    expressions += [pl.col(name) for name in extra]
    return expressions, plans


def _plan(column: Col, dtype: pl.DataType, positions: dict[str, int]) -> tuple[pl.Expr, ColumnPlan]:
    value = pl.col(column.field)
    fixed = FIXED_FORMATS.get(column.kind)
    if isinstance(dtype, pl.Datetime):
        # Excel has no time zones: times are shown as the firm's clock shows them.
        if dtype.time_zone is not None:
            value = value.dt.convert_time_zone(FIRM_TIMEZONE).dt.replace_time_zone(None)
        return value, ColumnPlan("datetime", fixed or FIXED_FORMATS["datetime"])
    if isinstance(dtype, pl.Date):
        return value, ColumnPlan("date", fixed or FIXED_FORMATS["date"])
    if isinstance(dtype, pl.Boolean):
        # Yes or No, the same on every sheet (and what the Summary's formulas look for).
        return pl.when(value).then(pl.lit(YES)).when(value.not_()).then(pl.lit(NO)), ColumnPlan(
            "text"
        )
    if dtype.is_numeric():
        if column.kind == "money":
            if column.currency:
                return value, ColumnPlan("number", money_format(column.currency))
            return value, ColumnPlan(
                "number", None, currency_index=positions[column.currency_field or ""]
            )
        return value, ColumnPlan("number", fixed)
    if isinstance(dtype, pl.List | pl.Array):
        value = value.cast(pl.List(pl.String)).list.join(", ")
    elif not isinstance(dtype, pl.String | pl.Null):
        value = value.cast(pl.String)
    return value.str.replace_all(ILLEGAL.pattern, "\ufffd"), ColumnPlan("text")


def sheet_rows(sheet: Sheet, expressions: Sequence[pl.Expr]) -> Iterator[tuple[Any, ...]]:
    """The sheet's normalised rows; an empty frame gives one empty row (a table needs one)."""
    if not sheet.frame.height:
        yield (None,) * len(expressions)
        return
    for chunk in sheet.frame.iter_slices(CHUNK_ROWS):
        yield from chunk.select(expressions).iter_rows()


def can_total(frame: pl.DataFrame, column: Col) -> bool:
    """A totals row never adds two currencies: a column whose rows carry their own currency
    is totalled only while they all carry the same one."""
    if not column.total:
        return False
    if column.currency_field is None or frame.height == 0:
        return True
    currencies = frame[column.currency_field]
    return currencies.null_count() == 0 and currencies.n_unique() == 1


def totals_row(sheet: Sheet) -> tuple[tuple[Cell, ...], tuple[bool, ...]]:
    """The row under the table (live SUBTOTALs), and which columns it totals."""
    totalled = tuple(can_total(sheet.frame, column) for column in sheet.columns)
    cells: list[Cell] = []
    for index, column in enumerate(sheet.columns):
        if index == 0:
            cells.append(Cell("Total", bold=True))
        elif totalled[index]:
            letter = get_column_letter(index + 1)
            number_format = (
                money_format(column.currency)
                if column.kind == "money"
                else FIXED_FORMATS.get(column.kind)
            )
            formula = f"=SUBTOTAL(109,{letter}2:{letter}{sheet.rows + 1})"
            total = sheet.frame[column.field].sum() if sheet.frame.height else 0
            cells.append(Cell(formula, number_format, bold=True, formula=True, cached=total or 0))
        else:
            cells.append(Cell())
    return tuple(cells), totalled


def column_widths(sheet: Sheet, sample: int = 200) -> list[float]:
    """Each column's width in characters: wide enough for its header and its content (text
    from the first `sample` rows; numbers by the largest, with thousands separators, decimals
    and a currency code), so that nothing is cut or runs into the next column."""
    widths: list[float] = []
    for column in sheet.columns:
        longest = len(column.header)
        values = sheet.frame[column.field] if column.field in sheet.frame.columns else None
        if column.kind == "date":
            longest = max(longest, 10)
        elif column.kind == "datetime":
            longest = max(longest, 16)
        elif values is not None and values.dtype.is_numeric() and sheet.frame.height:
            largest = values.abs().max()
            if isinstance(largest, int | float | Decimal):
                digits = len(f"{int(largest):,}")
                longest = max(longest, digits + 5 + (4 if column.kind == "money" else 0))
        elif values is not None and sheet.frame.height:
            text = values.head(sample).cast(pl.String, strict=False).drop_nulls()
            longest = max([longest, *(len(v) for v in text)])
        widths.append(min(max(longest + 3, 8), 60))
    return widths


def summary_rows(data: ReportData, sheets: Sequence[Sheet]) -> list[tuple[Cell, ...]]:
    """The Summary sheet: period and sources, then every figure as a live formula over the
    tables, then expenses by currency."""
    by_table = {s.table: s for s in sheets}
    report_format = money_format(data.report_currency)

    def ref(table: str, field: str) -> str:
        return by_table[table].column_range(field)

    # The period's first day is the cell `figures.PERIOD_START_CELL` names (B2).
    rows: list[tuple[Cell, ...]] = [
        (Cell(f"{data.firm.name or 'Monthly report'}: {data.month_label}", bold=True),),
        (
            Cell("Period"),
            Cell(data.period_start, "yyyy-mm-dd"),
            Cell(data.period_end, "yyyy-mm-dd"),
        ),
        (Cell("Generated"), Cell(naive_uk(data.generated_at), "yyyy-mm-dd hh:mm")),
        (Cell("Report currency"), Cell(data.report_currency)),
    ]
    if data.empty_month_note:
        rows.append((Cell(data.empty_month_note, bold=True),))
    for source in data.sources:
        state = (
            f"fetched {source.fetched_at.astimezone(UK):%Y-%m-%d %H:%M}"
            if source.fetched_at
            else "fetched"
        )
        if not source.present:
            state = "MISSING: this report lacks its data"
        rows.append((Cell(f"Source: {source.name}"), Cell(state), Cell(source.rows, "0")))
    rows += [(), (Cell("Figure", bold=True), Cell("Value", bold=True))]
    for figure in FIGURES:
        currency = figure.currency_for(data)
        number_format = money_format(currency) if currency else "0"
        rows.append(
            (
                Cell(figure.label_for(data)),
                Cell(
                    figure.formula(ref, data),
                    number_format,
                    formula=True,
                    cached=figure.value_for(data),
                ),
            )
        )
    rows += [
        (),
        (
            Cell("Expenses by currency", bold=True),
            Cell("Amount", bold=True),
            Cell(f"In {data.report_currency}", bold=True),
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
    return rows
