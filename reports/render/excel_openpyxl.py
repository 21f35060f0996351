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

from lxml import etree
from openpyxl import Workbook, load_workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.chart import BarChart, LineChart, Reference, Series
from openpyxl.chart.data_source import StrRef
from openpyxl.chart.series import SeriesLabel
from openpyxl.formatting.rule import FormulaRule
from openpyxl.styles import Alignment, Font, NamedStyle, PatternFill
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.worksheet.filters import AutoFilter
from openpyxl.worksheet.pagebreak import Break
from openpyxl.worksheet.table import Table, TableColumn, TableStyleInfo

from reports.errors import TemplateError
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
    column_letter,
    column_plans,
    column_widths,
    is_formula_like,
    money_format,
    quote_sheet,
    sheet_rows,
    totals_row,
)

HEADER_FONT = Font(bold=True, color="FFFFFF")
HEADER_FILL = PatternFill("solid", fgColor=HEADER_COLOUR)
HEADER_STYLE = "Report header"


def write(layout: Layout, path: Path, template: Path | None = None) -> Path:
    if template is not None:
        try:
            book = load_workbook(template)
        except (OSError, ValueError, KeyError, zipfile.BadZipFile, InvalidFileException) as error:
            raise TemplateError(f"cannot use template {template}: {error}") from None
        _fill_defined_names(book, layout.defined_names)
    else:
        book = Workbook(write_only=True)
    names = {getattr(style, "name", style) for style in getattr(book, "named_styles", [])}
    header_style = HEADER_STYLE if HEADER_STYLE in names else None
    results: dict[str, dict[str, Any]] = {}
    if layout.summary is not None:
        ws = book.create_sheet("Summary")
        _set_up_pages(ws, layout.pages.get("Summary"))
        for index, width in enumerate(layout.summary_widths, start=1):
            ws.column_dimensions[column_letter(index)].width = width
        if layout.summary_status_range:
            _colour_statuses(ws, layout.summary_status_range)
        for row_number, row in enumerate(layout.summary, start=1):
            ws.append([_cell(ws, cell) for cell in row])
            results["Summary"] = results.get("Summary", {}) | _results(row, row_number)
    for grid in layout.grids:
        results[grid.title] = _write_grid(book, grid, layout.pages.get(grid.title))
    for sheet in layout.sheets:
        results[sheet.title] = _write_sheet(book, sheet, header_style, layout.pages)
    if layout.chart is not None:
        _add_chart(book[layout.chart.sheet.title], layout.chart)

    def save(temporary: Path) -> None:
        book.save(temporary)
        store_results(temporary, results)

    return atomic_write(path, save)


MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELATIONSHIPS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PACKAGE_RELATIONSHIPS = "http://schemas.openxmlformats.org/package/2006/relationships"


def store_results(path: Path, results: dict[str, dict[str, Any]]) -> None:
    """Put each formula's cached result into the saved workbook at `path`, by sheet title
    and cell name: openpyxl writes formulas with no result, which previews that do not
    recalculate show as empty or 0. The sheets' XML is edited in place of openpyxl."""
    with zipfile.ZipFile(path) as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}
        infos = {info.filename: info for info in archive.infolist()}
    book = etree.fromstring(parts["xl/workbook.xml"])
    links = etree.fromstring(parts["xl/_rels/workbook.xml.rels"])
    targets = {
        rel.get("Id"): rel.get("Target")
        for rel in links.iter(f"{{{PACKAGE_RELATIONSHIPS}}}Relationship")
    }
    for sheet in book.iter(f"{{{MAIN}}}sheet"):
        wanted = results.get(sheet.get("name") or "")
        if not wanted:
            continue
        target = targets[sheet.get(f"{{{RELATIONSHIPS}}}id")]
        name = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
        root = etree.fromstring(parts[name])
        for cell in root.iter(f"{{{MAIN}}}c"):
            if cell.get("r") not in wanted or cell.find(f"{{{MAIN}}}f") is None:
                continue
            value = cell.find(f"{{{MAIN}}}v")
            if value is None:
                value = etree.SubElement(cell, f"{{{MAIN}}}v")
            value.text = str(wanted[cell.get("r")])
            cell.attrib.pop("t", None)  # a number, not the string openpyxl may have marked
        parts[name] = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in parts.items():
            archive.writestr(infos[name], content)


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
    if cell.align or cell.wrap:
        written.alignment = Alignment(horizontal=cell.align, wrap_text=cell.wrap or None)
    return written


def _write_grid(book: Workbook, grid: Grid, pages: PageSetup | None) -> dict[str, Any]:
    """A grid's cells, its status colours and its chart; the cached formula results."""
    ws = book.create_sheet(grid.title)
    _set_up_pages(ws, pages)
    for index, width in enumerate(grid.widths, start=1):
        ws.column_dimensions[column_letter(index)].width = width
    if any(grid.freeze):
        rows, columns = grid.freeze
        ws.freeze_panes = f"{column_letter(columns + 1)}{rows + 1}"
    if grid.status_range:
        _colour_statuses(ws, grid.status_range)
    for row_number, height in grid.heights.items():
        ws.row_dimensions[row_number].height = height
    results: dict[str, Any] = {}
    for row_number, row in enumerate(grid.rows, start=1):
        ws.append([_cell(ws, cell) for cell in row])
        results |= _results(row, row_number)
    if grid.chart is not None:
        ws.add_chart(_line_chart(grid), grid.chart.anchor)
    return results


def _colour_statuses(ws: Any, cells: str) -> None:
    """Each of `cells` filled by the status word it holds (`STATUS_FILLS`)."""
    first = cells.split(":")[0]
    for word, fill in STATUS_FILLS.items():
        ws.conditional_formatting.add(
            cells,
            FormulaRule(
                formula=[f'LEFT({first},{len(word)})="{word}"'],
                fill=PatternFill(start_color=fill, end_color=fill, fill_type="solid"),
            ),
        )


def _line_chart(grid: Grid) -> LineChart:
    chart = grid.chart
    assert chart is not None
    drawn = LineChart()
    drawn.title = chart.title
    drawn.y_axis.title = chart.y_title
    drawn.y_axis.number_format = chart.y_format
    drawn.x_axis.number_format = "mmm yy"
    title = quote_sheet(grid.title)
    first, last = column_letter(chart.first_column), column_letter(chart.last_column)
    for row in chart.rows:
        # By range, not by cell: write-only sheets cannot be read back.
        values = Reference(range_string=f"{title}!${first}${row}:${last}${row}")
        series = Series(values, title_from_data=False)
        series.tx = SeriesLabel(strRef=StrRef(f"{title}!$A${row}"))
        drawn.series.append(series)
    header = chart.header_row
    drawn.set_categories(Reference(range_string=f"{title}!${first}${header}:${last}${header}"))
    drawn.legend.position = "b"
    drawn.width, drawn.height = chart.width_cm, chart.height_cm
    return drawn


def _results(cells: tuple[Cell, ...], row_number: int) -> dict[str, Any]:
    """The cached results of a row's formulas, by cell name."""
    return {
        f"{column_letter(column)}{row_number}": cached_number(cell.cached)
        for column, cell in enumerate(cells, start=1)
        if cell.formula and cell.cached is not None
    }


def _set_up_pages(ws: Any, pages: PageSetup | None) -> None:
    if pages is None:
        return
    ws.page_setup.paperSize = ws.PAPERSIZE_A4 if hasattr(ws, "PAPERSIZE_A4") else 9
    ws.page_setup.orientation = "landscape" if pages.landscape else "portrait"
    if pages.scale is None:
        ws.page_setup.fitToWidth = 1
        ws.page_setup.fitToHeight = pages.fit_height
        ws.sheet_properties.pageSetUpPr.fitToPage = True
    else:
        ws.page_setup.scale = pages.scale
        for column in pages.column_breaks:
            ws.col_breaks.append(Break(id=column))
    ws.page_setup.firstPageNumber = 1
    ws.page_setup.useFirstPageNumber = True
    ws.page_margins.left = ws.page_margins.right = pages.side_margin
    if pages.repeat_header:
        ws.print_title_rows = "1:1"
    if pages.repeat_columns:
        ws.print_title_cols = f"A:{column_letter(pages.repeat_columns)}"
    for section, text in _sections(pages.header).items():
        getattr(ws.oddHeader, section).text = text
    for section, text in _sections(pages.footer).items():
        getattr(ws.oddFooter, section).text = text


def _sections(codes: str) -> dict[str, str]:
    """`&Lleft&Ccentre&Rright` as openpyxl's three header sections."""
    names = {"L": "left", "C": "center", "R": "right"}
    sections: dict[str, str] = {}
    current = None
    index = 0
    while index < len(codes):
        if codes[index] == "&" and codes[index + 1 : index + 2] in names:
            current = names[codes[index + 1]]
            sections[current] = ""
            index += 2
            continue
        if current is not None:
            sections[current] += codes[index]
        index += 1
    return sections


def _write_sheet(
    book: Workbook, sheet: Sheet, header_style: str | None, pages: dict[str, PageSetup]
) -> dict[str, Any]:
    """Write `sheet` and return its formulas' cached results by cell name."""
    ws = book.create_sheet(sheet.title)
    _set_up_pages(ws, pages.get(sheet.title))
    for index, width in enumerate(column_widths(sheet), start=1):
        ws.column_dimensions[column_letter(index)].width = width
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
    results = _results(totals, sheet.rows + 2)
    last = column_letter(len(sheet.columns))
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
    return results


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

    if plan.kind is ColumnKind.TEXT:

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
    drawn.y_axis.number_format = chart.y_format
    drawn.x_axis.number_format = chart.x_format
    title = quote_sheet(chart.sheet.title)
    rows = chart.last_row
    # By range, not by cell: write-only sheets cannot be read back.
    last = chart.series_letters[-1]
    drawn.add_data(Reference(range_string=f"{title}!$B$1:${last}${rows}"), titles_from_data=True)
    drawn.set_categories(Reference(range_string=f"{title}!$A$2:$A${rows}"))
    drawn.width, drawn.height = chart.width_cm, chart.height_cm
    ws.add_chart(drawn, chart.anchor)


def _fill_defined_names(book: Workbook, values: dict[str, Any]) -> None:
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
