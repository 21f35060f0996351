"""The mobility platform's part of a month's report: a statement for each client with
expenses in the month, and two checks of the platform's own figures.

A statement's expenses are those listed under the client's own cases (each expense stays
with the case it was fetched under); it states no balance, since the platform sends
expenses, not its invoices: what is to be invoiced and what awaits approval are shown
apart, never as owed.
"""

from __future__ import annotations

from decimal import Decimal

import polars as pl

from reports.compute import invoicing, quality
from reports.compute.invoicing import COUNTED_STATE_VALUES, ExpenseState
from reports.contribution import Contribution, ReportContext, Statement, StatementTotals
from reports.money import total
from reports.periods import local_date
from reports.sources.base import SourceFrames
from reports.sources.mobility.frames import MOBILITY_CASES

#: A statement's expense rows; `case` is the case's order number, the client's reference.
STATEMENT_EXPENSE_COLUMNS = (
    pl.col("title"),
    pl.col("order_number").alias("case"),
    pl.col("incurred_at"),
    pl.col("amount"),
    pl.col("currency_code"),
    pl.col("report_amount"),
    pl.col("state"),
)


def contribution(frames: SourceFrames, context: ReportContext) -> Contribution:
    cases = frames.get("cases", MOBILITY_CASES.empty())
    return Contribution(
        statements=tuple(statements(cases, context.month_expenses)),
        flags=(percent_invoiced_checks(cases, context), conversion_checks(context)),
    )


def statements(cases: pl.DataFrame, month_expenses: pl.DataFrame) -> list[Statement]:
    """One statement per client with expenses counted or rejected in the month."""
    # Each expense's client, by the case it was listed under, in one join: a filter per
    # client would read every expense once for each client.
    clients = cases.select(pl.col("id").alias("case_id"), "client_id").unique(
        "case_id", keep="first", maintain_order=True
    )
    shown_by_client = (
        month_expenses.filter(
            pl.col("state").is_in([*COUNTED_STATE_VALUES, ExpenseState.REJECTED.value])
        )
        .join(clients, on="case_id", how="inner", maintain_order="left")
        .partition_by("client_id", as_dict=True, include_key=False)
    )
    result = []
    for (client_id,), own_cases in cases.group_by("client_id", maintain_order=True):
        shown = shown_by_client.get((client_id,))
        if shown is None or shown.height == 0:
            continue

        def state_total(state: ExpenseState, rows: pl.DataFrame = shown) -> Decimal:
            return total(rows.filter(pl.col("state") == state.value)["report_amount"])

        result.append(
            Statement(
                key=f"{MOBILITY_CASES.source}-{client_id}",
                source=MOBILITY_CASES.source,
                client=own_cases["client_name"][0] or f"client {client_id}",
                email=None,
                reference=str(client_id),
                address=(),
                cases=own_cases.select(
                    pl.coalesce("order_number", "id").alias("reference"),
                    pl.coalesce("label", "name").alias("name"),
                    pl.coalesce("status_label", "status").alias("status"),
                    local_date("created_at").alias("opened_on"),
                    pl.col("id").alias("_id"),
                )
                .filter(pl.col("_id").is_in(shown["case_id"].implode()))
                .drop("_id"),
                expenses=shown.filter(pl.col("state").is_in(COUNTED_STATE_VALUES))
                .select(STATEMENT_EXPENSE_COLUMNS)
                .sort("incurred_at"),
                rejected_expenses=shown.filter(pl.col("state") == ExpenseState.REJECTED.value)
                .select(STATEMENT_EXPENSE_COLUMNS)
                .sort("incurred_at"),
                invoices=pl.DataFrame(),
                totals=StatementTotals(
                    outstanding=None,
                    expenses_invoiced=state_total(ExpenseState.INVOICED),
                    expenses_to_be_invoiced=state_total(ExpenseState.TO_BE_INVOICED),
                    expenses_awaiting_approval=state_total(ExpenseState.AWAITING_APPROVAL),
                    expenses_rejected=state_total(ExpenseState.REJECTED),
                ),
            )
        )
    return result


def percent_invoiced_checks(cases: pl.DataFrame, context: ReportContext) -> pl.DataFrame:
    """A flag for each case whose `percent_invoiced` disagrees with its expenses.

    The platform's figure is today's, over all a case's expenses, in its own conversion:
    it is compared with every expense fetched, in that conversion, whatever month is
    reported (like with like).
    """
    by_case = invoicing.invoicing_by_case(
        context.stated_expenses,
        cases,
        amount="converted_amount",
        currency="converted_amount_currency_code",
    )
    return quality.flags(
        by_case.filter(pl.col("disagrees")),
        MOBILITY_CASES.source,
        "case",
        "case_id",
        "percent invoiced disagrees with expenses",
        pl.format(
            "platform {}%, its expenses {}% (by its own conversion, as of the fetch)",
            pl.col("platform_percent").cast(pl.Decimal(38, 2)),
            pl.col("percent_by_amount").cast(pl.Decimal(38, 2)),
        ),
        "none: the platform's figure is not used in any total",
    )


def conversion_checks(context: ReportContext) -> pl.DataFrame:
    """A flag for each expense the platform sent with no conversion of its own (ours, at
    ECB rates, is the one used anyway)."""
    return quality.flags(
        context.expenses.filter(
            pl.col("converted_amount").is_null() & pl.col("amount").is_not_null()
        ),
        MOBILITY_CASES.source,
        "expense",
        "id",
        "no platform conversion",
        pl.lit("converted_amount is empty"),
        "none: our own conversion at ECB rates is used",
    )
