"""WillSuite's part of a month's report: a statement for each customer invoiced or paying
in the month, or owing at its end.

A statement's invoices are those listed under the customer's own case (each invoice stays
with the case it was fetched under); what it says is owed is their unpaid balances, aged
by days past due.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import polars as pl

from reports.compute import invoicing
from reports.money import MONEY, total
from reports.periods import local_day
from reports.report.context import Contribution, ReportContext
from reports.report.model import (
    STATEMENT_CASES,
    STATEMENT_INVOICE_COLUMNS,
    Statement,
    StatementTotals,
)
from reports.sources.base import SourceFrames
from reports.sources.willsuite.frames import WILLSUITE_CASES


def contribution(frames: SourceFrames, context: ReportContext) -> Contribution:
    cases = frames.get("cases", WILLSUITE_CASES.empty())
    return Contribution(statements=tuple(statements(cases, context)))


def invoice_status() -> pl.Expr:
    """An invoice's status as a client reads it: paid, part paid, due, or overdue by N days."""
    days = pl.col("days_past_due")
    overdue = pl.format(
        "overdue by {} {}", days, pl.when(days == 1).then(pl.lit("day")).otherwise(pl.lit("days"))
    )
    return (
        pl.when(pl.col("paid"))
        .then(pl.lit("paid"))
        .when(pl.col("part_paid") & (days > 0).fill_null(False))
        .then(pl.format("part paid, {}", overdue))
        .when(pl.col("part_paid"))
        .then(pl.lit("part paid"))
        .when((days > 0).fill_null(False))
        .then(overdue)
        .otherwise(pl.lit("due"))
    )


def invoice_positions(context: ReportContext) -> pl.DataFrame:
    """Every invoice at the month's end: what is paid and owed, what was paid in the month,
    and its status."""
    start, end = context.start, context.end
    owed = context.payments
    before = invoicing.line_payments(context.lines, start - dt.timedelta(days=1))
    paid_in_period = owed.join(before, on="id", how="left", suffix="_before").select(
        "id",
        paid_in_period=(pl.col("paid_to_date") - pl.col("paid_to_date_before").fill_null(0)).cast(
            MONEY
        ),
    )
    return (
        invoicing.invoice_positions(context.invoices, end, owed)
        .join(context.invoices.select("id", "subtotal", "vat_amount"), on="id", how="left")
        .join(paid_in_period, on="id", how="left")
        .with_columns(pl.col("paid_in_period").fill_null(pl.lit(0, MONEY)), status=invoice_status())
    )


def statements(cases: pl.DataFrame, context: ReportContext) -> list[Statement]:
    """Listed on a statement: the month's invoices, those paid in it, and every older one
    still owed at its end."""
    issued_in_period = pl.col("invoice_date").is_between(context.start, context.end)
    issued_in_period = issued_in_period.fill_null(False)
    positions = invoice_positions(context)
    listed = positions.filter(
        issued_in_period | (pl.col("paid_in_period") > 0) | pl.col("paid").not_()
    )
    days = pl.col("days_past_due")
    by_id = {row["id"]: row for row in cases.iter_rows(named=True)}
    result = []
    for (case_id,), own in listed.group_by("customer_case_id", maintain_order=True):
        case = by_id.get(case_id, {})
        created = case.get("created_at")
        unpaid = own.filter(pl.col("paid").not_())

        def aged(condition: pl.Expr, rows: pl.DataFrame = unpaid) -> Decimal:
            return total(rows.filter(condition.fill_null(False))["outstanding"])

        result.append(
            Statement(
                key=f"{WILLSUITE_CASES.source}-{case_id}",
                source=WILLSUITE_CASES.source,
                client=case.get("full_names") or own["recipients_name"][0] or f"case {case_id}",
                email=case.get("email") or None,  # WillSuite sends "" for no address
                reference=case.get("ref"),
                address=tuple(line for line in [case.get("postcode")] if line),
                postcode=case.get("postcode") or None,
                cases=pl.DataFrame(
                    {
                        "reference": [case.get("ref")],
                        "name": [case.get("full_names")],
                        "status": [None],
                        "opened_on": [local_day(created) if created else None],
                    },
                    schema=STATEMENT_CASES,
                ),
                expenses=pl.DataFrame(),
                rejected_expenses=pl.DataFrame(),
                invoices=own.select(STATEMENT_INVOICE_COLUMNS).sort(
                    "invoice_date", nulls_last=True
                ),
                totals=StatementTotals(
                    invoiced_net=total(own["subtotal"]),
                    invoiced_vat=total(own["vat_amount"]),
                    invoiced=total(own["total"]),
                    paid=total(own["paid_to_date"]),
                    outstanding=total(own["outstanding"]),
                    invoiced_this_period=total(own.filter(issued_in_period)["total"]),
                    paid_this_period=total(own["paid_in_period"]),
                    owed_current=aged(days.is_null() | (days <= 0)),
                    owed_1_30=aged(days.is_between(1, 30)),
                    owed_31_60=aged(days.is_between(31, 60)),
                    owed_61_90=aged(days.is_between(61, 90)),
                    owed_over_90=aged(days > 90),
                ),
            )
        )
    return result
