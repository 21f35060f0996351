"""The workbook read as a report: the Summary's columns, approval and commentary; money
totals in their currency; the Trends sheet's print setup; page numbers within each sheet;
every stored formula result as LibreOffice recalculates it; `reports approve`'s stamp."""

from __future__ import annotations

import dataclasses
from decimal import ROUND_HALF_UP, Decimal, localcontext
from pathlib import Path

import openpyxl
import pytest
from factories import sandbox_month
from helpers import libreoffice_pdf, pdf_pages, recalculate_together, recalculated_sheets
from openpyxl.worksheet.worksheet import Worksheet

from reports.render.commentary import firm_commentary
from reports.render.excel import (
    APPROVAL_CELL,
    COMMENTARY_WIDTH,
    Writer,
    write_workbook,
)
from reports.render.excel_trends import MONTHS_A_PAGE, trends_pages
from reports.render.plain_text import paragraphs
from reports.render.workbook import STATUS_FILLS, Cell, Grid, PageSetup, money_format
from reports.report import ReportData
from reports.sandbox.generate import Sizes
from reports.targets import Better, Target

MONTH = "2026-10"
TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
TENTH = Sizes(mobility_cases=30, plannr_cases=30, plannr_clients=15, willsuite_cases=30)
COMMENTARY = (
    "**{{ month }} in brief.** We invoiced {{ invoiced_total }} "
    "({{ invoiced_total.change_pct }} on September).\n\n"
    "Debt is the thing to watch: {{ outstanding }} is outstanding, of which "
    "{{ overdue_90_plus }} is more than 90 days past due; please raise the approved "
    "expenses' invoices before the quarter closes.\n"
)


@pytest.fixture(scope="module")
def data() -> ReportData:
    # A tenth of the demo's records: rows on every sheet, every figure, and LibreOffice
    # prints it in seconds (the pages of cases and tasks take most of its time).
    built = sandbox_month(seed=3, sizes=TENTH).report(
        MONTH,
        firm="Report & Co",
        history_months=12,
        targets=(
            Target("cases_opened", (Decimal(55),) * 12),
            Target("invoiced_total", (Decimal("8333.33"),) * 12),
            Target("outstanding", (Decimal(25_000),) * 12, Better.LOWER),
        ),
    )
    return dataclasses.replace(built, commentary=firm_commentary(COMMENTARY, built, "test"))


WRITERS: list[Writer] = ["xlsxwriter", "openpyxl"]


@pytest.fixture(scope="module")
def workbooks(data: ReportData, tmp_path_factory: pytest.TempPathFactory) -> dict[Writer, Path]:
    return {
        writer: write_workbook(data, tmp_path_factory.mktemp(writer) / "report.xlsx", writer=writer)
        for writer in WRITERS
    }


@pytest.fixture(scope="module", params=WRITERS)
def workbook(workbooks: dict[Writer, Path], request: pytest.FixtureRequest) -> Path:
    return workbooks[request.param]


def summary(path: Path) -> Worksheet:
    return openpyxl.load_workbook(path)["Summary"]


def column_widths(sheet: Worksheet) -> dict[int, float]:
    """Each column's width by its number (a writer may give neighbours of one width one
    entry, from its first to its last)."""
    return {
        index: dimension.width
        for dimension in sheet.column_dimensions.values()
        if dimension.min
        for index in range(dimension.min, dimension.max + 1)
    }


def figure_rows(sheet: Worksheet) -> list[tuple]:
    """The Summary's figures table: its header row, then one row a figure."""
    rows = list(sheet.iter_rows(max_col=4))
    start = next(i for i, row in enumerate(rows) if row[0].value == "Figure")
    end = next(i for i in range(start + 1, len(rows)) if rows[i][0].value is None)
    return rows[start:end]


def test_the_summary_gives_each_figure_its_value_target_and_status_in_columns(
    data: ReportData, workbook: Path
) -> None:
    sheet = summary(workbook)
    header, *figures = figure_rows(sheet)
    assert [cell.value for cell in header] == ["Figure", "Value", "Target", "Status"]
    # Each heading sits as its column's values do: numbers right, the status centred.
    assert [cell.alignment.horizontal for cell in header] == [None, "right", "right", "center"]
    assert data.history is not None
    trends = {t.figure.label_for(data): t for t in data.history.trends}
    targeted = 0
    for label, value, target, status in figures:
        assert isinstance(label.value, str) and value.data_type == "f"
        trend = trends.get(label.value)
        if trend is None or trend.target is None:
            assert target.value is None and status.value is None, label.value
            continue
        targeted += 1
        # The target a number in the figure's own format, its status a word in a column of
        # its own, centred, never one text ("55on track").
        assert Decimal(str(target.value)) == trend.target
        assert target.number_format == value.number_format
        assert trend.status is not None and status.value == trend.status.value
        assert status.alignment.horizontal == "center"
    assert targeted == 3
    widths = [column_widths(sheet)[index] for index in range(1, 5)]
    longest = max(len(str(label.value)) for label, *_ in figures)
    assert widths[0] >= longest and widths[3] >= len("off track") + 2
    assert all(width >= 14 for width in widths[1:3])


def test_the_summarys_statuses_are_coloured_by_their_word(workbook: Path) -> None:
    sheet = summary(workbook)
    _, *figures = figure_rows(sheet)
    statuses = f"D{figures[0][0].row}:D{figures[-1][0].row}"
    # A solid fill's colour is its foreground (openpyxl) or background (xlsxwriter's).
    rules = {
        str(rule.formula[0]): {
            str(rule.dxf.fill.fgColor.rgb)[-6:],
            str(rule.dxf.fill.bgColor.rgb)[-6:],
        }
        for formatting in sheet.conditional_formatting
        if str(formatting.sqref) == statuses
        for rule in formatting.rules
    }
    # By the word, never the colour alone: each status's rule looks for its word.
    assert len(rules) == len(STATUS_FILLS)
    for word, fill in STATUS_FILLS.items():
        assert [
            fill in colours for formula, colours in rules.items() if f'"{word}"' in formula
        ] == [True]


def test_the_summary_says_whether_the_month_is_approved(workbook: Path) -> None:
    sheet = summary(workbook)
    row = int(APPROVAL_CELL[1:])
    assert sheet[f"A{row}"].value == "Approval"
    assert sheet[APPROVAL_CELL].value == "Draft: not approved for sending"
    assert sheet[APPROVAL_CELL].font.b


def test_the_commentary_is_under_the_figures(data: ReportData, workbook: Path) -> None:
    sheet = summary(workbook)
    column = [cell.value for cell in sheet["A"]]
    last_figure = figure_rows(sheet)[-1][0].row
    start = column.index("Commentary")
    assert start + 1 > last_figure
    assert data.commentary is not None
    wanted = paragraphs(data.commentary.text)
    lines: list[str] = []
    for value in column[start + 1 :]:
        if value is None and len(" ".join(lines).split("\n")) == len(wanted):
            break
        lines.append("\n" if value is None else value)
    said = [" ".join(part.split()) for part in " ".join(lines).split("\n")]
    assert said == [" ".join(paragraph.split()) for paragraph in wanted]
    assert said[0].startswith("October 2026 in brief. We invoiced £")  # no Markdown stars
    assert all(len(line) <= COMMENTARY_WIDTH for line in lines)


def test_money_totals_keep_their_currency_format(workbook: Path) -> None:
    book = openpyxl.load_workbook(workbook)
    checked = 0
    for ws in book.worksheets:
        if not ws.tables:
            continue
        last = ws.max_row
        assert ws[f"A{last}"].value == "Total", ws.title
        for column in range(2, ws.max_column + 1):
            total = ws.cell(last, column)
            if total.data_type != "f":
                continue
            above = {
                cell.number_format
                for row in range(2, last)
                if isinstance((cell := ws.cell(row, column)).value, int | float)
            }
            if len(above) == 1:  # the rows' one format (a money column: one currency)
                assert total.number_format == above.pop(), (ws.title, total.coordinate)
                checked += 1
    invoices = book["Invoices"]
    header = [cell.value for cell in invoices[1]]
    total = invoices.cell(invoices.max_row, header.index("Gross") + 1)
    assert total.number_format == money_format("GBP") == '"£"#,##0.00'
    assert checked > 10


def test_trends_prints_landscape_with_its_labels_on_every_page(
    data: ReportData, workbook: Path
) -> None:
    trends = openpyxl.load_workbook(workbook)["Trends"]
    setup = trends.page_setup
    assert setup.orientation == "landscape" and setup.paperSize in (9, "9")
    assert trends.print_title_cols in ("$A:$A", "A:A")
    # Fitting to one page across would ignore the breaks: a fixed scale instead.
    assert not trends.sheet_properties.pageSetUpPr.fitToPage
    assert 10 <= int(setup.scale) < 100
    # The 12 months on one page, then the year to date, changes and targets.
    assert [brk.id for brk in trends.col_breaks.brk] == [13]
    header = [cell.value for cell in trends[5]]
    assert header[13] == "Year to date" and header[0] == "Figure"
    assert data.history is not None and len(data.history.months) == 12


@pytest.mark.parametrize(
    ("months", "breaks"),
    [
        (1, (2,)),
        (12, (13,)),
        (13, (14,)),
        (14, (8, 15)),  # two pages of seven, not thirteen and one
        (24, (13, 25)),
        (27, (10, 19, 28)),
    ],
)
def test_trends_pages_hold_at_most_13_months_in_pages_alike(
    months: int, breaks: tuple[int, ...]
) -> None:
    widths = (44.0, *(14.0,) * (months + 9))
    grid = Grid("Trends", ((Cell("Figure"),),), widths)
    pages = trends_pages(grid, months, PageSetup(False, header="&CTrends"))
    assert pages.column_breaks == breaks
    spans = [b - a for a, b in zip((1, *breaks), breaks, strict=False)]
    assert max(spans) <= MONTHS_A_PAGE and sum(spans) == months
    assert (pages.landscape, pages.repeat_columns, pages.header) == (True, 1, "&CTrends")
    assert pages.scale is not None and 10 <= pages.scale <= 100


@pytest.fixture(scope="module")
def printed(data: ReportData, tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    """The xlsxwriter workbook as LibreOffice prints it to PDF, page by page."""
    folder = tmp_path_factory.mktemp("printed")
    return pdf_pages(libreoffice_pdf(write_workbook(data, folder / "report.xlsx"), folder))


def footer(page: str) -> str:
    """A printed page's footer: its text's second line, after the header's."""
    return page.splitlines()[1]


def test_page_numbers_count_within_each_sheet(printed: list[str]) -> None:
    footers = [footer(page) for page in printed]
    # Each sheet's pages from 1, the sheet named: never "Page 1 of 66" across the workbook.
    assert not any(" of " in footer for footer in footers)
    firsts = [footer for footer in footers if footer.endswith(": page 1")]
    assert footers[0].endswith("Summary: page 1")
    assert len(firsts) == len({footer.rsplit(" ", 3)[-3] for footer in firsts}) >= 10
    trends = [footer for footer in footers if "Trends: page" in footer]
    assert [footer.rsplit(" ", 1)[-1] for footer in trends] == ["1", "2"]


def test_trends_prints_its_months_then_its_changes_each_under_the_labels(
    data: ReportData, printed: list[str]
) -> None:
    trends = [page for page in printed if footer(page).startswith("Trends: page")]
    assert data.history is not None
    months = [f"{m.start:%b %y}" for m in data.history.months]
    first, second = (" ".join(page.split()) for page in trends)
    assert all(month in first for month in months) and "(last year)" not in first
    assert "(last year)" in second
    # The months' figures on the first page alone (the second's words include the chart's
    # axis, which LibreOffice clips from it: what shows is the table).
    expenses = [f"£{value:,.2f}" for _, value in data.history.trend("expenses_converted").months]
    assert all(value in first for value in expenses)
    assert not any(value in second for value in expenses[:-1])
    for page in (first, second):  # the labels, whole, on each page
        assert (
            "VAT box 1, VAT due on sales: quarter Oct-Dec 2026 to 31 Oct 2026, invoice basis"
            in (page)
        )


def stored_and_recalculated(path: Path) -> list[tuple[str, str, object, str]]:
    """Every formula cell: its sheet, name, stored result and LibreOffice's recalculated one."""
    formulas = openpyxl.load_workbook(path)
    cached = openpyxl.load_workbook(path, data_only=True)
    recalculated = recalculated_sheets(path)
    found = []
    for ws in formulas.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if cell.data_type == "f":
                    stored = cached[ws.title][cell.coordinate].value
                    again = recalculated[ws.title][cell.row - 1][cell.column - 1]
                    found.append((ws.title, cell.coordinate, stored, again))
    return found


def test_every_stored_result_is_its_formulas_at_full_precision(
    workbook: Path, workbooks: dict[Writer, Path]
) -> None:
    recalculate_together(*workbooks.values())  # both writers' in one start of LibreOffice
    checked = shares = 0
    for title, name, stored, again in stored_and_recalculated(workbook):
        if again == "":  # a change on zero: empty, as the formula gives it
            assert stored in ("", None), (title, name)
            continue
        # LibreOffice gives its results to 15 significant digits (its CSV, its files), a
        # share in per cent as its format shows it (28.3582089552239% for 19/67): the
        # stored result, read as a spreadsheet reads it (a double) and shown alike, is
        # that exactly, never a rounded 0.284.
        number = float(str(stored))
        if again.endswith("%"):
            number, again = number * 100, again.removesuffix("%")
        with localcontext() as context:
            context.prec, context.rounding = 15, ROUND_HALF_UP
            assert +Decimal(repr(number)) == +Decimal(again), (title, name, stored, again)
        checked += 1
        shares += title == "Trends" and "E" not in again and len(again.split(".")[-1]) > 6
    assert checked > 80
    assert shares > 10  # the Trends' changes in per cent among them, unrounded
