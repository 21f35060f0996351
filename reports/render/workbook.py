"""What a workbook holds, independent of the library that writes it: sheets of typed
columns over frames, the Summary's cells, totals rows, a chart, print setup, and how each
column's cells are typed and formatted. `reports.render.excel` lays the month's report out
in these terms; a writer (`excel_xlsxwriter`, `excel_openpyxl`) puts a `Layout` on disk
and knows nothing else (the `WorkbookWriter` protocol).

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
from enum import StrEnum
from pathlib import Path
from typing import Any, Literal, Protocol

import polars as pl

from reports.money import SYMBOLS, minor_units
from reports.periods import FIRM_ZONE
from reports.report import figures

#: How a true or false value is shown on every sheet (and what the Summary's formulas,
#: `excel_formulas`, look for).
YES, NO = "Yes", "No"
FORMULA_LIKE = ("=", "+", "-", "@", "\t", "\r")
#: Control characters an .xlsx cannot hold; shown as U+FFFD, as the PDFs show them.
ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
#: The most characters a spreadsheet cell holds. Longer text is cut to fit here alone,
#: ending in `ELLIPSIS` so the cut shows, and the Summary says where (`cut_texts`); the PDF,
#: the web report and the emails show it whole.
CELL_LIMIT = 32_767
ELLIPSIS = "\u2026"
HEADER_COLOUR = "1F4E79"
#: The Summary sheet's column widths, in characters: labels (at least this, and wide enough
#: for the longest figure's label), then two values (or a target), then a status.
SUMMARY_WIDTHS = (44, 22, 22, 14)


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


def figure_format(unit: figures.Unit) -> str:
    """The number format of a figure that is not money: days to a tenth, the tenth the figure
    was rounded to before it was written (the format shows it, rounding nothing), counts
    whole."""
    return "0.0" if unit is figures.Unit.DAYS else "0"


def column_letter(index: int) -> str:
    """Excel's name of the `index`-th column, from 1: A, ..., Z, AA, ..."""
    letters = ""
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def quote_sheet(title: str) -> str:
    """A sheet's title as a formula names it: quoted, its own quotes doubled."""
    return "'" + title.replace("'", "''") + "'"


class ColumnKind(StrEnum):
    """What a column's cells are: how a `Col` is shown, and how each writer writes its cells.
    The one vocabulary of the workbook; where it names what `schema.Kind` names (text, int,
    money, decimal, date, datetime, bool) it uses the same word."""

    TEXT = "text"
    INT = "int"
    MONEY = "money"
    DECIMAL = "decimal"
    #: A number already in percent: 41.07 is shown 41.07 %.
    PERCENT = "percent"
    #: A share: 0.2 is shown 20.0 %.
    FRACTION = "fraction"
    #: An exchange rate, to six places.
    RATE = "rate"
    DATE = "date"
    DATETIME = "datetime"
    #: Shown Yes or No.
    BOOL = "bool"


@dataclass(frozen=True)
class Col:
    """One column of a sheet: the frame field, its header, and how its cells are written."""

    field: str
    header: str
    kind: ColumnKind = ColumnKind.TEXT
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
        letter = column_letter(index)
        return f"{quote_sheet(self.title)}!${letter}$2:${letter}${self.rows + 1}"


#: A cell's horizontal alignment: a column's heading sits as its values do (numbers right).
Align = Literal["left", "center", "right"]


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
    #: None: the spreadsheet's own (text left, numbers right).
    align: Align | None = None
    #: Text wrapped within the cell's width (its row is given the height of its lines).
    wrap: bool = False


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
        return tuple(column_letter(i + 1) for i in range(1, len(self.sheet.columns)))


@dataclass(frozen=True)
class LineChart:
    """A native line chart of some rows of a `Grid`: one series a row, its name in column A,
    its values across `first_column`..`last_column`, the months in `header_row`."""

    title: str
    #: Rows (from 1) drawn, one series each.
    rows: tuple[int, ...]
    header_row: int
    first_column: int
    last_column: int
    y_title: str = "Amount"
    y_format: str = "#,##0"
    anchor: str = "A30"
    width_cm: float = 24
    height_cm: float = 10


#: The fill of a status cell by its word (green, amber, red): never the colour alone.
STATUS_FILLS = {"on track": "C6EFCE", "behind": "FFEB9C", "off track": "FFC7CE"}


@dataclass(frozen=True)
class Grid:
    """A sheet of cells laid out one by one (not a table): the Trends sheet. Its status
    cells are coloured by their word (`STATUS_FILLS`) with conditional formats."""

    title: str
    rows: tuple[tuple[Cell, ...], ...]
    widths: tuple[float, ...]
    #: The range (`C4:C20`) whose cells are coloured by the status word they hold.
    status_range: str | None = None
    chart: LineChart | None = None
    #: Rows at the top kept in view, and columns at the left.
    freeze: tuple[int, int] = (0, 0)
    #: Rows (from 1) given a height of their own, in points: those whose labels wrap.
    heights: dict[int, float] = field(default_factory=dict)


#: Each sheet's pages are numbered from 1 and the footer names the sheet: a spreadsheet
#: counts `&N` over every sheet it prints (LibreOffice's "Page 1 of 66" on a Summary of one).
PAGE_FOOTER = "&C&A: page &P"


@dataclass(frozen=True)
class PageSetup:
    """How a sheet prints: on A4, one page wide, its header row on every page, and a header
    and footer in Excel's codes (`&L`, `&C`, `&R` sections; `&A` the sheet, `&P` the page,
    counted from 1 on each sheet)."""

    landscape: bool
    #: Pages tall at the most; 0 for as many as it takes (one page wide always).
    fit_height: int = 0
    repeat_header: bool = True
    header: str = ""
    footer: str = PAGE_FOOTER
    #: Columns at the left printed on every page (the labels of a sheet pages wide).
    repeat_columns: int = 0
    #: Where a new page starts across: the number of columns before each break.
    column_breaks: tuple[int, ...] = ()
    #: A fixed print scale in per cent, for a sheet printed across pages at its breaks
    #: (a spreadsheet fitting a sheet to a page width ignores its breaks); None: one page wide.
    scale: int | None = None
    #: Left and right margins in inches (a page of many columns takes narrow ones).
    side_margin: float = 0.7


@dataclass(frozen=True)
class Layout:
    """Everything a writer puts in the workbook, in order: Summary, the grids, then the
    sheets."""

    sheets: tuple[Sheet, ...]
    grids: tuple[Grid, ...] = ()
    summary: tuple[tuple[Cell, ...], ...] | None = None
    chart: Chart | None = None
    summary_widths: tuple[float, ...] = SUMMARY_WIDTHS
    #: The Summary's range (`D12:D29`) whose cells are coloured by the status word they hold.
    summary_status_range: str | None = None
    #: Each sheet's print setup, by title (none given: the writer's defaults).
    pages: dict[str, PageSetup] = field(default_factory=dict)
    #: Values for a firm template's defined names (`firm`, `period`, `generated_at`).
    defined_names: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ColumnPlan:
    """How one column's cells are written: their type and number format, which is fixed or
    read, row by row, from the currency at `currency_index` of the row. Its kind is the
    column's, but what the frame holds decides: a Date column is written as dates, a boolean
    as Yes or No text, any other number as a number."""

    kind: ColumnKind
    number_format: str | None = None
    currency_index: int | None = None


FIXED_FORMATS = {
    ColumnKind.INT: "0",
    ColumnKind.DECIMAL: "0.00##",
    ColumnKind.PERCENT: '0.00"%"',
    ColumnKind.FRACTION: "0.0%",
    ColumnKind.RATE: "0.000000",
    ColumnKind.DATE: "yyyy-mm-dd",
    ColumnKind.DATETIME: "yyyy-mm-dd hh:mm",
}
#: Rows normalised by Polars at a time: enough to be vectorised, few enough that a
#: million-row sheet never has a second copy of itself in memory.
CHUNK_ROWS = 20_000


def cached_number(value: object) -> object:
    """A formula's cached result as a writer stores it: a `Decimal` in plain notation
    (`0.0000`, never `0E-4`), so that every reader takes it for the number it is."""
    return Decimal(format(value, "f")) if isinstance(value, Decimal) else value


def is_formula_like(text: str) -> bool:
    return text.startswith(FORMULA_LIKE)


def clean_text(value: str) -> str:
    """`value` as a cell holds it: control characters shown as U+FFFD, cut to fit."""
    text = ILLEGAL.sub("\ufffd", value)
    return text if len(text) <= CELL_LIMIT else text[: CELL_LIMIT - 1] + ELLIPSIS


def _fitted(text: pl.Expr) -> pl.Expr:
    """`clean_text`'s cut, over a column."""
    return (
        pl.when(text.str.len_chars() > CELL_LIMIT)
        .then(text.str.slice(0, CELL_LIMIT - 1) + ELLIPSIS)
        .otherwise(text)
    )


@dataclass(frozen=True)
class CutText:
    """Text of one column of a sheet that `CELL_LIMIT` cut."""

    sheet: str
    header: str
    #: The header of the sheet's first column, and the rows cut by their value in it.
    key: str
    rows: tuple[str, ...]
    #: The length of the longest, in characters, before the cut.
    longest: int

    def sentence(self) -> str:
        rows = ", ".join(self.rows)
        length = f"{'up to ' if len(self.rows) > 1 else ''}{self.longest:,} characters"
        return (
            f"Cut to fit a cell of {CELL_LIMIT:,} characters, ending in {ELLIPSIS}: "
            f"{self.sheet}, {self.header} of {self.key} {rows} ({length}); "
            "the PDF and the web report show the whole text"
        )


def cut_texts(sheet: Sheet) -> tuple[CutText, ...]:
    """The sheet's text columns longer than a cell holds, and the rows cut in each."""
    texts = [c for c in sheet.columns if sheet.frame.schema.get(c.field) == pl.String]
    if not texts or not sheet.frame.height:
        return ()
    lengths = sheet.frame.select(pl.col(c.field).str.len_chars().max() for c in texts).row(0)
    found = []
    for column, longest in zip(texts, lengths, strict=True):
        if (longest or 0) <= CELL_LIMIT:
            continue
        over = sheet.frame.filter(pl.col(column.field).str.len_chars() > CELL_LIMIT)
        keys = over[sheet.columns[0].field].cast(pl.String).fill_null("(none)")
        first = sheet.columns[0].header
        found.append(CutText(sheet.title, column.header, first, tuple(keys), int(longest)))
    return tuple(found)


def naive_uk(value: dt.datetime) -> dt.datetime:
    return value.astimezone(FIRM_ZONE).replace(tzinfo=None) if value.tzinfo else value


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
            value = value.dt.convert_time_zone(FIRM_ZONE.key).dt.replace_time_zone(None)
        return value, ColumnPlan(ColumnKind.DATETIME, fixed or FIXED_FORMATS[ColumnKind.DATETIME])
    if isinstance(dtype, pl.Date):
        return value, ColumnPlan(ColumnKind.DATE, fixed or FIXED_FORMATS[ColumnKind.DATE])
    if isinstance(dtype, pl.Boolean):
        # Yes or No, the same on every sheet (and what the Summary's formulas look for).
        shown = pl.when(value).then(pl.lit(YES)).when(value.not_()).then(pl.lit(NO))
        return shown, ColumnPlan(ColumnKind.TEXT)
    if dtype.is_numeric():
        if column.kind is ColumnKind.MONEY:
            if column.currency:
                return value, ColumnPlan(ColumnKind.MONEY, money_format(column.currency))
            return value, ColumnPlan(
                ColumnKind.MONEY, None, currency_index=positions[column.currency_field or ""]
            )
        number = column.kind if column.kind in FIXED_FORMATS else ColumnKind.DECIMAL
        return value, ColumnPlan(number, fixed)
    if isinstance(dtype, pl.List | pl.Array):
        value = value.cast(pl.List(pl.String)).list.join(", ")
    elif not isinstance(dtype, pl.String | pl.Null):
        value = value.cast(pl.String)
    return _fitted(value.str.replace_all(ILLEGAL.pattern, "\ufffd")), ColumnPlan(ColumnKind.TEXT)


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


def _total_currency(frame: pl.DataFrame, column: Col) -> str | None:
    """The currency of a money column's total: its fixed one, else the one its rows all
    carry (`can_total` totals no other)."""
    if column.currency or column.currency_field is None or frame.height == 0:
        return column.currency
    currency = frame[column.currency_field][0]
    return str(currency) if currency is not None else None


def totals_row(sheet: Sheet) -> tuple[tuple[Cell, ...], tuple[bool, ...]]:
    """The row under the table (live SUBTOTALs), and which columns it totals."""
    totalled = tuple(can_total(sheet.frame, column) for column in sheet.columns)
    cells: list[Cell] = []
    for index, column in enumerate(sheet.columns):
        if index == 0:
            cells.append(Cell("Total", bold=True))
        elif totalled[index]:
            letter = column_letter(index + 1)
            number_format = (
                money_format(_total_currency(sheet.frame, column))
                if column.kind is ColumnKind.MONEY
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
        if column.kind is ColumnKind.DATE:
            longest = max(longest, 10)
        elif column.kind is ColumnKind.DATETIME:
            longest = max(longest, 16)
        elif values is not None and values.dtype.is_numeric() and sheet.frame.height:
            largest = values.abs().max()
            if isinstance(largest, int | float | Decimal):
                digits = len(f"{int(largest):,}")
                longest = max(longest, digits + 5 + (4 if column.kind is ColumnKind.MONEY else 0))
        elif values is not None and sheet.frame.height:
            text = values.head(sample).cast(pl.String, strict=False).drop_nulls()
            longest = max([longest, *(len(v) for v in text)])
        widths.append(min(max(longest + 3, 8), 60))
    return widths


class WorkbookWriter(Protocol):
    """What puts a `Layout` on disk (atomically), at `path`, and returns it."""

    def write(self, layout: Layout, path: Path) -> Path: ...
