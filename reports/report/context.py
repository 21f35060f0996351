"""What a source is given to add its part to the month's report, and what it gives back.

The report works its roles' frames out once (expenses converted and put in their states,
invoices with their totals and lines); a source's `contribute` reads them here and returns
its clients' statements and the flags of its own checks.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import polars as pl

from reports.periods import Month
from reports.report.model import Frames, Statement


@dataclass(frozen=True)
class ReportContext:
    month: Month
    report_currency: str
    #: Every fetched frame, by `(source, entity)`.
    frames: Frames
    #: The expenses role's frame as stated (copies counted once, amounts rounded), each with
    #: its `state`, whatever its date; empty when no source plays the role.
    stated_expenses: pl.DataFrame
    #: Those incurred by the month's end, with `report_amount` in the report currency.
    expenses: pl.DataFrame
    #: Those incurred in the month.
    month_expenses: pl.DataFrame
    #: Every invoice, its total filled from its lines where the header has none.
    invoices: pl.DataFrame
    #: Every invoice line, as `compute.vat.invoice_lines` gives it.
    lines: pl.DataFrame
    #: What is paid of each invoice by the month's end (`compute.invoicing.line_payments`).
    payments: pl.DataFrame

    @property
    def start(self) -> dt.date:
        return self.month.start

    @property
    def end(self) -> dt.date:
        return self.month.end


@dataclass(frozen=True)
class Contribution:
    """A source's part of a report: its clients' statements, and its own checks' flags
    (rows of `compute.quality.FLAGS`)."""

    statements: tuple[Statement, ...] = ()
    flags: tuple[pl.DataFrame, ...] = field(default_factory=tuple)
