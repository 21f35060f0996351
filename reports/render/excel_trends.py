"""The workbook's Trends sheet: every headline figure by month, its year to date, the same
month last year, the changes, its target and status, a native line chart, and the figures
restated since their report was sent.

The report month's column links to the Summary's live formula, and the changes and the
years to date of flows are formulas over the row, so a filter or an edit in the detail
tables follows through; earlier months are the history's values (the detail tables hold
only the report month's records).
"""

from __future__ import annotations

import dataclasses
import math
import textwrap
from collections.abc import Sequence
from decimal import Decimal

from reports.periods import Month
from reports.render.workbook import (
    Align,
    Cell,
    Grid,
    LineChart,
    PageSetup,
    column_letter,
    figure_format,
    money_format,
)
from reports.report.history import Behaviour, History, Trend
from reports.report.model import ReportData

TITLE = "Trends"
PERCENT_FORMAT = "0.0%"
MONTH_FORMAT = "mmm yy"
NONE = "n/a"
#: The figures the chart draws (money in one currency, on one axis).
CHARTED = ("invoiced_net", "expenses_converted", "outstanding")
#: How the headings after the months are aligned where not right, as their columns are.
_ALIGN: dict[str, Align] = {"Status": "center", "Kind": "left"}
#: Rows above the figures: the title, two notes, a blank row, the header.
HEADER_ROW = 5
#: The label column's width in characters: longer labels wrap onto a second line.
LABEL_WIDTH = 44.0
#: The height of one line of text, in points (Calibri 11).
LINE_HEIGHT = 15.0
#: Month columns a printed page holds at the most, beside the labels.
MONTHS_A_PAGE = 13
#: An A4 page across (landscape), in inches, and the side margins of a printed Trends page.
PAGE_WIDTH_INCHES = 11.69
SIDE_MARGIN = 0.4


def trends_grid(data: ReportData, history: History, summary_rows: dict[str, int]) -> Grid:
    """The Trends sheet of `data`; `summary_rows` gives each figure's row on the Summary
    (its live formula), by key."""
    months = history.months
    first_month_column = 2
    last_month_column = first_month_column + len(months) - 1
    extra = (
        "Year to date",
        f"{data.month.shifted(-12).label} (last year)",
        "Change on last month",
        "Change on last month %",
        "Change on last year",
        "Change on last year %",
        "Target",
        "Status",
        "Kind",
    )
    columns = {name: last_month_column + 1 + i for i, name in enumerate(extra)}
    year = history.year_start
    rows: list[tuple[Cell, ...]] = [
        (Cell(f"Trends: the {len(months)} months to {data.month_label}", bold=True),),
        (
            Cell(
                "Flows are the month's records by their UK dates; stocks are where things stood "
                "at the month's end, reconstructed from the records' dates; VAT is its quarter "
                "to the month's end."
            ),
        ),
        (
            Cell(
                f"Year to date: the financial year from {year.label} to {data.month_label}. "
                "Status compares the month with its target (reports.toml [targets])."
            ),
        ),
        (),
        (
            Cell("Figure", bold=True),
            *(Cell(m.start, MONTH_FORMAT, bold=True) for m in months),
            # Each heading sits as its figures do: amounts right, the status word centred.
            *(Cell(name, bold=True, align=_ALIGN.get(name, "right")) for name in extra),
        ),
    ]
    by_row: dict[str, int] = {}
    for trend in history.trends:
        row = len(rows) + 1
        by_row[trend.key] = row
        rows.append(_figure_row(data, trend, row, summary_rows.get(trend.key), months))
    last_figure_row = len(rows)
    status_letter = column_letter(columns["Status"])
    if history.restated.height:
        rows += [(), (Cell("Restated since their report was sent", bold=True),)]
        rows.append(
            tuple(
                Cell(name, bold=True)
                for name in ("Figure", "Month", "As sent", "Now", "Difference")
            )
        )
        labels = {t.key: t for t in history.trends}
        for month, key, _, as_sent, now, difference in history.restated.iter_rows():
            trend = labels[key]
            number_format = _format(data, trend)
            rows.append(
                (
                    Cell(trend.figure.title_for(data)),
                    Cell(month, MONTH_FORMAT),
                    Cell(as_sent, number_format),
                    Cell(now, number_format),
                    Cell(difference, number_format),
                )
            )
    charted = tuple(by_row[key] for key in CHARTED if key in by_row)
    currencies = {data.report_currency, data.invoice_currency}
    chart = (
        LineChart(
            f"Invoiced, expenses and outstanding by month, in {data.report_currency}",
            charted,
            HEADER_ROW,
            first_month_column,
            last_month_column,
            y_title=f"Amount in {data.report_currency}",
            # Under the months, clear of the label column that prints on every page.
            anchor=f"B{len(rows) + 3}",
        )
        if charted and len(currencies) == 1
        else None
    )
    # Wide enough for the largest figure, as its format shows it, and for each header.
    shown = [
        len(f"{value:,.2f}") + 4
        for trend in history.trends
        for value in (*(v for _, v in trend.months), trend.ytd or 0, trend.last_year or 0)
    ]
    number_width = float(min(max([12, *shown]), 20))
    # The headings after the months wrap onto two lines, so that their columns are as
    # narrow as their figures: the page of them prints at the months' scale.
    widths = (LABEL_WIDTH, *(number_width,) * (len(months) + len(extra)))
    heading = rows[HEADER_ROW - 1]
    rows[HEADER_ROW - 1] = (
        *heading[: 1 + len(months)],
        *(dataclasses.replace(cell, wrap=True) for cell in heading[1 + len(months) :]),
    )
    # Labels wrap in their column rather than run under the first month's figure.
    heights = {HEADER_ROW: 2 * LINE_HEIGHT} | {
        number: LINE_HEIGHT * lines
        for number, row in enumerate(rows, start=1)
        if number > HEADER_ROW and row and (lines := _lines(row[0].value)) > 1
    }
    rows = [
        (dataclasses.replace(row[0], wrap=True), *row[1:])
        if number in heights and number != HEADER_ROW
        else row
        for number, row in enumerate(rows, start=1)
    ]
    return Grid(
        TITLE,
        tuple(rows),
        widths,
        status_range=f"{status_letter}{HEADER_ROW + 1}:{status_letter}{last_figure_row}",
        chart=chart,
        freeze=(HEADER_ROW, 1),
        heights=heights,
    )


def _lines(label: object) -> int:
    """The lines `label` takes in the label column: a proportional font fits a tenth more
    characters on a line than the column's width counts (in digits)."""
    if not isinstance(label, str):
        return 1
    return max(len(textwrap.wrap(label, int(LABEL_WIDTH * 1.1))), 1)


def trends_pages(grid: Grid, months: int, pages: PageSetup) -> PageSetup:
    """How the Trends `grid` of `months` months prints: landscape, the labels on every page,
    at most `MONTHS_A_PAGE` months a page (in pages of equal size), then the year to date,
    the changes and the targets on a page of their own, at one scale that fits the widest
    page across; `pages` gives the header and footer."""
    across = math.ceil(months / MONTHS_A_PAGE)
    per_page = math.ceil(months / across) if months else 0
    # The columns before each break: the labels, then the months, page by page.
    breaks = (*(1 + per_page * page for page in range(1, across)), 1 + months)
    starts = (1, *breaks)
    ends = (*breaks, len(grid.widths))
    widest = max(
        sum(_pixels(grid.widths[index]) for index in (0, *range(start, end)))
        for start, end in zip(starts, ends, strict=True)
    )
    printable = (PAGE_WIDTH_INCHES - 2 * SIDE_MARGIN) * 96
    return dataclasses.replace(
        pages,
        landscape=True,
        fit_height=0,
        repeat_columns=1,
        column_breaks=breaks,
        scale=max(10, min(100, math.floor(100 * printable / widest))),
        side_margin=SIDE_MARGIN,
    )


#: The pixels (at 96 an inch) of one character of a column's width, as the widest font a
#: spreadsheet may draw Calibri 11 with takes it: a column is measured in digits of the
#: default font, 7 pixels wide in Calibri, 9.3 in DejaVu Sans (LibreOffice's stand-in where
#: Calibri and Carlito are missing). The scale that fits that fits any.
PIXELS_A_CHARACTER = 9.4


def _pixels(width: float) -> float:
    """A column `width` characters wide, in pixels: its characters and 5 of padding."""
    return width * PIXELS_A_CHARACTER + 5


def _format(data: ReportData, trend: Trend) -> str:
    currency = trend.figure.currency_for(data)
    return money_format(currency) if currency else figure_format(trend.figure.unit)


def _figure_row(
    data: ReportData,
    trend: Trend,
    row: int,
    summary_row: int | None,
    months: Sequence[Month],
) -> tuple[Cell, ...]:
    number_format = _format(data, trend)
    first = 2
    current = first + len(months) - 1
    letter = column_letter
    cur, prev = f"{letter(current)}{row}", f"{letter(current - 1)}{row}"
    cells: list[Cell] = [Cell(trend.figure.title_for(data))]
    for index, (_, value) in enumerate(trend.months):
        if index == len(trend.months) - 1 and summary_row is not None:
            cells.append(
                Cell(f"=Summary!$B${summary_row}", number_format, formula=True, cached=value)
            )
        else:
            cells.append(Cell(value, number_format))
    # Year to date: a flow's is the sum of its year's months on this row, live.
    if trend.ytd is None:
        cells.append(Cell(NONE, align="right"))
    elif trend.behaviour is Behaviour.FLOW:
        in_year = _months_in_year(data)
        start = current - in_year + 1
        if start >= first:
            cells.append(
                Cell(
                    f"=SUM({letter(start)}{row}:{cur})",
                    number_format,
                    formula=True,
                    cached=trend.ytd,
                )
            )
        else:
            cells.append(Cell(trend.ytd, number_format))
    else:
        cells.append(Cell(trend.ytd, number_format))
    last_year = f"{letter(current + 2)}{row}"  # after the months, then the year to date
    cells.append(
        Cell(trend.last_year, number_format)
        if trend.last_year is not None
        else Cell(NONE, align="right")
    )
    if trend.previous is not None and len(months) > 1:
        cells.append(Cell(f"={cur}-{prev}", number_format, formula=True, cached=trend.change))
        cells.append(
            Cell(
                f'=IF({prev}=0,"",({cur}-{prev})/ABS({prev}))',
                PERCENT_FORMAT,
                formula=True,
                cached=_share(trend.value, trend.months[-2][1]),
            )
        )
    else:
        cells += [Cell(NONE, align="right"), Cell(NONE, align="right")]
    if trend.last_year is not None:
        cells.append(
            Cell(f"={cur}-{last_year}", number_format, formula=True, cached=trend.last_year_change)
        )
        cells.append(
            Cell(
                f'=IF({last_year}=0,"",({cur}-{last_year})/ABS({last_year}))',
                PERCENT_FORMAT,
                formula=True,
                cached=_share(trend.value, trend.last_year),
            )
        )
    else:
        cells += [Cell(NONE, align="right"), Cell(NONE, align="right")]
    cells.append(Cell(trend.target, number_format) if trend.target is not None else Cell())
    cells.append(Cell(trend.status.value if trend.status else "", align="center"))
    cells.append(Cell(trend.behaviour.value))
    return tuple(cells)


def _share(value: Decimal, before: Decimal) -> Decimal | str:
    """The change from `before` to `value` as a share of `before`, as the cell's formula
    gives it: unrounded (to Decimal's 28 digits), since a program reading the stored
    result takes it for the formula's; the format rounds it for the eye. Empty where
    `before` is zero, as the formula is."""
    if before == 0:
        return ""
    return (Decimal(value) - Decimal(before)) / abs(Decimal(before))


def _months_in_year(data: ReportData) -> int:
    history = data.history
    assert history is not None
    return (data.month.number - history.year_start.number) % 12 + 1
