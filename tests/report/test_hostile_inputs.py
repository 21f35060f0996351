"""Hostile and malformed input at each edge, through the public API and the command line:
payload values the frames cannot hold, ids that would climb out of a URL, rates that run
out, rounding, bad options and settings, a firm name that looks like a formula, a missing
layout. Each test asserts the exact outcome."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import openpyxl
import polars as pl
import pytest
from conftest import MakeSandbox
from factories import sandbox_month
from helpers import invoke
from openpyxl.workbook.defined_name import DefinedName

from reports import rates as ecb
from reports.app import load_config
from reports.compute import invoicing, vat
from reports.compute.fx import RatesError, convert
from reports.compute.quality import unique_records
from reports.config import ConfigError
from reports.errors import DataError, ReportsError
from reports.fetch import fetch_frames
from reports.http import segment
from reports.money import AMOUNT_BOUND, MONEY
from reports.render.excel import money_format, write_workbook
from reports.render.templates import Templates
from reports.sandbox import Sizes, generate
from reports.sources.mobility import MOBILITY_EXPENSES, MOBILITY_TASKS
from reports.sources.willsuite import WILLSUITE_INVOICE_ITEMS, WILLSUITE_INVOICES
from reports.text import isolate_direction, mail_text, printable

D = Decimal
#: Every source with records of every kind, a fraction of the demo's 1,050 cases: each
#: refusal below comes from one record, whatever the others.
SMALL = Sizes(mobility_cases=20, plannr_cases=15, plannr_clients=10, willsuite_cases=20)


# --------------------------------------------------------------------------- payload values


@pytest.mark.parametrize(
    ("record", "message"),
    [
        ({"id": 1, "amount": D("1E+40")}, "expenses 1: field amount: amount 1E+40 is beyond"),
        ({"id": 2, "amount": 10**20}, "field amount: amount 100000000000000000000 is beyond"),
        ({"id": 3, "amount": D("-1000000000000")}, "is beyond the largest amount"),
        ({"id": 5, "amount": "NaN"}, "not a finite number"),
        ({"id": {"x": 1}}, "field id: id expected, got dict"),
        ("not an object", "a record is str, not a JSON object"),
    ],
)
def test_values_the_frames_cannot_hold_are_one_clear_error(record: object, message: str) -> None:
    with pytest.raises(DataError, match=message.replace("(", r"\(").replace("+", r"\+")):
        MOBILITY_EXPENSES.build([record])  # type: ignore[list-item]


def test_a_whole_number_too_large_for_its_column_is_one_clear_error() -> None:
    with pytest.raises(DataError, match=r"mobility tasks 4: field duration: .* too large"):
        MOBILITY_TASKS.build([{"id": 4, "duration": 10**30}])


def test_amounts_just_inside_the_bound_are_kept_exactly() -> None:
    largest = AMOUNT_BOUND - D("0.01")
    frame = MOBILITY_EXPENSES.build([{"id": 1, "amount": largest, "currency_code": "GBP"}])
    assert frame["amount"][0] == largest


def test_a_lone_surrogate_becomes_a_visible_replacement_character() -> None:
    frame = MOBILITY_EXPENSES.build([{"id": 1, "title": "Taxi \ud83d to airport"}])
    assert frame["title"][0] == "Taxi \ufffd to airport"


# --------------------------------------------------------------------------- ids in URLs


@pytest.mark.parametrize("bad", ["../../mob/v1/cases", "a/b", "..", ".", "", "a\\b", None])
def test_ids_that_would_leave_their_path_are_refused(bad: object) -> None:
    with pytest.raises(DataError):
        segment("willsuite", "case id", bad)


def test_ids_are_percent_encoded_as_one_path_segment() -> None:
    assert segment("willsuite", "case id", "a b?c#d%e") == "a%20b%3Fc%23d%25e"
    assert segment("mobility", "case id", 591) == "591"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d.mobility_cases[0].pop("id"), "mobility: a /v1/cases record has no id"),
        (lambda d: d.plannr_clients[0].pop("uuid"), "plannr: a /api/v1/account record has no uuid"),
        (
            lambda d: next(i for v in d.willsuite_invoices.values() for i in v).pop("id"),
            "willsuite: a invoice of case .* record has no id",
        ),
    ],
)
def test_records_without_ids_are_one_clear_error(
    change, message: str, make_sandbox: MakeSandbox
) -> None:
    data = generate(1, SMALL)
    change(data)
    server = make_sandbox(data=data, plannr_rate_limit=1_000_000)
    with pytest.raises(DataError, match=message):
        fetch_frames(server.config())


# --------------------------------------------------------------------------- computations


def invoices(rows: list[dict]) -> pl.DataFrame:
    return WILLSUITE_INVOICES.build(rows)


def test_a_null_total_is_never_a_consistent_zero() -> None:
    header = {
        "id": "i1",
        "invoice_number": "INV-1",
        "date_created": "2026-10-05 00:00:00",
        "date_due": "2026-11-04 00:00:00",
        "subtotal": D("100.00"),
        "vat_amount": D("20.00"),
        "total": None,
        "customer_case_id": "c1",
    }
    items = WILLSUITE_INVOICE_ITEMS.build(
        [
            {
                "id": "l1",
                "case_invoice_id": "i1",
                "quantity": 1,
                "rate": D("100.00"),
                "subtotal": D("100.00"),
                "vat_amount": D("20.00"),
                "amount": D("120.00"),
                "has_vat": True,
            }
        ]
    )
    checked = vat.check_invoices(invoices([header]), items).row(0, named=True)
    assert not checked["consistent"]
    assert checked["issues"] == "header total missing (lines give 120.00)"
    with pytest.raises(DataError, match="INV-1 has no total"):
        invoicing.invoice_positions(invoices([header]), dt.date(2026, 10, 31))


def test_duplicated_invoice_ids_are_refused_by_the_computations() -> None:
    header = {"id": "i1", "invoice_number": "INV-1", "date_created": "2026-10-05 00:00:00"}
    doubled = invoices([header, header])
    items = WILLSUITE_INVOICE_ITEMS.build([])
    with pytest.raises(DataError, match="invoice i1 comes 2 times"):
        vat.invoice_lines(doubled, items)
    with pytest.raises(DataError, match="invoice i1 comes 2 times"):
        invoicing.invoice_positions(doubled, dt.date(2026, 10, 31))
    kept, flagged = unique_records(doubled, "id", "willsuite", "invoice")
    assert kept.height == 1 and flagged["detail"].to_list() == [
        "served 2 times with the same contents"
    ]
    different = invoices([header, {**header, "total": D("1.00")}])
    with pytest.raises(DataError, match="willsuite invoice i1 comes 2 times with different"):
        unique_records(different, "id", "willsuite", "invoice")


def test_no_due_date_is_its_own_bucket() -> None:
    frame = invoices(
        [
            {
                "id": "i1",
                "invoice_number": "INV-1",
                "date_created": "2026-01-05 00:00:00",
                "date_due": None,
                "total": D("50.00"),
            }
        ]
    )
    row = invoicing.invoice_positions(frame, dt.date(2026, 10, 31)).row(0, named=True)
    assert (row["age_bucket"], row["outstanding"]) == ("no due date", D("50.00"))
    debt = invoicing.aged_debt(frame, dt.date(2026, 10, 31))
    assert debt.filter(age_bucket="90+")["amount"][0] == 0


def expenses(day: dt.date, currency: str | None = "USD") -> pl.DataFrame:
    return pl.DataFrame(
        {"amount": [D("10.00")], "currency_code": [currency], "incurred_at": [day]},
        schema={"amount": MONEY, "currency_code": pl.String, "incurred_at": pl.Date},
    )


def test_a_date_after_the_last_publication_needs_newer_rates() -> None:
    rates = ecb.embedded()
    last = rates.last_date
    assert last == dt.date(2026, 10, 30) and last.weekday() == 4  # a Friday
    # The weekend straight after a Friday has that Friday's rates: nothing was published.
    assert convert(expenses(last + dt.timedelta(days=2)), rates=rates)["fx_rate_date"][0] == last
    with pytest.raises(RatesError, match=r"after the last ECB publication .*reports rates update"):
        convert(expenses(last + dt.timedelta(days=3)), rates=rates)  # the Monday


def test_a_gap_inside_the_history_keeps_the_seven_day_rule(tmp_path: Path) -> None:
    file = tmp_path / "rates.csv"
    file.write_text("Date,USD,GBP\n2026-05-20,1.2,0.8\n2026-05-08,1.2,0.8\n")
    rates = ecb.read_file(file)
    assert convert(expenses(dt.date(2026, 5, 15)), rates=rates)["report_amount"][0] == D("6.67")
    with pytest.raises(RatesError, match="no ECB rate within 7 days before 2026-05-16"):
        convert(expenses(dt.date(2026, 5, 16)), rates=rates)


def test_an_amount_without_a_currency_cannot_be_converted() -> None:
    with pytest.raises(RatesError, match="1 amounts have no currency in currency_code"):
        convert(expenses(dt.date(2026, 5, 8), None), rates=ecb.embedded())


def test_the_report_refuses_a_month_past_its_rates(
    tmp_path: Path, make_sandbox: MakeSandbox
) -> None:
    embedded = ecb.embedded().table
    short = embedded.filter(pl.col("rate_date") <= dt.date(2026, 10, 15))
    rates_file = tmp_path / "short.csv"
    short.pivot("currency", index="rate_date", values="per_eur").rename({"rate_date": "Date"}).drop(
        "EUR"
    ).write_csv(rates_file, null_value="N/A")
    server = make_sandbox(seed=1, sizes=SMALL, plannr_rate_limit=1_000_000)
    result = invoke(
        ["monthly", "--month", "2026-10", "--out", str(tmp_path / "out")],
        env={**server.environment(), "REPORTS_RATES_FILE": str(rates_file)},
        cwd=tmp_path,
    )
    assert result.returncode == 1
    assert "after the last ECB publication in the rates in use (2026-10-15" in result.stderr
    assert "run `reports rates update`" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "out" / "2026-10").exists()


# --------------------------------------------------------------------------- text


def test_control_characters_are_shown_escaped() -> None:
    assert printable("Eve\r\nerror: forged\x1b[31m\x00\u202e") == (
        "Eve\\r\\nerror: forged\\x1b[31m\\x00\\u202e"
    )
    assert mail_text("Nul\x00 Byte\x07\nnext\tline") == "Nul Byte\nnext\tline"
    assert isolate_direction("plain") == "plain"
    assert isolate_direction("Evil \u202eCorp") == "\u2068Evil \u202eCorp\u2069"


def test_money_format_of_an_unknown_currency_is_a_plain_number() -> None:
    assert money_format(None) == "#,##0.00##"
    assert money_format("JPY") == '#,##0 "JPY"'


# --------------------------------------------------------------------------- settings and options


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        (
            "[mobility]\ncase_detials = true\n",
            "unknown key 'case_detials' in \\[mobility\\]; did you mean 'case_details'",
        ),
        ("[htpp]\nconcurrency = 4\n", "unknown section \\[htpp\\]; did you mean 'http'"),
        ("[email]\nmonthly_too = ['a@b.c']\n", "did you mean 'monthly_to'"),
    ],
)
def test_unknown_settings_are_refused_with_the_nearest_name(
    toml: str, message: str, tmp_path: Path
) -> None:
    path = tmp_path / "reports.toml"
    path.write_text(toml)
    with pytest.raises(ConfigError, match=message):
        load_config(path, environ={})


def test_client_addresses_stay_free_form(tmp_path: Path) -> None:
    path = tmp_path / "reports.toml"
    path.write_text('[email.client_addresses]\n"Acme Ltd" = "ap@acme.example"\n')
    assert load_config(path, environ={}).email.client_addresses == {"Acme Ltd": "ap@acme.example"}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--currency", "ZZ"], "not an ISO 4217 currency code: 'ZZ'"),
        (["--currency", "XYZ"], "the ECB publishes no rate for it"),
        (["--workers", "0"], "0 is not in the range x>=1"),
    ],
)
def test_bad_options_are_usage_errors_before_any_work(
    args: list[str], message: str, tmp_path: Path
) -> None:
    result = invoke(["monthly", "--demo", "--month", "2026-10", "--out", str(tmp_path), *args])
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_an_out_that_is_a_file_is_refused_before_fetching(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    for command in (["monthly", "--demo"], ["pdf", "--sandbox"], ["excel", "--sandbox"]):
        out = blocker / "out"
        result = invoke([*command, "--month", "2026-10", "--out", str(out)])
        assert result.returncode == 1, result.stderr
        lines = result.stderr.strip().splitlines()
        assert lines == [
            f"error: cannot write into {out}: {blocker} is not a folder; choose another --out"
        ]


# --------------------------------------------------------------------------- renderers


def test_a_formula_firm_name_is_written_as_text_in_a_template(tmp_path: Path) -> None:
    data = sandbox_month(sizes=SMALL).report(
        "2026-10", firm='=HYPERLINK("http://evil.example","x")'
    )
    template = openpyxl.Workbook()
    template.active.title = "Cover"
    template.defined_names["firm"] = DefinedName("firm", attr_text="Cover!$A$3")
    template.save(tmp_path / "brand.xlsx")
    out = write_workbook(data, tmp_path / "branded.xlsx", template=tmp_path / "brand.xlsx")
    cell = openpyxl.load_workbook(out)["Cover"]["A3"]
    assert cell.data_type == "s"
    assert cell.value == '=HYPERLINK("http://evil.example","x")'
    assert cell.quotePrefix


def test_a_template_extending_a_missing_layout_names_the_layout(tmp_path: Path) -> None:
    folder = tmp_path / "brand"
    folder.mkdir()
    (folder / "statement.html").write_text('{% extends "layout.html" %}')
    with pytest.raises(
        ReportsError, match=r"template layout.html \(needed by statement.html\) not found"
    ):
        Templates(folder).render("statement.html")
