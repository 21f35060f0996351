"""The workbook written by openpyxl: the writer for a firm's own template.

It writes exactly what `reports.render.excel` lays out. Without a template it streams in
openpyxl's write-only mode (the tests use it to hold both writers to one output); with one,
the template is loaded whole and filled.
"""

from __future__ import annotations

import warnings
import zipfile
from collections.abc import Callable
from copy import copy
from pathlib import Path
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.chart import BarChart, Reference
from openpyxl.styles import Alignment, Font, NamedStyle, PatternFill
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.worksheet.filters import AutoFilter
from openpyxl.worksheet.table import Table, TableColumn, TableStyleInfo

from reports.errors import TemplateError
from reports.output import atomic_write
from reports.render.excel import (
    HEADER_COLOUR,
    Cell,
    Chart,
    ColumnPlan,
    Layout,
    Sheet,
    clean_text,
    column_plans,
    column_widths,
    is_formula_like,
    money_format,
    naive_uk,
    sheet_rows,
    totals_row,
)
from reports.report.model import ReportData

HEADER_FONT = Font(bold=True, color="FFFFFF")
HEADER_FILL = PatternFill("solid", fgColor=HEADER_COLOUR)
HEADER_STYLE = "Report header"


def write(
    layout: Layout, path: Path, template: Path | None = None, data: ReportData | None = None
) -> Path:
    if template is not None:
        try:
            book = load_workbook(template)
        except (OSError, ValueError, KeyError, zipfile.BadZipFile, InvalidFileException) as error:
            raise TemplateError(f"cannot use template {template}: {error}") from None
        if data is not None:
            _fill_defined_names(book, data)
    else:
        book = Workbook(write_only=True)
    names = {getattr(style, "name", style) for style in getattr(book, "named_styles", [])}
    header_style = HEADER_STYLE if HEADER_STYLE in names else None
    if layout.summary is not None:
        ws = book.create_sheet("Summary")
        for index, width in enumerate(layout.summary_widths, start=1):
            ws.column_dimensions[get_column_letter(index)].width = width
        for row in layout.summary:
            ws.append([_cell(ws, cell) for cell in row])
    for sheet in layout.sheets:
        _write_sheet(book, sheet, header_style)
    if layout.chart is not None:
        _add_chart(book[layout.chart.sheet.title], layout.chart)
    return atomic_write(path, lambda temporary: book.save(temporary))


def template_style() -> NamedStyle:
    """The named style a template may define for table headers (for template authors)."""
    return NamedStyle(name=HEADER_STYLE, font=HEADER_FONT, fill=HEADER_FILL)


def _cell(ws: Any, cell: Cell) -> WriteOnlyCell:
    value = cell.value
    if isinstance(value, str) and not cell.formula:
        value = clean_text(value)
    written = WriteOnlyCell(ws, value=value)
    if isinstance(value, str) and not cell.formula and is_formula_like(value):
        written.data_type = "s"  # never a formula, whatever it starts with
        written.quotePrefix = True
    if cell.number_format:
        written.number_format = cell.number_format
    if cell.bold:
        written.font = Font(bold=True)
    return written


def _write_sheet(book: Workbook, sheet: Sheet, header_style: str | None) -> None:
    ws = book.create_sheet(sheet.title)
    for index, width in enumerate(column_widths(sheet), start=1):
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
    expressions, plans = column_plans(sheet)
    makers = [_cell_maker(ws, index, plan) for index, plan in enumerate(plans)]
    for row in sheet_rows(sheet, expressions):
        ws.append([make(row) for make in makers])
    totals, totalled = totals_row(sheet)
    ws.append([_cell(ws, cell) for cell in totals])
    last = get_column_letter(len(sheet.columns))
    table = Table(displayName=sheet.table, ref=f"A1:{last}{sheet.rows + 2}", totalsRowCount=1)
    # Write-only sheets cannot be read back, so the table's columns are named here, exactly
    # as the header cells say (Excel drops a table whose names differ from its headers).
    table.tableColumns = [
        TableColumn(id=index, name=column.header, totalsRowFunction="sum" if total else None)
        for index, (column, total) in enumerate(zip(sheet.columns, totalled, strict=True), start=1)
    ]
    table.tableColumns[0].totalsRowLabel = "Total"
    table.autoFilter = AutoFilter(ref=f"A1:{last}{sheet.rows + 1}")  # not the totals row
    table.tableStyleInfo = TableStyleInfo(name="TableStyleMedium2", showRowStripes=True)
    with warnings.catch_warnings():  # openpyxl warns in write-only mode even when columns are set
        warnings.filterwarnings("ignore", "In write-only mode you must add table columns manually")
        ws.add_table(table)


def _cell_maker(ws: Any, index: int, plan: ColumnPlan) -> Callable[[tuple[Any, ...]], Any]:
    """A function from a row to this column's cell, specialised once per column.

    Styled cells share one cached style array per number format instead of looking the
    format up cell by cell (a large share of the time on 100,000-row sheets).
    """
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

    if plan.kind == "text":

        def text(row: tuple[Any, ...]) -> Any:
            value = row[index]
            if value is not None and is_formula_like(value):
                return _cell(ws, Cell(value))
            return value

        return text
    if plan.currency_index is not None:
        currency_index = plan.currency_index
        formats: dict[str | None, str] = {}

        def money(row: tuple[Any, ...]) -> Any:
            value, currency = row[index], row[currency_index]
            if value is None:
                return None
            number_format = formats.get(currency) or formats.setdefault(
                currency, money_format(currency)
            )
            return styled(value, number_format)

        return money
    fixed = plan.number_format
    if fixed is None:
        return lambda row: row[index]
    return lambda row: None if row[index] is None else styled(row[index], fixed)


def _add_chart(ws: Any, chart: Chart) -> None:
    drawn = BarChart()
    drawn.type = "col"
    drawn.grouping = "stacked"
    drawn.overlap = 100
    drawn.title = chart.title
    drawn.y_axis.title = chart.y_title
    title = quote_sheetname(chart.sheet.title)
    rows = chart.last_row
    # By range, not by cell: write-only sheets cannot be read back.
    last = chart.series_letters[-1]
    drawn.add_data(Reference(range_string=f"{title}!$B$1:${last}${rows}"), titles_from_data=True)
    drawn.set_categories(Reference(range_string=f"{title}!$A$2:$A${rows}"))
    drawn.width, drawn.height = chart.width_cm, chart.height_cm
    ws.add_chart(drawn, chart.anchor)


def _fill_defined_names(book: Workbook, data: ReportData) -> None:
    values = {
        "firm": data.firm.name,
        "period": data.month_label,
        "generated_at": naive_uk(data.generated_at),
    }
    for name, value in values.items():
        defined = book.defined_names.get(name)
        if defined is None:
            continue
        for title, coordinate in defined.destinations:
            cell = book[title][coordinate.replace("$", "")]
            if isinstance(value, str):
                # The firm's name (from --firm or a snapshot) is text, whatever it starts with.
                cell.value = clean_text(value)
                cell.data_type = "s"
                cell.quotePrefix = is_formula_like(value)
            else:
                cell.value = value
