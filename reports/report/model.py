"""What one month's report shows, computed once from the fetched frames.

Renderers (the workbook, the PDFs) only lay out what is here; they compute nothing.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import TYPE_CHECKING

import polars as pl

# A statement is what a source gives the report (`reports.contribution`), so its types live
# there, outside this package; they are the report's as much, and named here too.
from reports.contribution import STATEMENT_ACTIVITY_COLUMNS as STATEMENT_ACTIVITY_COLUMNS
from reports.contribution import STATEMENT_CASES as STATEMENT_CASES
from reports.contribution import STATEMENT_INVOICE_COLUMNS as STATEMENT_INVOICE_COLUMNS
from reports.contribution import Standing as Standing
from reports.contribution import Statement as Statement
from reports.contribution import StatementActivity as StatementActivity
from reports.contribution import StatementKind as StatementKind
from reports.contribution import StatementTotals as StatementTotals
from reports.periods import FIRM_ZONE, Month
from reports.text import isolate_direction

if TYPE_CHECKING:
    from reports.compute.client_book import ClientBook
    from reports.config import FirmSettings
    from reports.report.alerts import Alert
    from reports.report.history import History
    from reports.sources.base import Role

ZERO = Decimal(0)

#: Fetched frames keyed by `(source, entity)`, as `reports.fetch.fetch_frames` returns them.
Frames = dict[tuple[str, str], pl.DataFrame]


@dataclass(frozen=True)
class SourceInfo:
    """One configured source: when it was fetched, how many rows came, whether it is missing."""

    name: str
    fetched_at: dt.datetime | None
    rows: int
    present: bool = True


#: The aged receivables summary's columns (`Receivables.summary`), largest total first.
#: `key` is the client's statement key, `payment_reference` what its statement asks it to
#: quote; each band is what it owes by days past due at the month's end (`current`: not yet
#: overdue, with its open credits and what has no due date); `total` is the amount due on
#: its statement; `oldest_due_date` the earliest due date of what it owes (credits aside),
#: `last_payment_date` the last day it paid anything by the month's end.
RECEIVABLES_SUMMARY_COLUMNS = (
    "key",
    "client",
    "payment_reference",
    "current",
    "days_1_30",
    "days_31_60",
    "days_61_90",
    "over_90",
    "total",
    "oldest_due_date",
    "last_payment_date",
)
#: The unpaid invoices' columns (`Receivables.detail`): every invoice not settled at the
#: month's end and every open credit note (negative, no days overdue), by client and due
#: date. `gross` is the invoice's total, VAT included; `paid` what of it was paid by the
#: month's end; `outstanding` the rest.
RECEIVABLES_DETAIL_COLUMNS = (
    "key",
    "client",
    "payment_reference",
    "invoice_id",
    "invoice_number",
    "invoice_date",
    "due_date",
    "days_overdue",
    "band",
    "gross",
    "paid",
    "outstanding",
)


@dataclass(frozen=True)
class Receivables:
    """Who owes what at the month's end (`reports.report.receivables`), each client keyed
    as its statement is; amounts in the report's invoice currency."""

    #: `RECEIVABLES_SUMMARY_COLUMNS`: one row per client owing (or in credit).
    summary: pl.DataFrame
    #: `RECEIVABLES_DETAIL_COLUMNS`: one row per unpaid invoice or open credit note.
    detail: pl.DataFrame
    #: Every client's total: the headline's outstanding.
    total: Decimal

    @property
    def band_totals(self) -> tuple[Decimal, ...]:
        """Every client's outstanding in each band, in the summary's order of them."""
        bands = RECEIVABLES_SUMMARY_COLUMNS[3:8]
        return tuple(Decimal(self.summary[band].sum() or 0) for band in bands)


#: The payment reminders' columns (`Reminders.month`, `Reminders.history`): one row per
#: invoice and step a reminder asked for (`reports chase`), by the UK day it was handed
#: over (`date`), oldest first. `key` is the client's statement key; `step_days` the step's
#: days from the due date (negative: before it), `template` its template in the schedule
#: (None where it has no such step now), `step` both as a reader reads them; `state` is
#: `sent`, or `uncertain` where the message may have gone; `asked` what the reminder asked
#: for the invoice (its outstanding that day; null where the ledger is from before amounts
#: were kept); `outstanding` what of it was still unpaid at the month's end (0: paid by then).
REMINDER_COLUMNS = (
    "date",
    "key",
    "client",
    "payment_reference",
    "invoice_number",
    "step_days",
    "template",
    "step",
    "to",
    "state",
    "asked",
    "outstanding",
)


@dataclass(frozen=True)
class Reminders:
    """The payment reminders sent (`reports.report.reminders`), each client keyed and named
    as its statement is; amounts in the report's invoice currency."""

    #: `REMINDER_COLUMNS`: those sent in the month.
    month: pl.DataFrame
    #: `REMINDER_COLUMNS`: every one sent by the month's end, this month's too.
    history: pl.DataFrame


@dataclass(frozen=True)
class Headline:
    """The month's headline figures. `reports.report.figures` says how each is labelled and
    laid out; the workbook recomputes them with live formulas and must agree."""

    cases_opened: int
    cases_closed: int
    #: Cases opened on or before the month's last day and not closed by it.
    open_cases: int
    #: The month's expenses that count (invoiced, approved or pending): how many, and in the
    #: report currency; then those amounts by state. Rejected ones are in none of these.
    expenses: int
    expenses_converted: Decimal
    expenses_invoiced: Decimal
    expenses_to_be_invoiced: Decimal
    expenses_awaiting_approval: Decimal
    #: Rejected expenses of the month, in the report currency: listed apart, in no total.
    expenses_rejected: Decimal
    invoices: int
    #: The month's invoices (credit notes negative) net of VAT: their totals less the VAT
    #: they state. The firm's revenue, which targets and commentary mean by invoicing.
    invoiced_net: Decimal
    #: The same invoices gross, VAT included: VAT is collected for HMRC, not earned.
    invoiced_total: Decimal
    #: The VAT quarter (HMRC stagger) that holds the month, and its boxes 1 and 6 on the
    #: invoice basis up to the month's end (0 when it has no sales).
    vat_quarter_start: dt.date
    vat_quarter_end: dt.date
    vat_box1: Decimal
    vat_box6: Decimal
    outstanding: Decimal
    overdue_90_plus: Decimal
    #: Paid by clients in the month by each payment's own day, less refunds paid to them.
    cash_collected: Decimal
    #: The outstanding at the month's end in days of gross invoicing, counted back month by
    #: month (`compute.receivables.debtor_days`), to `DEBTOR_DAYS_QUANTUM`.
    debtor_days: Decimal
    quality_flags: int
    #: False where the invoicing on record ran out before the debt did: `debtor_days` is
    #: then at least what it says.
    debtor_days_complete: bool = True
    #: Against the previous month's snapshot, settled as the month is; None without one.
    #: Fees invoiced, net of VAT, in the month before, as that snapshot had them.
    invoiced_previous_month: Decimal | None = None
    #: `invoiced_net` less `invoiced_previous_month`.
    invoiced_change: Decimal | None = None
    cases_new_since_previous: int | None = None
    cases_closed_since_previous: int | None = None
    cases_status_changed_since_previous: int | None = None

    def as_dict(self) -> dict[str, object]:
        return dataclasses.asdict(self)


@dataclass(frozen=True)
class Commentary:
    """What the first pages and the email say about the month in words: the firm's own
    (`commentary/YYYY-MM.md`, its placeholders filled), or automatic observations."""

    by_firm: bool
    #: Markdown, as the email carries it.
    text: str
    #: The same as HTML, for the PDF.
    html: str
    #: Where the firm's words came from (None for automatic observations).
    source: str | None = None


class Approval(StrEnum):
    """Where a month's documents stand: a draft until someone approves them, or approved
    by a person (`reports approve`) or automatically (`[delivery] approval = "auto"`)."""

    DRAFT = "draft"
    APPROVED = "approved"
    AUTOMATIC = "automatic"


@dataclass(frozen=True)
class Stamp:
    """What every document says of its approval: "Draft" until approved, then who
    approved it and when."""

    approval: Approval = Approval.DRAFT
    by: str | None = None
    at: dt.datetime | None = None

    @classmethod
    def draft(cls) -> Stamp:
        return cls()

    @classmethod
    def approved(cls, by: str, at: dt.datetime) -> Stamp:
        return cls(Approval.APPROVED, by, at)

    @classmethod
    def automatic(cls, at: dt.datetime) -> Stamp:
        return cls(Approval.AUTOMATIC, None, at)

    @property
    def is_draft(self) -> bool:
        return self.approval is Approval.DRAFT

    @property
    def label(self) -> str:
        """`Draft: not approved for sending`, `Approved by Jo Bloggs on 03 Nov 2026`."""
        if self.is_draft or self.at is None:
            return "Draft: not approved for sending"
        on = f"{self.at.astimezone(FIRM_ZONE):%d %b %Y %H:%M}"
        if self.approval is Approval.AUTOMATIC:
            return f"Approved automatically (unattended run) on {on}"
        # The name isolated: a bidi override in it must not reverse the date after it.
        return f"Approved by {isolate_direction(self.by or '')} on {on}"


@dataclass(frozen=True)
class ReportData:
    """Everything the month's workbook, PDF report and statements show.

    Build it with `reports.report.build_report_data(frames, month)`; every frame here is
    already computed, exact, and ready to lay out.
    """

    #: The firm the report is from (its name, address, numbers, payment details, logo).
    firm: FirmSettings
    month: Month
    report_currency: str
    generated_at: dt.datetime
    sources: tuple[SourceInfo, ...]
    headline: Headline
    cases: pl.DataFrame
    tasks: pl.DataFrame
    #: The month's expenses that count, each with its `state`; those left out of every
    #: total (rejected, or of an unknown status) are in `expenses_left_out` with the reason.
    expenses: pl.DataFrame
    expenses_left_out: pl.DataFrame
    expenses_by_currency: pl.DataFrame
    #: The counted expenses of each of the last 12 months by state (invoiced, to be
    #: invoiced, awaiting approval): expenses, not invoices issued.
    expenses_by_month_state: pl.DataFrame
    expenses_by_month_currency: pl.DataFrame
    #: The incomes active in the month, each a year (`compute.incomes`), with its annual
    #: amount in the report currency also in the column of its kind (`incomes.by_kind`).
    #: They are the clients' incomes (a fact-find), never the firm's: in no headline figure.
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
    #: HMRC's VAT stagger (1, 2 or 3) the quarters follow.
    vat_stagger: int = 1
    #: Said on the first page of every output when no record falls in the month.
    empty_month_note: str | None = None
    #: The currency of the invoices, VAT and debt (their tables carry no currency column).
    invoice_currency: str = "GBP"
    #: Each headline figure's months before this one, year to date, target and status.
    history: History | None = None
    #: The firm's alert rules this month triggers.
    alerts: tuple[Alert, ...] = ()
    commentary: Commentary | None = None
    #: The invoices unpaid at the month's end (`compute.invoicing.outstanding_invoices`):
    #: the records `aged_debt` adds up.
    debt: pl.DataFrame = field(default_factory=pl.DataFrame)
    #: The invoice lines the VAT quarter's boxes 1 and 6 add up, to the month's end on the
    #: invoice basis (`compute.vat.counted_lines`): the VAT audit listing.
    vat_lines: pl.DataFrame = field(default_factory=pl.DataFrame)
    #: Whether the documents are a draft or approved for sending, and by whom.
    stamp: Stamp = field(default_factory=lambda: Stamp.draft())
    #: The clients by their recorded incomes (`compute.client_book`); None where the source
    #: of the incomes is not configured or was not fetched.
    client_book: ClientBook | None = None
    #: The month's payments and refunds (`credit.PAYMENTS_COLUMNS`), adding up to the cash
    #: collected, and the months its debtor days count back (`receivables.COUNTBACK`).
    payments_received: pl.DataFrame = field(default_factory=pl.DataFrame)
    countback: pl.DataFrame = field(default_factory=pl.DataFrame)
    #: The aged receivables, by client and by invoice, at the month's end; None where no
    #: configured source holds invoices.
    receivables: Receivables | None = None
    #: The payment reminders sent in the month and before; None where no `[credit_control]`
    #: is configured or no configured source holds invoices.
    reminders: Reminders | None = None

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

    @property
    def configured(self) -> frozenset[str]:
        """The sources the firm configured, those that failed (`--allow-partial`) too: the
        report shows the figures, sections and sheets of these alone."""
        return frozenset(s.name for s in self.sources)

    def plays(self, role: Role) -> bool:
        """Whether a configured source plays `role` (gives the expenses, the invoices...)."""
        # Imported here: the sources' packages import this module.
        from reports.sources.registry import provider

        schema = provider(role)
        return schema is not None and schema.source in self.configured
