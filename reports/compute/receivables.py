"""Credit control's figures: who owes what at a day (aged receivables, by client and by
invoice), the cash collected over a period, and debtor days by the countback method.

Each starts from what the statements count (`activity.positions_at`, `account_activity`),
so that a client's total here is the amount due on its statement, and the total of every
client is the headline's outstanding (docs/calculations.md, "Credit control").
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

import polars as pl

from reports.compute import activity
from reports.compute.activity import ActivityKind
from reports.money import MONEY

#: The summary's columns of what is owed, by days past the due date, as Xero's Aged
#: Receivables: `current` is what is not yet overdue (due today or later), with open
#: credits and what has no due date to count from.
AGE_BANDS = ("current", "1-30", "31-60", "61-90", "over 90")

#: Debtor days are stated to one decimal place, rounded half up, once.
DEBTOR_DAYS_QUANTUM = Decimal("0.1")


def _band(days: pl.Expr) -> pl.Expr:
    return (
        pl.when(days.is_null() | (days <= 0))
        .then(pl.lit(AGE_BANDS[0]))
        .when(days <= 30)
        .then(pl.lit(AGE_BANDS[1]))
        .when(days <= 60)
        .then(pl.lit(AGE_BANDS[2]))
        .when(days <= 90)
        .then(pl.lit(AGE_BANDS[3]))
        .otherwise(pl.lit(AGE_BANDS[4]))
    )


def unpaid_invoices(positions: pl.DataFrame, account: str = "case_id") -> pl.DataFrame:
    """The Aged Receivables Detail: every invoice (and open credit note) not settled in
    `positions` (`activity.positions_at` at the day), oldest due first within each client.

    Columns: `account` (the client it is listed under), `client_name`, `invoice_id`,
    `invoice_number`, `invoice_date`, `due_date`, `days_overdue` (null for a credit, which
    falls due on no day, and where there is no due date), `gross`, `paid`, `outstanding`
    and `band`."""
    return (
        positions.filter(pl.col("paid").not_())
        .select(
            pl.col(account).alias("account"),
            "client_name",
            pl.col("id").alias("invoice_id"),
            "invoice_number",
            "invoice_date",
            "due_date",
            pl.col("days_past_due").alias("days_overdue"),
            pl.col("total").cast(MONEY).alias("gross"),
            pl.col("paid_to_date").cast(MONEY).alias("paid"),
            pl.col("outstanding").cast(MONEY),
        )
        .with_columns(band=_band(pl.col("days_overdue")))
        .sort("account", "due_date", "invoice_number", nulls_last=True)
    )


def last_payments(
    positions: pl.DataFrame,
    lines: pl.DataFrame,
    as_of: dt.date,
    account: str = "case_id",
) -> pl.DataFrame:
    """(`account`, `last_payment_date`): the latest day by `as_of` on which each client paid
    anything: an invoice's `paid_at`, or one of its live lines' paid day (`vat.invoice_lines`'
    `paid_date`). A refund of a credit note is money paid out, not a payment."""
    invoices = positions.filter(pl.col("total") >= 0).select(
        "id", pl.col(account).alias("account"), "paid_date"
    )
    live = pl.col("cancelled").not_() & pl.col("unknown_status").not_()
    by_line = (
        lines.filter(live)
        .select(pl.col("invoice_id").alias("id"), "paid_date")
        .join(invoices.select("id", "account"), on="id", how="inner")
    )
    paid = pl.concat(
        [invoices.select("account", "paid_date"), by_line.select("account", "paid_date")]
    ).filter((pl.col("paid_date") <= as_of).fill_null(False))
    return paid.group_by("account").agg(last_payment_date=pl.col("paid_date").max())


def aged_receivables(unpaid: pl.DataFrame, payments: pl.DataFrame | None = None) -> pl.DataFrame:
    """The Aged Receivables Summary: one row per client with something owed (or an open
    credit) in `unpaid` (`unpaid_invoices`): its outstanding in each of `AGE_BANDS`, the
    `total`, the `oldest_due_date` of what it owes, and with `payments` (`last_payments`)
    its `last_payment_date`. Largest total first; each band's column sums to that band of
    the detail, and the totals to the detail's outstanding."""
    bands = [
        pl.col("outstanding").filter(pl.col("band") == band).sum().cast(MONEY).alias(band)
        for band in AGE_BANDS
    ]
    summary = unpaid.group_by("account").agg(
        pl.col("client_name").first(),
        *bands,
        total=pl.col("outstanding").sum().cast(MONEY),
        oldest_due_date=pl.col("due_date").filter(pl.col("outstanding") > 0).min(),
    )
    if payments is None:
        summary = summary.with_columns(last_payment_date=pl.lit(None, pl.Date))
    else:
        summary = summary.join(payments, on="account", how="left")
    return summary.sort(["total", "account"], descending=[True, False])


def cash_collected(events: pl.DataFrame, start: dt.date, end: dt.date) -> Decimal:
    """What clients paid from `start` to `end`, by each payment's own day, less refunds
    paid back to them: the sum of `account_activity`'s payment and refund lines."""
    kinds = [ActivityKind.PAYMENT.value, ActivityKind.REFUND.value]
    total = events.filter(pl.col("kind").is_in(kinds) & pl.col("date").is_between(start, end))[
        "paid"
    ].sum()
    return Decimal(total or 0)


@dataclass(frozen=True)
class MonthInvoiced:
    """One month's gross invoicing (VAT included, credit notes less), and its length."""

    days: int
    gross: Decimal


@dataclass(frozen=True)
class DebtorDays:
    """Debtor days by the countback method (`debtor_days`)."""

    days: Decimal
    #: False where the months given ran out before the debt was used up: `days` is then
    #: at least what is stated.
    complete: bool


def debtor_days(debt: Decimal, months: Sequence[MonthInvoiced]) -> DebtorDays:
    """How many days of invoicing the debt at a month's end stands for, counted back.

    `months` starts with the month that ends on the day of `debt` and goes back one month
    at a time. While the debt left is at least a month's gross invoicing, that month's
    days count whole and its invoicing is taken off; the month the debt runs out in counts
    in proportion (its days x the debt left / its invoicing). A month with no invoicing (or
    a net credit) counts whole and takes nothing off. No debt is no days. Rounded once, half
    up, to `DEBTOR_DAYS_QUANTUM`.
    """
    left = debt
    days = Decimal(0)
    if left <= 0:
        return DebtorDays(Decimal("0.0"), complete=True)
    for month in months:
        if month.gross > 0 and left <= month.gross:
            days += Decimal(month.days) * left / month.gross
            return DebtorDays(days.quantize(DEBTOR_DAYS_QUANTUM, ROUND_HALF_UP), complete=True)
        days += month.days
        left -= max(month.gross, Decimal(0))
    return DebtorDays(days.quantize(DEBTOR_DAYS_QUANTUM, ROUND_HALF_UP), complete=False)


#: The countback's columns (`countback`): each month counted back from the month end, its
#: days, its gross invoicing, what of that was invoiced in the months after it (counted
#: first), the debt left for it, and the days it counts (for reading, to `COUNTED_QUANTUM`;
#: the figure adds the exact days and is rounded once).
COUNTBACK = pl.Schema(
    {
        "month": pl.Date(),
        "days": pl.Int64(),
        "gross": MONEY,
        "invoiced_after": MONEY,
        "debt_left": MONEY,
        "days_counted": pl.Decimal(38, 2),
    }
)
#: A month's days counted, as the countback table shows them (the figure is not made from
#: these, but from the exact proportion, rounded once to `DEBTOR_DAYS_QUANTUM`).
COUNTED_QUANTUM = Decimal("0.01")


def gross_by_month(invoices: pl.DataFrame) -> dict[dt.date, Decimal]:
    """Each month's gross invoicing (`total`, VAT included, credit notes negative) by its
    first day, from invoices with an `invoice_date` (one without is in no month)."""
    grouped = (
        invoices.filter(pl.col("invoice_date").is_not_null())
        .group_by(month=pl.col("invoice_date").dt.truncate("1mo"))
        .agg(gross=pl.col("total").sum().cast(MONEY))
    )
    return {month: Decimal(gross) for month, gross in grouped.iter_rows()}


def months_back(
    gross: Mapping[dt.date, Decimal], start: dt.date, end: dt.date
) -> tuple[MonthInvoiced, ...]:
    """The months `debtor_days` counts back through: the month from `start` to `end` (its
    days to `end`: a month to date counts the days it has), then each whole month before it,
    back to the first month with invoicing in `gross` (`gross_by_month`)."""
    first = min(min(gross, default=start), start)
    months = []
    day = start
    while day >= first:
        last = end if day == start else _month_end(day)
        months.append(MonthInvoiced((last - day).days + 1, gross.get(day, Decimal(0))))
        day = (day - dt.timedelta(days=1)).replace(day=1)
    return tuple(months)


def _month_end(first: dt.date) -> dt.date:
    following = (first + dt.timedelta(days=32)).replace(day=1)
    return following - dt.timedelta(days=1)


def countback(debt: Decimal, months: Sequence[MonthInvoiced], start: dt.date) -> pl.DataFrame:
    """`debtor_days`' working as a table (`COUNTBACK`), one row a month it counts, the month
    starting `start` first: the months a reader (or the workbook's formula) adds up."""
    rows = []
    after = Decimal(0)
    day = start
    for month in months:
        left = debt - after
        if left <= 0:
            break
        counted = (
            Decimal(month.days) * left / month.gross
            if month.gross > 0 and left <= month.gross
            else Decimal(month.days)
        )
        rows.append(
            {
                "month": day,
                "days": month.days,
                "gross": month.gross,
                "invoiced_after": after,
                "debt_left": left,
                "days_counted": counted.quantize(COUNTED_QUANTUM, ROUND_HALF_UP),
            }
        )
        after += max(month.gross, Decimal(0))
        day = (day - dt.timedelta(days=1)).replace(day=1)
    return pl.DataFrame(rows, schema=COUNTBACK)


def paid_by(invoices: pl.DataFrame, lines: pl.DataFrame, as_of: dt.date) -> Decimal:
    """Everything paid by `as_of` of the invoices issued by then, refunds less, as the
    statements count it (`activity.positions_at`): the cash collected over a period is what
    this rose by across it (`cash_collected` of the period's payment and refund lines)."""
    return Decimal(activity.positions_at(invoices, lines, as_of)["paid_to_date"].sum() or 0)
