"""The workbook written by xlsxwriter in `constant_memory` mode: the default writer.

Each row goes to disk as soon as the next one starts, so memory stays flat whatever the
size of a sheet; rows must therefore be written top to bottom, once. It writes exactly
what `reports.render.excel` lays out.

Numbers reach the file as their exact decimal text: xlsxwriter formats a `Decimal` with
`format(value, ".16G")`, never through a float, and every amount we write has fewer than 16
significant digits (`reports.money.AMOUNT_BOUND` caps amounts at 10^12 with at most four
decimals; rates have six).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import xlsxwriter
from xlsxwriter.format import Format
from xlsxwriter.utility import quote_sheetname, xl_range
from xlsxwriter.worksheet import Worksheet

from reports.output import atomic_write
from reports.render.workbook import (
    HEADER_COLOUR,
    STATUS_FILLS,
    Cell,
    Chart,
    ColumnKind,
    ColumnPlan,
    Grid,
    Layout,
    PageSetup,
    Sheet,
    cached_number,
    clean_text,
    column_plans,
    column_widths,
    is_formula_like,
    money_format,
    sheet_rows,
    totals_row,
)

#: Excel's day 0 as dates after February 1900 count it (Excel keeps Lotus's 1900 leap day).
EXCEL_EPOCH = dt.date(1899, 12, 30)
FIRST_PLAIN_SERIAL_DATE = dt.date(1900, 3, 1)
CM_TO_PIXELS = 96 / 2.54

OPTIONS = {
    "constant_memory": True,
    # Text is text: never turned into a formula, a number or a link behind our back.
    "strings_to_formulas": False,
    "strings_to_numbers": False,
    "strings_to_urls": False,
}


def write(layout: Layout, path: Path) -> Path:
    return atomic_write(path, lambda temporary: _write(layout, temporary))


class _Formats:
    """One xlsxwriter Format per (number format, bold, quote prefix), made once."""

    def __init__(self, book: xlsxwriter.Workbook) -> None:
        self.book = book
        self.made: dict[tuple[str | None, bool, bool, str | None, bool], Format | None] = {}
        self.header = book.add_format(
            {"bold": True, "font_color": "#FFFFFF", "bg_color": f"#{HEADER_COLOUR}"}
        )
        self.header.set_align("vcenter")

    def get(
        self,
        number_format: str | None,
        *,
        bold: bool = False,
        quote: bool = False,
        align: str | None = None,
        wrap: bool = False,
    ) -> Format | None:
        key = (number_format, bold, quote, align, wrap)
        if key not in self.made:
            properties: dict[str, Any] = {}
            if number_format:
                properties["num_format"] = number_format
            if bold:
                properties["bold"] = True
            if quote:
                properties["quote_prefix"] = True
            if align:
                properties["align"] = align
            if wrap:
                properties["text_wrap"] = True
            self.made[key] = self.book.add_format(properties) if properties else None
        return self.made[key]


def _write(layout: Layout, path: Path) -> None:
    book = xlsxwriter.Workbook(str(path), OPTIONS)
    formats = _Formats(book)
    if layout.summary is not None:
        ws = book.add_worksheet("Summary")
        _set_up_pages(ws, layout.pages.get("Summary"))
        for column, width in enumerate(layout.summary_widths):
            ws.set_column(column, column, width)
        for row_index, row in enumerate(layout.summary):
            for column, cell in enumerate(row):
                _write_cell(ws, formats, row_index, column, cell)
        if layout.summary_status_range:
            _colour_statuses(book, ws, layout.summary_status_range)
    for grid in layout.grids:
        _write_grid(book, formats, grid, layout.pages.get(grid.title))
    for sheet in layout.sheets:
        ws = book.add_worksheet(sheet.title)
        _set_up_pages(ws, layout.pages.get(sheet.title))
        _write_sheet(ws, formats, sheet)
        if layout.chart is not None and layout.chart.sheet is sheet:
            _add_chart(book, ws, layout.chart)
    book.close()


def _write_grid(
    book: xlsxwriter.Workbook, formats: _Formats, grid: Grid, pages: PageSetup | None
) -> None:
    ws = book.add_worksheet(grid.title)
    _set_up_pages(ws, pages)
    for column, width in enumerate(grid.widths):
        ws.set_column(column, column, width)
    for row_index, row in enumerate(grid.rows):
        if row_index + 1 in grid.heights:
            ws.set_row(row_index, grid.heights[row_index + 1])
        for column, cell in enumerate(row):
            _write_cell(ws, formats, row_index, column, cell)
    if any(grid.freeze):
        ws.freeze_panes(*grid.freeze)
    if grid.status_range:
        _colour_statuses(book, ws, grid.status_range)
    if grid.chart is not None:
        _add_line_chart(book, ws, grid)


def _colour_statuses(book: xlsxwriter.Workbook, ws: Worksheet, cells: str) -> None:
    """Each of `cells` filled by the status word it holds (`STATUS_FILLS`)."""
    for word, fill in STATUS_FILLS.items():
        ws.conditional_format(
            cells,
            {
                "type": "text",
                "criteria": "begins with",
                "value": word,
                "format": book.add_format({"bg_color": f"#{fill}"}),
            },
        )


def _add_line_chart(book: xlsxwriter.Workbook, ws: Worksheet, grid: Grid) -> None:
    chart = grid.chart
    assert chart is not None
    drawn = book.add_chart({"type": "line"})
    title = quote_sheetname(grid.title)
    header = chart.header_row - 1
    first, last = chart.first_column - 1, chart.last_column - 1
    for row in chart.rows:
        drawn.add_series(
            {
                "name": [grid.title, row - 1, 0],
                "categories": f"={title}!{xl_range(header, first, header, last)}",
                "values": f"={title}!{xl_range(row - 1, first, row - 1, last)}",
                "marker": {"type": "circle"},
            }
        )
    drawn.set_title({"name": chart.title})
    drawn.set_y_axis({"name": chart.y_title, "num_format": chart.y_format})
    drawn.set_x_axis(
        {"date_axis": True, "num_format": "mmm yy", "major_unit": 1, "major_unit_type": "months"}
    )
    drawn.set_legend({"position": "bottom"})
    drawn.set_size(
        {
            "width": round(chart.width_cm * CM_TO_PIXELS),
            "height": round(chart.height_cm * CM_TO_PIXELS),
        }
    )
    ws.insert_chart(chart.anchor, drawn)


def _write_cell(ws: Worksheet, formats: _Formats, row: int, column: int, cell: Cell) -> None:
    value = cell.value

    def shown(number_format: str | None, quote: bool = False) -> Format | None:
        return formats.get(
            number_format, bold=cell.bold, quote=quote, align=cell.align, wrap=cell.wrap
        )

    if cell.formula:
        # The result goes in beside the formula, so that what does not recalculate (a phone's
        # mail preview) shows the figure; with none (xlsxwriter's default is 0) it would be 0.
        result = "" if cell.cached is None else cached_number(cell.cached)
        ws.write_formula(row, column, value, shown(cell.number_format), result)
    elif value is None:
        if cell.bold or cell.number_format or cell.align:
            ws.write_blank(row, column, None, shown(cell.number_format))
    elif isinstance(value, str):
        text = clean_text(value)
        ws.write_string(row, column, text, shown(None, quote=is_formula_like(text)))
    elif isinstance(value, dt.date):
        ws.write_datetime(row, column, value, shown(cell.number_format))
    elif isinstance(value, bool):
        ws.write_boolean(row, column, value, shown(None))
    else:
        ws.write_number(row, column, value, shown(cell.number_format))


def _set_up_pages(ws: Worksheet, pages: PageSetup | None) -> None:
    if pages is None:
        return
    ws.set_paper(9)  # A4
    if pages.landscape:
        ws.set_landscape()
    if pages.scale is None:
        ws.fit_to_pages(1, pages.fit_height)
    else:
        ws.set_print_scale(pages.scale)
        ws.set_v_pagebreaks(list(pages.column_breaks))
    if pages.repeat_header:
        ws.repeat_rows(0)
    if pages.repeat_columns:
        ws.repeat_columns(0, pages.repeat_columns - 1)
    ws.set_margins(left=pages.side_margin, right=pages.side_margin)
    ws.set_start_page(1)
    ws.set_header(pages.header)
    ws.set_footer(pages.footer)


def _write_sheet(ws: Worksheet, formats: _Formats, sheet: Sheet) -> None:
    for index, width in enumerate(column_widths(sheet)):
        ws.set_column(index, index, width)
    ws.freeze_panes(1, 0)
    totals, totalled = totals_row(sheet)
    _declare_table(ws, sheet, totalled)
    for column, definition in enumerate(sheet.columns):
        ws.write_string(0, column, definition.header, formats.header)
    expressions, plans = column_plans(sheet)
    writers = [_column_writer(ws, formats, index, plan) for index, plan in enumerate(plans)]
    for row_index, row in enumerate(sheet_rows(sheet, expressions), start=1):
        for write in writers:
            write(row_index, row)
    for column, cell in enumerate(totals):
        _write_cell(ws, formats, sheet.rows + 1, column, cell)


def _declare_table(ws: Worksheet, sheet: Sheet, totalled: tuple[bool, ...]) -> None:
    """Declare the sheet's Excel table before its rows are streamed.

    xlsxwriter refuses `add_table()` in constant_memory mode because the call writes the
    header and totals cells itself, at rows a stream may already have left behind. We write
    those cells ourselves, so the table is declared over its first three rows with the mode
    lifted for that one call, the cells it stored are dropped, and its ranges are widened
    to the whole table: a table is metadata, written out when the workbook closes. The tests
    read the table back from every workbook (ranges, totals, filters).
    """
    columns = [
        {"header": column.header, **({"total_function": "sum"} if total else {})}
        for column, total in zip(sheet.columns, totalled, strict=True)
    ]
    columns[0] = {"header": sheet.columns[0].header, "total_string": "Total"}
    last_column = len(sheet.columns) - 1
    ws.constant_memory = False
    try:
        refused = ws.add_table(
            0,
            0,
            2,
            last_column,
            {
                "name": sheet.table,
                "style": "Table Style Medium 2",
                "total_row": True,
                "columns": columns,
            },
        )
    finally:
        ws.constant_memory = True
    if refused:  # xlsxwriter warns and returns a code rather than raising
        raise ValueError(f"xlsxwriter refused the table of sheet {sheet.title!r} ({refused})")
    ws.table.clear()  # the cells add_table() stored; ours are written in order below
    last_row = sheet.rows + 1  # zero-based: header, data rows, then the totals row
    table = ws.tables[-1]
    table["range"] = xl_range(0, 0, last_row, last_column)
    table["a_range"] = table["autofilter"] = xl_range(0, 0, last_row - 1, last_column)


def _column_writer(
    ws: Worksheet, formats: _Formats, index: int, plan: ColumnPlan
) -> Callable[[int, tuple[Any, ...]], None]:
    """A function writing this column's cell of a row, specialised once per column.

    It calls xlsxwriter's undecorated writers, as its own `write()` and `write_row()` do:
    the public ones only add the parsing of "A1" cell names, which we never pass, and that
    is a tenth of the time of a large sheet.
    """
    write_string, write_number = ws._write_string, ws._write_number
    write_boolean, write_datetime = ws._write_boolean, ws._write_datetime
    if plan.kind is ColumnKind.TEXT:
        quoted = formats.get(None, quote=True)

        def text(row_index: int, row: tuple[Any, ...]) -> None:
            value = row[index]
            if value is not None:
                write_string(row_index, index, value, quoted if is_formula_like(value) else None)

        return text
    if plan.kind is ColumnKind.BOOL:

        def boolean(row_index: int, row: tuple[Any, ...]) -> None:
            if row[index] is not None:
                write_boolean(row_index, index, row[index])

        return boolean
    if plan.kind is ColumnKind.DATETIME:
        fixed = formats.get(plan.number_format)

        def when(row_index: int, row: tuple[Any, ...]) -> None:
            if row[index] is not None:
                write_datetime(row_index, index, row[index], fixed)

        return when
    if plan.kind is ColumnKind.DATE:
        fixed = formats.get(plan.number_format)

        def day(row_index: int, row: tuple[Any, ...]) -> None:
            value = row[index]
            if value is None:
                return
            if value < FIRST_PLAIN_SERIAL_DATE:  # before Excel's phantom 29 February 1900
                write_datetime(row_index, index, value, fixed)
            else:  # the serial number directly: xlsxwriter's conversion is slow per cell
                write_number(row_index, index, (value - EXCEL_EPOCH).days, fixed)

        return day
    if plan.currency_index is not None:
        currency_index = plan.currency_index
        by_currency: dict[str | None, Format | None] = {}

        def money(row_index: int, row: tuple[Any, ...]) -> None:
            value = row[index]
            if value is None:
                return
            currency = row[currency_index]
            if currency not in by_currency:
                by_currency[currency] = formats.get(money_format(currency))
            write_number(row_index, index, value, by_currency[currency])

        return money
    fixed = formats.get(plan.number_format)

    def number(row_index: int, row: tuple[Any, ...]) -> None:
        if row[index] is not None:
            write_number(row_index, index, row[index], fixed)

    return number


def _add_chart(book: xlsxwriter.Workbook, ws: Worksheet, chart: Chart) -> None:
    drawn = book.add_chart({"type": "column", "subtype": "stacked"})
    title = quote_sheetname(chart.sheet.title)
    last = chart.last_row
    for letter in chart.series_letters:
        drawn.add_series(
            {
                "name": f"={title}!${letter}$1",
                "categories": f"={title}!$A$2:$A${last}",
                "values": f"={title}!${letter}$2:${letter}${last}",
                "overlap": 100,
            }
        )
    drawn.set_title({"name": chart.title})
    drawn.set_y_axis({"name": chart.y_title, "num_format": chart.y_format})
    drawn.set_x_axis(
        {
            "date_axis": True,
            "num_format": chart.x_format,
            "major_unit": 1,
            "major_unit_type": "months",
        }
    )
    drawn.set_size(
        {
            "width": round(chart.width_cm * CM_TO_PIXELS),
            "height": round(chart.height_cm * CM_TO_PIXELS),
        }
    )
    ws.insert_chart(chart.anchor, drawn)
