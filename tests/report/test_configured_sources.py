"""A firm sees only what its configured sources give: a month built from the sandbox with
one source alone has none of the other systems' figures, sections, sheets, web sections,
email lines or trends (no "no data for this period" page, no £0.00 row of a system the
firm does not have)."""

from __future__ import annotations

import dataclasses
import email
import email.policy
import re
from pathlib import Path

import openpyxl
import pytest

from reports.app import load_config
from reports.config import DeliverySettings, EmailSettings
from reports.errors import ConfigError, TemplateError
from reports.monthly import MonthlyResult, run_monthly
from reports.monthly_options import MonthlyOptions
from reports.periods import Month
from reports.render.commentary import firm_commentary
from reports.sandbox.data import Sizes
from tests.conftest import MakeSandbox
from tests.helpers import pdf_pages

MONTH = Month(2026, 10)
SOURCES = ("mobility", "plannr", "willsuite")
SMALL = Sizes(mobility_cases=12, plannr_cases=8, plannr_clients=6, willsuite_cases=12)

#: What each system's parts say in the PDF and the web page (its headline labels and its
#: sections' headings) and the workbook sheets that are its alone.
SAID = {
    "mobility": ("Expenses this month", "Expenses by month and currency", "Expenses left out"),
    "plannr": ("Client incomes", "Recurring client incomes", "Client book"),
    "willsuite": (
        "Invoices issued",
        "VAT box 1",
        "Outstanding at month end",
        "Debt at",
        "Aged receivables",
    ),
}
SHEETS = {
    "mobility": {"Tasks", "Expenses", "Expenses left out", "Expenses by month"},
    "plannr": {"Incomes", "Client book"},
    "willsuite": {
        "Invoices",
        "Invoice items",
        "VAT",
        "Aged debt",
        "Aged receivables",
        "Unpaid invoices",
    },
}
#: The figures' keys, as the web page links them (`#figure-<key>`).
WILLSUITE = """[willsuite]
url = "https://willsuite.example/api"
client_id = "id"
client_secret = "secret"

"""
FIGURE_PREFIXES = {
    "mobility": ("expenses",),
    "plannr": ("incomes",),
    "willsuite": ("invoice", "vat_box", "outstanding", "overdue_90_plus"),
}


@pytest.fixture(scope="module")
def months(
    make_sandbox: MakeSandbox, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, MonthlyResult]:
    """One month for each source configured alone, from one small sandbox."""
    server = make_sandbox(sizes=SMALL, plannr_rate_limit=1_000_000)
    built = {}
    for source in SOURCES:
        config = dataclasses.replace(
            server.config(sources=(source,)),
            email=EmailSettings(monthly_to=("partners@firm.example",)),
            delivery=DeliverySettings(approval="auto"),
            firm=server.firm_settings(),
        )
        out = tmp_path_factory.mktemp(source)
        built[source] = run_monthly(
            MONTH, config, out, MonthlyOptions.current(email=True, workers=1, history_months=6)
        )
    return built


def others(source: str) -> list[str]:
    return [other for other in SOURCES if other != source]


def page_text(path: Path) -> str:
    """A web page without its style sheet and script (whose comments name every part)."""
    html = path.read_text(encoding="utf-8")
    return re.sub(r"<(style|script)>.*?</\1>", "", html, flags=re.DOTALL)


def monthly_email(result: MonthlyResult) -> str:
    """The monthly report's email as its reader gets it: the text part."""
    for path in sorted((result.folder / "outbox").rglob("*.eml")):
        message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        if "Monthly report" in str(message["Subject"]):
            body = message.get_body(preferencelist=("plain",))
            assert body is not None
            return str(body.get_content())
    raise AssertionError(f"no monthly email in {result.folder / 'outbox'}")


@pytest.mark.parametrize("source", SOURCES)
def test_the_pdf_shows_only_the_configured_source(
    months: dict[str, MonthlyResult], source: str
) -> None:
    text = " ".join(" ".join(pdf_pages(months[source].report)).split())
    assert "no data for this period" not in text
    for other in others(source):
        for words in SAID[other]:
            assert words not in text, f"{source} alone: the PDF says {words!r} of {other}"
    assert any(words in text for words in SAID[source])
    assert "Cases opened this month" in text  # every source's


@pytest.mark.parametrize("source", SOURCES)
def test_the_trends_are_of_the_configured_source(
    months: dict[str, MonthlyResult], source: str
) -> None:
    history = months[source].data.history
    assert history is not None
    for trend in history.trends:
        assert not trend.figure.sources() or source in trend.figure.sources(), trend.key


def test_a_source_whose_cases_never_close_shows_no_closed_or_open_cases(
    months: dict[str, MonthlyResult],
) -> None:
    """A WillSuite case has no closing day: alone, it would give a flat line of zeros."""
    text = " ".join(" ".join(pdf_pages(months["willsuite"].report)).split())
    assert "Cases closed this month" not in text and "Cases open at month end" not in text
    for source in ("mobility", "plannr"):
        text = " ".join(" ".join(pdf_pages(months[source].report)).split())
        assert "Cases closed this month" in text and "Cases open at month end" in text


@pytest.mark.parametrize("source", SOURCES)
def test_the_workbook_has_no_sheet_of_another_source(
    months: dict[str, MonthlyResult], source: str
) -> None:
    book = openpyxl.load_workbook(months[source].workbook, read_only=True)
    sheets = set(book.sheetnames)
    book.close()
    assert {"Summary", "Cases", "Data quality"} <= sheets
    for other in others(source):
        assert not sheets & SHEETS[other], f"{source} alone: sheets {sheets & SHEETS[other]}"
    assert sheets & SHEETS[source]


@pytest.mark.parametrize("source", SOURCES)
def test_the_web_page_has_no_section_of_another_source(
    months: dict[str, MonthlyResult], source: str
) -> None:
    html = page_text(months[source].page)
    linked = set(re.findall(r'id="figure-([a-z0-9_]+)"', html))
    assert "cases_opened" in linked
    for other in others(source):
        stray = {key for key in linked if key.startswith(FIGURE_PREFIXES[other])}
        assert not stray, f"{source} alone: the page has {stray} of {other}"
        for words in SAID[other]:
            assert words not in html, f"{source} alone: the page says {words!r} of {other}"
    assert "no data for this period" not in html


@pytest.mark.parametrize("source", SOURCES)
def test_the_archive_page_has_no_figure_of_another_source(
    months: dict[str, MonthlyResult], source: str
) -> None:
    html = page_text(months[source].folder.parent / "index.html")
    assert "Cases opened this month" in html
    for other in others(source):
        for words in SAID[other]:
            assert words not in html, f"{source} alone: index.html says {words!r} of {other}"


@pytest.mark.parametrize("source", SOURCES)
def test_the_monthly_email_lists_only_the_configured_sources_figures(
    months: dict[str, MonthlyResult], source: str
) -> None:
    body = monthly_email(months[source])
    assert "Headline figures" in body and "Cases opened this month" in body
    for other in others(source):
        for words in SAID[other]:
            assert words not in body, f"{source} alone: the email says {words!r} of {other}"


def test_a_commentary_naming_another_sources_figure_is_refused(
    months: dict[str, MonthlyResult],
) -> None:
    data = months["willsuite"].data
    assert "invoiced" in firm_commentary("We invoiced {{ invoiced_total }}.", data, "c.md").text
    with pytest.raises(TemplateError) as refused:
        firm_commentary("Spent {{ expenses_converted }}.", data, "c.md")
    assert str(refused.value) == (
        "commentary c.md: {{ expenses_converted }} is a figure of mobility, which is not "
        "configured: the report does not show it"
    )


@pytest.mark.parametrize(
    ("table", "named"),
    [
        ("[targets.expenses_converted]\nmonthly = 100\n", "[targets.expenses_converted]"),
        ('[[alerts]]\nfigure = "expenses"\nabove = 3\n', '[[alerts]] figure = "expenses"'),
    ],
)
def test_a_target_or_alert_on_another_sources_figure_is_a_config_error(
    tmp_path: Path, table: str, named: str
) -> None:
    file = tmp_path / "reports.toml"
    file.write_text(WILLSUITE + table, encoding="utf-8")
    with pytest.raises(ConfigError) as refused:
        load_config(file, {})
    assert str(refused.value) == (
        f"{file}: {named} is a figure of mobility, which is not configured (configured: "
        "willsuite): remove it or configure that source"
    )
    # Its own source's figures, and every source's, are fine.
    file.write_text(
        WILLSUITE + "[targets.invoiced_total]\nmonthly = 1\n[targets.cases_opened]\nmonthly = 1\n"
    )
    assert {t.figure for t in load_config(file, {}).targets} == {"invoiced_total", "cases_opened"}


def test_without_a_source_configured_every_figure_may_have_a_target(tmp_path: Path) -> None:
    """The sandbox, which serves every source, stands in for them (`--sandbox`, notebooks)."""
    file = tmp_path / "reports.toml"
    file.write_text("[targets.expenses_converted]\nmonthly = 100\n", encoding="utf-8")
    assert [t.figure for t in load_config(file, {}).targets] == ["expenses_converted"]
