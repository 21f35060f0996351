"""Everything one month's report shows, computed once from the fetched frames.

Renderers (the workbook, the PDFs) only lay out what is here; they compute nothing.
"""

from __future__ import annotations

import datetime as dt
from calendar import monthrange
from dataclasses import dataclass, field
from decimal import Decimal

import polars as pl

from reports.compute import fx, incomes, invoicing, quality, vat
from reports.compute.periods import Period, local_date
from reports.config import SOURCES
from reports.fetch import cases_across_sources
from reports.frames import SCHEMAS
from reports.money import MONEY

Frames = dict[tuple[str, str], pl.DataFrame]


@dataclass(frozen=True)
class SourceInfo:
    name: str
    fetched_at: dt.datetime | None
    rows: int
    present: bool = True


@dataclass(frozen=True)
class Statement:
    """What one client is shown: their cases, the month's expenses, their invoices."""

    key: str  # stable and file-name safe: "<source>-<client id>"
    source: str
    client: str
    email: str | None
    cases: pl.DataFrame  # reference, name, status, opened_on
    expenses: pl.DataFrame  # title, incurred_at, amount, currency_code, report_amount, invoiced
    invoices: (
        pl.DataFrame
    )  # invoice_number, invoice_date, due_date, subtotal, vat_amount, total, paid, outstanding
    totals: dict[str, Decimal]


@dataclass(frozen=True)
class ReportData:
    firm: str
    period_start: dt.date
    period_end: dt.date
    report_currency: str
    generated_at: dt.datetime
    sources: tuple[SourceInfo, ...]
    cases: pl.DataFrame
    tasks: pl.DataFrame
    expenses: pl.DataFrame
    expenses_by_currency: pl.DataFrame
    invoicing_by_month: pl.DataFrame
    expenses_by_month_currency: pl.DataFrame
    invoicing_by_case: pl.DataFrame
    incomes: pl.DataFrame
    income_totals: pl.DataFrame
    invoices: pl.DataFrame
    invoice_items: pl.DataFrame
    vat_by_period: pl.DataFrame
    vat_return: pl.DataFrame
    aged_debt: pl.DataFrame
    pipeline: pl.DataFrame
    quality: pl.DataFrame
    statements: tuple[Statement, ...] = ()
    #: Cases new, closed or changed since the previous month's snapshot (empty without one).
    changes: pl.DataFrame = field(default_factory=pl.DataFrame)
    has_previous: bool = False
    headline: dict[str, object] = field(default_factory=dict)

    @property
    def month_label(self) -> str:
        return self.period_start.strftime("%B %Y")

    @property
    def missing_sources(self) -> list[str]:
        return [s.name for s in self.sources if not s.present]


def month_bounds(month: str) -> tuple[dt.date, dt.date]:
    """`YYYY-MM` to its first and last day."""
    try:
        year, number = (int(part) for part in month.split("-"))
        start = dt.date(year, number, 1)
    except ValueError:
        raise ValueError(f"month must be YYYY-MM, got {month!r}") from None
    return start, dt.date(year, number, monthrange(year, number)[1])


def _frame(frames: Frames, source: str, entity: str) -> pl.DataFrame:
    return frames.get((source, entity), SCHEMAS[source, entity].empty())


def build_report_data(
    frames: Frames,
    month: str,
    *,
    firm: str = "",
    report_currency: str = "GBP",
    rates: fx.EcbRates | None = None,
    vat_stagger: int = 1,
    fetched_at: dict[str, dt.datetime] | None = None,
    missing_sources: tuple[str, ...] = (),
    generated_at: dt.datetime | None = None,
    previous_frames: Frames | None = None,
) -> ReportData:
    """The report of `month` (`YYYY-MM`) from fetched `frames`."""
    start, end = month_bounds(month)
    fetched_at = fetched_at or {}
    in_month = lambda column: pl.col(column).is_between(start, end)  # noqa: E731

    cases = _cases(frames, start, end)
    tasks = _frame(frames, "mobility", "tasks")
    flags: list[pl.DataFrame] = []

    def unique(source: str, entity: str, key: str, label: str) -> pl.DataFrame:
        frame, found = quality.unique_records(_frame(frames, source, entity), key, source, label)
        flags.append(found)
        return frame

    # Expenses incurred after the month are the business of later reports (and may lie
    # past the rates in use); the invoiced shares below are of what was incurred by `end`.
    raw_expenses = unique("mobility", "expenses", "id", "expense").filter(
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
    by_case = invoicing.invoicing_by_case(all_expenses, _frame(frames, "mobility", "cases"))

    income_frame = unique("plannr", "incomes", "uuid", "income")
    annualised = _convert_incomes(
        incomes.annualise_incomes(income_frame, start, end), end, report_currency, rates
    )
    excluded = incomes.income_exclusions(income_frame, start, end)

    stated_invoices = unique("willsuite", "invoices", "id", "invoice")
    all_items = unique("willsuite", "invoice_items", "id", "invoice item")
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

    quality_flags = _quality(checked, by_case, excluded, all_expenses, flags)
    sources = tuple(
        SourceInfo(
            name,
            fetched_at.get(name),
            sum(frame.height for (source, _), frame in frames.items() if source == name),
            name not in missing_sources,
        )
        for name in SOURCES
        if name in missing_sources or any(source == name for source, _ in frames)
    )
    data = ReportData(
        firm=firm,
        period_start=start,
        period_end=end,
        report_currency=report_currency,
        generated_at=generated_at or dt.datetime.now(dt.UTC),
        sources=sources,
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
        pipeline=invoicing.pipeline(_frame(frames, "plannr", "cases")),
        quality=quality_flags,
        statements=_statements(frames, expenses, all_invoices, end, report_currency),
        changes=_changes(cases, previous_frames, start, end)
        if previous_frames is not None
        else CHANGES.clear(),
        has_previous=previous_frames is not None,
    )
    headline = _headline(data)
    if previous_frames is not None:
        previous_start = (start - dt.timedelta(days=1)).replace(day=1)
        previous_invoices = _frame(previous_frames, "willsuite", "invoices").with_columns(
            invoice_date=local_date("date_created")
        )
        invoiced_before = previous_invoices.filter(
            pl.col("invoice_date").is_between(previous_start, start - dt.timedelta(days=1))
        )["total"].sum()
        headline["invoiced_previous_month"] = invoiced_before
        headline["invoiced_change"] = headline["invoiced_total"] - invoiced_before
        for change in ("new", "closed", "status changed"):
            headline[f"cases_{change.replace(' ', '_')}_since_previous"] = data.changes.filter(
                change=change
            ).height
    return ReportData(**{**data.__dict__, "headline": headline})


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
    return pl.concat(
        [
            joined.filter(known.not_()).select(
                "source",
                "case_id",
                "case_name",
                pl.lit("new").alias("change"),
                pl.lit(None, pl.String).alias("before"),
                pl.col("status").alias("after"),
            ),
            joined.filter(
                known & pl.col("closed_on").is_not_null() & pl.col("closed_on_before").is_null()
            ).select(
                "source",
                "case_id",
                "case_name",
                pl.lit("closed").alias("change"),
                pl.col("status_before").alias("before"),
                pl.col("status").alias("after"),
            ),
            joined.filter(known & (pl.col("status") != pl.col("status_before"))).select(
                "source",
                "case_id",
                "case_name",
                pl.lit("status changed").alias("change"),
                pl.col("status_before").alias("before"),
                pl.col("status").alias("after"),
            ),
        ]
    ).sort("change", "source", "case_id")


def _statements(
    frames: Frames, expenses: pl.DataFrame, invoices: pl.DataFrame, end: dt.date, currency: str
) -> tuple[Statement, ...]:
    """A statement for each mobility client with expenses this month, and each WillSuite
    customer invoiced this month or owing at its end."""
    zero = Decimal(0)
    result = []
    mobility_cases = _frame(frames, "mobility", "cases")
    for (client_id,), cases in mobility_cases.group_by("client_id", maintain_order=True):
        own = expenses.filter(pl.col("expat_case_id").is_in(cases["id"].implode()))
        if own.height == 0:
            continue
        result.append(
            Statement(
                key=f"mobility-{client_id}",
                source="mobility",
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
                    "expenses": own["report_amount"].sum(),
                    "expenses_invoiced": own.filter("invoiced")["report_amount"].sum() or zero,
                    "invoiced": zero,
                    "vat": zero,
                    "paid": zero,
                    "outstanding": zero,
                },
            )
        )
    positions = invoicing.invoice_positions(invoices, end).join(
        invoices.select("id", "subtotal", "vat_amount"), on="id", how="left"
    )
    ws_cases = {
        row["id"]: row for row in _frame(frames, "willsuite", "cases").iter_rows(named=True)
    }
    month_start = end.replace(day=1)
    for (case_id,), own in positions.group_by("customer_case_id", maintain_order=True):
        current = own.filter(pl.col("invoice_date") >= month_start)
        owing = own["outstanding"].sum()
        if current.height == 0 and not owing:
            continue
        case = ws_cases.get(case_id, {})
        result.append(
            Statement(
                key=f"willsuite-{case_id}",
                source="willsuite",
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
                    "expenses": zero,
                    "expenses_invoiced": zero,
                    "invoiced": own["total"].sum(),
                    "vat": own["vat_amount"].sum(),
                    "paid": own.filter("paid")["total"].sum() or zero,
                    "outstanding": owing,
                },
            )
        )
    return tuple(result)


def _cases(frames: Frames, start: dt.date, end: dt.date) -> pl.DataFrame:
    combined = cases_across_sources(frames)
    opened = local_date("created_at")
    closed = (
        pl.when(pl.col("source") == "mobility")
        .then(pl.when(pl.col("status") == "completed").then(pl.col("end_date")))
        .when(pl.col("source") == "plannr")
        .then(local_date("completed_at"))
    )
    return combined.select(
        "source",
        "case_id",
        pl.coalesce("name", "label", "ref").alias("case_name"),
        pl.coalesce("client_name", "full_names", pl.col("participant_names").list.join(", ")).alias(
            "client"
        ),
        pl.coalesce("status_label", "status", "status_name").alias("status"),
        opened.alias("opened_on"),
        closed.alias("closed_on"),
    ).with_columns(
        opened_in_period=pl.col("opened_on").is_between(start, end).fill_null(False),
        closed_in_period=pl.col("closed_on").is_between(start, end).fill_null(False),
    )


def _convert_expenses(
    expenses: pl.DataFrame, currency: str, rates: fx.EcbRates | None
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
        "mobility",
        "expense",
        "id",
        "left out of totals",
        pl.format("{}: cannot be converted or counted", pl.col("_reason")),
    )
    converted = pl.concat([good, bad], how="diagonal_relaxed").drop("_reason")
    return converted.with_columns(invoiced=pl.col("invoice_id").is_not_null()), found


def _convert_incomes(
    annualised: pl.DataFrame, end: dt.date, currency: str, rates: fx.EcbRates | None
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
    by_case: pl.DataFrame,
    excluded: pl.DataFrame,
    expenses: pl.DataFrame,
    found: list[pl.DataFrame],
) -> pl.DataFrame:
    """Every data-quality flag as (source, entity, record, check, detail)."""
    parts = [
        checked.filter(pl.col("consistent").not_()).select(
            pl.lit("willsuite").alias("source"),
            pl.lit("invoice").alias("entity"),
            pl.col("invoice_number").alias("record"),
            pl.lit("header disagrees with its lines").alias("check"),
            pl.col("issues").alias("detail"),
        ),
        by_case.filter(pl.col("disagrees")).select(
            pl.lit("mobility").alias("source"),
            pl.lit("case").alias("entity"),
            pl.col("expat_case_id").alias("record"),
            pl.lit("percent invoiced disagrees with expenses").alias("check"),
            pl.format(
                "platform {}%, expenses {}%",
                pl.col("platform_percent").cast(pl.Decimal(38, 2)),
                pl.col("percent_by_amount").cast(pl.Decimal(38, 2)),
            ).alias("detail"),
        ),
        incomes.data_problems(excluded).select(
            pl.lit("plannr").alias("source"),
            pl.lit("income").alias("entity"),
            pl.col("uuid").alias("record"),
            pl.lit("income left out").alias("check"),
            pl.col("reason").alias("detail"),
        ),
        expenses.filter(
            pl.col("converted_amount").is_null() & pl.col("amount").is_not_null()
        ).select(
            pl.lit("mobility").alias("source"),
            pl.lit("expense").alias("entity"),
            pl.col("id").alias("record"),
            pl.lit("no platform conversion").alias("check"),
            pl.lit("converted_amount is empty").alias("detail"),
        ),
        *found,
    ]
    return pl.concat(parts, how="vertical_relaxed").sort("source", "entity", "record")


def _headline(data: ReportData) -> dict[str, object]:
    """The summary figures, computed here so that renderers and tests agree on them."""
    expenses = data.expenses
    current = data.vat_return.filter(
        (pl.col("basis") == "invoice") & (pl.col("period_start") <= data.period_start)
    ).tail(1)
    outstanding = data.aged_debt["amount"].sum()
    totals = {
        row["amount_type"]: row
        for row in data.income_totals.group_by("amount_type")
        .agg(pl.col("report_annual_amount").sum())
        .rows(named=True)
    }
    zero = Decimal(0)
    headline: dict[str, object] = {
        "cases_opened": int(data.cases["opened_in_period"].sum()),
        "cases_closed": int(data.cases["closed_in_period"].sum()),
        "expenses": expenses.height,
        "expenses_converted": expenses["report_amount"].sum() if expenses.height else zero,
        "expenses_invoiced": expenses.filter("invoiced")["report_amount"].sum()
        if expenses.height
        else zero,
        "expenses_not_invoiced": expenses.filter(~pl.col("invoiced"))["report_amount"].sum()
        if expenses.height
        else zero,
        "invoices": data.invoices.height,
        "invoiced_total": data.invoices["total"].sum() if data.invoices.height else zero,
        "vat_quarter_start": current["period_start"][0] if current.height else None,
        "vat_box1": current["box1_vat_due_on_sales"][0] if current.height else zero,
        "vat_box6": current["box6_total_sales_ex_vat"][0] if current.height else zero,
        "outstanding": outstanding if outstanding is not None else zero,
        "overdue_90_plus": data.aged_debt.filter(age_bucket="90+")["amount"].sum(),
        "incomes_annual_net": totals.get("net", {}).get("report_annual_amount", zero),
        "incomes_annual_gross": totals.get("gross", {}).get("report_annual_amount", zero),
        "quality_flags": data.quality.height,
    }
    return headline
