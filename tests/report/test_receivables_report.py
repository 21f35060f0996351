"""The aged receivables in the month's report: a summary by client and every unpaid invoice,
in the report's data, the PDF, the workbook and the web page. Over the sandbox's October
2026: each client's total is the amount due on its statement, and every client's the
headline's outstanding."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import quote

import openpyxl
import polars as pl
import pytest
from factories import sandbox_month
from helpers import pdf_pages

from reports import rates
from reports.render.excel import write_workbook
from reports.render.file_names import statement_file_names
from reports.render.pdf import write_monthly_pdf
from reports.render.templates import money
from reports.render.views import RECEIVABLES_IN_PDF
from reports.render.web import write_monthly_html
from reports.report import ReportData, build_report_data
from reports.report.model import (
    RECEIVABLES_DETAIL_COLUMNS,
    RECEIVABLES_SUMMARY_COLUMNS,
    Frames,
    Receivables,
)

MONTH = "2026-10"


@pytest.fixture(scope="module")
def frames() -> Frames:
    return sandbox_month().fetched()


@pytest.fixture(scope="module")
def data(frames: Frames) -> ReportData:
    return build_report_data(frames, MONTH, rates=rates.embedded(), firm="Receivables Test")


@pytest.fixture(scope="module")
def owed(data: ReportData) -> Receivables:
    assert data.receivables is not None
    return data.receivables


def test_the_totals_are_the_headlines_outstanding(data: ReportData, owed: Receivables) -> None:
    assert owed.summary.columns == list(RECEIVABLES_SUMMARY_COLUMNS)
    assert owed.detail.columns == list(RECEIVABLES_DETAIL_COLUMNS)
    assert owed.summary.height > 10  # enough to cut the PDF's list
    assert owed.total == data.headline.outstanding
    assert owed.summary["total"].sum() == data.headline.outstanding
    assert owed.detail["outstanding"].sum() == data.headline.outstanding
    bands = ["current", "days_1_30", "days_31_60", "days_61_90", "over_90"]
    assert owed.summary.select(pl.sum_horizontal(bands) == pl.col("total")).to_series().all()
    assert owed.summary.select(pl.col(bands).sum()).row(0) == tuple(
        owed.detail.filter(band=band)["outstanding"].sum()
        for band in ("current", "1-30", "31-60", "61-90", "over 90")
    )


def test_each_clients_total_is_its_statements_amount_due(
    data: ReportData, owed: Receivables
) -> None:
    statements = {s.key: s for s in data.statements}
    for key, client, reference, due in owed.summary.select(
        "key", "client", "payment_reference", "total"
    ).iter_rows():
        statement = statements[key]
        assert (client, reference) == (statement.client, statement.payment_reference)
        assert due == statement.balance, key
    # Every client owing (or in credit) at the month's end is in the summary.
    owing = {s.key for s in data.statements if s.balance}
    assert owing <= set(owed.summary["key"])
    assert set(owed.detail["key"]) == set(owed.summary["key"])


def test_a_firm_without_invoices_has_no_receivables(frames: Frames) -> None:
    mobility = {k: v for k, v in frames.items() if k[0] == "mobility"}
    assert mobility
    data = build_report_data(mobility, MONTH, rates=rates.embedded())
    assert data.receivables is None


@pytest.fixture(scope="module")
def pdf(data: ReportData, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_monthly_pdf(data, tmp_path_factory.mktemp("pdf") / "m.pdf")


def test_the_pdf_lists_the_ten_largest_then_how_many_more(
    pdf: Path, data: ReportData, owed: Receivables
) -> None:
    pages = [" ".join(page.split()) for page in pdf_pages(pdf)]
    page = next(p for p in pages if "Aged receivables at 31 Oct 2026" in p)
    listed = owed.summary.head(RECEIVABLES_IN_PDF)
    for client, reference, due in listed.select("client", "payment_reference", "total").rows():
        assert f"{client} {reference} " in page
        assert money(due, "GBP") in page
    left = owed.summary.slice(RECEIVABLES_IN_PDF)
    assert left.height
    assert f"{left['client'][0]} {left['payment_reference'][0]} " not in page
    more = f"and {left.height} more (in the workbook's Aged receivables sheet)"
    assert more in page
    totals = " ".join(money(amount, "GBP") for amount in (*owed.band_totals, owed.total))
    assert f"Every client ({owed.summary.height}) {totals}" in page
    assert totals.endswith(money(data.headline.outstanding, "GBP"))


def test_the_workbook_has_both_sheets_as_filtered_tables_with_live_totals(
    data: ReportData, owed: Receivables, tmp_path: Path
) -> None:
    """The totals' values after LibreOffice recalculates: tests/render/test_excel.py."""
    book = openpyxl.load_workbook(write_workbook(data, tmp_path / "m.xlsx"))
    for title, table, frame, money_header, date_header in [
        ("Aged receivables", "AgedReceivables", owed.summary, "Total owed", "Oldest due"),
        ("Unpaid invoices", "UnpaidInvoices", owed.detail, "Outstanding", "Due"),
    ]:
        sheet = book[title]
        (shown,) = sheet.tables.values()
        assert shown.name == table and shown.autoFilter is not None
        assert shown.totalsRowCount == 1
        header = [cell.value for cell in sheet[1]]
        first = dict(zip(header, sheet[2], strict=True))
        assert first[date_header].is_date
        assert first[money_header].number_format == '"£"#,##0.00'
        assert sheet.max_row == frame.height + 2  # the header and the totals row
        totals = dict(zip(header, sheet[sheet.max_row], strict=True))
        assert str(totals[money_header].value).startswith("=SUBTOTAL(109,")


class _Receivables(HTMLParser):
    """The web page's aged receivables: each body row's cells' text and its link."""

    def __init__(self) -> None:
        super().__init__()
        self.inside = self.in_body = False
        self.rows: list[tuple[list[str], str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "section" and found.get("id") == "aged-receivables":
            self.inside = True
        elif self.inside and tag == "table":
            assert "sortable" in (found.get("class") or "").split()
        elif self.inside and tag == "tbody":
            self.in_body = True
        elif self.in_body and tag == "tr":
            self.rows.append(([], None))
        elif self.in_body and tag == "td":
            self.rows[-1][0].append("")
        elif self.in_body and tag == "a":
            self.rows[-1] = (self.rows[-1][0], found.get("href"))

    def handle_endtag(self, tag: str) -> None:
        if tag == "tbody":
            self.in_body = False
        elif tag == "section":
            self.inside = False

    def handle_data(self, text: str) -> None:
        if self.in_body and self.rows and self.rows[-1][0]:
            self.rows[-1][0][-1] += text


@pytest.fixture(scope="module")
def web_page(data: ReportData, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_monthly_html(data, tmp_path_factory.mktemp("web") / "report-2026-10.html")


def test_the_web_page_lists_every_client_linked_to_its_statement(
    web_page: Path, data: ReportData, owed: Receivables
) -> None:
    page = _Receivables()
    page.feed(web_page.read_text(encoding="utf-8"))
    files = statement_file_names(data.statements)
    expected = [
        ([client, reference or "", money(due, "GBP")], f"statements/{quote(files[key])}")
        for key, client, reference, due in owed.summary.select(
            "key", "client", "payment_reference", "total"
        ).iter_rows()
    ]
    assert [(cells[:2] + cells[7:8], link) for cells, link in page.rows] == expected
    assert "and 61 more" not in web_page.read_text(encoding="utf-8")


def test_the_web_pages_receivables_sort_and_their_link_lands_clear_of_the_nav(
    chromium: Any, web_page: Path, owed: Receivables
) -> None:
    page = chromium.new_context(viewport={"width": 1100, "height": 900}).new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(web_page.as_uri())
    page.wait_for_selector("body[data-ready=yes]")
    page.click("nav.top a[href='#aged-receivables']")
    page.wait_for_function(
        "Math.abs(document.querySelector('#aged-receivables').getBoundingClientRect().top) < 100"
    )
    nav = page.locator("nav.top").bounding_box()
    heading = page.locator("#aged-receivables h2").bounding_box()
    assert nav is not None and heading is not None
    assert heading["y"] >= nav["y"] + nav["height"]
    page.click("#aged-receivables th:nth-child(8) button")  # Total, smallest first
    smallest = owed.summary.sort("total", "key")["total"][0]
    first = page.locator("#aged-receivables tbody tr").first.locator("td").nth(7).inner_text()
    assert first == money(smallest, "GBP")
    assert errors == []
