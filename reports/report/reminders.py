"""The payment reminders in the month's report (`model.Reminders`): what `reports chase`
sent, as its ledgers say (`reports.chase.reminders_sent`, read at the pipeline's edge,
`reports.monthly`), each client named and referenced as its statement is, with what each
invoice still had unpaid at the month's end.

A reminder counts on the UK day it was handed over, not the day it was drafted for: the
month's report lists what had been sent when it was built, and a rerun after a later
`reports chase` lists that too.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import polars as pl

from reports.money import MONEY
from reports.periods import Month
from reports.report.model import REMINDER_COLUMNS, Receivables, Reminders, Statement


def step_label(days: int, template: str | None) -> str:
    """`overdue-1 (step at 7 days overdue)`: the schedule's step an invoice had reached
    when it was asked for, by its template (where the schedule still has a step of these
    days) and its days from the due date. A step caught up late (the machine was off) is
    still its own: an invoice 2 days overdue may be at the step 3 days before due."""
    if days == 0:
        when = "step on the due date"
    else:
        count = abs(days)
        plural = "" if count == 1 else "s"
        when = f"step at {count} day{plural} {'before due' if days < 0 else 'overdue'}"
    return f"{template} ({when})" if template else when


def month_reminders(
    sent: pl.DataFrame,
    month: Month,
    statements: Sequence[Statement],
    receivables: Receivables,
    steps: Mapping[int, str],
) -> Reminders:
    """The reminders of `sent` (`reports.chase.SENT_COLUMNS`: every one sent by the
    month's end) as `month`'s report shows them. A client is named as its statement names
    it (else as the reminder did); `asked` is what the reminder asked for the invoice, as
    the ledger kept it; `outstanding` is the invoice's in `receivables` (0 where it is not
    there: paid by the month's end); each step is named by its template in
    `steps` (the schedule's, by days from the due date).

    The ledger's own `template` is its message's, the latest step of all it asked for: one
    message to an address asks for each invoice at its own step, so it names none."""
    names = pl.DataFrame(
        {
            "key": [s.key for s in statements],
            "statement_client": [s.client for s in statements],
            "payment_reference": [s.payment_reference or None for s in statements],
        },
        schema={"key": pl.String, "statement_client": pl.String, "payment_reference": pl.String},
    )
    owed = receivables.detail.group_by("key", "invoice_number").agg(
        pl.col("outstanding").sum().cast(MONEY)
    )
    kept = sent.filter(pl.col("date") <= month.end)
    history = (
        kept.rename({"client_key": "key"})
        .with_columns(
            template=pl.Series([steps.get(days) for days in kept["step_days"]], dtype=pl.String),
            step=pl.Series(
                [step_label(days, steps.get(days)) for days in kept["step_days"]], dtype=pl.String
            ),
        )
        .join(names, on="key", how="left", maintain_order="left")
        .join(owed, on=["key", "invoice_number"], how="left", maintain_order="left")
        .with_columns(
            client=pl.coalesce("statement_client", "client"),
            asked=pl.col("asked").cast(MONEY),
            outstanding=pl.col("outstanding").fill_null(0).cast(MONEY),
        )
        .select(REMINDER_COLUMNS)
        .sort("date", "client", "invoice_number", "step_days")
    )
    return Reminders(
        month=history.filter(pl.col("date").is_between(month.start, month.end)),
        history=history,
    )
