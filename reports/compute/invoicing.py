"""How much has been invoiced, paid and is owed: expenses by billing state, invoices and
their debt, and the pipeline of case values."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from enum import StrEnum

import polars as pl

from reports.compute.units import Rounding, divide, from_units, to_units
from reports.compute.vat import require_unique
from reports.errors import DataError
from reports.money import MONEY
from reports.periods import local_date

PERCENT_DIGITS = 2
#: Outstanding debt by days past due; an invoice with no due date, or no date at all, cannot
#: be aged and has a bucket of its own (never counted as overdue).
AGE_BUCKETS = ("not due", "1-30", "31-60", "61-90", "90+", "no due date", "no invoice date")
#: Where a credit note not yet refunded is aged: it is owed to the client and falls due on
#: no day, so it lowers the current debt, never an overdue band (see docs/calculations.md).
OPEN_CREDIT_BUCKET = "not due"


class ExpenseState(StrEnum):
    """What an expense is to the firm's billing, from its `status` and invoice."""

    #: On an invoice (it has an `invoice_id`, or its status says so).
    INVOICED = "invoiced"
    #: Approved and not yet invoiced: billable work in progress.
    TO_BE_INVOICED = "to be invoiced"
    #: Pending: not yet approved, so not yet billable.
    AWAITING_APPROVAL = "awaiting approval"
    #: Rejected: in no total; listed apart.
    REJECTED = "rejected"


#: The states counted in the expense totals (rejected ones and unknown statuses are not).
COUNTED_STATES = (
    ExpenseState.INVOICED,
    ExpenseState.TO_BE_INVOICED,
    ExpenseState.AWAITING_APPROVAL,
)
#: The same, as a frame's `state` column holds them.
COUNTED_STATE_VALUES = tuple(state.value for state in COUNTED_STATES)
#: The status words an expense may have (compared without case or surrounding spaces): the
#: expense source's workflow (its reader's docstring says which its docs show).
EXPENSE_STATUSES = ("pending", "approved", "invoiced", "rejected")


def expense_state(status: str = "status", invoice_id: str = "invoice_id") -> pl.Expr:
    """Each expense's `ExpenseState` as text; null for a status that is none of
    `EXPENSE_STATUSES` (or missing), which the report flags and counts nowhere. A rejected
    expense is rejected even if it names an invoice; any other with an invoice is invoiced."""
    word = pl.col(status).str.strip_chars().str.to_lowercase()
    return (
        pl.when(word.is_in(EXPENSE_STATUSES).not_() | word.is_null())
        .then(pl.lit(None, pl.String))
        .when(word == "rejected")
        .then(pl.lit(ExpenseState.REJECTED.value))
        .when(pl.col(invoice_id).is_not_null() | (word == "invoiced"))
        .then(pl.lit(ExpenseState.INVOICED.value))
        .when(word == "approved")
        .then(pl.lit(ExpenseState.TO_BE_INVOICED.value))
        .otherwise(pl.lit(ExpenseState.AWAITING_APPROVAL.value))
    )


def percent(part_units: pl.Expr, whole_units: pl.Expr) -> pl.Expr:
    """`part / whole` as a percentage to 2 places, half up; null when `whole` is 0."""
    hundredths = divide(
        part_units * 10_000, pl.when(whole_units != 0).then(whole_units), Rounding.HALF_UP
    )
    return from_units(hundredths, PERCENT_DIGITS)


def _expense_shares(
    expenses: pl.DataFrame, keys: list[str], amount: str, currency: str | None
) -> pl.DataFrame:
    """Per `keys`: counted expenses (rejected ones and unknown statuses left out), how many
    are invoiced, and the share by count and by `amount`. With `currency`, a group whose
    amounts are in more than one currency has no share by amount (they cannot be added)."""
    state = expense_state()
    counted = expenses.filter(state.is_in(COUNTED_STATE_VALUES))
    invoiced = state == ExpenseState.INVOICED.value
    units = to_units(pl.col(amount))
    mixed = pl.col(currency).n_unique() > 1 if currency else pl.lit(False)
    return (
        counted.group_by(keys)
        .agg(
            expenses=pl.len(),
            invoiced_expenses=invoiced.sum(),
            total_units=units.sum(),
            invoiced_units=units.filter(invoiced).sum(),
            _mixed=mixed,
        )
        .with_columns(pl.col("invoiced_units").fill_null(0))
        .with_columns(
            total_amount=from_units(pl.col("total_units"), 4),
            invoiced_amount=from_units(pl.col("invoiced_units"), 4),
            percent_by_count=percent(
                pl.col("invoiced_expenses").cast(pl.Int128), pl.col("expenses").cast(pl.Int128)
            ),
            percent_by_amount=pl.when(pl.col("_mixed").not_()).then(
                percent(pl.col("invoiced_units"), pl.col("total_units"))
            ),
        )
        .drop("total_units", "invoiced_units", "_mixed")
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
    currency: str | None = None,
    tolerance: Decimal = Decimal("1.00"),
) -> pl.DataFrame:
    """Per case: the source's own `percent_invoiced` beside ours from its expenses.

    Ours is the share of the counted expenses (rejected ones and unknown statuses left out)
    that are invoiced, by count and by `amount`; with `currency` (the column of `amount`'s
    currency), a case whose amounts are in several currencies has no share by amount.
    `disagrees` marks cases where the two differ by more than `tolerance` percentage
    points. Cases without expenses have no share of ours.

    The source's figure is as of now, over all the case's expenses: compare it with every
    fetched expense, not those of one month, and in the source's own conversion
    (`converted_amount`) to compare like with like.
    """
    shares = _expense_shares(expenses, ["case_id"], amount, currency)
    frame = cases.select(
        pl.col("id").alias("case_id"),
        "client_name",
        "expat_name",
        "status",
        pl.col("percent_invoiced").alias("platform_percent"),
    ).join(shares, on="case_id", how="left")
    frame = frame.with_columns(pl.col("expenses", "invoiced_expenses").fill_null(0))
    return _compare(frame, "platform_percent", tolerance)


def invoicing_by_service(
    expenses: pl.DataFrame,
    services: pl.DataFrame,
    *,
    amount: str = "report_amount",
    currency: str | None = None,
    tolerance: Decimal = Decimal("1.00"),
) -> pl.DataFrame:
    """The same per service of each case (expenses name their service)."""
    shares = _expense_shares(expenses, ["case_id", "service_name"], amount, currency)
    frame = services.select(
        "case_id",
        pl.col("id").alias("service_id"),
        "service_name",
        pl.col("percent_invoiced").alias("platform_percent"),
    ).join(shares, on=["case_id", "service_name"], how="left")
    frame = frame.with_columns(pl.col("expenses", "invoiced_expenses").fill_null(0))
    return _compare(frame, "platform_percent", tolerance)


#: The columns `expenses_by_state` names after each counted state.
STATE_COLUMNS = {
    ExpenseState.INVOICED: "invoiced",
    ExpenseState.TO_BE_INVOICED: "to_be_invoiced",
    ExpenseState.AWAITING_APPROVAL: "awaiting_approval",
}


def expenses_by_state(
    expenses: pl.DataFrame, keys: list[str], *, amount: str = "report_amount"
) -> pl.DataFrame:
    """Per `keys`: the counted expenses invoiced, to be invoiced (approved) and awaiting
    approval (pending), each by count (`<state>_expenses`) and amount (`<state>_amount`).
    Rejected expenses and unknown statuses are in none of them."""
    state = expense_state()
    units = to_units(pl.col(amount))
    parts = []
    for value, name in STATE_COLUMNS.items():
        chosen = state == value.value
        parts += [chosen.sum().alias(f"{name}_expenses"), units.filter(chosen).sum().alias(name)]
    grouped = expenses.group_by(keys).agg(parts).sort(keys)
    return grouped.select(
        *keys,
        *(pl.col(f"{name}_expenses") for name in STATE_COLUMNS.values()),
        *(
            from_units(pl.col(name).fill_null(0), 4).alias(f"{name}_amount")
            for name in STATE_COLUMNS.values()
        ),
    )


def invoiced_by_client_month(
    expenses: pl.DataFrame, *, amount: str = "report_amount"
) -> pl.DataFrame:
    """`expenses_by_state` per client and month incurred."""
    return expenses_by_state(
        expenses.with_columns(month=pl.col("incurred_at").dt.truncate("1mo")),
        ["client_name", "month"],
        amount=amount,
    )


def line_payments(lines: pl.DataFrame, as_of: dt.date) -> pl.DataFrame:
    """What was paid on each invoice by `as_of`, from its live lines (`vat.invoice_lines`):
    `id` and `paid_to_date`, the lines' stated gross paid on or before `as_of` (a line's own
    `paid_at`, else its invoice's). A part-paid invoice has some lines paid."""
    live = pl.col("cancelled").not_() & pl.col("unknown_status").not_()
    paid = live & (pl.col("paid_date") <= as_of).fill_null(False)
    return (
        lines.group_by("invoice_id")
        .agg(paid_to_date=from_units(pl.col("stated_amount_p").filter(paid).sum(), 2))
        .rename({"invoice_id": "id"})
    )


def invoice_positions(
    invoices: pl.DataFrame, as_of: dt.date, payments: pl.DataFrame | None = None
) -> pl.DataFrame:
    """Each invoice issued by `as_of`: paid or outstanding at that date, and if
    outstanding, days past due and its age bucket (`not due`, `1-30`, `31-60`, `61-90`,
    `90+`, `no due date` when it has none, `no invoice date` when it has no date at all).

    An invoice paid after `as_of` was outstanding on `as_of`. An invoice with no date cannot
    be placed before or after `as_of`: unless paid by then it is taken to be outstanding
    (money is owed on it), in its own bucket, so it is never left out of the debt silently.
    Amounts are the header `total`; with `payments` (`line_payments`), an invoice some of
    whose lines are paid is `part_paid` and owes the rest, and one whose lines are all paid
    is paid. An invoice without a total, or an id that comes twice, is a `DataError` (the
    report fills a missing total from the invoice's lines, and flags it, before calling
    this).

    A credit note (a negative total) is a credit: until its own `paid_at` says it was
    refunded it is not paid and owes its negative total, which lowers what the client owes;
    it falls due on no day (no days past due) and is aged `not due`, so it lowers the
    current debt and never an overdue band. Refunded, it is paid and owes nothing.
    """
    require_unique(invoices, "id", "invoice")
    frame = invoices.select(
        "id",
        "invoice_number",
        "case_id",
        "client_name",
        "status",
        "total",
        local_date("issued_at").alias("invoice_date"),
        local_date("due_at").alias("due_date"),
        local_date("paid_at").alias("paid_date"),
    ).filter((pl.col("invoice_date") <= as_of) | pl.col("invoice_date").is_null())
    no_total = frame.filter(pl.col("total").is_null())
    if no_total.height:
        raise DataError(
            f"invoice {no_total['invoice_number'][0] or no_total['id'][0]} has no total "
            f"({no_total.height} such invoices); fill it from its lines (vat.check_invoices) "
            "or correct it in the system it comes from"
        )
    if payments is None:
        frame = frame.with_columns(paid_to_date=pl.lit(0, MONEY))
    else:
        frame = frame.join(payments, on="id", how="left").with_columns(
            pl.col("paid_to_date").fill_null(pl.lit(0, MONEY)).cast(MONEY)
        )
    credit = pl.col("total") < 0
    refunded_or_paid = (pl.col("paid_date") <= as_of).fill_null(False)
    # Nothing paid is "at least" a negative total: a credit note is settled only by its
    # refund, never by its lines' paid_at (a line refunded is no refund of the note).
    paid = refunded_or_paid | (credit.not_() & (pl.col("paid_to_date") >= pl.col("total")))
    days = (pl.lit(as_of) - pl.col("due_date")).dt.total_days()
    bucket = (
        pl.when(paid)
        .then(None)
        .when(pl.col("invoice_date").is_null())
        .then(pl.lit("no invoice date"))
        .when(credit)
        .then(pl.lit(OPEN_CREDIT_BUCKET))
        .when(pl.col("due_date").is_null())
        .then(pl.lit("no due date"))
        # Due today is not yet overdue: as the statements' and the aged receivables' bands.
        .when(days <= 0)
        .then(pl.lit("not due"))
        .when(days <= 30)
        .then(pl.lit("1-30"))
        .when(days <= 60)
        .then(pl.lit("31-60"))
        .when(days <= 90)
        .then(pl.lit("61-90"))
        .otherwise(pl.lit("90+"))
    )
    # Paid and outstanding add up to the total on every row: a paid invoice has paid its
    # total (whatever its lines say), an unpaid one at most its total.
    frame = frame.with_columns(
        paid_to_date=pl.when(paid)
        .then(pl.col("total"))
        .when(credit)
        .then(pl.lit(0, MONEY))
        .otherwise(pl.min_horizontal("paid_to_date", "total"))
        .cast(MONEY)
    )
    return frame.with_columns(
        paid=paid,
        part_paid=paid.not_() & (pl.col("paid_to_date") > 0),
        outstanding=pl.when(paid)
        .then(pl.lit(0, MONEY))
        .otherwise(pl.col("total") - pl.col("paid_to_date"))
        .cast(MONEY),
        days_past_due=pl.when(paid | credit | pl.col("invoice_date").is_null())
        .then(None)
        .otherwise(days),
        age_bucket=bucket,
    )


def aged_debt(
    invoices: pl.DataFrame, as_of: dt.date, payments: pl.DataFrame | None = None
) -> pl.DataFrame:
    """Outstanding debt at `as_of` by age bucket, every bucket present; with
    `payments`, a part-paid invoice counts for what it still owes."""
    return debt_by_age(outstanding_invoices(invoices, as_of, payments))


def outstanding_invoices(
    invoices: pl.DataFrame, as_of: dt.date, payments: pl.DataFrame | None = None
) -> pl.DataFrame:
    """The invoices not paid at `as_of`, each with what it owes and its age bucket
    (`invoice_positions`): the records the aged debt adds up."""
    return invoice_positions(invoices, as_of, payments).filter(pl.col("paid").not_())


def debt_by_age(outstanding: pl.DataFrame) -> pl.DataFrame:
    """`outstanding_invoices` by age bucket, every bucket present."""
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
        positions.group_by("case_id", "client_name", "month")
        .agg(
            invoices=pl.len(),
            invoiced=pl.col("total").sum(),
            paid=pl.col("total").filter(pl.col("paid")).sum(),
            outstanding=pl.col("outstanding").sum(),
        )
        .with_columns(
            pl.col("invoiced", "paid", "outstanding").fill_null(pl.lit(0, MONEY)).cast(MONEY)
        )
        .sort("month", "client_name")
    )


def pipeline(cases: pl.DataFrame) -> pl.DataFrame:
    """Case value by status, type and currency, and the share of it completed
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
