"""Assembles one month's `ReportData` from fetched frames: every computation the report shows,
run once, in one place. Renderers only lay out the result.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal

import polars as pl

from reports.compute import fx, incomes, invoicing, quality, vat
from reports.compute.periods import Period, local_date
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
from reports.periods import Month
from reports.report.model import Frames, Headline, ReportData, SourceInfo, Statement
from reports.schema import FrameSchema, concat_sources

ZERO = Decimal(0)


def _frame(frames: Frames, schema: FrameSchema) -> pl.DataFrame:
    return frames.get((schema.source, schema.entity), schema.empty())


def build_report_data(
    frames: Frames,
    month: Month | str,
    *,
    rates: fx.EcbRates,
    firm: str = "",
    report_currency: str = "GBP",
    vat_stagger: int = 1,
    fetched_at: dict[str, dt.datetime] | None = None,
    missing_sources: tuple[str, ...] = (),
    generated_at: dt.datetime | None = None,
    previous_frames: Frames | None = None,
) -> ReportData:
    """The report of `month` from fetched `frames`, amounts converted at `rates`.

    `previous_frames` (the previous month's snapshot) adds what changed since; sources in
    `missing_sources` are marked so that every output says the report is incomplete.
    Records that cannot be counted as they are become rows of `quality`; records that
    cannot be reported at all raise `DataError` naming them.
    """
    month = Month.parse(month) if isinstance(month, str) else month
    start, end = month.start, month.end
    fetched_at = fetched_at or {}
    in_month = lambda column: pl.col(column).is_between(start, end)  # noqa: E731

    cases = _cases(frames, start, end)
    tasks = _frame(frames, MOBILITY_TASKS)
    flags: list[pl.DataFrame] = []

    def unique(schema: FrameSchema, key: str, record: str) -> pl.DataFrame:
        frame, found = quality.unique_records(_frame(frames, schema), key, schema.source, record)
        flags.append(found)
        return frame

    # Expenses incurred after the month are the business of later reports (and may lie
    # past the rates in use); the invoiced shares below are of what was incurred by `end`.
    raw_expenses = unique(MOBILITY_EXPENSES, "id", "expense").filter(
        (pl.col("incurred_at") <= end).fill_null(True)
    )
    all_expenses, unreportable = _convert_expenses(raw_expenses, report_currency, rates)
    flags.append(unreportable)
    expenses = all_expenses.filter(in_month("incurred_at"))
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
    by_month = (
        invoicing.invoiced_by_client_month(all_expenses)
        .group_by("month")
        .agg(pl.col("invoiced_amount", "not_invoiced_amount").sum())
        .with_columns(pl.col("invoiced_amount", "not_invoiced_amount").cast(MONEY))
        .filter(pl.col("month") <= start)
        .sort("month")
        .tail(12)
    )
    by_month_currency = (
        all_expenses.filter(pl.col("incurred_at") <= end)
        .with_columns(month=pl.col("incurred_at").dt.truncate("1mo"))
        .filter(pl.col("month") > pl.lit(start).dt.offset_by("-12mo"))
        .group_by("month", "currency_code")
        .agg(report_amount=pl.col("report_amount").sum().cast(MONEY))
        .sort("month", "currency_code")
    )
    by_case = invoicing.invoicing_by_case(all_expenses, _frame(frames, MOBILITY_CASES))

    income_frame = unique(PLANNR_INCOMES, "uuid", "income")
    annualised = _convert_incomes(
        incomes.annualise_incomes(income_frame, start, end), end, report_currency, rates
    )
    excluded = incomes.income_exclusions(income_frame, start, end)

    stated_invoices = unique(WILLSUITE_INVOICES, "id", "invoice")
    all_items = unique(WILLSUITE_INVOICE_ITEMS, "id", "invoice item")
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
    by_period = pl.concat(
        [vat.vat_by_period(lines, basis, Period.QUARTER, vat_stagger) for basis in vat.Basis]
    ).filter(pl.col("period_start") <= end)
    vat_return = vat.vat_return(by_period).sort("basis", "period_start")
    aged = invoicing.aged_debt(all_invoices, end)

    quality_flags = _quality(checked, lines, by_case, excluded, all_expenses, flags)
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
    statements = _statements(frames, expenses, all_invoices, end)
    sections = dict(
        cases=cases,
        tasks=tasks,
        expenses=expenses,
        expenses_by_currency=by_currency,
        invoicing_by_month=by_month,
        expenses_by_month_currency=by_month_currency,
        invoicing_by_case=by_case,
        incomes=annualised,
        income_totals=incomes.income_totals(annualised),
        invoices=invoices_in_month,
        invoice_items=items_in_month,
        vat_by_period=by_period,
        vat_return=vat_return,
        aged_debt=aged,
        pipeline=invoicing.pipeline(_frame(frames, PLANNR_CASES)),
        quality=quality_flags,
    )
    return ReportData(
        firm=firm,
        month=month,
        report_currency=report_currency,
        generated_at=generated_at or dt.datetime.now(dt.UTC),
        sources=sources,
        headline=_headline(month, sections, changes, previous_frames),
        statements=statements,
        changes=changes if changes is not None else CHANGES.clear(),
        has_previous=previous_frames is not None,
        **sections,
    )


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


def _statements(
    frames: Frames, expenses: pl.DataFrame, invoices: pl.DataFrame, end: dt.date
) -> tuple[Statement, ...]:
    """A statement for each mobility client with expenses this month, and each WillSuite
    customer invoiced this month or owing at its end."""
    result = []
    mobility_cases = _frame(frames, MOBILITY_CASES)
    for (client_id,), cases in mobility_cases.group_by("client_id", maintain_order=True):
        own = expenses.filter(pl.col("expat_case_id").is_in(cases["id"].implode()))
        if own.height == 0:
            continue
        result.append(
            Statement(
                key=f"{MOBILITY_CASES.source}-{client_id}",
                source=MOBILITY_CASES.source,
                client=cases["client_name"][0] or f"client {client_id}",
                email=None,
                cases=cases.select(
                    pl.col("id").alias("reference"),
                    pl.coalesce("label", "name").alias("name"),
                    pl.coalesce("status_label", "status").alias("status"),
                    local_date("created_at").alias("opened_on"),
                ).filter(pl.col("reference").is_in(own["expat_case_id"].implode())),
                expenses=own.select(
                    "title", "incurred_at", "amount", "currency_code", "report_amount", "invoiced"
                ).sort("incurred_at"),
                invoices=pl.DataFrame(),
                totals={
                    "expenses": _sum(own["report_amount"]),
                    "expenses_invoiced": _sum(own.filter("invoiced")["report_amount"]),
                    "invoiced": ZERO,
                    "vat": ZERO,
                    "paid": ZERO,
                    "outstanding": ZERO,
                },
            )
        )
    positions = invoicing.invoice_positions(invoices, end).join(
        invoices.select("id", "subtotal", "vat_amount"), on="id", how="left"
    )
    ws_cases = {row["id"]: row for row in _frame(frames, WILLSUITE_CASES).iter_rows(named=True)}
    month_start = end.replace(day=1)
    for (case_id,), own in positions.group_by("customer_case_id", maintain_order=True):
        current = own.filter(pl.col("invoice_date") >= month_start)
        owing = _sum(own["outstanding"])
        if current.height == 0 and not owing:
            continue
        case = ws_cases.get(case_id, {})
        result.append(
            Statement(
                key=f"{WILLSUITE_CASES.source}-{case_id}",
                source=WILLSUITE_CASES.source,
                client=case.get("full_names") or own["recipients_name"][0] or f"case {case_id}",
                email=case.get("email") or None,  # WillSuite sends "" for no address
                cases=pl.DataFrame(
                    {
                        "reference": [case.get("ref")],
                        "name": [case.get("full_names")],
                        "status": [None],
                        "opened_on": [
                            case["created_at"].astimezone(dt.UTC).date()
                            if case.get("created_at")
                            else None
                        ],
                    },
                    schema={
                        "reference": pl.String,
                        "name": pl.String,
                        "status": pl.String,
                        "opened_on": pl.Date,
                    },
                ),
                expenses=pl.DataFrame(),
                invoices=own.select(
                    "invoice_number",
                    "invoice_date",
                    "due_date",
                    "subtotal",
                    "vat_amount",
                    "total",
                    "paid",
                    "outstanding",
                ).sort("invoice_date"),
                totals={
                    "expenses": ZERO,
                    "expenses_invoiced": ZERO,
                    "invoiced": _sum(own["total"]),
                    "vat": _sum(own["vat_amount"]),
                    "paid": _sum(own.filter("paid")["total"]),
                    "outstanding": owing,
                },
            )
        )
    return tuple(result)


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
        .when(pl.col("currency_code").is_null() | (pl.col("currency_code").str.strip_chars() == ""))
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
    )
    converted = pl.concat([good, bad], how="diagonal_relaxed").drop("_reason")
    return converted.with_columns(invoiced=pl.col("invoice_id").is_not_null()), found


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


def _quality(
    checked: pl.DataFrame,
    lines: pl.DataFrame,
    by_case: pl.DataFrame,
    excluded: pl.DataFrame,
    expenses: pl.DataFrame,
    found: list[pl.DataFrame],
) -> pl.DataFrame:
    """Every data-quality flag as (source, entity, record, check, detail)."""
    parts = [
        quality.flags(
            checked.filter(pl.col("consistent").not_()),
            WILLSUITE_INVOICES.source,
            "invoice",
            "invoice_number",
            "header disagrees with its lines",
            pl.col("issues"),
        ),
        quality.flags(
            lines.filter("unknown_status"),
            WILLSUITE_INVOICE_ITEMS.source,
            "invoice item",
            "id",
            "unknown item status",
            pl.format("status {} is not a known one: left out of every total", pl.col("status")),
        ),
        quality.flags(
            by_case.filter(pl.col("disagrees")),
            MOBILITY_CASES.source,
            "case",
            "expat_case_id",
            "percent invoiced disagrees with expenses",
            pl.format(
                "platform {}%, expenses {}%",
                pl.col("platform_percent").cast(pl.Decimal(38, 2)),
                pl.col("percent_by_amount").cast(pl.Decimal(38, 2)),
            ),
        ),
        quality.flags(
            incomes.data_problems(excluded),
            PLANNR_INCOMES.source,
            "income",
            "uuid",
            "income left out",
            pl.col("reason"),
        ),
        quality.flags(
            expenses.filter(pl.col("converted_amount").is_null() & pl.col("amount").is_not_null()),
            MOBILITY_EXPENSES.source,
            "expense",
            "id",
            "no platform conversion",
            pl.lit("converted_amount is empty"),
        ),
        *found,
    ]
    return pl.concat(parts, how="vertical_relaxed").sort("source", "entity", "record")


def _headline(
    month: Month,
    sections: dict[str, pl.DataFrame],
    changes: pl.DataFrame | None,
    previous_frames: Frames | None,
) -> Headline:
    """The summary figures, computed here so that renderers and tests agree on them."""
    expenses = sections["expenses"]
    current = (
        sections["vat_return"]
        .filter((pl.col("basis") == "invoice") & (pl.col("period_start") <= month.start))
        .tail(1)
    )
    totals = {
        row["amount_type"]: row["report_annual_amount"]
        for row in sections["income_totals"]
        .group_by("amount_type")
        .agg(pl.col("report_annual_amount").sum())
        .rows(named=True)
    }
    invoiced_total = _sum(sections["invoices"]["total"])
    aged = sections["aged_debt"]
    headline = Headline(
        cases_opened=int(sections["cases"]["opened_in_period"].sum()),
        cases_closed=int(sections["cases"]["closed_in_period"].sum()),
        expenses=expenses.height,
        expenses_converted=_sum(expenses["report_amount"]),
        expenses_invoiced=_sum(expenses.filter("invoiced")["report_amount"]),
        expenses_not_invoiced=_sum(expenses.filter(~pl.col("invoiced"))["report_amount"]),
        invoices=sections["invoices"].height,
        invoiced_total=invoiced_total,
        vat_quarter_start=current["period_start"][0] if current.height else None,
        vat_box1=current["box1_vat_due_on_sales"][0] if current.height else ZERO,
        vat_box6=current["box6_total_sales_ex_vat"][0] if current.height else ZERO,
        outstanding=_sum(aged["amount"]),
        overdue_90_plus=_sum(aged.filter(age_bucket="90+")["amount"]),
        incomes_annual_net=totals.get("net") or ZERO,
        incomes_annual_gross=totals.get("gross") or ZERO,
        quality_flags=sections["quality"].height,
    )
    if previous_frames is None or changes is None:
        return headline
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
        invoiced_change=invoiced_total - invoiced_before,
        cases_new_since_previous=counts["new"],
        cases_closed_since_previous=counts["closed"],
        cases_status_changed_since_previous=counts["status changed"],
    )


def _sum(column: pl.Series) -> Decimal:
    """The exact sum of a money column; 0 for an empty one (Polars gives None or 0 by type)."""
    total = column.sum()
    return Decimal(total) if total is not None else ZERO
