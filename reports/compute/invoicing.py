"""How much has been invoiced, paid and is owed: mobility expenses, WillSuite invoices and
the Plannr pipeline."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import polars as pl

from reports.compute.periods import local_date
from reports.compute.units import Rounding, divide, from_units, to_units
from reports.compute.vat import require_unique
from reports.errors import DataError
from reports.money import MONEY

PERCENT_DIGITS = 2
AGE_BUCKETS = ("not due", "0-30", "31-60", "61-90", "90+", "no due date")


def percent(part_units: pl.Expr, whole_units: pl.Expr) -> pl.Expr:
    """`part / whole` as a percentage to 2 places, half up; null when `whole` is 0."""
    hundredths = divide(
        part_units * 10_000, pl.when(whole_units != 0).then(whole_units), Rounding.HALF_UP
    )
    return from_units(hundredths, PERCENT_DIGITS)


def _expense_shares(expenses: pl.DataFrame, keys: list[str], amount: str) -> pl.DataFrame:
    invoiced = pl.col("invoice_id").is_not_null()
    units = to_units(pl.col(amount))
    return (
        expenses.group_by(keys)
        .agg(
            expenses=pl.len(),
            invoiced_expenses=invoiced.sum(),
            total_units=units.sum(),
            invoiced_units=units.filter(invoiced).sum(),
        )
        .with_columns(pl.col("invoiced_units").fill_null(0))
        .with_columns(
            total_amount=from_units(pl.col("total_units"), 4),
            invoiced_amount=from_units(pl.col("invoiced_units"), 4),
            percent_by_count=percent(
                pl.col("invoiced_expenses").cast(pl.Int128), pl.col("expenses").cast(pl.Int128)
            ),
            percent_by_amount=percent(pl.col("invoiced_units"), pl.col("total_units")),
        )
        .drop("total_units", "invoiced_units")
    )


def _compare(frame: pl.DataFrame, platform: str, tolerance: Decimal) -> pl.DataFrame:
    return frame.with_columns(
        percent_difference=(pl.col(platform) - pl.col("percent_by_amount")).cast(MONEY),
    ).with_columns(
        disagrees=(pl.col("percent_difference").abs() > pl.lit(tolerance, MONEY)).fill_null(False)
    )


def invoicing_by_case(
    expenses: pl.DataFrame,
    cases: pl.DataFrame,
    *,
    amount: str = "report_amount",
    tolerance: Decimal = Decimal("1.00"),
) -> pl.DataFrame:
    """Per mobility case: the platform's `percent_invoiced` beside ours from its expenses.

    Ours is the share of expenses with an invoice, by count and by `amount` (converted to the
    report currency). `disagrees` marks cases where the two differ by more than `tolerance`
    percentage points (the platform converts into each legal entity's currency, so small
    differences are expected). Cases without expenses have no share of ours.
    """
    shares = _expense_shares(expenses, ["expat_case_id"], amount)
    frame = cases.select(
        pl.col("id").alias("expat_case_id"),
        "client_name",
        "expat_name",
        "status",
        pl.col("percent_invoiced").alias("platform_percent"),
    ).join(shares, on="expat_case_id", how="left")
    frame = frame.with_columns(pl.col("expenses", "invoiced_expenses").fill_null(0))
    return _compare(frame, "platform_percent", tolerance)


def invoicing_by_service(
    expenses: pl.DataFrame,
    services: pl.DataFrame,
    *,
    amount: str = "report_amount",
    tolerance: Decimal = Decimal("1.00"),
) -> pl.DataFrame:
    """The same per service of each case (expenses name their service)."""
    shares = _expense_shares(expenses, ["expat_case_id", "service_name"], amount)
    frame = services.select(
        "expat_case_id",
        pl.col("id").alias("service_id"),
        "service_name",
        pl.col("percent_invoiced").alias("platform_percent"),
    ).join(shares, on=["expat_case_id", "service_name"], how="left")
    frame = frame.with_columns(pl.col("expenses", "invoiced_expenses").fill_null(0))
    return _compare(frame, "platform_percent", tolerance)


def invoiced_by_client_month(
    expenses: pl.DataFrame, *, amount: str = "report_amount"
) -> pl.DataFrame:
    """Per client and month incurred: expenses invoiced and not yet invoiced, by count and amount."""
    invoiced = pl.col("invoice_id").is_not_null()
    units = to_units(pl.col(amount))
    grouped = (
        expenses.with_columns(month=pl.col("incurred_at").dt.truncate("1mo"))
        .group_by("client_name", "month")
        .agg(
            invoiced_expenses=invoiced.sum(),
            not_invoiced_expenses=invoiced.not_().sum(),
            invoiced_units=units.filter(invoiced).sum(),
            not_invoiced_units=units.filter(invoiced.not_()).sum(),
        )
        .sort("client_name", "month")
    )
    return grouped.select(
        "client_name",
        "month",
        "invoiced_expenses",
        "not_invoiced_expenses",
        from_units(pl.col("invoiced_units").fill_null(0), 4).alias("invoiced_amount"),
        from_units(pl.col("not_invoiced_units").fill_null(0), 4).alias("not_invoiced_amount"),
    )


def invoice_positions(invoices: pl.DataFrame, as_of: dt.date) -> pl.DataFrame:
    """Each WillSuite invoice issued by `as_of`: paid or outstanding at that date, and if
    outstanding, days past due and its age bucket (`not due`, `0-30`, `31-60`, `61-90`,
    `90+`, or `no due date` when it has none).

    An invoice paid after `as_of` was outstanding on `as_of`. Amounts are the header `total`;
    an invoice without one, or an id that comes twice, is a `DataError` (the report fills a
    missing total from the invoice's lines, and flags it, before calling this).
    """
    require_unique(invoices, "id", "invoice")
    frame = invoices.select(
        "id",
        "invoice_number",
        "customer_case_id",
        "recipients_name",
        "status",
        "total",
        local_date("date_created").alias("invoice_date"),
        local_date("date_due").alias("due_date"),
        local_date("date_paid").alias("paid_date"),
    ).filter(pl.col("invoice_date") <= as_of)
    no_total = frame.filter(pl.col("total").is_null())
    if no_total.height:
        raise DataError(
            f"willsuite invoice {no_total['invoice_number'][0] or no_total['id'][0]} has no total "
            f"({no_total.height} such invoices); fill it from its lines (vat.check_invoices) "
            "or correct it in WillSuite"
        )
    paid = pl.col("paid_date").is_not_null() & (pl.col("paid_date") <= as_of)
    days = (pl.lit(as_of) - pl.col("due_date")).dt.total_days()
    bucket = (
        pl.when(paid)
        .then(None)
        .when(pl.col("due_date").is_null())
        .then(pl.lit("no due date"))
        .when(days < 0)
        .then(pl.lit("not due"))
        .when(days <= 30)
        .then(pl.lit("0-30"))
        .when(days <= 60)
        .then(pl.lit("31-60"))
        .when(days <= 90)
        .then(pl.lit("61-90"))
        .otherwise(pl.lit("90+"))
    )
    return frame.with_columns(
        paid=paid,
        outstanding=pl.when(paid).then(pl.lit(0, MONEY)).otherwise(pl.col("total")),
        days_past_due=pl.when(paid).then(None).otherwise(days),
        age_bucket=bucket,
    )


def aged_debt(invoices: pl.DataFrame, as_of: dt.date) -> pl.DataFrame:
    """Outstanding WillSuite debt at `as_of` by age bucket, every bucket present."""
    outstanding = invoice_positions(invoices, as_of).filter(pl.col("paid").not_())
    totals = outstanding.group_by("age_bucket").agg(
        invoices=pl.len(), amount=pl.col("outstanding").sum()
    )
    buckets = pl.DataFrame({"age_bucket": list(AGE_BUCKETS)})
    return buckets.join(totals, on="age_bucket", how="left").with_columns(
        pl.col("invoices").fill_null(0), pl.col("amount").fill_null(pl.lit(0, MONEY)).cast(MONEY)
    )


def paid_vs_outstanding(invoices: pl.DataFrame, as_of: dt.date) -> pl.DataFrame:
    """Per customer (case) and month invoiced: invoiced, paid and outstanding at `as_of`."""
    positions = invoice_positions(invoices, as_of).with_columns(
        month=pl.col("invoice_date").dt.truncate("1mo")
    )
    return (
        positions.group_by("customer_case_id", "recipients_name", "month")
        .agg(
            invoices=pl.len(),
            invoiced=pl.col("total").sum(),
            paid=pl.col("total").filter(pl.col("paid")).sum(),
            outstanding=pl.col("outstanding").sum(),
        )
        .with_columns(
            pl.col("invoiced", "paid", "outstanding").fill_null(pl.lit(0, MONEY)).cast(MONEY)
        )
        .sort("month", "recipients_name")
    )


def pipeline(cases: pl.DataFrame) -> pl.DataFrame:
    """Plannr case value by status, type and currency, and the share of it completed
    (`completed_at` set). Values in different currencies are never added together."""
    done = pl.col("completed_at").is_not_null()
    units = to_units(pl.col("value"))
    return (
        cases.group_by("status_name", "type_name", "value_currency")
        .agg(
            cases=pl.len(),
            completed_cases=done.sum(),
            value_units=units.sum(),
            completed_units=units.filter(done).sum(),
        )
        .with_columns(pl.col("completed_units").fill_null(0))
        .select(
            "status_name",
            "type_name",
            pl.col("value_currency").alias("currency"),
            "cases",
            "completed_cases",
            from_units(pl.col("value_units"), 4).alias("value"),
            from_units(pl.col("completed_units"), 4).alias("completed_value"),
            percent(pl.col("completed_units"), pl.col("value_units")).alias("percent_completed"),
        )
        .sort("status_name", "type_name", "currency", nulls_last=True)
    )
