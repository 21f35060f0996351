"""What the report's figures mean, over the sandbox's ordinary data: the demo looks like a
firm's month, the VAT headline is the report month's quarter, a past month is checked like
with like, and months that have not begun or hold no record say so. The odd records behind
the other rules are in `test_hostile.py`."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import openpyxl
import polars as pl
import pytest
from factories import read_sandbox, sandbox_data, sandbox_month
from helpers import invoke, pdf_pages, recalculated_sheets

from reports import rates
from reports.errors import PeriodError
from reports.periods import Month, today
from reports.render.excel import write_workbook
from reports.render.pdf import write_monthly_pdf
from reports.render.templates import money
from reports.report import ReportData, build_report_data
from reports.report.figures import FIGURES
from reports.report.model import Frames
from reports.sandbox import generate
from reports.sandbox.data import ANCHOR


@pytest.fixture(scope="module")
def frames() -> Frames:
    return sandbox_month().fetched()


def report(frames: Frames, month: str) -> ReportData:
    return build_report_data(frames, month, rates=rates.embedded())


# --------------------------------------------------------------------------- the demo's data


def test_the_sandbox_looks_like_a_firms_months() -> None:
    data = generate(1)
    expenses = [e for rows in data.mobility_expenses.values() for e in rows]
    by_month = Counter(e["incurred_at"][:7] for e in expenses)
    october = [e for e in expenses if e["incurred_at"].startswith("2026-10")]
    # Spread through the month, never piled on its last day; no month far above the others.
    assert max(Counter(e["incurred_at"] for e in october).values()) < len(october) / 10
    assert by_month["2026-10"] < 1.5 * by_month["2026-09"]
    statuses = Counter(e["status"] for e in expenses)
    assert 0.03 < statuses["rejected"] / len(expenses) < 0.1
    assert set(statuses) == {"pending", "approved", "invoiced", "rejected"}
    # Old expenses are mostly invoiced, the month's mostly not yet.
    old = [e for e in expenses if e["incurred_at"] < "2026-07"]
    assert Counter(e["status"] for e in old)["invoiced"] > 0.8 * len(old)
    assert Counter(e["status"] for e in october)["invoiced"] < 0.3 * len(october)
    invoices = [i for rows in data.willsuite_invoices.values() for i in rows]
    dates = Counter(i["date_created"][:10] for i in invoices)
    assert max(dates.values()) < 10 and dates[f"{ANCHOR} 00:00:00"[:10]] < 5
    for invoice in invoices:  # every header agrees with its live lines
        live = [item for item in invoice["items"] if item["status"] != "cancelled"]
        assert invoice["subtotal"] == sum(item["subtotal"] for item in live)
        assert invoice["vat_amount"] == sum(item["vat_amount"] for item in live)
        assert invoice["total"] == invoice["subtotal"] + invoice["vat_amount"]


def test_the_demo_month_flags_nothing_it_did_not_seed(frames: Frames) -> None:
    data = report(frames, "2026-10")
    # The demo's mobility cases marked completed with an end date still to come are the one
    # thing it flags (counted open): the sandbox's data, as a real platform's can be.
    ahead = data.quality.filter(pl.col("check") == "end date after today")
    assert set(ahead["action"]) <= {"counted open"} and set(ahead["source"]) <= {"mobility"}
    others = data.quality.filter(pl.col("check") != "end date after today")
    assert others.height == 0, others.to_dicts()
    assert (
        data.expenses_left_out["reason"].to_list() == ["rejected"] * data.expenses_left_out.height
    )


# --------------------------------------------------------------------------- VAT


def test_the_vat_headline_is_the_quarter_of_the_report_month(frames: Frames) -> None:
    may = report(frames, "2026-05")
    assert (may.headline.vat_quarter_start, may.headline.vat_quarter_end) == (
        dt.date(2026, 4, 1),
        dt.date(2026, 6, 30),
    )
    box1 = next(f for f in FIGURES if f.key == "vat_box1")
    assert box1.label_for(may) == (
        "VAT box 1, VAT due on sales: quarter Apr-Jun 2026 to 31 May 2026, invoice basis"
    )
    # April and May only: June's sales are not yet in May's report, however late it is run.
    lines = may.vat_by_period.filter(basis="invoice", period_start=dt.date(2026, 4, 1))
    assert may.headline.vat_box1 == lines["vat"].sum() > 0
    invoices = frames["willsuite", "invoices"].with_columns(
        day=pl.col("issued_at").dt.convert_time_zone("Europe/London").dt.date()
    )
    assert invoices.filter(
        pl.col("day").is_between(dt.date(2026, 6, 1), dt.date(2026, 6, 30))
    ).height
    june = report(frames, "2026-06")
    assert june.headline.vat_box1 > may.headline.vat_box1
    assert (
        box1.label_for(june) == "VAT box 1, VAT due on sales: quarter Apr-Jun 2026, invoice basis"
    )


def test_a_quarter_with_no_sales_shows_zero_and_names_itself(frames: Frames) -> None:
    data = report(frames, "2024-08")  # before the sandbox's first invoice
    assert (data.headline.vat_box1, data.headline.vat_box6) == (0, 0)
    labels = {f.key: f.label_for(data) for f in FIGURES}
    assert labels["vat_box6"] == (
        "VAT box 6, sales excluding VAT: quarter Jul-Sep 2024 to 31 Aug 2024, invoice basis"
    )


def test_the_workbooks_vat_formula_takes_the_months_quarter(frames: Frames, tmp_path: Path) -> None:
    data = report(frames, "2026-05")
    path = write_workbook(data, tmp_path / "may.xlsx")
    summary = openpyxl.load_workbook(path)["Summary"]
    formulas = [row[1].value for row in summary.iter_rows() if row[0].value]
    vat = [f for f in formulas if isinstance(f, str) and '"invoice"' in f]
    assert vat and all("EDATE(Summary!$B$2,-MOD(MONTH(Summary!$B$2)-1+3,3))" in f for f in vat)
    assert not any("DATE(" in f.replace("EDATE(", "") for f in vat)
    values = {row[0]: row[1] for row in recalculated_sheets(path)["Summary"] if len(row) > 1}
    for key in ("vat_box1", "vat_box6"):
        figure = next(f for f in FIGURES if f.key == key)
        assert Decimal(values[figure.label_for(data)]) == figure.value_for(data) > 0


# --------------------------------------------------------------------------- past and empty


def test_a_past_month_compares_the_platforms_figure_like_with_like() -> None:
    records = sandbox_data(seed=1)
    wrong = records.mobility_cases[5]
    wrong["percent_invoiced"] = "3.00"  # the platform's figure, off from its own expenses
    fetched = read_sandbox(records).fetched()
    flagged = {
        month: [
            f["record"]
            for f in report(fetched, month).quality.to_dicts()
            if f["check"] == "percent invoiced disagrees with expenses"
        ]
        for month in ("2026-06", "2026-09", "2026-10")
    }
    assert flagged == {month: [str(wrong["id"])] for month in flagged}


def test_a_month_that_has_not_begun_is_refused(frames: Frames, tmp_path: Path) -> None:
    now = today()
    later = Month.of(now.replace(day=28) + dt.timedelta(days=7))
    with pytest.raises(PeriodError, match=f"{later} has not begun"):
        report(frames, str(later))
    result = invoke(
        ["monthly", "--demo", "--month", str(later), "--out", str(tmp_path)], cwd=tmp_path
    )
    assert result.returncode == 1
    assert result.stderr.strip() == (
        f"error: {later} has not begun (today is {now:%d %b %Y}): report {Month.of(now)} or an "
        "earlier month"
    )
    assert list(tmp_path.iterdir()) == []


def test_a_month_with_no_record_says_so_on_its_first_page(frames: Frames, tmp_path: Path) -> None:
    data = report(frames, "2020-01")  # before the sources' first record
    note = (
        "No record falls in January 2020: every figure for it is zero (the sources' records "
        "run from "
    )
    assert data.empty_month_note is not None and data.empty_month_note.startswith(note)
    assert all(value == 0 for value in (data.headline.expenses, data.headline.invoices))
    first = pdf_pages(write_monthly_pdf(data, tmp_path / "empty.pdf"))[0]
    assert "No record falls in January 2020" in " ".join(first.split())
    assert report(frames, "2026-10").empty_month_note is None


# --------------------------------------------------------------------------- labels


def test_income_totals_keep_each_kind_apart_a_month_the_years_twelfth(frames: Frames) -> None:
    # The clients' incomes are no headline figure (the Client book shows them,
    # tests/report/test_client_book_report.py); their totals still never mix kinds.
    totals = report(frames, "2026-10").income_totals
    recurring = totals.filter("recurring")
    for row in recurring.iter_rows(named=True):  # the month column is the year's twelfth
        assert row["monthly_amount"] == (row["annual_amount"] / 12).quantize(
            Decimal("0.01"), ROUND_HALF_UP
        )
    assert set(recurring["amount_type"]) == {"net", "gross"}
    one_off = totals.filter(pl.col("recurring").not_())
    assert one_off.height and one_off["monthly_amount"].null_count() == one_off.height


def test_renderers_never_round() -> None:
    assert money(Decimal("10.01"), "EUR") == "€10.01"
    assert money(Decimal("2501"), "JPY") == "2,501 JPY"
    for amount, currency in ((Decimal("10.005"), "EUR"), (Decimal("2500.5"), "JPY")):
        with pytest.raises(ValueError, match="renderers never round"):
            money(amount, currency)


def test_a_snapshot_from_before_the_owner_columns_still_loads(
    frames: Frames, tmp_path: Path
) -> None:
    from reports import snapshot

    saved = snapshot.Snapshot(
        Month.parse("2026-10"), frames, {"willsuite": dt.datetime.now(dt.UTC)}, (), rates.embedded()
    )
    folder = snapshot.save(saved, tmp_path / "data", {})
    older = pl.read_parquet(folder / "willsuite_invoices.parquet").drop("stated_case_id")
    older.write_parquet(folder / "willsuite_invoices.parquet")  # as an earlier version wrote it
    loaded, _ = snapshot.load(folder)
    invoices = loaded.frames["willsuite", "invoices"]
    assert invoices["stated_case_id"].null_count() == invoices.height
    assert invoices.drop("stated_case_id").equals(
        frames["willsuite", "invoices"].drop("stated_case_id")
    )
