"""Plannr's incomes are the clients', not the firm's: in no headline figure, trend, target or
alert, and shown instead in the report's Client book (the PDF, the workbook's sheet, the web
page) where Plannr is configured. Over the sandbox's October 2026."""

from __future__ import annotations

import dataclasses
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from factories import sandbox_month
from helpers import pdf_pages

from reports import rates
from reports.app import load_config
from reports.compute.client_book import Band
from reports.errors import ConfigError
from reports.render.excel import sheets_for, write_workbook
from reports.render.pdf import write_monthly_pdf
from reports.render.templates import money
from reports.render.web import write_monthly_html
from reports.report import ReportData, build_report_data
from reports.report.figures import FIGURES
from reports.report.history import BEHAVIOUR
from reports.report.model import Frames, Headline
from reports.sandbox import Sizes

MONTH = "2026-10"


#: The demo's Plannr firm, whole (its clients in every band, incomes recorded this month,
#: ending soon, one-off, and none); a few cases of the other sources, which only the
#: documents' other pages show. Each source's records are generated apart: Plannr's are the
#: demo's own.
SIZES = Sizes(mobility_cases=10, plannr_cases=300, plannr_clients=150, willsuite_cases=10)


@pytest.fixture(scope="module")
def frames() -> Frames:
    return sandbox_month(sizes=SIZES).fetched()


@pytest.fixture(scope="module")
def data(frames: Frames) -> ReportData:
    return build_report_data(frames, MONTH, rates=rates.embedded(), firm="Client Book Test")


@pytest.fixture(scope="module")
def pages(data: ReportData, tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    """The monthly PDF's pages, rendered once for the module, each on one line."""
    path = write_monthly_pdf(data, tmp_path_factory.mktemp("pdf") / "m.pdf")
    return [" ".join(page.split()) for page in pdf_pages(path)]


@pytest.fixture(scope="module")
def workbook(data: ReportData, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_workbook(data, tmp_path_factory.mktemp("xlsx") / "m.xlsx")


def test_client_incomes_are_in_no_headline_figure_nor_trend(pages: list[str]) -> None:
    assert not [f.key for f in FIGURES if "income" in f.key or "income" in f.label.lower()]
    assert not [name for name in BEHAVIOUR if "income" in name]
    assert not [f.name for f in dataclasses.fields(Headline) if "income" in f.name]
    cover = pages[0]
    assert "Headline figures" in cover and "income" not in cover.lower()


def test_a_target_or_alert_on_a_client_income_figure_names_the_client_book(
    tmp_path: Path,
) -> None:
    for body in (
        "[targets.incomes_annual_net]\nmonthly = 1\n",
        '[[alerts]]\nfigure = "incomes_annual_gross"\nabove = 1\n',
    ):
        path = tmp_path / "reports.toml"
        path.write_text(body)
        with pytest.raises(ConfigError, match=r"is no longer a figure: .*Client book"):
            load_config(path, environ={})


def test_the_pdf_shows_the_client_book(data: ReportData, pages: list[str]) -> None:
    book = data.client_book
    assert book is not None
    text = " ".join(pages)
    assert "Client book" in text and "Clients by recorded income a year" in text
    for row in book.bands.iter_rows(named=True):
        shown = f"{row['band']} {row['net_clients']} {money(row['net_annual'], 'GBP')} "
        assert shown + f"{row['gross_clients']} {money(row['gross_annual'], 'GBP')}" in text
    total = book.clients.height
    assert (
        f"Every client {total} {money(book.net_annual, 'GBP')} "
        f"{total} {money(book.gross_annual, 'GBP')}"
    ) in text
    assert f"Incomes recorded this month {book.recorded.height} incomes entered" in text
    assert "Incomes ending by 29 Jan 2027" in text
    assert f"{book.without_income.height} clients with no income recorded" in text
    for name in (*book.recorded["client"], *book.ending["client"], *book.without_income["client"]):
        assert name in text


def test_the_workbook_has_a_client_book_sheet(data: ReportData, workbook: Path) -> None:
    book = data.client_book
    assert book is not None
    sheet = openpyxl.load_workbook(workbook, data_only=True)["Client book"]
    rows = list(sheet.iter_rows(values_only=True))
    header, body, totals = rows[0], rows[1:-1], rows[-1]
    assert len(body) == book.clients.height
    column = {name: index for index, name in enumerate(header)}
    net, gross = "Recurring net of tax, a year (GBP)", "Recurring gross, a year (GBP)"
    assert Decimal(str(totals[column[net]])) == book.net_annual
    assert Decimal(str(totals[column[gross]])) == book.gross_annual
    bands = {row[column["Band by net"]] for row in body} | {
        row[column["Band by gross"]] for row in body
    }
    assert bands <= {band.value for band in Band}
    without = [row[column["Client"]] for row in body if row[column["Incomes on file"]] == 0]
    assert without == book.without_income["client"].to_list()


def test_the_incomes_sheet_totals_each_kind_apart(data: ReportData, workbook: Path) -> None:
    sheet = openpyxl.load_workbook(workbook)["Incomes"]
    cached = openpyxl.load_workbook(workbook, data_only=True)["Incomes"]
    header = [cell.value for cell in sheet[1]]
    totals = [cell.value for cell in sheet[sheet.max_row]]
    assert totals[0] == "Total"
    # No total of every kind together: the all-kinds amounts have none.
    for mixed in ("Annual", "Annual (GBP)", "Amount", "Monthly"):
        assert totals[header.index(mixed)] is None
    incomes = data.incomes
    expected = {
        "Recurring net of tax, a year (GBP)": incomes.filter(recurring=True, amount_type="net"),
        "Recurring gross, a year (GBP)": incomes.filter(recurring=True, amount_type="gross"),
        "One-off, once (GBP)": incomes.filter(recurring=False),
    }
    for name, rows in expected.items():
        index = header.index(name)
        assert str(totals[index]).startswith("=SUBTOTAL(109,")
        value = Decimal(str(cached.cell(sheet.max_row, index + 1).value))
        assert value == rows["report_annual_amount"].sum() != 0


def test_the_web_report_shows_the_client_book(data: ReportData, tmp_path: Path) -> None:
    html = write_monthly_html(data, tmp_path / "report.html").read_text()
    assert '<a href="#client-book">Client book</a>' in html
    assert '<section class="client-book" id="client-book">' in html
    assert "Clients with no income on file" in html
    for band in Band:
        assert f'<td class="d">{band.value}</td>' in html


def test_without_plannr_there_is_no_client_book(frames: Frames, tmp_path: Path) -> None:
    others = {key: frame for key, frame in frames.items() if key[0] != "plannr"}
    data = build_report_data(others, MONTH, rates=rates.embedded())
    assert data.client_book is None
    assert "Client book" not in [sheet.title for sheet in sheets_for(data)]
    html = write_monthly_html(data, tmp_path / "report.html").read_text()
    assert 'id="client-book"' not in html and "Client book</a>" not in html


def test_the_web_reports_link_lands_on_the_client_book_clear_of_its_nav(
    chromium: Any, data: ReportData, tmp_path: Path
) -> None:
    path = write_monthly_html(data, tmp_path / "report.html")
    page = chromium.new_context(viewport={"width": 1100, "height": 900}).new_page()
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text))
    page.goto(path.as_uri())
    page.click("nav.top a[href='#client-book']")
    page.wait_for_function(
        "Math.abs(document.querySelector('#client-book').getBoundingClientRect().top) < 100"
    )
    nav = page.locator("nav.top").bounding_box()
    heading = page.locator("#client-book h2").bounding_box()
    assert nav is not None and heading is not None
    # The sticky nav would hide the heading without the section's scroll margin.
    assert heading["y"] >= nav["y"] + nav["height"]
    assert errors == []
    page.context.close()
