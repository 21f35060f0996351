"""What a source is given to add its part to the month's report, and what it gives back:
its clients' statements (`Statement`, with their totals and activity) and its own checks'
flags.

The report works its roles' frames out once (expenses converted and put in their states,
invoices with their totals and lines); a source's `contribute` reads them in its
`ReportContext` and returns a `Contribution`. These types sit outside `reports.report`, so a
source's package needs nothing of the report that calls it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum

import polars as pl

from reports.periods import Month

ZERO = Decimal(0)

#: Fetched frames keyed by `(source, entity)`, as `reports.fetch.fetch_frames` returns them.
Frames = dict[tuple[str, str], pl.DataFrame]


@dataclass(frozen=True)
class StatementTotals:
    """What a statement adds up. `outstanding` is what the client owes: the unpaid balances
    of its invoices, never expenses not yet invoiced; None where the source holds no
    invoice balances (a source that sends expenses, not its invoices)."""

    #: The listed invoices: net, VAT and gross, what of them is paid, and what is owed.
    invoiced_net: Decimal = ZERO
    invoiced_vat: Decimal = ZERO
    invoiced: Decimal = ZERO
    paid: Decimal = ZERO
    outstanding: Decimal | None = ZERO
    #: The account over the period: invoiced in it (gross), paid in it (whatever the
    #: invoice's date), and what is owed at its end by days past due.
    invoiced_this_period: Decimal = ZERO
    paid_this_period: Decimal = ZERO
    owed_current: Decimal = ZERO
    owed_1_30: Decimal = ZERO
    owed_31_60: Decimal = ZERO
    owed_61_90: Decimal = ZERO
    owed_over_90: Decimal = ZERO
    #: The month's expenses by state, in the report currency: invoiced, approved and not yet
    #: invoiced ("to be invoiced"), pending ("awaiting approval"); rejected ones apart, in
    #: no total.
    expenses_invoiced: Decimal = ZERO
    expenses_to_be_invoiced: Decimal = ZERO
    expenses_awaiting_approval: Decimal = ZERO
    expenses_rejected: Decimal = ZERO

    @property
    def expenses(self) -> Decimal:
        """The month's expenses that count: invoiced, to be invoiced and awaiting approval."""
        return (
            self.expenses_invoiced + self.expenses_to_be_invoiced + self.expenses_awaiting_approval
        )


#: A statement's case table, whichever source its client is of.
STATEMENT_CASES = pl.Schema(
    {"reference": pl.String(), "name": pl.String(), "status": pl.String(), "opened_on": pl.Date()}
)
#: A statement's invoice columns, in the order it shows them.
STATEMENT_INVOICE_COLUMNS = (
    "invoice_number",
    "invoice_date",
    "due_date",
    "subtotal",
    "vat_amount",
    "total",
    "paid_to_date",
    "outstanding",
    "status",
)


#: A statement's account activity, in the order it lists it (`compute.activity.EVENTS`
#: without its keys): each invoice or credit note issued in the period (`invoiced`, its
#: gross, negative for a credit) and each payment or refund made in it (`paid`, negative for
#: a refund), by its own date, with the balance after it. `kind` is an `ActivityKind`.
STATEMENT_ACTIVITY_COLUMNS = (
    "date",
    "kind",
    "invoice_number",
    "due_date",
    "invoiced",
    "paid",
    "balance",
)


class StatementKind(StrEnum):
    """What a statement is to the client."""

    #: An account statement: what is owed, and how to pay it.
    ACCOUNT = "account"
    #: A record of the month's expenses from a source that sends no invoices or payments:
    #: not a request for payment.
    EXPENSES = "expenses"

    @property
    def heading(self) -> str:
        """What the document is called: its title, running header and heading."""
        return "Expenses statement" if self is StatementKind.EXPENSES else "Statement"


class Standing(StrEnum):
    """Where a client's account stands at the period's end."""

    OWED = "owed"
    SETTLED = "settled"
    IN_CREDIT = "in credit"


@dataclass(frozen=True)
class StatementActivity:
    """A client's account over the period, as an activity statement shows it
    (`compute.activity`): `opening + invoiced - paid == closing`, exactly."""

    #: What the client owed at the period's start: invoices issued before it, less what
    #: was paid of them before it (credit notes not refunded count as credits).
    opening: Decimal
    #: `STATEMENT_ACTIVITY_COLUMNS`.
    rows: pl.DataFrame
    #: The gross of the invoices and credit notes issued in the period.
    invoiced: Decimal
    #: What was paid in the period, whatever the invoice's date, less refunds.
    paid: Decimal
    #: What the client owes at the period's end: the amount due (negative: in credit).
    closing: Decimal
    #: The earliest due date of what is owed at the end (overdue ones included); None when
    #: nothing is owed, or nothing owed has a due date.
    pay_by: dt.date | None = None
    #: Whether `pay_by` is before the period's end: what is owed is overdue, to be paid now.
    overdue: bool = False


@dataclass(frozen=True)
class Statement:
    """What one client is shown: their cases, the month's expenses, their invoices."""

    key: str  # stable and unique per client: "<source>-<client id>"
    source: str
    client: str
    email: str | None
    #: The client's own reference in its system, the one to quote when paying (a case
    #: reference, a client id as the source shows it): never our internal key.
    reference: str | None
    #: The client's postal address, as far as its system holds one (line by line).
    address: tuple[str, ...]
    cases: pl.DataFrame  # STATEMENT_CASES
    #: title, incurred_at, amount, currency_code, report_amount, state (an `ExpenseState`):
    #: the month's counted expenses; the rejected ones apart, in `rejected_expenses`.
    expenses: pl.DataFrame
    rejected_expenses: pl.DataFrame
    #: `STATEMENT_INVOICE_COLUMNS`, `status` as a client reads it ("paid", "part paid",
    #: "due", "overdue by N days"): the invoices issued in the month, those paid in it, and
    #: every older one still owed at its end.
    invoices: pl.DataFrame
    totals: StatementTotals
    #: The client's postcode, where its system holds one apart (a password rule may use it).
    postcode: str | None = None
    #: What the client quotes when paying: `reference` as every UK bank takes it, unique
    #: among the month's clients (`payment_reference.payment_references`); set once all the
    #: month's statements are assembled.
    payment_reference: str = ""
    #: The account's activity over the period, where the source holds invoices and their
    #: payments; None otherwise.
    activity: StatementActivity | None = None

    @property
    def kind(self) -> StatementKind:
        """An expenses statement where the source holds no invoice balances."""
        if self.totals.outstanding is None and self.activity is None:
            return StatementKind.EXPENSES
        return StatementKind.ACCOUNT

    @property
    def balance(self) -> Decimal | None:
        """What the client owes at the period's end (negative: in credit); None on an
        expenses statement."""
        if self.activity is not None:
            return self.activity.closing
        return self.totals.outstanding

    @property
    def standing(self) -> Standing | None:
        """Owed, settled or in credit at the period's end; None on an expenses statement."""
        balance = self.balance
        if balance is None:
            return None
        if balance > 0:
            return Standing.OWED
        return Standing.IN_CREDIT if balance < 0 else Standing.SETTLED

    @property
    def credit(self) -> Decimal:
        """What the client is in credit by at the period's end (0 unless in credit)."""
        return max(-(self.balance or ZERO), ZERO)


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
