"""Every headline figure month by month: its last months, the financial year to date, the
same month last year, the changes against each, its target and status, and what has been
restated since a month's report was sent.

Flows (what happened in a month: cases opened, expenses, invoicing) are the records of
that month by their UK dates. Stocks (where things stood at a month's end: open cases,
debt) are reconstructed as at each month's last day from the records'
dates: an invoice is outstanding at a date if created on or before it and not paid by it;
a case is open if opened on or before it and not closed by it. VAT is the headline's
figure each month: its VAT quarter to that month's end. The report month's values are the
headline's, computed the same way (the tests hold them equal). The rules are in
docs/calculations.md, "History".
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field, replace
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

import polars as pl

from reports.compute import fx, invoicing, receivables, vat
from reports.compute.invoicing import COUNTED_STATE_VALUES, ExpenseState
from reports.money import MONEY, total
from reports.periods import Month, Period, period_bounds
from reports.report.figures import FIGURES, Figure, Unit
from reports.report.model import Frames
from reports.report.open_cases import open_at_end
from reports.report.settle import Settled, settle
from reports.targets import Status, Target

ZERO = Decimal(0)
TENTH = Decimal("0.1")


class Behaviour(StrEnum):
    #: What happened in the month: months add up to a year to date.
    FLOW = "flow"
    #: Where things stood at the month's end: months do not add up; no year to date.
    STOCK = "stock"
    #: The VAT quarter holding the month, to its end; the year to date adds the months' own.
    QUARTER_TO_DATE = "quarter to date"


#: Each figure that has a history, and how its months behave. The data-quality flags have
#: none: a flag is about the records as they were fetched, not about a month.
BEHAVIOUR: dict[str, Behaviour] = {
    "cases_opened": Behaviour.FLOW,
    "cases_closed": Behaviour.FLOW,
    "open_cases": Behaviour.STOCK,
    "expenses": Behaviour.FLOW,
    "expenses_converted": Behaviour.FLOW,
    "expenses_invoiced": Behaviour.FLOW,
    "expenses_to_be_invoiced": Behaviour.FLOW,
    "expenses_awaiting_approval": Behaviour.FLOW,
    "expenses_rejected": Behaviour.FLOW,
    "invoices": Behaviour.FLOW,
    "invoiced_net": Behaviour.FLOW,
    "invoiced_total": Behaviour.FLOW,
    "vat_box1": Behaviour.QUARTER_TO_DATE,
    "vat_box6": Behaviour.QUARTER_TO_DATE,
    "outstanding": Behaviour.STOCK,
    "overdue_90_plus": Behaviour.STOCK,
    "cash_collected": Behaviour.FLOW,
    "debtor_days": Behaviour.STOCK,
}
HISTORY_FIGURES: tuple[Figure, ...] = tuple(f for f in FIGURES if f.key in BEHAVIOUR)
#: The month's own VAT (not to date), from which the VAT figures' years to date are added.
_MONTH_VAT = {"vat_box1": "_vat_box1_month", "vat_box6": "_vat_box6_month"}


def change_pct(value: Decimal, before: Decimal | None) -> Decimal | None:
    """The change from `before` to `value` in per cent of `before`, to a tenth, half up;
    None where there is nothing to compare with (no value before, or zero)."""
    if before is None or before == 0:
        return None
    return ((value - before) * 100 / abs(before)).quantize(TENTH, ROUND_HALF_UP)


@dataclass(frozen=True)
class Trend:
    """One figure's history as of the report month."""

    figure: Figure
    behaviour: Behaviour
    #: The shown months (first days) and the figure in each, oldest first; the last is the
    #: report month.
    months: tuple[tuple[dt.date, Decimal], ...]
    value: Decimal
    previous: Decimal | None
    last_year: Decimal | None
    #: The financial year to date (None for a stock), and the same span a year before.
    ytd: Decimal | None
    ytd_last_year: Decimal | None
    #: The month's value is the highest (lowest) of the last 12 months, and not all alike.
    high_12: bool = False
    low_12: bool = False
    target: Decimal | None = None
    #: The target of each shown month, as `months` (empty without a target).
    month_targets: tuple[Decimal, ...] = ()
    ytd_target: Decimal | None = None
    status: Status | None = None
    ytd_status: Status | None = None

    @property
    def key(self) -> str:
        return self.figure.key

    @property
    def change(self) -> Decimal | None:
        return None if self.previous is None else self.value - self.previous

    @property
    def change_pct(self) -> Decimal | None:
        return change_pct(self.value, self.previous)

    @property
    def last_year_change(self) -> Decimal | None:
        return None if self.last_year is None else self.value - self.last_year

    @property
    def last_year_change_pct(self) -> Decimal | None:
        return change_pct(self.value, self.last_year)

    @property
    def ytd_change(self) -> Decimal | None:
        if self.ytd is None or self.ytd_last_year is None:
            return None
        return self.ytd - self.ytd_last_year

    @property
    def ytd_change_pct(self) -> Decimal | None:
        return None if self.ytd is None else change_pct(self.ytd, self.ytd_last_year)

    @property
    def target_gap(self) -> Decimal | None:
        return None if self.target is None else self.value - self.target


#: `History.comparison`: one row a figure.
COMPARISON_SCHEMA = pl.Schema(
    {
        "figure": pl.String(),
        "label": pl.String(),
        "unit": pl.String(),
        "behaviour": pl.String(),
        "value": MONEY,
        "previous": MONEY,
        "change": MONEY,
        "change_pct": pl.Decimal(38, 1),
        "last_year": MONEY,
        "last_year_change": MONEY,
        "last_year_change_pct": pl.Decimal(38, 1),
        "ytd": MONEY,
        "ytd_last_year": MONEY,
        "ytd_change_pct": pl.Decimal(38, 1),
        "high_12": pl.Boolean(),
        "low_12": pl.Boolean(),
        "target": MONEY,
        "status": pl.String(),
        "ytd_target": MONEY,
        "ytd_status": pl.String(),
    }
)
#: What each column of `COMPARISON_SCHEMA` holds (docs/frames.md is generated from it).
COMPARISON_DOCS = {
    "figure": "the figure's key in the catalogue (`reports.report.figures.FIGURES`)",
    "label": "its label as the report shows it (`{currency}` and `{vat_quarter}` unfilled)",
    "unit": "`count`, `report money` (converted), `invoice money` (never converted) or `days`",
    "behaviour": "`flow` (the month's records), `stock` (at the month's end) or `quarter to date`",
    "value": "the report month's value: its headline figure",
    "previous": "the month before's",
    "change": "value less previous",
    "change_pct": "change in per cent of previous, to a tenth, half up; null where previous is 0",
    "last_year": "the same month a year before",
    "last_year_change": "value less last_year",
    "last_year_change_pct": "in per cent of last_year, to a tenth, half up",
    "ytd": "the financial year to the month (null for a stock)",
    "ytd_last_year": "the same months a year before",
    "ytd_change_pct": "ytd against ytd_last_year, in per cent",
    "high_12": "the value is the highest of the 12 months to it (not all alike)",
    "low_12": "the value is the lowest of the 12 months to it",
    "target": "the month's target (`[targets]`), if any",
    "status": "`on track`, `behind` or `off track` against it",
    "ytd_target": "the targets of the year's months, added",
    "ytd_status": "ytd against ytd_target",
}
#: What each column of `RESTATED_SCHEMA` holds.
RESTATED_DOCS = {
    "month": "the month restated (its first day)",
    "figure": "the figure's key",
    "label": "its label",
    "as_sent": "the value that month's report sent (`figures.json`)",
    "now": "the value the records give for that month now",
    "difference": "now less as_sent",
}
#: `History.restated`: a month's figure as its report sent it and as the records give it now.
RESTATED_SCHEMA = pl.Schema(
    {
        "month": pl.Date(),
        "figure": pl.String(),
        "label": pl.String(),
        "as_sent": MONEY,
        "now": MONEY,
        "difference": MONEY,
    }
)


@dataclass(frozen=True)
class History:
    """`build_history`'s result: the figures month by month and compared."""

    month: Month
    #: The first month of the financial year holding `month`.
    year_start: Month
    #: `month` (first day) then one column a figure of `HISTORY_FIGURES`: counts as Int64,
    #: money as Decimal; the shown months, oldest first.
    by_month: pl.DataFrame
    trends: tuple[Trend, ...]
    #: Figures of months whose report was sent that the records now give otherwise.
    restated: pl.DataFrame = field(default_factory=lambda: RESTATED_SCHEMA.to_frame())

    def trend(self, key: str) -> Trend:
        for trend in self.trends:
            if trend.key == key:
                return trend
        raise KeyError(key)

    @property
    def months(self) -> tuple[Month, ...]:
        return tuple(Month.of(day) for day in self.by_month["month"])

    @property
    def comparison(self) -> pl.DataFrame:
        """The trends as one typed frame (`COMPARISON_SCHEMA`)."""
        rows = [
            {
                "figure": t.key,
                "label": t.figure.label,
                "unit": t.figure.unit.value,
                "behaviour": t.behaviour.value,
                "value": t.value,
                "previous": t.previous,
                "change": t.change,
                "change_pct": t.change_pct,
                "last_year": t.last_year,
                "last_year_change": t.last_year_change,
                "last_year_change_pct": t.last_year_change_pct,
                "ytd": t.ytd,
                "ytd_last_year": t.ytd_last_year,
                "ytd_change_pct": t.ytd_change_pct,
                "high_12": t.high_12,
                "low_12": t.low_12,
                "target": t.target,
                "status": t.status.value if t.status else None,
                "ytd_target": t.ytd_target,
                "ytd_status": t.ytd_status.value if t.ytd_status else None,
            }
            for t in self.trends
        ]
        return pl.DataFrame(rows, schema=COMPARISON_SCHEMA)


def build_history(
    frames: Frames,
    month: Month | str,
    history_months: int = 12,
    *,
    rates: fx.EcbRates,
    report_currency: str = "GBP",
    vat_stagger: int = 1,
    financial_year_start: int = 4,
    targets: Sequence[Target] = (),
    sent: Mapping[Month, Mapping[str, Decimal]] | None = None,
    settled: Settled | None = None,
    sources: Collection[str] | None = None,
) -> History:
    """The history of every headline figure over the `history_months` months to `month`.

    `sent` gives figures as earlier reports sent them, by month (`reports.archive`); a
    month whose records now give another value is listed in `restated`. `settled` is the
    month's `settle` result, when the caller has it already (the monthly run does).
    Only the figures of the configured `sources` (by default those `frames` come from)
    have a trend: another system's would be a flat line of zeros.
    """
    month = Month.parse(month) if isinstance(month, str) else month
    if history_months < 1:
        raise ValueError(f"history_months must be at least 1, got {history_months}")
    ready = settled or settle(frames, month.end, rates=rates, report_currency=report_currency)
    year_start = month.financial_year_start(financial_year_start)
    # Enough months for every shown month's last year, and for last year's year to date.
    span = max(history_months, 12, (month.number - year_start.number) % 12 + 1) + 12
    computed = [month.shifted(-back) for back in reversed(range(span))]
    table = monthly_figures(
        ready, computed, rates=rates, report_currency=report_currency, vat_stagger=vat_stagger
    )
    values = {
        key: dict(zip(table["month"], table[key].cast(MONEY), strict=True))
        for key in [*BEHAVIOUR, *_MONTH_VAT.values()]
    }
    by_target = {target.figure: target for target in targets}
    shown = computed[-history_months:]
    configured = {source for source, _ in frames} if sources is None else sources
    trends = tuple(
        _trend(
            figure,
            values,
            month,
            shown,
            year_start,
            by_target.get(figure.key),
        )
        for figure in HISTORY_FIGURES
        if figure.shown_with(configured)
    )
    by_month = table.filter(pl.col("month") >= shown[0].start).select("month", *BEHAVIOUR)
    return History(
        month=month,
        year_start=year_start,
        by_month=by_month,
        trends=trends,
        restated=_restated(values, sent or {}).filter(
            pl.col("figure").is_in([trend.key for trend in trends])
        ),
    )


def _trend(
    figure: Figure,
    values: dict[str, dict[dt.date, Decimal]],
    month: Month,
    shown: Sequence[Month],
    year_start: Month,
    target: Target | None,
) -> Trend:
    behaviour = BEHAVIOUR[figure.key]
    series = values[figure.key]

    def at(m: Month) -> Decimal | None:
        return series.get(m.start)

    value = at(month) or ZERO
    ytd = ytd_last_year = None
    year = [year_start.shifted(i) for i in range((month.number - year_start.number) % 12 + 1)]
    if behaviour is not Behaviour.STOCK:
        own = values[_MONTH_VAT.get(figure.key, figure.key)]
        ytd = sum((own.get(m.start, ZERO) for m in year), ZERO)
        before = [m.shifted(-12) for m in year]
        if all(m.start in own for m in before):
            ytd_last_year = sum((own[m.start] for m in before), ZERO)
    last_12 = [at(month.shifted(-back)) for back in range(12)]
    known = [v for v in last_12 if v is not None]
    varied = len(set(known)) > 1
    trend = Trend(
        figure=figure,
        behaviour=behaviour,
        months=tuple((m.start, at(m) or ZERO) for m in shown),
        value=value,
        previous=at(month.previous),
        last_year=at(month.shifted(-12)),
        ytd=ytd,
        ytd_last_year=ytd_last_year,
        high_12=varied and value == max(known),
        low_12=varied and value == min(known),
    )
    if target is None:
        return trend
    goal = target.for_month(month)
    ytd_goal = None if ytd is None else _ytd_target(target, year, behaviour)
    trend = replace(trend, month_targets=tuple(target.for_month(m) for m in shown))
    return _with_target(trend, target, goal, ytd_goal)


def _ytd_target(target: Target, year: Sequence[Month], behaviour: Behaviour) -> Decimal:
    if behaviour is Behaviour.QUARTER_TO_DATE:
        # A VAT target is the quarter's; the year's is the quarters' targets' months'
        # thirds: the months' targets, each a third of its quarter's.
        return sum((target.for_month(m) / 3 for m in year), ZERO).quantize(Decimal("0.01"))
    return target.for_months(year)


def _with_target(trend: Trend, target: Target, goal: Decimal, ytd_goal: Decimal | None) -> Trend:
    return replace(
        trend,
        target=goal,
        status=target.status(trend.value, goal),
        ytd_target=ytd_goal,
        ytd_status=None
        if ytd_goal is None or trend.ytd is None
        else target.status(trend.ytd, ytd_goal),
    )


def _restated(
    values: dict[str, dict[dt.date, Decimal]], sent: Mapping[Month, Mapping[str, Decimal]]
) -> pl.DataFrame:
    labels = {figure.key: figure.label for figure in HISTORY_FIGURES}
    rows = []
    for sent_month, figures in sorted(sent.items()):
        for key, as_sent in figures.items():
            now = values.get(key, {}).get(sent_month.start)
            if key not in BEHAVIOUR or now is None or now == as_sent:
                continue
            rows.append(
                {
                    "month": sent_month.start,
                    "figure": key,
                    "label": labels[key],
                    "as_sent": as_sent,
                    "now": now,
                    "difference": now - as_sent,
                }
            )
    return pl.DataFrame(rows, schema=RESTATED_SCHEMA)


def monthly_figures(
    ready: Settled,
    months: Sequence[Month],
    *,
    rates: fx.EcbRates,
    report_currency: str = "GBP",
    vat_stagger: int = 1,
) -> pl.DataFrame:
    """Each history figure in each of `months` (consecutive, oldest first), from records
    settled as of the last month's end: one row a month."""
    first, last = months[0], months[-1]
    calendar = pl.DataFrame(
        {"month": [m.start for m in months], "_end": [m.end for m in months]},
        schema={"month": pl.Date, "_end": pl.Date},
    )

    def by_month(frame: pl.DataFrame, day: str, **sums: pl.Expr) -> pl.DataFrame:
        return (
            frame.filter(pl.col(day).is_between(first.start, last.end))
            .group_by(month=pl.col(day).dt.truncate("1mo"))
            .agg(**sums)
        )

    cases = ready.cases
    opened = by_month(cases, "opened_on", cases_opened=pl.len())
    closed = by_month(cases, "closed_on", cases_closed=pl.len())
    # Only the cases of sources that record closing: the others' would be open for ever.
    open_cases = (
        calendar.join(cases.select("source", "opened_on", "closed_on"), how="cross")
        .group_by("month")
        .agg(open_cases=open_at_end(pl.col("_end")).sum())
    )

    expenses = ready.expenses
    counted = pl.col("state").is_in(COUNTED_STATE_VALUES).fill_null(False)
    amount = pl.col("report_amount")

    def in_state(state: ExpenseState) -> pl.Expr:
        return amount.filter(pl.col("state") == state.value).sum()

    spent = by_month(
        expenses,
        "incurred_at",
        expenses=counted.sum(),
        expenses_converted=amount.filter(counted).sum(),
        expenses_invoiced=in_state(ExpenseState.INVOICED),
        expenses_to_be_invoiced=in_state(ExpenseState.TO_BE_INVOICED),
        expenses_awaiting_approval=in_state(ExpenseState.AWAITING_APPROVAL),
        expenses_rejected=in_state(ExpenseState.REJECTED),
    )
    # A VAT the header does not state counts none, as the workbook's SUBTOTAL of the VAT
    # column does (the invoice is flagged as disagreeing with its lines).
    invoiced = by_month(
        ready.checked,
        "invoice_date",
        invoices=pl.len(),
        invoiced_net=(pl.col("total") - pl.col("vat_amount").fill_null(0)).sum(),
        invoiced_total=pl.col("total").sum(),
    )

    parts = [opened, closed, open_cases, spent, invoiced]
    parts.append(_vat_to_date(ready.lines, months, vat_stagger))
    parts.append(_debt(ready, months))
    table = calendar.drop("_end")
    for part in parts:
        table = table.join(part, on="month", how="left")
    counts = [f.key for f in HISTORY_FIGURES if f.unit is Unit.COUNT]
    amounts = [c for c in table.columns if c != "month" and c not in counts]
    return table.with_columns(
        pl.col(counts).fill_null(0).cast(pl.Int64),
        pl.col(amounts).cast(MONEY).fill_null(pl.lit(0, MONEY)),
    ).sort("month")


def _vat_to_date(lines: pl.DataFrame, months: Sequence[Month], stagger: int) -> pl.DataFrame:
    """VAT boxes 1 and 6 on the invoice basis: each month's own, and its quarter's to the
    month's end, as the headline gives them."""
    first, last = months[0], months[-1]
    # From the first shown month's quarter start, so its quarter to date is whole.
    start = period_bounds(pl.lit(first.start), Period.QUARTER, stagger)[0]
    monthly = vat.vat_return(
        vat.vat_by_period(lines, vat.Basis.INVOICE, Period.MONTH, stagger, until=last.end)
    ).select(
        month="period_start",
        _vat_box1_month="box1_vat_due_on_sales",
        _vat_box6_month="box6_total_sales_ex_vat",
    )
    calendar = (
        pl.select(month=pl.date_range(start, pl.lit(last.start), "1mo"))
        .join(monthly, on="month", how="left")
        .with_columns(pl.col("_vat_box1_month", "_vat_box6_month").fill_null(pl.lit(0, MONEY)))
        .with_columns(quarter=period_bounds(pl.col("month"), Period.QUARTER, stagger)[0])
        .sort("month")
    )
    return calendar.with_columns(
        vat_box1=pl.col("_vat_box1_month").cum_sum().over("quarter"),
        vat_box6=pl.col("_vat_box6_month").cum_sum().over("quarter"),
    ).drop("quarter")


def _debt(ready: Settled, months: Sequence[Month]) -> pl.DataFrame:
    """Outstanding and over-90-days debt as at each month's end, the debtor days it stands
    for, and the cash collected in each month: what was paid by its end less what was paid
    by the end of the month before (`receivables.paid_by`, as the statements count it)."""
    rows = []
    gross = receivables.gross_by_month(ready.checked)
    day_before = months[0].start - dt.timedelta(days=1)
    paid_before = receivables.paid_by(ready.invoices, ready.lines, day_before)
    for m in months:
        positions = invoicing.invoice_positions(
            ready.invoices, m.end, invoicing.line_payments(ready.lines, m.end)
        )
        aged = invoicing.debt_by_age(positions.filter(pl.col("paid").not_()))
        outstanding = total(aged["amount"])
        paid = total(positions["paid_to_date"])
        days = receivables.debtor_days(outstanding, receivables.months_back(gross, m.start, m.end))
        rows.append(
            {
                "month": m.start,
                "outstanding": outstanding,
                "overdue_90_plus": total(aged.filter(age_bucket="90+")["amount"]),
                "cash_collected": paid - paid_before,
                "debtor_days": days.days,
            }
        )
        paid_before = paid
    return pl.DataFrame(
        rows,
        schema={
            "month": pl.Date,
            "outstanding": MONEY,
            "overdue_90_plus": MONEY,
            "cash_collected": MONEY,
            "debtor_days": MONEY,
        },
    )


__all__ = [
    "BEHAVIOUR",
    "HISTORY_FIGURES",
    "Behaviour",
    "History",
    "Trend",
    "build_history",
    "change_pct",
]
