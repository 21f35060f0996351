"""The workbook, opened and recalculated by LibreOffice, read back by openpyxl."""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal
from pathlib import Path

import openpyxl
import polars as pl
import pytest
from conftest import MakeSandbox
from helpers import libreoffice_pdf, recalculate_together, recalculated_sheets
from openpyxl.drawing.image import Image
from openpyxl.utils.escape import unescape
from openpyxl.workbook.defined_name import DefinedName
from PIL import Image as PILImage

from reports import fetch_frames, rates
from reports.render.excel import Writer, write_workbook
from reports.render.excel_openpyxl import template_style
from reports.report import ReportData, build_report_data
from reports.report.figures import FIGURES
from reports.sandbox import Sandbox, Sizes

MONTH = "2026-10"
HOSTILE = [
    '=HYPERLINK("http://evil.example","click")',
    "+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(1+1)",
    "\t=1+1",
    "\r=2+2",
]


#: A third of the demo's records whose month has expenses in many currencies (JPY, EUR and
#: CHF among them), invoices with VAT, and debt: every sheet has rows, in less time.
SEED, SIZES = 2, Sizes(mobility_cases=100, plannr_cases=60, plannr_clients=30, willsuite_cases=100)


@pytest.fixture(scope="module")
def server(make_sandbox: MakeSandbox) -> Sandbox:
    return make_sandbox(seed=SEED, sizes=SIZES)


def records_in_month(server: Sandbox) -> tuple[int, int]:
    """How many expenses (not rejected) and invoices the sandbox's records hold in October."""
    expenses = sum(
        e["incurred_at"].startswith(MONTH) and e["status"] != "rejected"
        for rows in server.data.mobility_expenses.values()
        for e in rows
    )
    invoices = sum(
        str(i["date_created"]).startswith(MONTH)
        for rows in server.data.willsuite_invoices.values()
        for i in rows
    )
    return expenses, invoices


@pytest.fixture(scope="module")
def data(server: Sandbox) -> ReportData:
    cases = server.data.mobility_cases
    for case, hostile in zip(cases, HOSTILE, strict=False):
        case["name"] = hostile
    october = [
        e
        for rows in server.data.mobility_expenses.values()
        for e in rows
        if e["incurred_at"] >= "2026-10-01"
    ]
    october[0]["title"] = HOSTILE[0]
    frames = fetch_frames(server.config())
    return build_report_data(frames, MONTH, rates=rates.embedded(), firm="Hostile & <Co>")


WRITERS: list[Writer] = ["xlsxwriter", "openpyxl"]


@pytest.fixture(scope="module")
def workbooks(data: ReportData, tmp_path_factory: pytest.TempPathFactory) -> dict[Writer, Path]:
    return {
        writer: write_workbook(data, tmp_path_factory.mktemp(writer) / "report.xlsx", writer=writer)
        for writer in WRITERS
    }


@pytest.fixture(scope="module", params=WRITERS)
def workbook(workbooks: dict[Writer, Path], request: pytest.FixtureRequest) -> Path:
    """The workbook from each writer: every test below holds both to the same output."""
    return workbooks[request.param]


@pytest.fixture(scope="module")
def branded(data: ReportData, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The workbook written into a firm's template: a cover sheet with a logo, and the names
    it defines for the firm and the period."""
    folder = tmp_path_factory.mktemp("branded")
    logo = folder / "logo.png"
    PILImage.new("RGB", (120, 40), (31, 78, 121)).save(logo)
    template = openpyxl.Workbook()
    cover = template.active
    cover.title = "Cover"
    cover["A1"] = "Quarterly pack"
    cover.add_image(Image(str(logo)), "D2")
    template.add_named_style(template_style())
    template.defined_names["firm"] = DefinedName("firm", attr_text="Cover!$A$3")
    template.defined_names["period"] = DefinedName("period", attr_text="Cover!$A$4")
    template_path = folder / "brand.xlsx"
    template.save(template_path)
    return write_workbook(data, folder / "branded.xlsx", template=template_path)


@pytest.fixture(scope="module")
def filtered(data: ReportData, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The workbook with its invoiced expenses' rows hidden, as a filter on Billing would."""
    path = write_workbook(data, tmp_path_factory.mktemp("filtered") / "filtered.xlsx")
    book = openpyxl.load_workbook(path)
    expenses = book["Expenses"]
    header = [cell.value for cell in expenses[1]]
    state = header.index("Billing")
    for row in expenses.iter_rows(min_row=2, max_row=data.expenses.height + 1):
        if row[state].value == "invoiced":
            expenses.row_dimensions[row[0].row].hidden = True
    book.save(path)
    return path


@pytest.fixture(scope="module")
def empty(
    make_sandbox: MakeSandbox, tmp_path_factory: pytest.TempPathFactory
) -> tuple[ReportData, Path]:
    """A month of sources that hold no records, and its workbook."""
    empty = Sizes(mobility_cases=0, plannr_cases=0, plannr_clients=0, willsuite_cases=0)
    server = make_sandbox(sizes=empty)
    frames = fetch_frames(server.config())
    data = build_report_data(frames, MONTH, rates=rates.embedded())
    return data, write_workbook(data, tmp_path_factory.mktemp("empty") / "empty.xlsx")


@pytest.fixture(scope="module")
def together(
    workbooks: dict[Writer, Path], branded: Path, filtered: Path, empty: tuple[ReportData, Path]
) -> None:
    """Every workbook below that LibreOffice reads, recalculated in one start of it (a
    start costs seconds), before any test reads one."""
    recalculate_together(*workbooks.values(), branded, filtered, empty[1])


def cell_facts(path: Path) -> dict[str, list[tuple[object, ...]]]:
    """What a reader sees of every cell: value, type, number format, bold, quote prefix,
    alignment and wrapping."""
    book = openpyxl.load_workbook(path)
    facts = {}
    for ws in book.worksheets:
        facts[ws.title] = [
            (
                cell.coordinate,
                unescape(cell.value) if isinstance(cell.value, str) else cell.value,
                cell.data_type,
                cell.number_format if cell.value is not None else None,
                bool(cell.font and cell.font.b),
                bool(cell.quotePrefix),
                cell.alignment.horizontal,
                bool(cell.alignment.wrap_text),
            )
            for row in ws.iter_rows()
            for cell in row
            if cell.value is not None
        ]
        tables = {
            table.displayName: (table.ref, table.autoFilter.ref, table.totalsRowCount)
            for table in ws.tables.values()
        }
        columns = [
            (column.name, column.totalsRowFunction, column.totalsRowLabel)
            for table in ws.tables.values()
            for column in table.tableColumns
        ]
        facts[ws.title].append((tables, columns, ws.freeze_panes, len(ws._charts)))
    return facts


def test_both_writers_write_the_same_workbook(workbooks: dict[Writer, Path]) -> None:
    written = {writer: cell_facts(workbooks[writer]) for writer in WRITERS}
    fast, template = written["xlsxwriter"], written["openpyxl"]
    assert list(fast) == list(template)
    for title in fast:
        assert fast[title] == template[title], title


@pytest.fixture(scope="module")
def recalculated(workbook: Path, together: None) -> dict[str, list[list[str]]]:
    return recalculated_sheets(workbook)


def summary_values(sheets: dict[str, list[list[str]]]) -> dict[str, str]:
    return {row[0]: row[1] for row in sheets["Summary"] if len(row) > 1 and row[0]}


def test_recalculated_summary_equals_polars_to_the_penny(
    data: ReportData, recalculated: dict, server: Sandbox
) -> None:
    values = summary_values(recalculated)
    h = data.headline
    # Every figure of the catalogue, recalculated by LibreOffice, equals the report's.
    for figure in FIGURES:
        label = figure.label_for(data)
        assert Decimal(values[label]) == Decimal(str(figure.value_for(data))), label
    assert values["VAT box 1, VAT due on sales: quarter Oct-Dec 2026 to 31 Oct 2026, invoice basis"]
    # The month is not empty: it counts every expense and invoice the sandbox holds in it.
    assert (h.expenses, h.invoices) == records_in_month(server)
    assert h.expenses > 10 and h.invoices > 10 and h.vat_box1 > 0
    by_currency = {
        row[0]: row for row in recalculated["Summary"] if len(row) == 3 and len(row[0]) == 3
    }
    for currency, amount, converted in data.expenses_by_currency.select(
        "currency_code", "amount", "report_amount"
    ).rows():
        assert Decimal(by_currency[currency][1]) == amount
        assert Decimal(by_currency[currency][2]) == converted


def totals_row(sheet: list[list[str]], header: str) -> Decimal:
    column = sheet[0].index(header)
    assert sheet[-1][0] == "Total"
    return Decimal(sheet[-1][column])


def test_table_totals_rows_equal_polars(data: ReportData, recalculated: dict) -> None:
    assert (
        totals_row(recalculated["Expenses"], "Amount (GBP)") == data.expenses["report_amount"].sum()
    )
    invoices = recalculated["Invoices"]
    for header, field in [
        ("Net", "subtotal"),
        ("VAT", "vat_amount"),
        ("Gross", "total"),
        ("Lines: VAT", "recomputed_vat"),
    ]:
        assert totals_row(invoices, header) == data.invoices[field].sum(), header
    # Each kind of income totals apart (net and gross recurring, one-off), never together.
    for header, field in [
        ("Recurring net of tax, a year (GBP)", "report_annual_net"),
        ("Recurring gross, a year (GBP)", "report_annual_gross"),
        ("One-off, once (GBP)", "report_one_off"),
    ]:
        assert totals_row(recalculated["Incomes"], header) == data.incomes[field].sum(), header
    book = data.client_book
    assert book is not None
    clients = recalculated["Client book"]
    assert totals_row(clients, "Recurring net of tax, a year (GBP)") == book.net_annual
    assert totals_row(clients, "Recurring gross, a year (GBP)") == book.gross_annual
    assert len(recalculated["Expenses"]) == data.expenses.height + 2  # header and totals


def test_receivables_totals_rows_equal_polars(data: ReportData, recalculated: dict) -> None:
    owed = data.receivables
    assert owed is not None
    summary, unpaid = recalculated["Aged receivables"], recalculated["Unpaid invoices"]
    for header, field in [
        ("Current", "current"),
        ("1-30 days", "days_1_30"),
        ("31-60 days", "days_31_60"),
        ("61-90 days", "days_61_90"),
        ("Over 90 days", "over_90"),
    ]:
        assert totals_row(summary, header) == owed.summary[field].sum(), header
    for header, field in [("Gross", "gross"), ("Paid", "paid"), ("Outstanding", "outstanding")]:
        assert totals_row(unpaid, header) == owed.detail[field].sum(), header
    outstanding = data.headline.outstanding
    assert totals_row(summary, "Total owed") == totals_row(unpaid, "Outstanding") == outstanding
    assert (len(summary), len(unpaid)) == (owed.summary.height + 2, owed.detail.height + 2)


def test_hostile_text_stays_inert_text(workbook: Path, recalculated: dict) -> None:
    names = [row[2] for row in recalculated["Cases"][1:]]
    for hostile in HOSTILE:
        assert hostile in names, hostile  # shown as written, never evaluated
    assert HOSTILE[0] in [row[3] for row in recalculated["Expenses"]]
    sheet = openpyxl.load_workbook(workbook)["Cases"]
    # A carriage return is stored as Excel's escape _x000D_, which openpyxl does not undo.
    cells = [
        row[2] for row in sheet.iter_rows(min_row=2) if unescape(row[2].value or "") in HOSTILE
    ]
    assert len(cells) == len(HOSTILE)
    assert all(cell.data_type == "s" for cell in cells)


def test_cells_are_typed_and_formatted(workbook: Path) -> None:
    book = openpyxl.load_workbook(workbook)
    assert book.sheetnames[0] == "Summary"
    expenses = book["Expenses"]
    header = [cell.value for cell in expenses[1]]
    row = {name: cell for name, cell in zip(header, expenses[2], strict=True)}
    assert row["Incurred"].is_date
    assert isinstance(row["Amount (GBP)"].value, int | float)
    assert row["Amount (GBP)"].number_format == '"£"#,##0.00'
    assert row["Billing"].value in ("invoiced", "to be invoiced", "awaiting approval")
    formats = {}
    for cells in expenses.iter_rows(min_row=2, max_row=expenses.max_row - 1):
        by_name = dict(zip(header, cells, strict=True))
        formats[by_name["Currency"].value] = by_name["Amount"].number_format
    assert formats["JPY"] == '#,##0 "JPY"'
    assert formats["EUR"] == '"€"#,##0.00'
    assert formats["CHF"] == '#,##0.00 "CHF"'
    assert expenses.freeze_panes == "A2"
    table = expenses.tables["Expenses"]
    assert table.autoFilter.ref == f"A1:P{expenses.max_row - 1}"
    assert book["Incomes"]["F1"].value == "Recurring" and book["Incomes"]["F2"].value == "Yes"
    for ws in book.worksheets[1:]:  # true and false read Yes and No on every sheet
        assert not any(c.data_type == "b" for row in ws.iter_rows(max_row=20) for c in row)
    vat = book["VAT"]
    assert vat["D1"].value == "VAT rate" and vat["D2"].number_format == "0.0%"
    assert table.totalsRowCount == 1
    assert len(book["Expenses by month"]._charts) == 1
    summary_formulas = [
        row[1].value for row in book["Summary"].iter_rows() if isinstance(row[1].value, str)
    ]
    assert any(value.startswith("=SUBTOTAL(109,") for value in summary_formulas)


def test_a_firms_template_is_filled(data: ReportData, branded: Path, together: None) -> None:
    book = openpyxl.load_workbook(branded)
    assert book.sheetnames[:2] == ["Cover", "Summary"]
    assert book["Cover"]["A3"].value == "Hostile & <Co>"
    assert book["Cover"]["A4"].value == "October 2026"
    assert len(book["Cover"]._images) == 1
    assert book["Expenses"]["A1"].style == "Report header"
    sheets = recalculated_sheets(branded)
    label = "Expenses this month in GBP (invoiced, approved or pending)"
    assert Decimal(summary_values(sheets)[label]) == data.headline.expenses_converted


def test_an_empty_month_still_makes_a_valid_workbook(
    empty: tuple[ReportData, Path], together: None
) -> None:
    data, workbook = empty
    sheets = recalculated_sheets(workbook)
    values = summary_values(sheets)
    for figure in FIGURES:
        assert Decimal(values[figure.label_for(data)]) == 0, figure.key
    assert sheets["Summary"][5] == [
        "No record falls in October 2026: every figure for it is zero (the sources hold no "
        "dated records).",
        "",
        "",
    ]


@pytest.mark.parametrize("writer", WRITERS)
def test_text_longer_than_a_cell_is_cut_visibly_and_the_summary_says_where(
    data: ReportData, tmp_path: Path, writer: Writer
) -> None:
    """Excel's cell limit is the workbook's alone: the report holds the whole text."""
    long = "Notes " + "y" * 40_000
    first = data.expenses["id"][0]
    expenses = data.expenses.with_columns(
        title=pl.when(pl.col("id") == first).then(pl.lit(long)).otherwise(pl.col("title"))
    )
    path = write_workbook(
        dataclasses.replace(data, expenses=expenses), tmp_path / "long.xlsx", writer=writer
    )
    book = openpyxl.load_workbook(path, read_only=True)
    (cut,) = [
        r[3] for r in book["Expenses"].iter_rows(min_row=2, values_only=True) if r[0] == first
    ]
    assert len(cut) == 32_767 and cut == long[:32_766] + "\u2026"
    # A note at the Summary's foot, in lines of the commentary's width.
    lines = [r[0] for r in book["Summary"].iter_rows(values_only=True) if r and r[0]]
    assert all(len(line) <= 120 for line in lines[-2:])
    assert " ".join(lines[-2:]) == (
        "Cut to fit a cell of 32,767 characters, ending in \u2026: Expenses, Title of Expense "
        f"{first} (40,006 characters); the PDF and the web report show the whole text"
    )


def test_no_half_written_file_on_failure(data: ReportData, tmp_path: Path) -> None:
    bad = tmp_path / "not-a-template.xlsx"
    bad.write_text("this is not a workbook")
    with pytest.raises(Exception, match="cannot use template"):
        write_workbook(data, tmp_path / "out.xlsx", template=bad)
    assert list(tmp_path.iterdir()) == [bad]


def test_datetimes_are_uk_local_and_naive(workbook: Path) -> None:
    summary = openpyxl.load_workbook(workbook)["Summary"]
    generated = summary["B3"].value
    assert isinstance(generated, dt.datetime) and generated.tzinfo is None


def test_polars_frames_have_no_floats(data: ReportData) -> None:
    for name, value in data.__dict__.items():
        if isinstance(value, pl.DataFrame):
            assert not any(dtype.is_float() for dtype in value.schema.dtypes()), name


def test_every_formula_carries_the_value_libreoffice_recalculates(
    workbook: Path, recalculated: dict
) -> None:
    formulas = openpyxl.load_workbook(workbook)
    cached = openpyxl.load_workbook(workbook, data_only=True)
    checked = 0
    for ws in formulas.worksheets:
        sheet = recalculated[ws.title]
        for row in ws.iter_rows():
            for cell in row:
                if cell.data_type != "f":
                    continue
                stored = cached[ws.title][cell.coordinate].value
                assert stored is not None, (ws.title, cell.coordinate)
                got = sheet[cell.row - 1][cell.column - 1]
                assert Decimal(str(stored)) == Decimal(got), (ws.title, cell.coordinate)
                checked += 1
    assert checked > 40  # the Summary's figures and currencies, and every totals row


def test_the_figures_follow_a_users_filters(
    data: ReportData, filtered: Path, together: None
) -> None:
    values = summary_values(recalculated_sheets(filtered))
    h = data.headline
    label = {f.key: f.label_for(data) for f in FIGURES}
    assert Decimal(values[label["expenses_invoiced"]]) == 0
    assert Decimal(values[label["expenses_converted"]]) == (
        h.expenses_to_be_invoiced + h.expenses_awaiting_approval
    )
    assert Decimal(values[label["expenses_to_be_invoiced"]]) == h.expenses_to_be_invoiced
    shown = data.expenses.filter(pl.col("state") != "invoiced")
    assert Decimal(values[label["expenses"]]) == shown.height
    currencies = {row[0]: row for row in summary_rows_after(recalculated_sheets(filtered))}
    for currency, amount in (
        shown.group_by("currency_code").agg(pl.col("report_amount").sum()).rows()
    ):
        assert Decimal(currencies[currency][2]) == amount


def summary_rows_after(sheets: dict[str, list[list[str]]]) -> list[list[str]]:
    """The Summary's by-currency rows."""
    rows = sheets["Summary"]
    start = next(i for i, row in enumerate(rows) if row[0] == "Expenses by currency")
    return [row for row in rows[start + 1 :] if len(row[0]) == 3]


def test_the_by_currency_block_has_a_total(data: ReportData, recalculated: dict) -> None:
    total = next(row for row in recalculated["Summary"] if row[0].startswith("Total (each"))
    assert Decimal(total[2]) == data.expenses_by_currency["report_amount"].sum()


def test_every_sheet_prints_one_page_wide_with_its_header_on_each_page(workbook: Path) -> None:
    book = openpyxl.load_workbook(workbook)
    for ws in book.worksheets:
        setup = ws.page_setup
        assert ws.sheet_properties.pageSetUpPr.fitToPage, ws.title
        assert (setup.fitToWidth in (1, None), setup.paperSize) == (True, 9), ws.title
        assert ws.oddHeader.left.text == "Hostile && <Co>", ws.title  # & escaped
        assert (ws.oddHeader.center.text, ws.oddHeader.right.text) == ("&A", "October 2026")
        # Pages count within each sheet, named in the footer (`&N` would count the workbook's).
        assert ws.oddFooter.center.text == "&A: page &P"
        # From 1 (OOXML's default where the number is left out, as xlsxwriter does).
        assert setup.firstPageNumber in (1, None) and setup.useFirstPageNumber, ws.title
        if ws.title == "Summary":
            assert setup.fitToHeight in (1, None) and setup.orientation == "portrait"
        else:
            assert ws.print_title_rows == "$1:$1", ws.title
            wide = ws.max_column > 7
            assert setup.orientation == ("landscape" if wide else "portrait"), ws.title


def test_the_summary_prints_on_one_page(data: ReportData, tmp_path: Path) -> None:
    from pypdf import PdfReader

    # One writer (both set up pages alike, as the test above holds): the export is slow.
    workbook = write_workbook(data, tmp_path / "report.xlsx")
    # The first two pages: the Summary's one, and the next sheet's first.
    pdf = libreoffice_pdf(workbook, tmp_path, pages="1-2")
    pages = [page.extract_text() for page in PdfReader(pdf).pages]
    headers = [(text.splitlines() or [""])[0] for text in pages]
    summary = [text for text, header in zip(pages, headers, strict=True) if " Summary " in header]
    assert len(summary) == 1, headers[:3]
    assert "Total (each currency converted)" in summary[0]
    assert "Data-quality flags" in summary[0]
    assert "Summary: page 1" in summary[0] and " Summary " not in headers[1]


def test_columns_are_wide_enough_for_what_they_hold(workbook: Path) -> None:
    book = openpyxl.load_workbook(workbook)
    for ws in book.worksheets[1:]:
        widths = {  # a writer may give neighbours of one width one entry (min to max)
            index: dimension.width
            for dimension in ws.column_dimensions.values()
            if dimension.min
            for index in range(dimension.min, dimension.max + 1)
        }
        for column in ws.iter_cols(min_row=1, max_row=60):
            width = widths[column[0].column]
            for cell in column:
                if isinstance(cell.value, str) and not cell.value.startswith("="):
                    assert len(cell.value) <= width or width == 60, (ws.title, cell.coordinate)
                elif isinstance(cell.value, int | float) and "#,##0" in cell.number_format:
                    assert len(f"{cell.value:,.2f}") + 4 <= width, (ws.title, cell.coordinate)
