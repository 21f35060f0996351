"""Cash collected and debtor days as headline figures (docs/calculations.md, "Credit
control"): worked by hand on a small ledger and on the sandbox's October 2026, with their
history, targets and alerts, and the workbook's formulas recalculated by LibreOffice."""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from factories import sandbox_month
from helpers import recalculated_sheets

from reports import rates
from reports.compute.activity import ActivityKind
from reports.periods import Month
from reports.render.commentary import alert_sentence, amount
from reports.render.excel import write_workbook
from reports.render.views import figures as pdf_figures
from reports.report import ReportData, build_report_data
from reports.report.figures import FIGURES, Unit
from reports.report.history import Behaviour
from reports.report.model import Frames
from reports.sources.willsuite import WILLSUITE_INVOICE_ITEMS, WILLSUITE_INVOICES
from reports.targets import (
    AlertKind,
    AlertRule,
    Better,
    Status,
    Target,
    parse_alerts,
    parse_targets,
)

D = Decimal
MONTH = "2026-10"
KEYS = [figure.key for figure in FIGURES]
CASH_LABEL = "Cash collected this month (payments by the day received, less refunds)"
DAYS_LABEL = "Debtor days at month end (countback on gross invoicing)"


def at(day: str) -> dt.datetime:
    return dt.datetime.fromisoformat(day).replace(hour=12, tzinfo=dt.UTC)


def invoice(ident: str, created: str, net: str, paid: str | None = None) -> dict[str, Any]:
    vat = D(net) / 5
    return {
        "id": ident,
        "case_id": "c1",
        "invoice_number": ident,
        "issued_at": at(created),
        "due_at": at(created) + dt.timedelta(days=30),
        "paid_at": at(paid) if paid else None,
        "subtotal": D(net),
        "vat_amount": vat,
        "total": D(net) + vat,
        "currency": "GBP",
        "client_name": "A Client",
        "status": "paid" if paid else "sent",
    }


def item(invoice_id: str, index: int, net: str, paid_at: str | None = None) -> dict[str, Any]:
    vat = D(net) / 5
    return {
        "id": f"{invoice_id}-{index}",
        "invoice_id": invoice_id,
        "case_id": "c1",
        "quantity": D(1),
        "rate": D(net),
        "subtotal": D(net),
        "vat_amount": vat,
        "amount": D(net) + vat,
        "currency": "GBP",
        "has_vat": True,
        "paid_at": at(paid_at) if paid_at else None,
    }


def frame(schema: Any, rows: list[dict[str, Any]]) -> pl.DataFrame:
    types = schema.polars_schema
    return pl.DataFrame(
        [{name: row.get(name) for name in types} for row in rows], schema=types, orient="row"
    )


@pytest.fixture(scope="module")
def ledger() -> Frames:
    """Gross: A £120 (10 Aug, paid 5 Sep); B £240 (15 Sep, never paid); C £60 (3 Oct, paid
    20 Oct); D £180 (5 Oct) of which its £120 line was paid on 12 Oct; E a £24 credit note
    (8 Oct) refunded on 25 Oct."""
    invoices = [
        invoice("A", "2026-08-10", "100.00", "2026-09-05"),
        invoice("B", "2026-09-15", "200.00"),
        invoice("C", "2026-10-03", "50.00", "2026-10-20"),
        invoice("D", "2026-10-05", "150.00"),
        invoice("E", "2026-10-08", "-20.00", "2026-10-25"),
    ]
    items = [
        item("A", 1, "100.00"),
        item("B", 1, "200.00"),
        item("C", 1, "50.00"),
        item("D", 1, "100.00", "2026-10-12"),
        item("D", 2, "50.00"),
        item("E", 1, "-20.00"),
    ]
    return {
        ("willsuite", "invoices"): frame(WILLSUITE_INVOICES, invoices),
        ("willsuite", "invoice_items"): frame(WILLSUITE_INVOICE_ITEMS, items),
    }


TARGETS = (
    Target("cash_collected", (D(200),) * 12),
    Target("debtor_days", (D(30),) * 12, Better.LOWER),
)
ALERTS = (
    AlertRule(AlertKind.BELOW, D(200), "cash_collected"),
    AlertRule(AlertKind.ABOVE, D(40), "debtor_days"),
)


@pytest.fixture(scope="module")
def small(ledger: Frames) -> ReportData:
    return build_report_data(
        ledger,
        MONTH,
        rates=rates.embedded(),
        history_months=3,
        targets=TARGETS,
        alert_rules=ALERTS,
    )


def test_the_small_ledgers_figures_worked_by_hand(small: ReportData) -> None:
    h = small.headline
    # October: C's £60 and D's paid line's £120 came in; E's £24 went back out.
    assert h.cash_collected == D("156.00")
    # Owed at 31 October: B's £240 and D's unpaid line's £60. October invoiced
    # 60 + 180 - 24 = £216 gross: its 31 days count whole, £84 is left; September's £240
    # holds it: 30 x 84 / 240 = 10.5 days. 31 + 10.5 = 41.5.
    assert h.outstanding == D("300.00")
    assert h.debtor_days == D("41.5") and h.debtor_days_complete
    assert small.payments_received.select("date", "kind", "paid").rows() == [
        (dt.date(2026, 10, 12), ActivityKind.PAYMENT.value, D("120")),
        (dt.date(2026, 10, 20), ActivityKind.PAYMENT.value, D("60")),
        (dt.date(2026, 10, 25), ActivityKind.REFUND.value, D("-24")),
    ]
    assert small.countback.select("month", "days", "gross", "debt_left", "days_counted").rows() == [
        (dt.date(2026, 10, 1), 31, D("216"), D("300"), D("31.00")),
        (dt.date(2026, 9, 1), 30, D("240"), D("84"), D("10.50")),
    ]


def test_history_year_to_date_targets_and_alerts(small: ReportData) -> None:
    assert small.history is not None
    cash, days = small.history.trend("cash_collected"), small.history.trend("debtor_days")
    assert (cash.behaviour, days.behaviour) == (Behaviour.FLOW, Behaviour.STOCK)
    # August nothing was paid; September A's £120; October £156. At each month's end the
    # debt is one month's invoicing: August's £120 is 31 days, September's £240 is 30.
    assert [v for _, v in cash.months] == [D(0), D(120), D(156)]
    assert [v for _, v in days.months] == [D(31), D(30), D("41.5")]
    assert (cash.value, days.value) == (D(156), D("41.5"))
    # The financial year from April: cash adds up; debtor days is a stock, like the debt.
    assert cash.ytd == D(276) and cash.previous == D(120)
    assert days.ytd is None and days.previous == D(30)
    # 156 of 200 is 78 %: behind. Lower is better for days: 30 / 41.5 is 72 %: off track.
    assert (cash.target, cash.status) == (D(200), Status.BEHIND)
    assert (days.target, days.status) == (D(30), Status.OFF_TRACK)
    assert cash.ytd_target == D(1400)
    sentences = [alert_sentence(alert) for alert in small.alerts]
    assert sentences == [
        f"Alert: {CASH_LABEL} is £156.00, below £200.00.",
        f"Alert: {DAYS_LABEL} is 41.5 days, above 40.0 days.",
    ]


def test_a_firms_settings_may_name_both_figures() -> None:
    targets = parse_targets(
        {"cash_collected": {"monthly": 50000}, "debtor_days": {"monthly": 45, "better": "lower"}},
        "reports.toml",
        KEYS,
    )
    assert [(t.figure, t.better) for t in targets] == [
        ("cash_collected", Better.HIGHER),
        ("debtor_days", Better.LOWER),
    ]
    alerts = parse_alerts(
        [{"figure": "debtor_days", "above": 60}, {"figure": "cash_collected", "below": 1000}],
        "reports.toml",
        KEYS,
    )
    assert [(a.kind, a.figure) for a in alerts] == [
        (AlertKind.ABOVE, "debtor_days"),
        (AlertKind.BELOW, "cash_collected"),
    ]


def test_days_are_printed_as_days_never_as_money(small: ReportData) -> None:
    printed = dict(pdf_figures(small))
    assert printed[DAYS_LABEL] == "41.5 days"
    assert printed[CASH_LABEL] == "£156.00"
    assert amount(D("30"), Unit.DAYS, None) == "30.0 days"
    assert amount(D("115.6000"), Unit.DAYS, None) == "115.6 days"


def test_the_workbook_recalculates_both_figures(small: ReportData, tmp_path: Path) -> None:
    sheets = recalculated_sheets(write_workbook(small, tmp_path / "small.xlsx"))
    values = {row[0]: row[1] for row in sheets["Summary"] if len(row) > 1 and row[0]}
    assert D(values[CASH_LABEL]) == D("156")
    assert D(values[DAYS_LABEL]) == D("41.5")
    debtor_days = sheets["Debtor days"]
    assert debtor_days[0][:2] == ["Month counted back", "Days"]
    assert [row[0] for row in debtor_days[1:]] == ["2026-10-01", "2026-09-01", "Total"]
    assert debtor_days[-1][-1] == ""  # no total of the rounded days: the figure is not it


def test_no_debt_is_no_debtor_days_in_the_workbook_too(ledger: Frames, tmp_path: Path) -> None:
    """Everything paid by the month's end: the countback has no month, and the workbook's
    formula, over an empty table, says 0 as the figure does."""
    invoices = ledger["willsuite", "invoices"].with_columns(
        paid_at=pl.lit(at("2026-10-30"), pl.Datetime("us", "UTC"))
    )
    paid = {
        **ledger,
        ("willsuite", "invoices"): invoices.cast(ledger["willsuite", "invoices"].schema),
    }
    data = build_report_data(paid, MONTH, rates=rates.embedded())
    assert data.headline.outstanding == 0 and data.headline.debtor_days == 0
    assert data.countback.is_empty()
    sheets = recalculated_sheets(write_workbook(data, tmp_path / "paid.xlsx"))
    values = {row[0]: row[1] for row in sheets["Summary"] if len(row) > 1 and row[0]}
    assert D(values[DAYS_LABEL]) == 0
    assert D(values[CASH_LABEL]) == data.headline.cash_collected


@pytest.fixture(scope="module")
def frames() -> Frames:
    return sandbox_month().fetched()


def test_the_sandbox_months_figures_against_its_records(frames: Frames) -> None:
    data = build_report_data(frames, MONTH, rates=rates.embedded(), history_months=13)
    h = data.headline
    # Cash collected: what every client's statement says it paid in the month, refunds less.
    paid = [s.activity.paid for s in data.statements if s.activity is not None]
    assert h.cash_collected > 0 and h.cash_collected == sum(paid, D(0))
    assert h.cash_collected == data.payments_received["paid"].sum()
    # Debtor days by hand: the invoices' gross totals by UK month of issue, counted back
    # from October against the outstanding.
    invoices = frames["willsuite", "invoices"].with_columns(
        month=pl.col("issued_at").dt.convert_time_zone("Europe/London").dt.strftime("%Y-%m")
    )
    gross = dict(invoices.group_by("month").agg(pl.col("total").sum()).iter_rows())
    left, days, month = h.outstanding, D(0), Month.parse(MONTH)
    while left > 0:
        invoiced = D(gross.get(str(month), 0))
        if invoiced > 0 and left <= invoiced:
            days += month.last_day * left / invoiced
            break
        days += month.last_day
        left -= max(invoiced, D(0))
        month = month.previous
    assert h.debtor_days == days.quantize(D("0.1"), ROUND_HALF_UP)
    assert h.debtor_days > 31  # more than a month's invoicing is owed: a countback
    assert data.history is not None
    cash, debtor_days = data.history.trend("cash_collected"), data.history.trend("debtor_days")
    assert (cash.value, debtor_days.value) == (h.cash_collected, h.debtor_days)
    assert cash.ytd is not None and cash.ytd_last_year is not None
    assert cash.last_year is not None and debtor_days.last_year is not None
    assert len(debtor_days.months) == 13
