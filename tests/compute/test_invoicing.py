"""Invoicing shares, aged debt, the Plannr pipeline and income annualisation, hand-worked."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from reports.compute.incomes import annualise_incomes, income_exclusions, income_totals
from reports.compute.invoicing import (
    ExpenseState,
    aged_debt,
    expense_state,
    invoice_positions,
    invoiced_by_client_month,
    invoicing_by_case,
    invoicing_by_service,
    paid_vs_outstanding,
    pipeline,
)
from reports.money import MONEY
from reports.sources.mobility import MOBILITY_CASES, MOBILITY_EXPENSES, MOBILITY_SERVICES
from reports.sources.plannr import PLANNR_CASES, PLANNR_INCOMES
from reports.sources.willsuite import WILLSUITE_INVOICES

D = Decimal


def expenses() -> pl.DataFrame:
    rows = [
        (1, 10, "Immigration", "100.00", 7001, "2026-05-03", "invoiced"),
        (2, 10, "Immigration", "50.00", None, "2026-05-20", "approved"),
        (3, 10, "Home Search", "50.00", 7003, "2026-06-01", "Invoiced "),
        (4, 11, "Immigration", "30.00", None, "2026-06-02", "pending"),
        # In no share and no total: rejected, and a status the platform does not have.
        (5, 10, "Immigration", "999.00", None, "2026-05-21", "rejected"),
        (6, 11, "Immigration", "77.00", None, "2026-06-03", "on_hold"),
    ]
    frame = MOBILITY_EXPENSES.build(
        [
            {
                "id": i,
                "expat_case_id": case,
                "service_name": service,
                "amount": amount,
                "currency_code": "GBP",
                "invoice_id": invoice,
                "incurred_at": day,
                "client_name": "Acme" if case == 10 else "Globex",
                "status": status,
            }
            for i, case, service, amount, invoice, day, status in rows
        ]
    )
    return frame.with_columns(report_amount=pl.col("amount"))


def test_each_status_is_one_state_and_unknown_ones_none() -> None:
    frame = MOBILITY_EXPENSES.build(
        [
            {"id": 1, "status": "pending"},
            {"id": 2, "status": " Approved"},
            {"id": 3, "status": "approved", "invoice_id": 9},  # on an invoice: invoiced
            {"id": 4, "status": "invoiced"},
            {"id": 5, "status": "rejected", "invoice_id": 9},  # rejected wins
            {"id": 6, "status": "on_hold"},
            {"id": 7, "status": None},
        ]
    )
    assert frame.select(expense_state().alias("state"))["state"].to_list() == [
        ExpenseState.AWAITING_APPROVAL,
        ExpenseState.TO_BE_INVOICED,
        ExpenseState.INVOICED,
        ExpenseState.INVOICED,
        ExpenseState.REJECTED,
        None,
        None,
    ]


def test_invoicing_by_case_by_count_and_amount() -> None:
    cases = MOBILITY_CASES.build(
        [
            {"id": 10, "client_name": "Acme", "percent_invoiced": "75.00"},
            {"id": 11, "client_name": "Globex", "percent_invoiced": "10.00"},
            {"id": 12, "client_name": "Globex", "percent_invoiced": "0.00"},
        ]
    )
    table = invoicing_by_case(expenses(), cases).sort("case_id")
    acme, globex, empty = table.rows(named=True)
    assert (acme["expenses"], acme["invoiced_expenses"]) == (3, 2)
    assert acme["percent_by_count"] == D("66.67")  # 2 of 3, half up
    assert acme["percent_by_amount"] == D("75.00")  # 150 of 200
    assert (acme["percent_difference"], acme["disagrees"]) == (D(0), False)
    assert (globex["percent_by_amount"], globex["percent_difference"], globex["disagrees"]) == (
        D(0),
        D(10),
        True,
    )
    assert (empty["expenses"], empty["percent_by_amount"], empty["disagrees"]) == (0, None, False)


def test_invoicing_by_service() -> None:
    services = MOBILITY_SERVICES.build(
        [
            {
                "id": 1,
                "expat_case_id": 10,
                "service_name": "Immigration",
                "percent_invoiced": "66.67",
            },
            {
                "id": 2,
                "expat_case_id": 10,
                "service_name": "Home Search",
                "percent_invoiced": "100.00",
            },
        ]
    )
    table = invoicing_by_service(expenses(), services).sort("service_id")
    assert table["percent_by_amount"].to_list() == [D("66.67"), D("100.00")]
    assert table["disagrees"].to_list() == [False, False]


def test_expenses_by_state_by_client_and_month() -> None:
    table = invoiced_by_client_month(expenses())
    # invoiced, to be invoiced, awaiting approval: counts, then amounts; the rejected £999
    # and the unknown status's £77 are in none of them.
    assert table.rows() == [
        ("Acme", dt.date(2026, 5, 1), 1, 1, 0, D("100.00"), D("50.00"), D("0")),
        ("Acme", dt.date(2026, 6, 1), 1, 0, 0, D("50.00"), D("0"), D("0")),
        ("Globex", dt.date(2026, 6, 1), 0, 0, 1, D("0"), D("0"), D("30.00")),
    ]


def invoices() -> pl.DataFrame:
    as_of = dt.date(2026, 10, 31)
    rows = []
    for number, due_offset, total, paid in [
        ("not-due", -1, "10.00", None),  # due tomorrow
        ("today", 0, "20.00", None),
        ("d30", 30, "30.00", None),
        ("d31", 31, "40.00", None),
        ("d90", 90, "50.00", None),
        ("d91", 91, "60.00", None),
        ("paid", 100, "70.00", "2026-10-01"),
        ("paid-later", 100, "80.00", "2026-11-05"),  # outstanding on the 31st
    ]:
        due = as_of - dt.timedelta(days=due_offset)
        rows.append(
            {
                "id": number,
                "invoice_number": number,
                "customer_case_id": "c1",
                "recipients_name": "Mr A",
                "date_created": f"{due - dt.timedelta(days=30)} 00:00:00",
                "date_due": f"{due} 00:00:00",
                "date_paid": f"{paid} 00:00:00" if paid else None,
                "total": D(total),
            }
        )
    rows.append(
        {**rows[0], "id": "future", "date_created": "2026-11-02 00:00:00", "total": D("999")}
    )
    # With no invoice date: owed unless paid, in a bucket of its own.
    rows.append({**rows[0], "id": "undated", "date_created": None, "total": D("120.00")})
    rows.append(
        {
            **rows[0],
            "id": "undated-paid",
            "date_created": None,
            "date_paid": "2026-10-02 00:00:00",
            "total": D("5.00"),
        }
    )
    return WILLSUITE_INVOICES.build(rows)


def test_aged_debt_buckets_at_a_date() -> None:
    as_of = dt.date(2026, 10, 31)
    positions = invoice_positions(invoices(), as_of).sort("id")
    assert dict(positions.select("id", "age_bucket").rows()) == {
        "d30": "1-30",
        "d31": "31-60",
        "d90": "61-90",
        "d91": "90+",
        "not-due": "not due",
        "paid": None,
        "paid-later": "90+",
        "today": "not due",  # due today: not yet overdue
        "undated": "no invoice date",
        "undated-paid": None,
    }
    table = aged_debt(invoices(), as_of)
    assert table.rows() == [
        ("not due", 2, D("30.00")),
        ("1-30", 1, D("30.00")),
        ("31-60", 1, D("40.00")),
        ("61-90", 1, D("50.00")),
        ("90+", 2, D("140.00")),
        ("no due date", 0, D(0)),
        ("no invoice date", 1, D("120.00")),
    ]
    assert table["amount"].sum() == positions["outstanding"].sum()


def test_a_credit_note_not_refunded_lowers_the_debt_and_is_never_overdue() -> None:
    """The issue's case: £540.00 owed and a credit note of -£120.00 ("Not Paid", no
    date_paid) issued 60 days before: £420.00 is owed, the credit in the current band."""
    as_of = dt.date(2026, 10, 31)
    base = {
        "customer_case_id": "c1",
        "recipients_name": "Mr A",
        "status": "Not Paid",
        "date_paid": None,
    }
    rows = [
        {
            **base,
            "id": "inv",
            "invoice_number": "INV1",
            "date_created": "2026-10-01 00:00:00",
            "date_due": "2026-10-31 00:00:00",
            "total": D("540.00"),
        },
        {
            **base,
            "id": "cn",
            "invoice_number": "CN1",
            "date_created": "2026-09-01 00:00:00",
            "date_due": "2026-10-01 00:00:00",
            "total": D("-120.00"),
        },
        {  # refunded: settled, owing nothing
            **base,
            "id": "cn-refunded",
            "invoice_number": "CN2",
            "date_created": "2026-09-01 00:00:00",
            "date_due": "2026-10-01 00:00:00",
            "date_paid": "2026-10-20 00:00:00",
            "status": "Paid",
            "total": D("-30.00"),
        },
    ]
    frame = WILLSUITE_INVOICES.build(rows)
    positions = invoice_positions(frame, as_of).sort("id")
    assert positions.select(
        "id", "paid", "part_paid", "paid_to_date", "outstanding", "days_past_due", "age_bucket"
    ).rows() == [
        ("cn", False, False, D(0), D("-120.00"), None, "not due"),
        ("cn-refunded", True, False, D("-30.00"), D(0), None, None),
        ("inv", False, False, D(0), D("540.00"), 0, "not due"),
    ]
    table = aged_debt(frame, as_of)
    # The credit and the invoice due that day, neither overdue.
    assert dict(table.select("age_bucket", "amount").rows())["not due"] == D("420.00")
    assert table["amount"].sum() == D("420.00")
    # Before the refund, the refunded note was an open credit too.
    assert aged_debt(frame, dt.date(2026, 10, 19))["amount"].sum() == D("390.00")


def test_paid_vs_outstanding() -> None:
    table = paid_vs_outstanding(invoices(), dt.date(2026, 10, 31))
    assert table["invoiced"].sum() == D("485.00")
    assert table["paid"].sum() == D("75.00")
    assert table["outstanding"].sum() == D("410.00")


def test_pipeline_by_status_and_type() -> None:
    cases = PLANNR_CASES.build(
        [
            {
                "uuid": "a",
                "status": {"name": "Open"},
                "type": {"name": "ISA"},
                "value": {"amount": "10000", "currency": "GBP"},
            },
            {
                "uuid": "b",
                "status": {"name": "Open"},
                "type": {"name": "ISA"},
                "value": {"amount": "30001", "currency": "GBP"},
                "completed_at": "2026-05-01T10:00:00+01:00",
            },
            {"uuid": "c", "status": {"name": "Lead"}, "type": {"name": "SIPP"}, "value": None},
        ]
    )
    rows = pipeline(cases).rows(named=True)
    assert rows[1] == {
        "status_name": "Open",
        "type_name": "ISA",
        "currency": "GBP",
        "cases": 2,
        "completed_cases": 1,
        "value": D("400.01"),
        "completed_value": D("300.01"),
        "percent_completed": D("75.00"),
    }
    assert rows[0]["value"] == D(0)  # no value stated counts as nothing in the pipeline
    assert rows[0]["percent_completed"] is None


def incomes() -> pl.DataFrame:
    def income(
        uuid: str,
        pennies: int,
        frequency: str,
        amount_type: str = "gross",
        start: str | None = "2025-01-01",
        end: str | None = None,
        taxable: bool = True,
    ) -> dict:
        return {
            "uuid": uuid,
            "amount": {"amount": str(pennies), "currency": "GBP"},
            "frequency": frequency,
            "amount_type": amount_type,
            "start_date": start,
            "end_date": end,
            "is_taxable": taxable,
        }

    return PLANNR_INCOMES.build(
        [
            income("weekly", 10000, "weekly"),  # £100 x 52 = £5,200; /12 = 433.33
            income("four-weekly", 100000, "four_weekly"),  # £1,000 x 13 = £13,000; 1083.33
            income("daily", 1000, "daily", "net"),  # £10 x 365 = £3,650; 304.1666 -> 304.17
            income("bonus", 500000, "one_off", start="2026-10-15"),  # once, in October
            income("old-bonus", 500000, "one_off", start="2026-03-01"),
            income("ended", 100000, "monthly", end="2026-09-30"),
            income("later", 100000, "monthly", start="2026-11-01"),
            income("undated", 100000, "adhoc", start=None),
            income("pension", 2000000, "annually", "net", taxable=False),
        ]
    )


def test_annualised_incomes_over_a_month() -> None:
    start, end = dt.date(2026, 10, 1), dt.date(2026, 10, 31)
    table = annualise_incomes(incomes(), start, end).sort("id")
    got = {
        row["id"]: (row["annual_amount"], row["monthly_amount"]) for row in table.rows(named=True)
    }
    assert got == {
        "bonus": (D("5000.00"), None),
        "daily": (D("3650.00"), D("304.17")),
        "four-weekly": (D("13000.00"), D("1083.33")),
        "pension": (D("20000.00"), D("1666.67")),
        "weekly": (D("5200.00"), D("433.33")),
    }
    reasons = dict(income_exclusions(incomes(), start, end).select("id", "reason").rows())
    assert reasons == {
        "old-bonus": "one-off outside the period",
        "ended": "ended before the period",
        "later": "starts after the period",
        "undated": "one-off income without a date",
    }
    totals = income_totals(table)
    # A recurring line's month is its year / 12, to the penny (18,200 / 12 = 1,516.666...),
    # not the sum of its incomes' rounded twelfths (433.33 + 1,083.33); the one-off bonus
    # is a line of its own, with no month.
    assert totals.select(
        "recurring", "amount_type", "is_taxable", "annual_amount", "monthly_amount"
    ).rows() == [
        (True, "gross", True, D("18200.00"), D("1516.67")),
        (True, "net", False, D("20000.00"), D("1666.67")),
        (True, "net", True, D("3650.00"), D("304.17")),
        (False, "gross", True, D("5000.00"), None),
    ]


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.integers(0, 10**9), st.sampled_from(["weekly", "monthly", "quarterly", "one_off"])
        ),
        max_size=25,
    )
)
def test_income_totals_are_the_exact_sum_of_parts(rows: list) -> None:
    frame = PLANNR_INCOMES.build(
        [
            {
                "uuid": str(i),
                "amount": {"amount": str(p), "currency": "GBP"},
                "frequency": f,
                "amount_type": "net",
                "start_date": "2026-10-10",
                "is_taxable": True,
            }
            for i, (p, f) in enumerate(rows)
        ]
    )
    table = annualise_incomes(frame, dt.date(2026, 10, 1), dt.date(2026, 10, 31))
    totals = income_totals(table)
    once = sum(D(p).scaleb(-2) for p, f in rows if f == "one_off")
    recurring = sum(
        D(p).scaleb(-2) * {"weekly": 52, "monthly": 12, "quarterly": 4}.get(f, 0) for p, f in rows
    )
    assert (totals["annual_amount"].sum() or D(0)) == once + recurring
    assert table.schema["annual_amount"] == MONEY
