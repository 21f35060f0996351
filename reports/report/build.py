"""Assembles one month's `ReportData` from fetched frames: every computation the report shows,
run once, in one place. Renderers only lay out the result.

The order matters and is the same for every source: records are settled first (copies
counted once, amounts stated finer than their currency's minor unit rounded once, records
that name another parent than the one they were listed under kept with that parent), then
computed; each of those steps flags what it did. Text is kept whole: cutting it to what a
spreadsheet cell holds is the workbook's (`render.workbook.CELL_LIMIT`).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping, Sequence
from decimal import Decimal

import polars as pl

from reports.compute import client_book, fx, incomes, invoicing, quality, vat
from reports.compute.invoicing import COUNTED_STATE_VALUES, ExpenseState
from reports.config import FirmSettings
from reports.money import MONEY, total
from reports.periods import Month, Period, local_date, quarter_bounds
from reports.periods import today as firm_today
from reports.report.alerts import triggered
from reports.report.context import ReportContext
from reports.report.credit import Credit, month_credit
from reports.report.history import build_history
from reports.report.model import (
    Frames,
    Headline,
    ReportData,
    SourceInfo,
    Statement,
)
from reports.report.open_cases import open_at_end
from reports.report.payment_reference import with_payment_references
from reports.report.receivables import month_receivables
from reports.report.settle import (
    case_table,
    convert_incomes,
    frame_of,
    role_schema,
    settle,
    settle_invoices,
)
from reports.sources import REGISTRY
from reports.sources.base import Role
from reports.targets import AlertRule, Target


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
    history_months: int = 0,
    targets: Sequence[Target] = (),
    alert_rules: Sequence[AlertRule] = (),
    sent: Mapping[Month, Mapping[str, Decimal]] | None = None,
) -> ReportData:
    """The report of `month` from fetched `frames`, amounts converted at `rates`.

    `previous_frames` (the previous month's snapshot) adds what changed since; sources in
    `missing_sources` are marked so that every output says the report is incomplete.
    Records that cannot be counted as they are become rows of `quality`; records that
    cannot be reported at all raise `DataError` naming them. A month after the one `today`
    (the firm's day, by default now) falls in is a `PeriodError`: it has no data yet.

    With `history_months`, the report carries each figure's history over that many months
    (`history.build_history`, with `targets` and the figures earlier reports `sent`), and
    the alerts of `alert_rules` it triggers.
    """
    month = (Month.parse(month) if isinstance(month, str) else month).require_begun(today)
    start, end = month.start, month.end
    fetched_at = fetched_at or {}
    in_month = lambda column: pl.col(column).is_between(start, end)  # noqa: E731
    ready = settle(frames, end, rates=rates, report_currency=report_currency)
    flags: list[pl.DataFrame] = list(ready.flags)
    settled_cases, not_yet = _closed_by(ready.cases, today or firm_today())
    flags.append(not_yet)
    cases = settled_cases.with_columns(
        opened_in_period=pl.col("opened_on").is_between(start, end).fill_null(False),
        closed_in_period=pl.col("closed_on").is_between(start, end).fill_null(False),
        open_at_end=open_at_end(end),
    )
    tasks = frame_of(frames, role_schema(Role.TASKS))
    income_schema = role_schema(Role.INCOMES)
    invoice_schema, item_schema = role_schema(Role.INVOICES), role_schema(Role.INVOICE_ITEMS)
    stated_expenses, all_expenses = ready.stated_expenses, ready.expenses
    income_frame, lines, checked = ready.incomes, ready.lines, ready.checked
    all_invoices = ready.invoices

    # ---------------------------------------------------------------- expenses
    counted = pl.col("state").is_in(COUNTED_STATE_VALUES).fill_null(False)
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
    annualised = convert_incomes(
        incomes.annualise_incomes(income_frame, start, end), end, report_currency, rates
    )
    excluded = incomes.income_exclusions(income_frame, start, end)
    book = _client_book(frames, income_frame, annualised, month, report_currency)

    # ---------------------------------------------------------------- invoices
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
    debt = invoicing.outstanding_invoices(all_invoices, end, payments)
    aged = invoicing.debt_by_age(debt)
    quarter = quarter_bounds(start, vat_stagger)
    # The lines the quarter's boxes 1 and 6 add up (the VAT audit listing).
    quarter_lines = vat.counted_lines(lines, vat.Basis.INVOICE, until=end).filter(
        pl.col("vat_date").is_between(*quarter)
    )

    flags.append(_invoice_flags(checked, lines, end, invoice_schema.source, item_schema.source))
    flags.append(
        quality.flags(
            incomes.data_problems(excluded),
            income_schema.source,
            "income",
            "id",
            "income left out",
            pl.col("reason"),
            "left out of every income total",
        )
    )

    # ---------------------------------------------------------------- each source's part
    context = ReportContext(
        month=month,
        report_currency=report_currency,
        frames=frames,
        stated_expenses=stated_expenses,
        expenses=all_expenses,
        month_expenses=month_expenses,
        invoices=all_invoices,
        lines=lines,
        payments=payments,
    )
    statements: list[Statement] = []
    for name, source in REGISTRY.items():
        own = {entity: frame for (owner, entity), frame in frames.items() if owner == name}
        if not own:
            continue  # not configured, or it failed (--allow-partial)
        part = source.contribute(own, context)
        statements += part.statements
        flags += part.flags

    # ---------------------------------------------------------------- assembly
    # Each flag once, however many steps raised it.
    quality_flags = (
        pl.concat([f for f in flags if f.height] or [quality.no_flags()])
        .unique(maintain_order=True)
        .sort("source", "entity", "record")
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
    changes = _changes(cases, previous_frames) if previous_frames is not None else None
    income_totals = incomes.income_totals(annualised)
    credit = month_credit(all_invoices, checked, lines, month, total(aged["amount"]))
    headline = _headline(
        cases=cases,
        expenses=expenses,
        left_out=left_out,
        invoices=invoices_in_month,
        vat_return=vat_return,
        quarter=quarter,
        aged=aged,
        quality_flags=quality_flags.height,
        credit=credit,
    )
    if previous_frames is not None and changes is not None:
        before = settle_invoices(previous_frames)
        headline = _against_previous(headline, month, changes, before.checked)
    records_in_month = (
        month_expenses.height
        + invoices_in_month.height
        + int(cases["opened_in_period"].sum())
        + int(cases["closed_in_period"].sum())
        + annualised.filter(pl.col("recurring").not_()).height
    )
    firm_settings = firm if isinstance(firm, FirmSettings) else FirmSettings(name=firm)
    data = ReportData(
        firm=firm_settings,
        month=month,
        report_currency=report_currency,
        generated_at=generated_at or dt.datetime.now(dt.UTC),
        sources=sources,
        headline=headline,
        cases=cases,
        tasks=tasks,
        expenses=expenses,
        expenses_left_out=left_out,
        expenses_by_currency=by_currency,
        expenses_by_month_state=by_month,
        expenses_by_month_currency=by_month_currency,
        incomes=incomes.by_kind(annualised),
        income_totals=income_totals,
        client_book=book,
        invoices=invoices_in_month,
        invoice_items=items_in_month,
        vat_by_period=by_period,
        vat_return=vat_return,
        aged_debt=aged,
        debt=debt,
        vat_lines=quarter_lines,
        pipeline=invoicing.pipeline(frame_of(frames, role_schema(Role.PIPELINE))),
        quality=quality_flags,
        statements=with_payment_references(statements),
        changes=changes if changes is not None else CHANGES.clear(),
        has_previous=previous_frames is not None,
        vat_stagger=vat_stagger,
        empty_month_note=None
        if records_in_month
        else _empty_month_note(month, cases, all_expenses, checked),
        invoice_currency=REGISTRY[invoice_schema.source].currency or report_currency,
        payments_received=credit.payments,
        countback=credit.countback,
    )
    if history_months:
        history = build_history(
            frames,
            month,
            history_months,
            rates=rates,
            report_currency=report_currency,
            vat_stagger=vat_stagger,
            financial_year_start=firm_settings.financial_year_start,
            targets=targets,
            sent=sent,
            settled=ready,
            sources=data.configured,
        )
        data = dataclasses.replace(data, history=history)
    if data.plays(Role.INVOICES):
        owed = month_receivables(all_invoices, lines, end, invoice_schema.source, data.statements)
        data = dataclasses.replace(data, receivables=owed)
    return dataclasses.replace(data, alerts=triggered(alert_rules, data))


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


def _changes(cases: pl.DataFrame, previous_frames: Frames) -> pl.DataFrame:
    """Cases new since the previous snapshot, closed since, or whose status changed."""
    before = case_table(previous_frames).select("source", "case_id", "status", "closed_on")
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


def _invoice_flags(
    checked: pl.DataFrame, lines: pl.DataFrame, end: dt.date, source: str, item_source: str
) -> pl.DataFrame:
    """Flags on invoices and their lines: headers that disagree with their lines, items of
    an unknown status, invoices with no date or no number."""
    record = pl.coalesce("invoice_number", "id")
    paid_by_end = (local_date("paid_at") <= end).fill_null(False)
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
                item_source,
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
                pl.lit(f"{role_schema(Role.INVOICES).sent_as('issued_at')} is empty"),
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


def _empty_month_note(
    month: Month, cases: pl.DataFrame, expenses: pl.DataFrame, invoices: pl.DataFrame
) -> str:
    """What the first page says when no record falls in `month`: where the records are."""
    days = [
        day
        for frame, column in (
            (expenses, "incurred_at"),
            (invoices, "invoice_date"),
            (cases, "opened_on"),
        )
        for day in frame.select(pl.col(column).min(), pl.col(column).max().alias("last")).row(0)
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
    quality_flags: int,
    credit: Credit,
) -> Headline:
    """The summary figures, computed here so that renderers and tests agree on them."""
    current = vat_return.filter(
        (pl.col("basis") == vat.Basis.INVOICE.value) & (pl.col("period_start") == quarter[0])
    )

    def state(value: ExpenseState) -> Decimal:
        return total(expenses.filter(pl.col("state") == value.value)["report_amount"])

    return Headline(
        cases_opened=int(cases["opened_in_period"].sum()),
        cases_closed=int(cases["closed_in_period"].sum()),
        open_cases=int(cases["open_at_end"].sum()),
        expenses=expenses.height,
        expenses_converted=total(expenses["report_amount"]),
        expenses_invoiced=state(ExpenseState.INVOICED),
        expenses_to_be_invoiced=state(ExpenseState.TO_BE_INVOICED),
        expenses_awaiting_approval=state(ExpenseState.AWAITING_APPROVAL),
        expenses_rejected=total(
            left_out.filter(pl.col("state") == ExpenseState.REJECTED.value)["report_amount"]
        ),
        invoices=invoices.height,
        invoiced_net=total(invoices["total"]) - total(invoices["vat_amount"]),
        invoiced_total=total(invoices["total"]),
        vat_quarter_start=quarter[0],
        vat_quarter_end=quarter[1],
        vat_box1=total(current["box1_vat_due_on_sales"]),
        vat_box6=total(current["box6_total_sales_ex_vat"]),
        outstanding=total(aged["amount"]),
        overdue_90_plus=total(aged.filter(age_bucket="90+")["amount"]),
        cash_collected=credit.cash_collected,
        debtor_days=credit.debtor_days.days,
        quality_flags=quality_flags,
        debtor_days_complete=credit.debtor_days.complete,
    )


def _client_book(
    frames: Frames,
    income_frame: pl.DataFrame,
    annualised: pl.DataFrame,
    month: Month,
    report_currency: str,
) -> client_book.ClientBook | None:
    """The client book, where the source of the incomes was configured and fetched (and so
    its client accounts); None otherwise: no section shows a source the firm does not use."""
    source = role_schema(Role.INCOMES).source
    clients = frames.get((source, "clients"))
    if clients is None or (source, "incomes") not in frames:
        return None
    return client_book.client_book(
        clients,
        income_frame,
        annualised,
        month.start,
        month.end,
        report_currency,
        REGISTRY[source].title,
    )


def _against_previous(
    headline: Headline, month: Month, changes: pl.DataFrame, invoices_before: pl.DataFrame
) -> Headline:
    """`headline` with what changed since the previous month's snapshot: its cases, and
    its fees invoiced, net of VAT, from `invoices_before` (that snapshot's invoices settled
    as this month's are: copies counted once, totals filled from their lines) dated in the
    previous month, as the month's own figure counts them."""
    before = month.previous
    invoiced = invoices_before.filter(pl.col("invoice_date").is_between(before.start, before.end))
    invoiced_before = total(invoiced["total"]) - total(invoiced["vat_amount"])
    counts = {
        change: changes.filter(change=change).height
        for change in ("new", "closed", "status changed")
    }
    return dataclasses.replace(
        headline,
        invoiced_previous_month=invoiced_before,
        invoiced_change=headline.invoiced_net - invoiced_before,
        cases_new_since_previous=counts["new"],
        cases_closed_since_previous=counts["closed"],
        cases_status_changed_since_previous=counts["status changed"],
    )


def _closed_by(cases: pl.DataFrame, day: dt.date) -> tuple[pl.DataFrame, pl.DataFrame]:
    """`cases` with a closing date after `day` (the run's own day) taken out: a case marked
    closed on a day still to come has not closed yet, and is counted open. Each such case is
    flagged once."""
    future = cases.filter((pl.col("closed_on") > day).fill_null(False))
    found = future.select(
        pl.col("source"),
        pl.lit("cases").alias("entity"),
        pl.col("case_id").cast(pl.String).alias("record"),
        pl.lit("end date after today").alias("check"),
        pl.format("closed on {} ({})", pl.col("closed_on"), pl.col("status")).alias("detail"),
        pl.lit("counted open").alias("action"),
    )
    kept = cases.with_columns(
        closed_on=pl.when((pl.col("closed_on") > day).fill_null(False))
        .then(None)
        .otherwise(pl.col("closed_on"))
    )
    return kept, found.cast(dict(quality.FLAGS))  # type: ignore[arg-type]
