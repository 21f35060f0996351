"""Which payment reminders fall due on a day: the firm's schedule of steps (days from each
invoice's due date: before it, on it, after it) over the invoices unpaid that day.

One schedule for everyone, as Xero's invoice reminders: each invoice moves through the
steps in order and gets each at most once; a day missed (the machine was off) is caught up
on the next run with the latest step reached, never with every step passed; and nothing is
asked of a client on hold or owing less than the minimum. docs/calculations.md ("Payment
reminders") gives the rules.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from decimal import Decimal

import polars as pl

from reports.errors import ConfigError


@dataclass(frozen=True)
class Step:
    """One step of the schedule: on the day `days` after an invoice's due date (negative:
    before it), the email made from `template`, copied to `cc` where given."""

    days: int
    template: str
    cc: str | None = None


@dataclass(frozen=True)
class Schedule:
    """`[credit_control]`: the steps, the least a client must owe to be reminded, and the
    clients (by their key) on hold or in dispute."""

    steps: tuple[Step, ...]
    minimum: Decimal = Decimal(0)
    exclude: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        days = [step.days for step in self.steps]
        if not days:
            raise ConfigError("[credit_control] steps is empty: give at least one step")
        if days != sorted(set(days)):
            raise ConfigError(
                "[credit_control] steps must be in order of their days, each day once "
                f"(they are {', '.join(str(d) for d in days)})"
            )
        if self.minimum < 0:
            raise ConfigError(f"[credit_control] minimum is {self.minimum}: give 0 or more")


#: What `reminders_due` gives: one row per invoice to remind of.
REMINDER_COLUMNS = (
    "account",
    "client_name",
    "invoice_id",
    "invoice_number",
    "due_date",
    "days_overdue",
    "outstanding",
    "step_days",
    "template",
    "cc",
)


def reminders_due(
    unpaid: pl.DataFrame,
    schedule: Schedule,
    sent: Collection[tuple[str, int]] = (),
) -> pl.DataFrame:
    """The invoices to remind of, from `unpaid` (`receivables.unpaid_invoices` at the day,
    from data fetched that day: a paid invoice is not in it), given the (`invoice_id`, step
    days) already `sent`.

    An invoice is at the latest step whose day has come (`days_overdue` at least the step's
    days); it is reminded of if that step was not sent for it and no later one was. An open
    credit is never reminded of, but counts in what its client owes; a client whose total
    owed is below the minimum, or whose key is in `exclude`, is reminded of nothing.
    """
    steps = pl.DataFrame(
        {
            "step_days": [step.days for step in schedule.steps],
            "template": [step.template for step in schedule.steps],
            "cc": [step.cc for step in schedule.steps],
        },
        schema={"step_days": pl.Int64, "template": pl.String, "cc": pl.String},
    ).sort("step_days")
    owed = unpaid.group_by("account").agg(owed=pl.col("outstanding").sum())
    eligible = (
        unpaid.join(owed, on="account", how="left")
        .filter(
            (pl.col("outstanding") > 0)
            & pl.col("days_overdue").is_not_null()
            & (pl.col("owed") >= schedule.minimum)
            & pl.col("account").is_in(sorted(schedule.exclude)).not_()
        )
        .with_columns(pl.col("days_overdue").cast(pl.Int64))
        .sort("days_overdue")
    )
    reached = eligible.join_asof(
        steps, left_on="days_overdue", right_on="step_days", strategy="backward"
    ).filter(pl.col("step_days").is_not_null())
    done = pl.DataFrame(
        {
            "invoice_id": [invoice for invoice, _ in sent],
            "sent_days": [days for _, days in sent],
        },
        schema={"invoice_id": pl.String, "sent_days": pl.Int64},
    )
    latest_sent = done.group_by("invoice_id").agg(pl.col("sent_days").max())
    return (
        reached.join(latest_sent, on="invoice_id", how="left")
        .filter(pl.col("sent_days").is_null() | (pl.col("sent_days") < pl.col("step_days")))
        .select(REMINDER_COLUMNS)
        .sort("account", "due_date", "invoice_number")
    )
