"""The month's credit-control headline figures: the cash collected in it and the debtor days
at its end (`compute.receivables`), with the records that make each up: the month's
payments and refunds, and the countback's months.

Both start from what the statements count (`activity.account_activity`, the headline's
outstanding), so that the payments listed are the statements' payment lines, and the debt
counted back is the outstanding figure beside it (docs/calculations.md, "Credit control").
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import polars as pl

from reports.compute import activity, receivables
from reports.compute.activity import ActivityKind
from reports.money import MONEY
from reports.periods import Month

#: The month's payments and refunds (`Credit.payments`), by day: `paid` is negative for a
#: refund; they add up to the cash collected.
PAYMENTS_COLUMNS = ("date", "client", "invoice_number", "kind", "paid")


@dataclass(frozen=True)
class Credit:
    #: Paid by clients in the month, by each payment's own day, less refunds paid to them.
    cash_collected: Decimal
    debtor_days: receivables.DebtorDays
    #: `PAYMENTS_COLUMNS`: one row a payment or refund in the month.
    payments: pl.DataFrame
    #: `receivables.COUNTBACK`: the months the debtor days count, the month itself first.
    countback: pl.DataFrame


def month_credit(
    invoices: pl.DataFrame, checked: pl.DataFrame, lines: pl.DataFrame, month: Month, debt: Decimal
) -> Credit:
    """The cash collected in `month` and the debtor days at its end, from every invoice
    (`invoices` as fetched, `checked` with its `invoice_date`, and their `lines`); `debt` is
    the headline's outstanding at the month's end."""
    events = activity.account_activity(invoices, lines, month.start, month.end).events
    kinds = [ActivityKind.PAYMENT.value, ActivityKind.REFUND.value]
    names = invoices.select(pl.col("id").alias("invoice_id"), pl.col("client_name"))
    payments = (
        events.filter(pl.col("kind").is_in(kinds))
        .join(names, on="invoice_id", how="left", maintain_order="left")
        .select(
            "date",
            pl.col("client_name").alias("client"),
            "invoice_number",
            "kind",
            pl.col("paid").cast(MONEY),
        )
        .sort("date", "client", "invoice_number", nulls_last=True)
    )
    months = receivables.months_back(receivables.gross_by_month(checked), month.start, month.end)
    return Credit(
        cash_collected=receivables.cash_collected(events, month.start, month.end),
        debtor_days=receivables.debtor_days(debt, months),
        payments=payments,
        countback=receivables.countback(debt, months, month.start),
    )
