"""Aged receivables, cash collected and debtor days, hand-worked (docs/calculations.md,
"Credit control")."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import polars as pl
import pytest

from reports.compute import vat
from reports.compute.activity import account_activity, positions_at
from reports.compute.receivables import (
    AGE_BANDS,
    MonthInvoiced,
    aged_receivables,
    cash_collected,
    debtor_days,
    last_payments,
    unpaid_invoices,
)
from reports.sources.willsuite import WILLSUITE_INVOICE_ITEMS, WILLSUITE_INVOICES

D = Decimal
END = dt.date(2026, 10, 31)
START = dt.date(2026, 10, 1)


def invoice(
    number: str,
    total: str,
    due: dt.date,
    *,
    client: str = "c1",
    paid: str | None = None,
) -> dict[str, Any]:
    gross = D(total)
    return {
        "id": number,
        "customer_case_id": client,
        "invoice_number": number,
        "date_created": f"{due - dt.timedelta(days=30)} 00:00:00",
        "date_due": f"{due} 00:00:00",
        "date_paid": f"{paid} 00:00:00" if paid else None,
        "subtotal": gross,
        "vat_amount": D(0),
        "total": gross,
        "recipients_name": {"c1": "A. Client", "c2": "B. Client"}[client],
        "status": "Paid" if paid else "Not Paid",
    }


def line(number: str, index: int, amount: str, paid_at: str | None = None) -> dict[str, Any]:
    gross = D(amount)
    return {
        "id": f"{number}-{index}",
        "case_invoice_id": number,
        "customer_case_id": "c1",
        "quantity": D(1),
        "rate": gross,
        "subtotal": gross,
        "vat_amount": D(0),
        "amount": gross,
        "has_vat": False,
        "paid_at": f"{paid_at} 12:00:00" if paid_at else None,
    }


def days_before(days: int) -> dt.date:
    return END - dt.timedelta(days=days)


def ledger() -> tuple[pl.DataFrame, pl.DataFrame]:
    invoices = [
        invoice("due-today", "10.00", END),  # current: not yet overdue
        invoice("d1", "20.00", days_before(1)),
        invoice("d30", "30.00", days_before(30)),
        invoice("d31", "40.00", days_before(31)),
        invoice("d60", "50.00", days_before(60)),
        invoice("d61", "60.00", days_before(61)),
        invoice("d90", "70.00", days_before(90)),
        invoice("d91", "80.00", days_before(91)),
        # 100.00, of which 25.00 paid on 12 Oct by a line: owes 75.00, 45 days overdue
        invoice("part", "100.00", days_before(45)),
        invoice("paid", "500.00", days_before(10), paid="2026-10-05"),
        invoice("cn", "-15.00", days_before(20)),  # an open credit: current, lowers the total
        invoice("other", "200.00", days_before(95), client="c2", paid="2026-11-03"),
    ]
    items = [line("part", 1, "25.00", "2026-10-12"), line("part", 2, "75.00")]
    frame = WILLSUITE_INVOICES.build(invoices)
    return frame, vat.invoice_lines(frame, WILLSUITE_INVOICE_ITEMS.build(items))


def test_each_unpaid_invoice_in_its_band_and_the_summary_adds_up() -> None:
    invoices, lines = ledger()
    positions = positions_at(invoices, lines, END)
    detail = unpaid_invoices(positions)
    assert dict(detail.select("invoice_number", "band").rows()) == {
        "due-today": "current",
        "d1": "1-30",
        "d30": "1-30",
        "d31": "31-60",
        "d60": "31-60",
        "d61": "61-90",
        "d90": "61-90",
        "d91": "over 90",
        "part": "31-60",
        "cn": "current",
        "other": "over 90",  # paid after the day: owed on it
    }
    part = detail.filter(invoice_number="part").row(0, named=True)
    assert (part["gross"], part["paid"], part["outstanding"], part["days_overdue"]) == (
        D("100.00"),
        D("25.00"),
        D("75.00"),
        45,
    )
    assert detail.filter(invoice_number="cn")["days_overdue"].to_list() == [None]

    summary = aged_receivables(detail, last_payments(positions, lines, END))
    assert summary.columns == [
        "account",
        "client_name",
        *AGE_BANDS,
        "total",
        "oldest_due_date",
        "last_payment_date",
    ]
    assert summary.rows() == [
        (
            "c1",
            "A. Client",
            D("-5.00"),  # 10.00 due today less the 15.00 credit
            D("50.00"),
            D("165.00"),  # 40 + 50 + 75
            D("130.00"),
            D("80.00"),
            D("420.00"),
            days_before(91),
            dt.date(2026, 10, 12),  # the line of "part"; "paid" was paid on the 5th
        ),
        (
            "c2",
            "B. Client",
            D(0),
            D(0),
            D(0),
            D(0),
            D("200.00"),
            D("200.00"),
            days_before(95),
            None,
        ),
    ]
    # Every band and the totals reconcile with the detail, and with the positions.
    for band in AGE_BANDS:
        assert summary[band].sum() == detail.filter(band=band)["outstanding"].sum()
    assert summary["total"].sum() == detail["outstanding"].sum() == positions["outstanding"].sum()


def test_cash_collected_is_payments_by_their_own_day_less_refunds() -> None:
    invoices, lines = ledger()
    refunded = WILLSUITE_INVOICES.build(
        [
            invoice("cn-refunded", "-30.00", days_before(40), paid="2026-10-20"),
            invoice("before", "45.00", days_before(40), paid="2026-09-30"),
        ]
    )
    everything = pl.concat([invoices, refunded])
    events = account_activity(everything, lines, START, END).events
    # 500.00 paid on the 5th, 25.00 by a line on the 12th, 30.00 refunded on the 20th; the
    # 45.00 paid in September and the 200.00 paid in November are not October's.
    assert cash_collected(events, START, END) == D("495.00")
    assert cash_collected(events, dt.date(2026, 10, 6), END) == D("-5.00")


def months(*rows: tuple[int, str]) -> list[MonthInvoiced]:
    return [MonthInvoiced(days, D(gross)) for days, gross in rows]


def test_debtor_days_count_back_month_by_month() -> None:
    """The worked example of docs/calculations.md: £25,000 owed at 31 October; October
    invoiced £10,000, September £8,000, August £14,000. October's 31 days and
    September's 30 count whole (£7,000 left), then August's 31 x 7,000 / 14,000 = 15.5."""
    result = debtor_days(D(25000), months((31, "10000"), (30, "8000"), (31, "14000")))
    assert (result.days, result.complete) == (D("76.5"), True)


@pytest.mark.parametrize(
    ("debt", "rows", "days", "complete"),
    [
        ("0", [(31, "100")], "0.0", True),
        ("-50", [(31, "100")], "0.0", True),  # in credit
        ("100", [(31, "100")], "31.0", True),  # exactly the month's invoicing
        ("1", [(30, "3")], "10.0", True),
        ("2", [(31, "3")], "20.7", True),  # 20.666... rounded half up, once
        ("100", [(31, "0"), (30, "200")], "46.0", True),  # no invoicing: the month counts whole
        ("100", [(31, "-40"), (30, "100")], "61.0", True),  # a net credit takes nothing off
        ("500", [(31, "100"), (30, "100")], "61.0", False),  # more debt than the months given
    ],
)
def test_debtor_days_edges(
    debt: str, rows: list[tuple[int, str]], days: str, complete: bool
) -> None:
    result = debtor_days(D(debt), months(*rows))
    assert (result.days, result.complete) == (D(days), complete)
