"""Assembles one month's `ReportData` from fetched frames: every computation the report shows,
run once, in one place. Renderers only lay out the result.

The order matters and is the same for every source: records are settled first (copies
counted once, amounts stated finer than their currency's minor unit rounded once, records
that name another parent than the one they were listed under kept with that parent), then
computed, then cut to what a spreadsheet cell holds; each of those steps flags what it did.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal

import polars as pl

from reports import periods
from reports.compute import fx, incomes, invoicing, quality, vat
from reports.compute.invoicing import COUNTED_STATES, EXPENSE_STATUSES, ExpenseState
from reports.config import FirmSettings
from reports.frames import (
    CASE_SUMMARIES,
    MOBILITY_CASES,
    MOBILITY_EXPENSES,
    MOBILITY_TASKS,
    PLANNR_CASES,
    PLANNR_INCOMES,
    WILLSUITE_CASES,
    WILLSUITE_INVOICE_ITEMS,
    WILLSUITE_INVOICES,
)
from reports.money import MONEY
from reports.periods import Month, Period, local_date, quarter_bounds
from reports.report.model import (
    Frames,
    Headline,
    ReportData,
    SourceInfo,
    Statement,
    StatementTotals,
)
from reports.schema import AS_SENT, FrameSchema, concat_sources

ZERO = Decimal(0)
#: The most characters an Excel cell holds; longer text is cut, visibly, and flagged.
CELL_LIMIT = 32_767
ELLIPSIS = "\u2026"
COUNTED = [state.value for state in COUNTED_STATES]


def _frame(frames: Frames, schema: FrameSchema) -> pl.DataFrame:
    return frames.get((schema.source, schema.entity), schema.empty())


def build_report_data(
    frames: Frames,
    month: Month | str,
    *,
    rates: fx.EcbRates,
    firm: FirmSettings | str = "",
    report_currency: str = "GBP",
    vat_stagger: int = 1,
    fetched_at: dict[str, dt.datetime] | None = None,
    missing_sources: tuple[str, ...] = (),
    generated_at: dt.datetime | None = None,
    previous_frames: Frames | None = None,
    today: dt.date | None = None,
) -> ReportData:
    """The report of `month` from fetched `frames`, amounts converted at `rates`.

    `previous_frames` (the previous month's snapshot) adds what changed since; sources in
    `missing_sources` are marked so that every output says the report is incomplete.
    Records that cannot be counted as they are become rows of `quality`; records that
    cannot be reported at all raise `DataError` naming them. A month after the one `today`
    (the firm's day, by default now) falls in is a `PeriodError`: it has no data yet.
    """
    month = (Month.parse(month) if isinstance(month, str) else month).require_begun(today)
    start, end = month.start, month.end
    fetched_at = fetched_at or {}
    in_month = lambda column: pl.col(column).is_between(start, end)  # noqa: E731
    flags: list[pl.DataFrame] = []

    def settled(schema: FrameSchema, key: str, record: str) -> pl.DataFrame:
        """The frame with copies counted once and currency codes as typed flagged."""
        frame, found = quality.unique_records(_frame(frames, schema), key, schema.source, record)
        flags.append(found)
        if AS_SENT in frame.columns:
            flags.append(_normalised(frame, schema.source, record, key))
        return frame

    def rounded(
        frame: pl.DataFrame, schema: FrameSchema, record: str, amounts: dict[str, str]
    ) -> pl.DataFrame:
        frame, found = quality.rounded_to_minor_units(frame, schema.source, record, "id", amounts)
        flags.append(found)
        return frame

    cases = _cases(frames, start, end)
    tasks = _frame(frames, MOBILITY_TASKS)

    # ---------------------------------------------------------------- expenses
    stated_expenses = rounded(
        settled(MOBILITY_EXPENSES, "id", "expense"),
        MOBILITY_EXPENSES,
        "expense",
        {"amount": "currency_code", "converted_amount": "converted_amount_currency_code"},
    ).with_columns(state=invoicing.expense_state())
    flags.append(_misfiled(stated_expenses, MOBILITY_EXPENSES.source, "expense", "case"))
    flags.append(_unknown_expense_status(stated_expenses.filter(_by(end, "incurred_at"))))
    # The platform's percent invoiced is today's, over all a case's expenses, in its own
    # conversion: compare it with every expense fetched, in that conversion, whatever month
    # is reported (like with like).
    by_case = invoicing.invoicing_by_case(
        stated_expenses,
        _frame(frames, MOBILITY_CASES),
        amount="converted_amount",
        currency="converted_amount_currency_code",
    )
    # Expenses incurred after the month are the business of later reports (and may lie
    # past the rates in use).
    all_expenses, unreportable = _convert_expenses(
        stated_expenses.filter(_by(end, "incurred_at")), report_currency, rates
    )
    flags.append(unreportable)
    counted = pl.col("state").is_in(COUNTED).fill_null(False)
    month_expenses = all_expenses.filter(in_month("incurred_at"))
    expenses = month_expenses.filter(counted)
    left_out = month_expenses.filter(counted.not_()).with_columns(
        reason=pl.when(pl.col("state") == ExpenseState.REJECTED.value)
        .then(pl.lit("rejected"))
        .otherwise(pl.format("status {} is not known", pl.col("status").fill_null("(none)")))
    )
    by_currency = (
        expenses.filter(pl.col("report_amount").is_not_null())
        .group_by("currency_code")
        .agg(
            expenses=pl.len(),
            amount=pl.col("amount").sum(),
            report_amount=pl.col("report_amount").sum(),
        )
        .with_columns(pl.col("amount", "report_amount").cast(MONEY))
        .sort("currency_code")
    )
    counted_expenses = all_expenses.filter(counted)
    by_month = (
        invoicing.expenses_by_state(
            counted_expenses.with_columns(month=pl.col("incurred_at").dt.truncate("1mo")),
            ["month"],
        )
        .filter(pl.col("month") <= start)
        .tail(12)
    )
    by_month_currency = (
        counted_expenses.with_columns(month=pl.col("incurred_at").dt.truncate("1mo"))
        .filter(pl.col("month") > pl.lit(start).dt.offset_by("-12mo"))
        .group_by("month", "currency_code")
        .agg(report_amount=pl.col("report_amount").sum().cast(MONEY))
        .sort("month", "currency_code")
    )

    # ---------------------------------------------------------------- incomes
    income_frame = settled(PLANNR_INCOMES, "uuid", "income")
    annualised = _convert_incomes(
        incomes.annualise_incomes(income_frame, start, end), end, report_currency, rates
    )
    excluded = incomes.income_exclusions(income_frame, start, end)

    # ---------------------------------------------------------------- invoices
    stated_invoices = rounded(
        settled(WILLSUITE_INVOICES, "id", "invoice"),
        WILLSUITE_INVOICES,
        "invoice",
        {"subtotal": "currency", "vat_amount": "currency", "total": "currency"},
    )
    all_items = settled(WILLSUITE_INVOICE_ITEMS, "id", "invoice item")
    flags.append(_misfiled(stated_invoices, WILLSUITE_INVOICES.source, "invoice", "case"))
    flags.append(_misfiled(all_items, WILLSUITE_INVOICE_ITEMS.source, "invoice item", "invoice"))
    lines = vat.invoice_lines(stated_invoices, all_items)
    checked = vat.check_lines(stated_invoices, lines).with_columns(
        invoice_date=local_date("date_created")
    )
    # An invoice whose header states no total is owed what its own lines add up to; the
    # check above flags it ("header total missing (lines give ...)").
    checked = checked.with_columns(total=pl.coalesce("total", "recomputed_total"))
    all_invoices = stated_invoices.drop("total").join(
        checked.select("id", "total"), on="id", how="left"
    )
    invoices_in_month = checked.filter(in_month("invoice_date"))
    items_in_month = lines.filter(in_month("invoice_date"))
    # Each basis dates a line its own way, and only lines dated by the month's end count:
    # a quarter shown for October is the quarter up to 31 October, however late it is run.
    by_period = pl.concat(
        [
            vat.vat_by_period(lines, basis, Period.QUARTER, vat_stagger, until=end)
            for basis in vat.Basis
        ]
    )
    vat_return = vat.vat_return(by_period).sort("basis", "period_start")
    payments = invoicing.line_payments(lines, end)
    aged = invoicing.aged_debt(all_invoices, end, payments)

    flags.append(_invoice_flags(checked, lines, end))
    flags += [
        quality.flags(
            by_case.filter(pl.col("disagrees")),
            MOBILITY_CASES.source,
            "case",
            "expat_case_id",
            "percent invoiced disagrees with expenses",
            pl.format(
                "platform {}%, its expenses {}% (by its own conversion, as of the fetch)",
                pl.col("platform_percent").cast(pl.Decimal(38, 2)),
                pl.col("percent_by_amount").cast(pl.Decimal(38, 2)),
            ),
            "none: the platform's figure is not used in any total",
        ),
        quality.flags(
            incomes.data_problems(excluded),
            PLANNR_INCOMES.source,
            "income",
            "uuid",
            "income left out",
            pl.col("reason"),
            "left out of every income total",
        ),
        quality.flags(
            all_expenses.filter(
                pl.col("converted_amount").is_null() & pl.col("amount").is_not_null()
            ),
            MOBILITY_EXPENSES.source,
            "expense",
            "id",
            "no platform conversion",
            pl.lit("converted_amount is empty"),
            "none: our own conversion at ECB rates is used",
        ),
    ]

    # ---------------------------------------------------------------- assembly
    shown = {
        "cases": (cases, "case", "case_id"),
        "tasks": (tasks, "task", "id"),
        "expenses": (expenses, "expense", "id"),
        "expenses_left_out": (left_out, "expense", "id"),
        "incomes": (annualised, "income", "uuid"),
        "invoices": (invoices_in_month, "invoice", "id"),
        "invoice_items": (items_in_month, "invoice item", "id"),
    }
    fitted = {}
    for name, (frame, entity, key) in shown.items():
        fitted[name], cut = _fit_cells(frame, entity, key)
        flags.append(cut)
    quality_flags = pl.concat([f for f in flags if f.height] or [quality.no_flags()]).sort(
        "source", "entity", "record"
    )
    present = dict.fromkeys(source for source, _ in frames)
    sources = tuple(
        SourceInfo(
            name,
            fetched_at.get(name),
            sum(frame.height for (source, _), frame in frames.items() if source == name),
            name not in missing_sources,
        )
        for name in [*present, *(m for m in missing_sources if m not in present)]
    )
    changes = _changes(cases, previous_frames, start, end) if previous_frames is not None else None
    quarter = quarter_bounds(start, vat_stagger)
    income_totals = incomes.income_totals(annualised)
    headline = _headline(
        cases=cases,
        expenses=expenses,
        left_out=left_out,
        invoices=invoices_in_month,
        vat_return=vat_return,
        quarter=quarter,
        aged=aged,
        income_totals=income_totals,
        quality_flags=quality_flags.height,
    )
    if previous_frames is not None and changes is not None:
        headline = _against_previous(headline, month, changes, previous_frames)
    statements = _statements(frames, month_expenses, all_invoices, lines, start, end)
    records_in_month = (
        month_expenses.height
        + invoices_in_month.height
        + int(cases["opened_in_period"].sum())
        + int(cases["closed_in_period"].sum())
        + annualised.filter(pl.col("recurring").not_()).height
    )
    return ReportData(
        firm=firm if isinstance(firm, FirmSettings) else FirmSettings(name=firm),
        month=month,
        report_currency=report_currency,
        generated_at=generated_at or dt.datetime.now(dt.UTC),
        sources=sources,
        headline=headline,
        cases=fitted["cases"],
        tasks=fitted["tasks"],
        expenses=fitted["expenses"],
        expenses_left_out=fitted["expenses_left_out"],
        expenses_by_currency=by_currency,
        invoicing_by_month=by_month,
        expenses_by_month_currency=by_month_currency,
        invoicing_by_case=by_case,
        incomes=fitted["incomes"],
        income_totals=income_totals,
        invoices=fitted["invoices"],
        invoice_items=fitted["invoice_items"],
        vat_by_period=by_period,
        vat_return=vat_return,
        aged_debt=aged,
        pipeline=invoicing.pipeline(_frame(frames, PLANNR_CASES)),
        quality=quality_flags,
        statements=statements,
        changes=changes if changes is not None else CHANGES.clear(),
        has_previous=previous_frames is not None,
        vat_stagger=vat_stagger,
        empty_month_note=None if records_in_month else _empty_month_note(month, frames),
    )


def _by(end: dt.date, column: str) -> pl.Expr:
    """Rows dated on or before `end`, and rows with no date (the report flags those)."""
    return (pl.col(column) <= end).fill_null(True)


CHANGES = pl.DataFrame(
    schema={
        "source": pl.String,
        "case_id": pl.String,
        "case_name": pl.String,
        "change": pl.String,
        "before": pl.String,
        "after": pl.String,
    }
)


def _changes(
    cases: pl.DataFrame, previous_frames: Frames, start: dt.date, end: dt.date
) -> pl.DataFrame:
    """Cases new since the previous snapshot, closed since, or whose status changed."""
    before = _cases(previous_frames, start, end).select("source", "case_id", "status", "closed_on")
    joined = cases.join(before, on=["source", "case_id"], how="left", suffix="_before")
    known = pl.col("status_before").is_not_null() | pl.col("case_id").is_in(
        before["case_id"].implode()
    )

    def change(rows: pl.Expr, name: str, before: pl.Expr) -> pl.DataFrame:
        return joined.filter(rows).select(
            "source",
            "case_id",
            "case_name",
            pl.lit(name).alias("change"),
            before.alias("before"),
            pl.col("status").alias("after"),
        )

    return pl.concat(
        [
            change(known.not_(), "new", pl.lit(None, pl.String)),
            change(
                known & pl.col("closed_on").is_not_null() & pl.col("closed_on_before").is_null(),
                "closed",
                pl.col("status_before"),
            ),
            change(
                known & (pl.col("status") != pl.col("status_before")),
                "status changed",
                pl.col("status_before"),
            ),
        ]
    ).sort("change", "source", "case_id")


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


def _statements(
    frames: Frames,
    month_expenses: pl.DataFrame,
    invoices: pl.DataFrame,
    lines: pl.DataFrame,
    start: dt.date,
    end: dt.date,
) -> tuple[Statement, ...]:
    """A statement for each mobility client with expenses this month, and each WillSuite
    customer invoiced or paying this month, or owing at its end.

    A statement's expenses are those listed under the client's own cases, and its invoices
    those listed under its own case (`sources` keep each record with the parent it was
    fetched under); what it says is owed is its invoices' unpaid balances, never expenses.
    """
    return (
        *_mobility_statements(frames, month_expenses),
        *_willsuite_statements(frames, invoices, lines, start, end),
    )


def _mobility_statements(frames: Frames, month_expenses: pl.DataFrame) -> list[Statement]:
    result = []
    mobility_cases = _frame(frames, MOBILITY_CASES)
    for (client_id,), cases in mobility_cases.group_by("client_id", maintain_order=True):
        own = month_expenses.filter(pl.col("expat_case_id").is_in(cases["id"].implode()))
        shown = own.filter(pl.col("state").is_in([*COUNTED, ExpenseState.REJECTED.value]))
        if shown.height == 0:
            continue

        def total(state: ExpenseState, rows: pl.DataFrame = shown) -> Decimal:
            return _sum(rows.filter(pl.col("state") == state.value)["report_amount"])

        result.append(
            Statement(
                key=f"{MOBILITY_CASES.source}-{client_id}",
                source=MOBILITY_CASES.source,
                client=cases["client_name"][0] or f"client {client_id}",
                email=None,
                reference=str(client_id),
                address=(),
                cases=cases.select(
                    pl.coalesce("order_number", "id").alias("reference"),
                    pl.coalesce("label", "name").alias("name"),
                    pl.coalesce("status_label", "status").alias("status"),
                    local_date("created_at").alias("opened_on"),
                    pl.col("id").alias("_id"),
                )
                .filter(pl.col("_id").is_in(shown["expat_case_id"].implode()))
                .drop("_id"),
                expenses=shown.filter(pl.col("state").is_in(COUNTED))
                .select(STATEMENT_EXPENSE_COLUMNS)
                .sort("incurred_at"),
                rejected_expenses=shown.filter(pl.col("state") == ExpenseState.REJECTED.value)
                .select(STATEMENT_EXPENSE_COLUMNS)
                .sort("incurred_at"),
                invoices=pl.DataFrame(),
                totals=StatementTotals(
                    outstanding=None,
                    expenses_invoiced=total(ExpenseState.INVOICED),
                    expenses_to_be_invoiced=total(ExpenseState.TO_BE_INVOICED),
                    expenses_awaiting_approval=total(ExpenseState.AWAITING_APPROVAL),
                    expenses_rejected=total(ExpenseState.REJECTED),
                ),
            )
        )
    return result


def _invoice_status() -> pl.Expr:
    """An invoice's status as a client reads it: paid, part paid, due, or overdue by N days."""
    days = pl.col("days_past_due")
    overdue = pl.format(
        "overdue by {} {}", days, pl.when(days == 1).then(pl.lit("day")).otherwise(pl.lit("days"))
    )
    return (
        pl.when(pl.col("paid"))
        .then(pl.lit("paid"))
        .when(pl.col("part_paid") & (days > 0).fill_null(False))
        .then(pl.format("part paid, {}", overdue))
        .when(pl.col("part_paid"))
        .then(pl.lit("part paid"))
        .when((days > 0).fill_null(False))
        .then(overdue)
        .otherwise(pl.lit("due"))
    )


def _willsuite_statements(
    frames: Frames, invoices: pl.DataFrame, lines: pl.DataFrame, start: dt.date, end: dt.date
) -> list[Statement]:
    owed = invoicing.line_payments(lines, end)
    before = invoicing.line_payments(lines, start - dt.timedelta(days=1))
    paid_in_period = owed.join(before, on="id", how="left", suffix="_before").select(
        "id",
        paid_in_period=(pl.col("paid_to_date") - pl.col("paid_to_date_before").fill_null(0)).cast(
            MONEY
        ),
    )
    positions = (
        invoicing.invoice_positions(invoices, end, owed)
        .join(invoices.select("id", "subtotal", "vat_amount"), on="id", how="left")
        .join(paid_in_period, on="id", how="left")
        .with_columns(
            pl.col("paid_in_period").fill_null(pl.lit(0, MONEY)), status=_invoice_status()
        )
    )
    # Listed: the month's invoices, those paid in it, and every older one still owed at its end.
    issued_in_period = pl.col("invoice_date").is_between(start, end).fill_null(False)
    listed = positions.filter(
        issued_in_period | (pl.col("paid_in_period") > 0) | pl.col("paid").not_()
    )
    days = pl.col("days_past_due")
    result = []
    ws_cases = {row["id"]: row for row in _frame(frames, WILLSUITE_CASES).iter_rows(named=True)}
    for (case_id,), own in listed.group_by("customer_case_id", maintain_order=True):
        case = ws_cases.get(case_id, {})
        created = case.get("created_at")
        unpaid = own.filter(pl.col("paid").not_())

        def aged(condition: pl.Expr, rows: pl.DataFrame = unpaid) -> Decimal:
            return _sum(rows.filter(condition.fill_null(False))["outstanding"])

        result.append(
            Statement(
                key=f"{WILLSUITE_CASES.source}-{case_id}",
                source=WILLSUITE_CASES.source,
                client=case.get("full_names") or own["recipients_name"][0] or f"case {case_id}",
                email=case.get("email") or None,  # WillSuite sends "" for no address
                reference=case.get("ref"),
                address=tuple(line for line in [case.get("postcode")] if line),
                cases=pl.DataFrame(
                    {
                        "reference": [case.get("ref")],
                        "name": [case.get("full_names")],
                        "status": [None],
                        "opened_on": [periods.local_day(created) if created else None],
                    },
                    schema={
                        "reference": pl.String,
                        "name": pl.String,
                        "status": pl.String,
                        "opened_on": pl.Date,
                    },
                ),
                expenses=pl.DataFrame(),
                rejected_expenses=pl.DataFrame(),
                invoices=own.select(
                    "invoice_number",
                    "invoice_date",
                    "due_date",
                    "subtotal",
                    "vat_amount",
                    "total",
                    "paid_to_date",
                    "outstanding",
                    "status",
                ).sort("invoice_date", nulls_last=True),
                totals=StatementTotals(
                    invoiced_net=_sum(own["subtotal"]),
                    invoiced_vat=_sum(own["vat_amount"]),
                    invoiced=_sum(own["total"]),
                    paid=_sum(own["paid_to_date"]),
                    outstanding=_sum(own["outstanding"]),
                    invoiced_this_period=_sum(own.filter(issued_in_period)["total"]),
                    paid_this_period=_sum(own["paid_in_period"]),
                    owed_current=aged(days.is_null() | (days <= 0)),
                    owed_1_30=aged(days.is_between(1, 30)),
                    owed_31_60=aged(days.is_between(31, 60)),
                    owed_61_90=aged(days.is_between(61, 90)),
                    owed_over_90=aged(days > 90),
                ),
            )
        )
    return result


def _cases(frames: Frames, start: dt.date, end: dt.date) -> pl.DataFrame:
    """Every source's cases in one shape (`frames.CASE_SUMMARIES`), with whether each was
    opened or closed in the period."""
    parts = [
        _frame(frames, schema).select(
            pl.lit(schema.source).alias("source"), *(e.alias(n) for n, e in summary.items())
        )
        for schema, summary in CASE_SUMMARIES
        if (schema.source, schema.entity) in frames
    ]
    combined = concat_sources(parts, CASE_SUMMARY_SCHEMA)
    return combined.with_columns(
        opened_in_period=pl.col("opened_on").is_between(start, end).fill_null(False),
        closed_in_period=pl.col("closed_on").is_between(start, end).fill_null(False),
    )


CASE_SUMMARY_SCHEMA = pl.Schema(
    {
        "source": pl.String(),
        "case_id": pl.String(),
        "case_name": pl.String(),
        "client": pl.String(),
        "status": pl.String(),
        "opened_on": pl.Date(),
        "closed_on": pl.Date(),
    }
)


def _convert_expenses(
    expenses: pl.DataFrame, currency: str, rates: fx.EcbRates
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Expenses with `report_amount` in `currency`, and a flag for each that cannot have one
    (no amount, currency or date): those stay listed, with no converted amount, and out of
    every total."""
    reason = (
        pl.when(pl.col("amount").is_null())
        .then(pl.lit("no amount"))
        .when(pl.col("currency_code").is_null())
        .then(pl.lit("no currency"))
        .when(pl.col("incurred_at").is_null())
        .then(pl.lit("no date incurred"))
    )
    marked = expenses.with_columns(_reason=reason)
    good = fx.convert(marked.filter(pl.col("_reason").is_null()), to=currency, rates=rates)
    bad = marked.filter(pl.col("_reason").is_not_null())
    found = quality.flags(
        bad,
        MOBILITY_EXPENSES.source,
        "expense",
        "id",
        "left out of totals",
        pl.format("{}: cannot be converted or counted", pl.col("_reason")),
        "listed with no converted amount; left out of every total",
    )
    converted = pl.concat([good, bad], how="diagonal_relaxed").drop("_reason")
    return converted, found


def _convert_incomes(
    annualised: pl.DataFrame, end: dt.date, currency: str, rates: fx.EcbRates
) -> pl.DataFrame:
    """Annual amounts also in the report currency, at the ECB rate of the period's last day,
    so that incomes in several currencies are never added as if they were one."""
    converted = fx.convert(
        annualised.with_columns(_on=pl.lit(end)),
        amount="annual_amount",
        currency="amount_currency",
        on="_on",
        to=currency,
        rates=rates,
        into="report_annual",
    )
    return converted.drop("_on")


# The parent column each child frame keeps (the one it was fetched under) beside the one the
# record itself names.
_PARENTS = {
    "case": {"expense": "expat_case_id", "invoice": "customer_case_id"},
    "invoice": {"invoice item": "case_invoice_id"},
}


def _misfiled(frame: pl.DataFrame, source: str, entity: str, parent: str) -> pl.DataFrame:
    """A flag for each record that names another `parent` than the one it was listed under:
    it stays with the one it was listed under (a record belongs to the parent it was fetched
    under), so it can never move to another client's statement or another VAT quarter."""
    column = _PARENTS[parent][entity]
    stated = f"stated_{column}"
    disagree = frame.filter(pl.col(stated).is_not_null() & (pl.col(stated) != pl.col(column)))
    return quality.flags(
        disagree,
        source,
        entity,
        "id",
        f"names another {parent}",
        pl.format(f"listed under {parent} {{}} but names {parent} {{}}", column, stated),
        pl.format(f"kept under {parent} {{}}, the one it was listed under", column),
    )


def _normalised(frame: pl.DataFrame, source: str, entity: str, key: str) -> pl.DataFrame:
    """A flag for each record whose currency code was stripped or upper-cased when typed."""
    return quality.flags(
        frame.filter(pl.col(AS_SENT).is_not_null()),
        source,
        entity,
        key,
        "currency code normalised",
        pl.format("sent as {}", pl.col(AS_SENT)),
        "read as the ISO 4217 code it spells (upper case, no spaces)",
    )


def _unknown_expense_status(expenses: pl.DataFrame) -> pl.DataFrame:
    return quality.flags(
        expenses.filter(pl.col("state").is_null()),
        MOBILITY_EXPENSES.source,
        "expense",
        "id",
        "unknown expense status",
        pl.format(
            "status {} is none of {}",
            pl.col("status").fill_null("(none)"),
            pl.lit(", ".join(EXPENSE_STATUSES)),
        ),
        "left out of every total; listed under Expenses left out",
    )


def _invoice_flags(checked: pl.DataFrame, lines: pl.DataFrame, end: dt.date) -> pl.DataFrame:
    """Flags on WillSuite invoices and their lines: headers that disagree with their lines,
    items of an unknown status, invoices with no date or no number."""
    record = pl.coalesce("invoice_number", "id")
    source = WILLSUITE_INVOICES.source
    paid_by_end = (local_date("date_paid") <= end).fill_null(False)
    return pl.concat(
        [
            quality.flags(
                checked.filter(pl.col("consistent").not_()),
                source,
                "invoice",
                record,
                "header disagrees with its lines",
                pl.col("issues"),
                pl.when(pl.col("issues").str.contains("header total missing"))
                .then(pl.lit("counted at its lines' total"))
                .otherwise(pl.lit("counted at its header's total, as invoiced")),
            ),
            quality.flags(
                lines.filter("unknown_status"),
                WILLSUITE_INVOICE_ITEMS.source,
                "invoice item",
                "id",
                "unknown item status",
                pl.format("status {} is not a known one", pl.col("status")),
                "left out of every total",
            ),
            quality.flags(
                checked.filter(pl.col("invoice_date").is_null()),
                source,
                "invoice",
                record,
                "no invoice date",
                pl.lit("date_created is empty"),
                pl.when(paid_by_end)
                .then(pl.lit("paid: in no month's invoicing and no VAT period"))
                .otherwise(
                    pl.lit(
                        "counted as outstanding (bucket 'no invoice date'); in no month's "
                        "invoicing and no VAT period"
                    )
                ),
            ),
            quality.flags(
                checked.filter(pl.col("invoice_number").is_null()),
                source,
                "invoice",
                "id",
                "no invoice number",
                pl.lit("invoice_number is empty"),
                "shown and counted by its id",
            ),
        ]
    )


def _fit_cells(frame: pl.DataFrame, entity: str, key: str) -> tuple[pl.DataFrame, pl.DataFrame]:
    """`frame` with every text longer than a spreadsheet cell holds cut to fit, ending in an
    ellipsis so the cut shows; and a flag for each record cut, naming the field."""
    longest = frame.select(pl.col(pl.String).str.len_chars().max()).row(0, named=True)
    long_text = [name for name, length in longest.items() if (length or 0) > CELL_LIMIT]
    found = []
    for name in long_text:
        over = pl.col(name).str.len_chars() > CELL_LIMIT
        cut = quality.flags(
            frame.filter(over),
            _source_of(entity),
            entity,
            key,
            "text longer than a spreadsheet cell",
            pl.format("{} has {} characters", pl.lit(name), pl.col(name).str.len_chars()),
            f"cut to {CELL_LIMIT:,} characters, ending in {ELLIPSIS}",
        )
        if "source" in frame.columns:  # the cases of every source, in one frame
            cut = cut.with_columns(frame.filter(over)["source"])
        found.append(cut)
        frame = frame.with_columns(
            pl.when(over)
            .then(pl.col(name).str.slice(0, CELL_LIMIT - 1) + ELLIPSIS)
            .otherwise(pl.col(name))
            .alias(name)
        )
    return frame, pl.concat(found) if found else quality.no_flags()


def _source_of(entity: str) -> str:
    return {
        "case": "",  # each case row names its own source
        "task": MOBILITY_TASKS.source,
        "expense": MOBILITY_EXPENSES.source,
        "income": PLANNR_INCOMES.source,
        "invoice": WILLSUITE_INVOICES.source,
        "invoice item": WILLSUITE_INVOICE_ITEMS.source,
    }[entity]


def _empty_month_note(month: Month, frames: Frames) -> str:
    """What the first page says when no record falls in `month`: where the records are."""
    days = [
        day
        for schema, column in (
            (MOBILITY_EXPENSES, pl.col("incurred_at")),
            (WILLSUITE_INVOICES, local_date("date_created")),
            (MOBILITY_CASES, local_date("created_at")),
            (PLANNR_CASES, local_date("created_at")),
            (WILLSUITE_CASES, local_date("created_at")),
        )
        for day in _frame(frames, schema)
        .select(column.min().alias("first"), column.max().alias("last"))
        .row(0)
        if day is not None
    ]
    span = (
        f"the sources' records run from {min(days):%d %b %Y} to {max(days):%d %b %Y}"
        if days
        else "the sources hold no dated records"
    )
    return f"No record falls in {month.label}: every figure for it is zero ({span})."


def _headline(
    *,
    cases: pl.DataFrame,
    expenses: pl.DataFrame,
    left_out: pl.DataFrame,
    invoices: pl.DataFrame,
    vat_return: pl.DataFrame,
    quarter: tuple[dt.date, dt.date],
    aged: pl.DataFrame,
    income_totals: pl.DataFrame,
    quality_flags: int,
) -> Headline:
    """The summary figures, computed here so that renderers and tests agree on them."""
    current = vat_return.filter(
        (pl.col("basis") == vat.Basis.INVOICE.value) & (pl.col("period_start") == quarter[0])
    )
    recurring = income_totals.filter("recurring")

    def state(value: ExpenseState) -> Decimal:
        return _sum(expenses.filter(pl.col("state") == value.value)["report_amount"])

    return Headline(
        cases_opened=int(cases["opened_in_period"].sum()),
        cases_closed=int(cases["closed_in_period"].sum()),
        expenses=expenses.height,
        expenses_converted=_sum(expenses["report_amount"]),
        expenses_invoiced=state(ExpenseState.INVOICED),
        expenses_to_be_invoiced=state(ExpenseState.TO_BE_INVOICED),
        expenses_awaiting_approval=state(ExpenseState.AWAITING_APPROVAL),
        expenses_rejected=_sum(
            left_out.filter(pl.col("state") == ExpenseState.REJECTED.value)["report_amount"]
        ),
        invoices=invoices.height,
        invoiced_total=_sum(invoices["total"]),
        vat_quarter_start=quarter[0],
        vat_quarter_end=quarter[1],
        vat_box1=_sum(current["box1_vat_due_on_sales"]),
        vat_box6=_sum(current["box6_total_sales_ex_vat"]),
        outstanding=_sum(aged["amount"]),
        overdue_90_plus=_sum(aged.filter(age_bucket="90+")["amount"]),
        incomes_annual_net=_sum(recurring.filter(amount_type="net")["report_annual_amount"]),
        incomes_annual_gross=_sum(recurring.filter(amount_type="gross")["report_annual_amount"]),
        quality_flags=quality_flags,
    )


def _against_previous(
    headline: Headline, month: Month, changes: pl.DataFrame, previous_frames: Frames
) -> Headline:
    before = month.previous
    invoiced_before = _sum(
        _frame(previous_frames, WILLSUITE_INVOICES).filter(
            local_date("date_created").is_between(before.start, before.end)
        )["total"]
    )
    counts = {
        change: changes.filter(change=change).height
        for change in ("new", "closed", "status changed")
    }
    return dataclasses.replace(
        headline,
        invoiced_previous_month=invoiced_before,
        invoiced_change=headline.invoiced_total - invoiced_before,
        cases_new_since_previous=counts["new"],
        cases_closed_since_previous=counts["closed"],
        cases_status_changed_since_previous=counts["status changed"],
    )


def _sum(column: pl.Series) -> Decimal:
    """The exact sum of a money column; 0 for an empty one (Polars gives None or 0 by type)."""
    total = column.sum()
    return Decimal(total) if total is not None else ZERO
