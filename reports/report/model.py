"""What one month's report shows, computed once from the fetched frames.

Renderers (the workbook, the PDFs) only lay out what is here; they compute nothing.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

import polars as pl

from reports.periods import Month

#: Fetched frames keyed by `(source, entity)`, as `reports.fetch.fetch_frames` returns them.
Frames = dict[tuple[str, str], pl.DataFrame]


@dataclass(frozen=True)
class SourceInfo:
    """One configured source: when it was fetched, how many rows came, whether it is missing."""

    name: str
    fetched_at: dt.datetime | None
    rows: int
    present: bool = True


@dataclass(frozen=True)
class Statement:
    """What one client is shown: their cases, the month's expenses, their invoices."""

    key: str  # stable and unique per client: "<source>-<client id>"
    source: str
    client: str
    email: str | None
    cases: pl.DataFrame  # reference, name, status, opened_on
    expenses: pl.DataFrame  # title, incurred_at, amount, currency_code, report_amount, invoiced
    #: invoice_number, invoice_date, due_date, subtotal, vat_amount, total, paid, outstanding
    invoices: pl.DataFrame
    totals: dict[str, Decimal]


@dataclass(frozen=True)
class Headline:
    """The month's headline figures. `reports.report.figures` says how each is labelled and
    laid out; the workbook recomputes them with live formulas and must agree."""

    cases_opened: int
    cases_closed: int
    expenses: int
    expenses_converted: Decimal
    expenses_invoiced: Decimal
    expenses_not_invoiced: Decimal
    invoices: int
    invoiced_total: Decimal
    #: First day of the VAT quarter (invoice basis) that holds the month, if any VAT.
    vat_quarter_start: dt.date | None
    vat_box1: Decimal
    vat_box6: Decimal
    outstanding: Decimal
    overdue_90_plus: Decimal
    incomes_annual_net: Decimal
    incomes_annual_gross: Decimal
    quality_flags: int
    #: Against the previous month's snapshot; None without one.
    invoiced_previous_month: Decimal | None = None
    invoiced_change: Decimal | None = None
    cases_new_since_previous: int | None = None
    cases_closed_since_previous: int | None = None
    cases_status_changed_since_previous: int | None = None

    def as_dict(self) -> dict[str, object]:
        return dataclasses.asdict(self)


@dataclass(frozen=True)
class ReportData:
    """Everything the month's workbook, PDF report and statements show.

    Build it with `reports.report.build_report_data(frames, month)`; every frame here is
    already computed, exact, and ready to lay out.
    """

    firm: str
    month: Month
    report_currency: str
    generated_at: dt.datetime
    sources: tuple[SourceInfo, ...]
    headline: Headline
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

    @property
    def period_start(self) -> dt.date:
        return self.month.start

    @property
    def period_end(self) -> dt.date:
        return self.month.end

    @property
    def month_label(self) -> str:
        return self.month.label

    @property
    def missing_sources(self) -> list[str]:
        return [s.name for s in self.sources if not s.present]
