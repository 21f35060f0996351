"""PDFs: checked through their extracted text, as a reader would see them."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from factories import read_sandbox, sandbox_data
from pypdf import PdfReader

from reports.errors import ReportsError
from reports.render.file_names import safe_file_name
from reports.render.pdf import write_monthly_pdf, write_statements
from reports.render.templates import Templates, money
from reports.report import ReportData
from reports.sandbox import Sizes

EVIL_COMPANY = "<b>Evil</b> & Co"
EVIL_PERSON = "<script>alert(1)</script> Smith"


def text_of(path: Path) -> list[str]:
    return [page.extract_text() for page in PdfReader(path).pages]


@pytest.fixture(scope="module")
def data() -> ReportData:
    sizes = Sizes(mobility_cases=40, plannr_cases=20, plannr_clients=20, willsuite_cases=40)
    records = sandbox_data(seed=5, sizes=sizes)
    # A client with an expense in October 2026, so that it has a statement that month.
    busy = next(
        case_id
        for case_id, rows in records.mobility_expenses.items()
        if any(str(row["incurred_at"]).startswith("2026-10") for row in rows)
    )
    client = next(c["client_id"] for c in records.mobility_cases if c["id"] == busy)
    for case in records.mobility_cases:
        if case["client_id"] == client:
            case["client_name"] = EVIL_COMPANY
    owing = next(
        cid
        for cid, rows in records.willsuite_invoices.items()
        if any(i["status"] == "Not Paid" for i in rows)
    )
    next(c for c in records.willsuite_cases if c["id"] == owing)["full_names"] = EVIL_PERSON
    return read_sandbox(records).report("2026-10", firm="Demo & Co")


@pytest.fixture(scope="module")
def monthly(data: ReportData, tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    return text_of(write_monthly_pdf(data, tmp_path_factory.mktemp("pdf") / "report.pdf"))


def test_monthly_report_shows_the_right_figures(data: ReportData, monthly: list[str]) -> None:
    text = "\n".join(monthly)
    h = data.headline
    assert "Demo & Co" in monthly[0]
    assert "Monthly report: October 2026" in monthly[0]
    for value, currency in [
        (h.expenses_converted, "GBP"),
        (h.expenses_invoiced, "GBP"),
        (h.invoiced_total, "GBP"),
        (h.vat_box1, "GBP"),
        (h.vat_box6, "GBP"),
        (h.outstanding, "GBP"),
    ]:
        assert money(value, currency) in text, (value, money(value, currency))
    for row in data.expenses_by_currency.iter_rows(named=True):
        assert money(row["amount"], row["currency_code"]) in text
    assert "Data quality" in text
    assert "Data fetched" in monthly[1]


def test_every_page_is_numbered_of_the_total(monthly: list[str]) -> None:
    for number, page in enumerate(monthly, start=1):
        assert f"Page {number} of {len(monthly)}" in page
    for page in monthly[1:]:  # the running header, on every page after the cover
        assert "Demo & Co: Monthly report, October 2026" in page


def test_statements_escape_html_and_carry_totals(data: ReportData, tmp_path: Path) -> None:
    chosen = [s for s in data.statements if s.client in (EVIL_COMPANY, EVIL_PERSON)]
    assert len(chosen) == 2
    rendered = write_statements(data, tmp_path, statements=chosen)
    by_client = {r.entry.client: text_of(r.path) for r in rendered}
    company = "\n".join(by_client[EVIL_COMPANY])
    assert EVIL_COMPANY in company  # shown as text, not as markup
    statement = next(s for s in chosen if s.client == EVIL_COMPANY)
    assert money(statement.totals.expenses, "GBP") in company
    person = "\n".join(by_client[EVIL_PERSON])
    assert EVIL_PERSON in person
    owed = next(s for s in chosen if s.client == EVIL_PERSON).totals
    assert owed.outstanding is not None and money(owed.outstanding, "GBP") in person
    assert "Page 1 of" in by_client[EVIL_PERSON][0]
    assert f"Demo & Co: statement for {EVIL_PERSON}, October 2026" in by_client[EVIL_PERSON][0]
    assert sorted(p.name for p in tmp_path.iterdir())[-1] == "statements.json"


def test_a_statement_owes_nothing_to_those_rendered_before_it(
    data: ReportData, tmp_path: Path
) -> None:
    """One thread renders every statement with one font configuration: a statement rendered
    after others must be the one rendered alone (same text, same fonts, same size)."""
    first, *others = data.statements[:4]
    with ThreadPoolExecutor(max_workers=1) as one_thread:
        alone = write_statements(data, tmp_path / "alone", executor=one_thread, statements=[first])
        after = write_statements(
            data, tmp_path / "after", executor=one_thread, statements=[*others, first]
        )
    before, later = Path(alone[0].path), Path(after[-1].path)
    assert text_of(before) == text_of(later)
    assert before.stat().st_size == later.stat().st_size
    for other in others:
        assert other.client not in "\n".join(text_of(later))


def test_file_names_cannot_escape_the_folder() -> None:
    for hostile in [
        "../../etc/passwd",
        "..",
        "/",
        "a/../../b",
        "C:\\Windows\\evil",
        "\x00",
        "Ünïcødé Ltd",
    ]:
        name = safe_file_name(hostile, "mobility-7")
        assert "/" not in name and "\\" not in name and not name.startswith(".")
        assert name.endswith("-mobility-7.pdf")
    assert safe_file_name("Same Name", "willsuite-1") != safe_file_name("Same Name", "willsuite-2")


def test_a_missing_template_variable_is_an_error(data: ReportData, tmp_path: Path) -> None:
    folder = tmp_path / "brand"
    folder.mkdir()
    (folder / "statement.html").write_text("<p>{{ client }} owes {{ no_such_thing }}</p>")
    with pytest.raises(ReportsError, match="no_such_thing"):
        write_statements(data, tmp_path / "out", Templates(folder), statements=data.statements[:1])


def test_a_firms_own_template_replaces_ours(data: ReportData, tmp_path: Path) -> None:
    folder = tmp_path / "brand"
    folder.mkdir()
    (folder / "statement.html").write_text(
        "<html><body><h1>Fancy Firm LLP</h1><p>{{ client }}: {{ totals.outstanding | money('GBP') }}</p></body></html>"
    )
    statement = data.statements[-1]
    rendered = write_statements(data, tmp_path / "out", Templates(folder), statements=[statement])
    text = text_of(Path(rendered[0].path))[0]
    assert "Fancy Firm LLP" in text
    assert statement.totals.outstanding is not None
    assert money(statement.totals.outstanding, "GBP") in text


def test_incomplete_data_says_so_on_the_first_page(data: ReportData, tmp_path: Path) -> None:
    from dataclasses import replace

    from reports.report import SourceInfo

    partial = replace(
        data, sources=(*data.sources[:2], SourceInfo("willsuite", None, 0, present=False))
    )
    first = text_of(write_monthly_pdf(partial, tmp_path / "partial.pdf"))[0]
    assert "INCOMPLETE: no data from willsuite" in first


def test_the_cover_carries_the_firm_period_and_every_headline_figure(
    data: ReportData, monthly: list[str]
) -> None:
    from reports.render.views import figures

    cover = " ".join(monthly[0].split())
    assert "Demo & Co" in cover and "Period 01 Oct 2026 to 31 Oct 2026" in cover
    for label, value in figures(data):
        assert f"{' '.join(label.split())} {value}" in cover, label


def test_chart_axes_show_the_currency_with_thousands() -> None:
    from matplotlib.figure import Figure

    from reports.render.charts import money_axis

    axes = Figure().subplots()
    money_axis(axes, "GBP")
    assert axes.yaxis.get_major_formatter()(25000, 0) == "£25,000"
    money_axis(axes, "CHF")
    assert axes.yaxis.get_major_formatter()(1234567, 0) == "1,234,567 CHF"
