"""The month's aged receivables (`model.Receivables`): credit control's summary and detail
(`compute.receivables`) at the month's end, each client under its statement's key and
named, with its payment reference, as its statement names it.

They start from the positions the statements count (`activity.positions_at`), so a client's
total is the amount due on its statement and every client's, the headline's outstanding.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import polars as pl

from reports.compute import activity, receivables
from reports.money import MONEY, total
from reports.report.model import (
    RECEIVABLES_DETAIL_COLUMNS,
    RECEIVABLES_SUMMARY_COLUMNS,
    Receivables,
    Statement,
)

#: `compute.receivables.AGE_BANDS` as the summary's columns name them.
BAND_COLUMNS = dict(
    zip(
        receivables.AGE_BANDS,
        ("current", "days_1_30", "days_31_60", "days_61_90", "over_90"),
        strict=True,
    )
)


def month_receivables(
    invoices: pl.DataFrame,
    lines: pl.DataFrame,
    end: dt.date,
    source: str,
    statements: Sequence[Statement],
) -> Receivables:
    """The aged receivables of `source`'s `invoices` (and their `lines`) at `end`, the
    month's last day, each client keyed `<source>-<customer case id>` as its statement is.

    `statements` (with their payment references set) name each client; one with no
    statement (none should be) keeps the name on its invoices and no payment reference."""
    positions = activity.positions_at(invoices, lines, end)
    unpaid = receivables.unpaid_invoices(positions)
    summary = receivables.aged_receivables(unpaid, receivables.last_payments(positions, lines, end))
    names = pl.DataFrame(
        {
            "key": [s.key for s in statements],
            "statement_client": [s.client for s in statements],
            "payment_reference": [s.payment_reference or None for s in statements],
        },
        schema={"key": pl.String, "statement_client": pl.String, "payment_reference": pl.String},
    )

    def named(frame: pl.DataFrame) -> pl.DataFrame:
        keyed = frame.with_columns(key=pl.format("{}-{}", pl.lit(source), pl.col("account")))
        return keyed.join(names, on="key", how="left", maintain_order="left").with_columns(
            client=pl.coalesce("statement_client", "client_name")
        )

    shown_summary = (
        named(summary)
        .rename(BAND_COLUMNS)
        .with_columns(pl.col(*BAND_COLUMNS.values(), "total").cast(MONEY))
        .select(RECEIVABLES_SUMMARY_COLUMNS)
    )
    # By client as a reader looks one up (their statement's name), oldest due first.
    detail = (
        named(unpaid)
        .select(RECEIVABLES_DETAIL_COLUMNS)
        .sort("client", "key", "due_date", "invoice_number", nulls_last=True)
    )
    return Receivables(summary=shown_summary, detail=detail, total=total(summary["total"]))
