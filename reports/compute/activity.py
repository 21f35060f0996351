"""A client's account over a period, as an activity statement shows it (Xero's is the
model): what was owed at the period's start (the opening balance), each invoice issued and
each payment made in the period, by its own date, with the balance after it, and what is
owed at the end (the closing balance: the amount due).

Every figure comes from one rule, an invoice's position at a date (`positions_at`). A
payment on a date is how much more of an invoice is paid at that date than at the last date
before it on which anything about the invoice changed. The payments therefore add up to
what the positions say by construction, and opening + invoiced - paid = closing holds
exactly whatever the records hold: an odd record (paid before it was issued) moves a
payment's date, never the balance.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

import polars as pl

from reports.compute import invoicing
from reports.money import MONEY


class ActivityKind(StrEnum):
    """A line of account activity, as the client reads it."""

    INVOICE = "Invoice"
    #: A document with a negative total: it reduces the balance.
    CREDIT_NOTE = "Credit note"
    PAYMENT = "Payment"
    #: Money paid back to the client: a credit note paid, which raises the balance.
    REFUND = "Refund"


#: The account's events, in the order a statement lists them: `invoiced` is set on an
#: invoice or credit note (its gross total, negative for a credit), `paid` on a payment or
#: refund (negative for a refund), and `balance` is the account's after the line.
EVENTS = pl.Schema(
    {
        "account": pl.String(),
        "invoice_id": pl.String(),
        "date": pl.Date(),
        "kind": pl.String(),
        "invoice_number": pl.String(),
        "due_date": pl.Date(),
        "invoiced": MONEY,
        "paid": MONEY,
        "balance": MONEY,
    }
)


def positions_at(invoices: pl.DataFrame, lines: pl.DataFrame, as_of: dt.date) -> pl.DataFrame:
    """Each invoice's position at `as_of` as a statement counts it:
    `invoicing.invoice_positions` with the lines paid by then (`line_payments`). A credit
    note (a negative total) is an open credit there, owing its (negative) total, until its
    own `paid_at` says it was refunded: the statement, the aged debt and the headline
    count it alike (see docs/calculations.md)."""
    return invoicing.invoice_positions(invoices, as_of, invoicing.line_payments(lines, as_of))


@dataclass(frozen=True)
class AccountActivity:
    """Every account's activity over a period (`account_activity`)."""

    #: Each invoice's position on the day before the period (`positions_at`): the opening.
    before: pl.DataFrame
    #: Each invoice's position at the period's end: the closing, and what is owed.
    after: pl.DataFrame
    #: `EVENTS`, each account's in its order.
    events: pl.DataFrame
    #: Each account's opening balance (`account`, `opening`), for every account with an
    #: invoice issued by the period's end.
    opening: pl.DataFrame


def _change_dates(
    after: pl.DataFrame, lines: pl.DataFrame, start: dt.date, end: dt.date
) -> pl.DataFrame:
    """(`id`, `as_of`): the days in the period on which the position of an invoice of
    `after` (the positions at the end) may change: the day it was issued, the day it was
    paid, and the days its lines were paid."""
    in_period = pl.col("as_of").is_between(start, end)
    issued_or_paid = after.select(
        "id", pl.concat_list("invoice_date", "paid_date").alias("as_of")
    ).explode("as_of")
    lines_paid = lines.select(pl.col("invoice_id").alias("id"), pl.col("paid_date").alias("as_of"))
    return pl.concat([issued_or_paid, lines_paid]).filter(in_period.fill_null(False)).unique()


def account_activity(
    invoices: pl.DataFrame,
    lines: pl.DataFrame,
    start: dt.date,
    end: dt.date,
    account: str = "case_id",
) -> AccountActivity:
    """The activity from `start` to `end` of every account (`account`, an invoice column:
    the client each invoice is listed under): the invoices issued in the period, and each
    change in what is paid of an invoice, dated the day it happened.

    An invoice's position is taken on the day before the period, on each day in it that may
    change it (`_change_dates`), and at the end; a payment is the rise in what is paid from
    one to the next. A change with no day of its own in the period (nothing recorded for it)
    is dated the period's end, so that nothing is lost.
    """
    day_before = start - dt.timedelta(days=1)
    before = positions_at(invoices, lines, day_before)
    after = positions_at(invoices, lines, end)
    changes = _change_dates(after, lines, start, end).filter(pl.col("as_of") != end)
    taken = [
        before.select("id", pl.lit(day_before).alias("as_of"), "paid_to_date"),
        after.select("id", pl.lit(end).alias("as_of"), "paid_to_date"),
    ]
    # Only the invoices that may change on a day are placed on it: a month has at most 31
    # such days, each a small set of the few invoices the month touches.
    touched = changes["id"].unique().implode()
    touched_invoices = invoices.filter(pl.col("id").is_in(touched))
    touched_lines = lines.filter(pl.col("invoice_id").is_in(touched))
    for (as_of,), ids in changes.group_by("as_of"):
        chosen = touched_invoices.filter(pl.col("id").is_in(ids["id"].implode()))
        chosen_lines = touched_lines.filter(pl.col("invoice_id").is_in(ids["id"].implode()))
        taken.append(
            positions_at(chosen, chosen_lines, as_of).select(
                "id", pl.lit(as_of, pl.Date).alias("as_of"), "paid_to_date"
            )
        )
    paid_by = pl.concat([t.with_columns(pl.col("as_of").cast(pl.Date)) for t in taken])
    # An invoice not yet issued on a day has no position then: it had paid nothing.
    increments = (
        paid_by.sort("id", "as_of")
        .with_columns(
            paid=(
                pl.col("paid_to_date")
                - pl.col("paid_to_date").shift(1).over("id").fill_null(pl.lit(0, MONEY))
            ).cast(MONEY)
        )
        .filter((pl.col("as_of") >= start) & (pl.col("paid") != 0))
    )
    header = after.select(
        "id", pl.col(account).alias("account"), "invoice_number", "due_date", "total"
    )
    payments = increments.join(header, on="id", how="inner").select(
        "account",
        pl.col("id").alias("invoice_id"),
        pl.col("as_of").alias("date"),
        pl.when(pl.col("paid") < 0)
        .then(pl.lit(ActivityKind.REFUND.value))
        .otherwise(pl.lit(ActivityKind.PAYMENT.value))
        .alias("kind"),
        "invoice_number",
        pl.lit(None, pl.Date).alias("due_date"),
        pl.lit(None, MONEY).alias("invoiced"),
        "paid",
        _order=pl.lit(1),
    )
    issued = after.filter(pl.col("invoice_date").is_between(start, end).fill_null(False)).select(
        pl.col(account).alias("account"),
        pl.col("id").alias("invoice_id"),
        pl.col("invoice_date").alias("date"),
        pl.when(pl.col("total") < 0)
        .then(pl.lit(ActivityKind.CREDIT_NOTE.value))
        .otherwise(pl.lit(ActivityKind.INVOICE.value))
        .alias("kind"),
        "invoice_number",
        # A credit is owed to the client, not by it: it falls due on no day.
        pl.when(pl.col("total") >= 0).then(pl.col("due_date")).alias("due_date"),
        pl.col("total").cast(MONEY).alias("invoiced"),
        pl.lit(None, MONEY).alias("paid"),
        _order=pl.lit(0),
    )
    # Whatever was issued by the day before is also issued by the end: every account with
    # an opening balance is one of those with a closing one.
    opening = (
        after.select(pl.col(account).alias("account"))
        .unique(maintain_order=True)
        .join(
            before.group_by(pl.col(account).alias("account")).agg(
                opening=pl.col("outstanding").sum()
            ),
            on="account",
            how="left",
        )
        .select("account", pl.col("opening").fill_null(0).cast(MONEY))
    )
    # Within a day, what was issued comes before what was paid of it.
    events = (
        pl.concat([issued, payments])
        .sort("account", "date", "_order", "invoice_number", "invoice_id", nulls_last=True)
        .join(opening, on="account", how="left", maintain_order="left")
        .with_columns(
            balance=(
                pl.col("opening")
                + (
                    pl.col("invoiced").fill_null(pl.lit(0, MONEY))
                    - pl.col("paid").fill_null(pl.lit(0, MONEY))
                )
                .cum_sum()
                .over("account")
            ).cast(MONEY)
        )
        .select(EVENTS.names())
    )
    return AccountActivity(before=before, after=after, events=events, opening=opening)
