"""The reminder schedule and late payment interest, hand-worked (docs/calculations.md,
"Payment reminders" and "Late payment interest")."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import polars as pl
import pytest

from reports.compute.activity import positions_at
from reports.compute.late_payment import fixed_compensation, late_payment
from reports.compute.receivables import unpaid_invoices
from reports.compute.reminders import Schedule, Step, reminders_due
from reports.compute.vat import invoice_lines
from reports.errors import ConfigError
from reports.sources.willsuite import WILLSUITE_INVOICE_ITEMS, WILLSUITE_INVOICES

D = Decimal
SCHEDULE = Schedule(
    steps=(
        Step(-3, "reminder-before"),
        Step(7, "overdue-1"),
        Step(21, "overdue-2", cc="partner@firm.example"),
        Step(45, "final"),
    ),
    minimum=D("10.00"),
    exclude=frozenset({"on-hold"}),
)


def invoice(
    number: str, total: str, due: str, *, client: str = "c1", paid: str | None = None
) -> dict[str, Any]:
    due_day = dt.date.fromisoformat(due)
    return {
        "id": number,
        "customer_case_id": client,
        "invoice_number": number,
        "date_created": f"{due_day - dt.timedelta(days=30)} 00:00:00",
        "date_due": f"{due} 00:00:00",
        "date_paid": f"{paid} 00:00:00" if paid else None,
        "subtotal": D(total),
        "vat_amount": D(0),
        "total": D(total),
        "recipients_name": f"Client {client}",
        "status": "Paid" if paid else "Not Paid",
    }


def due_on(
    as_of: str, rows: list[dict[str, Any]], sent: tuple[tuple[str, int], ...] = ()
) -> list[tuple[str, str]]:
    frame = WILLSUITE_INVOICES.build(rows)
    lines = invoice_lines(frame, WILLSUITE_INVOICE_ITEMS.build([]))
    unpaid = unpaid_invoices(positions_at(frame, lines, dt.date.fromisoformat(as_of)))
    return reminders_due(unpaid, SCHEDULE, sent).select("invoice_number", "template").rows()


def test_each_step_on_its_day_counted_from_the_due_date() -> None:
    rows = [invoice("A", "100.00", "2026-10-31")]
    assert due_on("2026-10-27", rows) == []
    assert due_on("2026-10-28", rows) == [("A", "reminder-before")]
    assert due_on("2026-11-07", rows) == [("A", "overdue-1")]
    assert due_on("2026-11-21", rows, (("A", -3), ("A", 7))) == [("A", "overdue-2")]
    assert due_on("2026-12-15", rows, (("A", -3), ("A", 7), ("A", 21))) == [("A", "final")]


@pytest.mark.parametrize(
    ("due", "seventh_day"),
    [
        ("2026-10-31", "2026-11-07"),  # across a month end
        ("2026-12-28", "2027-01-04"),  # across a year end
        ("2026-10-20", "2026-10-27"),  # across the clock change of 25 October
        ("2027-03-25", "2027-04-01"),  # and that of 28 March
    ],
)
def test_a_step_falls_on_calendar_days_whatever_the_month_year_or_clock(
    due: str, seventh_day: str
) -> None:
    rows = [invoice("A", "100.00", due)]
    day_before = str(dt.date.fromisoformat(seventh_day) - dt.timedelta(days=1))
    assert due_on(day_before, rows, (("A", -3),)) == []
    assert due_on(seventh_day, rows, (("A", -3),)) == [("A", "overdue-1")]


def test_a_step_is_sent_once_and_a_missed_day_catches_up_with_the_latest_only() -> None:
    rows = [invoice("A", "100.00", "2026-10-01")]
    # Never reminded, 30 days overdue: the latest step reached, not every one passed.
    assert due_on("2026-10-31", rows) == [("A", "overdue-2")]
    assert due_on("2026-10-31", rows, (("A", 21),)) == []
    # A later step already sent: never back to an earlier one.
    assert due_on("2026-10-31", rows, (("A", 45),)) == []


def test_no_reminder_after_payment_for_an_excluded_client_or_below_the_minimum() -> None:
    assert due_on("2026-11-07", [invoice("A", "100.00", "2026-10-31", paid="2026-11-06")]) == []
    assert due_on("2026-11-07", [invoice("A", "100.00", "2026-10-31", client="on-hold")]) == []
    assert due_on("2026-11-07", [invoice("A", "9.99", "2026-10-31")]) == []
    # What the client owes in all decides: a credit may take it below the minimum...
    small = [invoice("A", "100.00", "2026-10-31"), invoice("CN", "-95.00", "2026-10-01")]
    assert due_on("2026-11-07", small) == []
    # ... and a credit itself is never chased.
    rows = [invoice("A", "100.00", "2026-10-31"), invoice("CN", "-5.00", "2026-10-01")]
    assert due_on("2026-11-07", rows) == [("A", "overdue-1")]


def test_a_client_with_several_invoices_gets_each_at_its_own_step() -> None:
    rows = [
        invoice("A", "100.00", "2026-10-31"),
        invoice("B", "50.00", "2026-10-17"),
        invoice("C", "70.00", "2026-11-20"),  # not yet at any step
    ]
    frame = WILLSUITE_INVOICES.build(rows)
    lines = invoice_lines(frame, WILLSUITE_INVOICE_ITEMS.build([]))
    unpaid = unpaid_invoices(positions_at(frame, lines, dt.date(2026, 11, 7)))
    due = reminders_due(unpaid, SCHEDULE)
    assert due.select("invoice_number", "days_overdue", "template", "cc").rows() == [
        ("B", 21, "overdue-2", "partner@firm.example"),
        ("A", 7, "overdue-1", None),
    ]


@pytest.mark.parametrize(
    "steps",
    [(), (Step(7, "a"), Step(-3, "b")), (Step(7, "a"), Step(7, "b"))],
)
def test_a_schedule_out_of_order_or_empty_is_a_clear_error(steps: tuple[Step, ...]) -> None:
    with pytest.raises(ConfigError, match=r"\[credit_control\] steps"):
        Schedule(steps=steps)


def test_late_payment_interest_worked_examples() -> None:
    """£1,000.00 due 1 October, stated 31 October, base rate 4 %: 30 days at 12 % a year,
    1,000 x 0.12 x 30 / 365 = 9.8630... = £9.86, and £70 for a debt of £1,000."""
    worked = late_payment(D("1000.00"), dt.date(2026, 10, 1), dt.date(2026, 10, 31), D("0.04"))
    assert worked is not None
    assert (worked.days_late, worked.rate, worked.interest, worked.compensation) == (
        30,
        D("0.12"),
        D("9.86"),
        D("70"),
    )
    assert worked.total == D("79.86")
    # £250.00, 100 days at 13.25 %: 250 x 0.1325 x 100 / 365 = 9.0753... = £9.08; £40.
    small = late_payment(D("250.00"), dt.date(2026, 1, 1), dt.date(2026, 4, 11), D("0.0525"))
    assert small is not None and (small.interest, small.compensation) == (D("9.08"), D("40"))
    # Half a penny rounds up, once: 365 days of £0.20 at 12.5 % (base 4.5 %) is £0.025.
    half = late_payment(D("0.20"), dt.date(2025, 1, 1), dt.date(2026, 1, 1), D("0.045"))
    assert half is not None and half.interest == D("0.03")
    assert late_payment(D("100"), dt.date(2026, 10, 31), dt.date(2026, 10, 31), D("0.04")) is None
    assert late_payment(D("-5"), dt.date(2026, 1, 1), dt.date(2026, 10, 31), D("0.04")) is None


@pytest.mark.parametrize(
    ("debt", "sum_"),
    [("0.01", "40"), ("999.99", "40"), ("1000.00", "70"), ("9999.99", "70"), ("10000", "100")],
)
def test_fixed_compensation_by_the_debts_size(debt: str, sum_: str) -> None:
    assert fixed_compensation(D(debt)) == D(sum_)


def test_reminders_keep_their_columns_when_nothing_is_due() -> None:
    empty = unpaid_invoices(
        positions_at(
            WILLSUITE_INVOICES.build([]),
            invoice_lines(WILLSUITE_INVOICES.build([]), WILLSUITE_INVOICE_ITEMS.build([])),
            dt.date(2026, 10, 31),
        )
    )
    assert reminders_due(empty, SCHEDULE).height == 0
    assert isinstance(reminders_due(empty, SCHEDULE), pl.DataFrame)
