"""WillSuite's part of a month's report: a statement for each customer invoiced or paying
in the month, or owing (or in credit) at its end.

A statement's invoices are those listed under the customer's own case (each invoice stays
with the case it was fetched under). It is an activity statement (`compute.activity`): the
balance at the month's start, each invoice and payment in the month with the balance after
it, and the balance at its end, which is what it says is owed: the unpaid balances of the
case's invoices, aged by days past due, less its credit notes not refunded.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import polars as pl

from reports.compute import activity, quality
from reports.compute.activity import AccountActivity
from reports.contribution import (
    STATEMENT_ACTIVITY_COLUMNS,
    STATEMENT_CASES,
    STATEMENT_INVOICE_COLUMNS,
    Contribution,
    ReportContext,
    Statement,
    StatementActivity,
    StatementTotals,
)
from reports.money import total
from reports.periods import local_day
from reports.sources.base import SourceFrames
from reports.sources.willsuite.frames import WILLSUITE_CASES, WILLSUITE_INVOICES


def contribution(frames: SourceFrames, context: ReportContext) -> Contribution:
    cases = frames.get("cases", WILLSUITE_CASES.empty())
    account = activity.account_activity(context.invoices, context.lines, context.start, context.end)
    return Contribution(
        statements=tuple(statements(cases, context, account)),
        flags=(statement_checks(account, context),),
    )


def invoice_status() -> pl.Expr:
    """An invoice's status as a client reads it: paid, part paid, due, or overdue by N days;
    a credit note is a credit until refunded."""
    days = pl.col("days_past_due")
    overdue = pl.format(
        "overdue by {} {}", days, pl.when(days == 1).then(pl.lit("day")).otherwise(pl.lit("days"))
    )
    credit = pl.col("total") < 0
    return (
        pl.when(credit & pl.col("paid"))
        .then(pl.lit("refunded"))
        .when(credit)
        .then(pl.lit("credit"))
        .when(pl.col("paid"))
        .then(pl.lit("paid"))
        .when(pl.col("part_paid") & (days > 0).fill_null(False))
        .then(pl.format("part paid, {}", overdue))
        .when(pl.col("part_paid"))
        .then(pl.lit("part paid"))
        .when((days > 0).fill_null(False))
        .then(overdue)
        .otherwise(pl.lit("due"))
    )


def invoice_positions(context: ReportContext, account: AccountActivity) -> pl.DataFrame:
    """Every invoice at the month's end (`activity.positions_at`): what is paid and owed,
    what was paid of it in the month (by the account's activity), and its status."""
    paid_in_period = (
        account.events.filter(pl.col("paid").is_not_null())
        .group_by("invoice_id")
        .agg(paid_in_period=pl.col("paid").sum())
        .rename({"invoice_id": "id"})
    )
    return (
        account.after.join(
            context.invoices.select("id", "subtotal", "vat_amount"), on="id", how="left"
        )
        .join(paid_in_period, on="id", how="left")
        .with_columns(
            pl.col("paid_in_period").fill_null(0).cast(account.after.schema["paid_to_date"]),
            status=invoice_status(),
        )
    )


def statement_activity(
    own: pl.DataFrame, events: pl.DataFrame | None, opening: Decimal, end: dt.date
) -> StatementActivity:
    """One client's activity: `own` its invoices at the month's end, `events` its lines of
    activity (`activity.EVENTS`; None when it has none)."""
    rows = (
        events.select(STATEMENT_ACTIVITY_COLUMNS)
        if events is not None
        else pl.DataFrame(schema=activity.EVENTS).select(STATEMENT_ACTIVITY_COLUMNS)
    )
    invoiced, paid = total(rows["invoiced"].drop_nulls()), total(rows["paid"].drop_nulls())
    closing = total(own["outstanding"])
    owed = own.filter((pl.col("outstanding") > 0) & pl.col("due_date").is_not_null())
    pay_by: dt.date | None = owed["due_date"].min() if owed.height else None  # type: ignore[assignment]
    return StatementActivity(
        opening=opening,
        rows=rows,
        invoiced=invoiced,
        paid=paid,
        closing=closing,
        pay_by=pay_by if closing > 0 else None,
        overdue=closing > 0 and pay_by is not None and pay_by < end,
    )


def statements(
    cases: pl.DataFrame, context: ReportContext, account: AccountActivity
) -> list[Statement]:
    """Listed on a statement: the month's invoices, those paid in it, and every older one
    still owed (or a credit not refunded) at its end."""
    issued_in_period = pl.col("invoice_date").is_between(context.start, context.end)
    issued_in_period = issued_in_period.fill_null(False)
    positions = invoice_positions(context, account)
    listed = positions.filter(
        issued_in_period | (pl.col("paid_in_period") != 0) | pl.col("paid").not_()
    )
    days = pl.col("days_past_due")
    by_id = {row["id"]: row for row in cases.iter_rows(named=True)}
    events = account.events.partition_by("account", as_dict=True)
    openings = dict(account.opening.iter_rows())
    result = []
    for (case_id,), own in listed.group_by("case_id", maintain_order=True):
        case = by_id.get(case_id, {})
        created = case.get("created_at")
        unpaid = own.filter(pl.col("paid").not_())
        # Every invoice of the case still owed at the end is listed: the listed ones' balances
        # are the closing balance.
        history = statement_activity(
            own, events.get((case_id,)), openings.get(case_id, Decimal(0)), context.end
        )

        def aged(condition: pl.Expr, rows: pl.DataFrame = unpaid) -> Decimal:
            return total(rows.filter(condition.fill_null(False))["outstanding"])

        result.append(
            Statement(
                key=f"{WILLSUITE_CASES.source}-{case_id}",
                source=WILLSUITE_CASES.source,
                client=case.get("full_names") or own["client_name"][0] or f"case {case_id}",
                email=case.get("email") or None,  # WillSuite sends "" for no address
                reference=case.get("ref"),
                address=tuple(line for line in [case.get("postcode")] if line),
                postcode=case.get("postcode") or None,
                # WillSuite's cases have no status (they never close): the column is empty,
                # and a statement prints no column that is empty for every row.
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
                    invoiced_this_period=history.invoiced,
                    paid_this_period=history.paid,
                    owed_current=aged(days.is_null() | (days <= 0)),
                    owed_1_30=aged(days.is_between(1, 30)),
                    owed_31_60=aged(days.is_between(31, 60)),
                    owed_61_90=aged(days.is_between(61, 90)),
                    owed_over_90=aged(days > 90),
                ),
                activity=history,
            )
        )
    return result


def statement_checks(account: AccountActivity, context: ReportContext) -> pl.DataFrame:
    """Flags on what a statement had to settle for itself: a payment dated before its
    invoice (of the month), an invoice whose status says paid but that has no payment date,
    and a credit note not refunded."""
    record = pl.coalesce("invoice_number", "id")
    after = account.after
    issued_in_period = pl.col("invoice_date").is_between(context.start, context.end)
    live = pl.col("cancelled").not_() & pl.col("unknown_status").not_()
    early_lines = (
        context.lines.filter(live & (pl.col("paid_date") < pl.col("invoice_date")))
        .group_by(pl.col("invoice_id").alias("id"))
        .agg(line_paid=pl.col("paid_date").min())
    )
    early = (
        after.join(early_lines, on="id", how="left")
        .with_columns(paid_on=pl.min_horizontal("paid_date", "line_paid"))
        .filter(issued_in_period.fill_null(False) & (pl.col("paid_on") < pl.col("invoice_date")))
    )
    says_paid = pl.col("status").str.strip_chars().str.to_lowercase() == "paid"
    source = WILLSUITE_INVOICES.source
    return pl.concat(
        [
            quality.flags(
                early,
                source,
                "invoice",
                record,
                "paid before its invoice date",
                pl.format(
                    "paid {}, dated {}",
                    pl.col("paid_on").dt.strftime("%d %b %Y"),
                    pl.col("invoice_date").dt.strftime("%d %b %Y"),
                ),
                "on its client's statement, paid on its invoice date",
            ),
            quality.flags(
                after.filter(
                    says_paid.fill_null(False)
                    & pl.col("paid").not_()
                    & pl.col("paid_date").is_null()
                ),
                source,
                "invoice",
                record,
                "paid with no payment date",
                pl.lit("status Paid, but date_paid is empty (and not every line has paid_at)"),
                "owed on its client's statement until a payment date is recorded",
            ),
            quality.flags(
                after.filter((pl.col("total") < 0) & pl.col("paid").not_()),
                source,
                "invoice",
                record,
                "credit note not refunded",
                pl.format("total {}, no date_paid", pl.col("total").cast(pl.Decimal(38, 2))),
                "a credit on its client's statement and in the aged debt, reducing what is owed",
            ),
        ]
    )
