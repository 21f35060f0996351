"""Where each headline figure comes from: the records that make it up, for the web
report's drill-down and its VAT audit listing.

Each `Breakdown` is a figure's records, filtered from the report's own frames by the same
rule as the figure, with the column that adds up to it (or none, where the figure counts
rows) and their sum. The sums are checked against the figures here, once: a breakdown that
does not add up to its figure is a bug, never something to show.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

import polars as pl

from reports.compute.invoicing import ExpenseState
from reports.money import MONEY, total
from reports.report import headings, open_cases
from reports.report.figures import FIGURES, Figure
from reports.report.model import ReportData
from reports.report.settle import role_schema
from reports.sources.base import Role


class Kind(StrEnum):
    """How a column's values are shown: text, a day, a count, or money in a currency."""

    TEXT = "text"
    DATE = "date"
    NUMBER = "number"
    #: A fraction shown in per cent (0.2 as 20%).
    RATE = "rate"
    MONEY = "money"


@dataclass(frozen=True)
class Column:
    name: str
    title: str
    kind: Kind = Kind.TEXT
    #: For money: the currency all its values are in, or the column naming each row's.
    currency: str | None = None
    currency_column: str | None = None


@dataclass(frozen=True)
class Breakdown:
    """The records behind one headline figure."""

    figure: Figure
    #: What the rows are, in words ("Cases opened between ... (UK days)").
    description: str
    rows: pl.DataFrame
    columns: tuple[Column, ...]
    #: The column the figure adds up; None where the figure counts the rows.
    amount: str | None
    #: The rows' sum (or count): equal to the figure, which `breakdowns` checks.
    total: Decimal | int
    #: How to find each record's page in the web app of its `source` (a column of `rows`):
    #: `(entity, column)` in order of preference (its own page, else its case's).
    links: tuple[tuple[str, str], ...]
    #: Rows shown grouped under this column (the VAT audit lists lines under invoices).
    group: str | None = None
    #: False where the rows are a working, not the figure's records (debtor days' months
    #: counted back): they neither add up nor count to it.
    adds_up: bool = True

    @property
    def key(self) -> str:
        return self.figure.key


def _with_source(frame: pl.DataFrame, role: Role) -> pl.DataFrame:
    if "source" in frame.columns:
        return frame
    return frame.with_columns(source=pl.lit(role_schema(role).source, pl.String))


def _numbered(frame: pl.DataFrame, id_column: str) -> pl.DataFrame:
    """An invoice with no number is shown by its id, as Data quality says it is."""
    if "invoice_number" not in frame.columns:
        return frame
    return frame.with_columns(
        invoice_number=pl.coalesce("invoice_number", pl.format("(no number) id {}", id_column))
    )


def _shown(
    table: Mapping[str, str], *columns: str | tuple[str, Kind], currency: str | None = None
) -> tuple[Column, ...]:
    """`columns` of a table under their headings (`report.headings`, which the workbook
    shows too): text unless a kind is given, money in `currency`."""
    shown = []
    for each in columns:
        name, kind = (each, Kind.TEXT) if isinstance(each, str) else each
        shown.append(Column(name, table[name], kind, currency if kind is Kind.MONEY else None))
    return tuple(shown)


_CASE_COLUMNS = _shown(
    headings.CASES,
    "source",
    "case_id",
    "case_name",
    "client",
    "status",
    ("opened_on", Kind.DATE),
    ("closed_on", Kind.DATE),
)


def _expense_columns(report_currency: str, reason: bool = False) -> tuple[Column, ...]:
    table = headings.expenses(report_currency)
    return (
        *_shown(
            table,
            "id",
            ("incurred_at", Kind.DATE),
            "client_name",
            "expat_name",
            "title",
            "state",
            *(("reason",) if reason else ()),
        ),
        Column("amount", table["amount"], Kind.MONEY, currency_column="currency_code"),
        *_shown(table, ("report_amount", Kind.MONEY), currency=report_currency),
    )


def _invoice_columns(currency: str) -> tuple[Column, ...]:
    return _shown(
        headings.INVOICES,
        "invoice_number",
        ("invoice_date", Kind.DATE),
        "client_name",
        "status",
        ("subtotal", Kind.MONEY),
        ("vat_amount", Kind.MONEY),
        ("total", Kind.MONEY),
        currency=currency,
    )


def _payment_columns(currency: str) -> tuple[Column, ...]:
    return _shown(
        headings.PAYMENTS,
        ("date", Kind.DATE),
        "client",
        "invoice_number",
        "kind",
        ("paid", Kind.MONEY),
        currency=currency,
    )


def _countback_columns(currency: str) -> tuple[Column, ...]:
    return _shown(
        headings.COUNTBACK,
        ("month", Kind.DATE),
        ("days", Kind.NUMBER),
        ("gross", Kind.MONEY),
        ("invoiced_after", Kind.MONEY),
        ("debt_left", Kind.MONEY),
        ("days_counted", Kind.NUMBER),
        currency=currency,
    )


def _debt_columns(currency: str) -> tuple[Column, ...]:
    return _shown(
        headings.INVOICES,
        "invoice_number",
        ("invoice_date", Kind.DATE),
        ("due_date", Kind.DATE),
        "client_name",
        "age_bucket",
        ("total", Kind.MONEY),
        ("paid_to_date", Kind.MONEY),
        ("outstanding", Kind.MONEY),
        currency=currency,
    )


def _vat_columns(currency: str) -> tuple[Column, ...]:
    return _shown(
        headings.INVOICE_LINES,
        "invoice_number",
        ("invoice_date", Kind.DATE),
        "client_name",
        "description",
        ("vat_rate", Kind.RATE),
        ("subtotal", Kind.MONEY),
        ("vat_amount", Kind.MONEY),
        currency=currency,
    )


_QUALITY_COLUMNS = _shown(
    headings.QUALITY, "source", "entity", "record", "check", "detail", "action"
)

_CASE_LINKS = (("case", "case_id"),)
_EXPENSE_LINKS = (("expense", "id"), ("case", "case_id"))
_INVOICE_LINKS = (("invoice", "id"), ("case", "case_id"))
_LINE_LINKS = (("invoice", "invoice_id"), ("case", "case_id"))


def breakdowns(data: ReportData) -> tuple[Breakdown, ...]:
    """Each headline figure's records, in the catalogue's order, each summing to its figure
    (an `AssertionError` otherwise: the figure and its records disagree)."""
    by_key = {figure.key: figure for figure in FIGURES}
    month = f"{data.period_start:%d %b %Y} to {data.period_end:%d %b %Y}"
    quarter = f"{data.headline.vat_quarter_start:%d %b %Y} to {data.period_end:%d %b %Y}"
    money_in = data.invoice_currency
    cases = data.cases
    expenses = _with_source(data.expenses, Role.EXPENSES)
    rejected = _with_source(
        data.expenses_left_out.filter(pl.col("state") == ExpenseState.REJECTED.value),
        Role.EXPENSES,
    )
    invoices = _numbered(_with_source(data.invoices, Role.INVOICES), "id")
    debt = (
        _numbered(_with_source(data.debt, Role.INVOICES), "id")
        if data.debt.width
        else invoices.clear()
    )
    lines = (
        _numbered(_with_source(data.vat_lines, Role.INVOICE_ITEMS), "invoice_id").sort(
            "invoice_number", "id"
        )
        if data.vat_lines.width
        else None
    )

    def made(
        key: str,
        description: str,
        rows: pl.DataFrame,
        columns: tuple[Column, ...],
        amount: str | None,
        links: tuple[tuple[str, str], ...],
        group: str | None = None,
    ) -> Breakdown:
        figure = by_key[key]
        summed: Decimal | int = rows.height if amount is None else total(rows[amount])
        value = figure.value_for(data)
        if summed != value:
            raise AssertionError(f"{key}: its records sum to {summed}, the figure is {value}")
        return Breakdown(figure, description, rows, columns, amount, summed, links, group)

    def state(value: ExpenseState) -> pl.DataFrame:
        return expenses.filter(pl.col("state") == value.value)

    found = [
        made(
            "cases_opened",
            f"Cases opened {month} (UK days)",
            cases.filter("opened_in_period"),
            _CASE_COLUMNS,
            None,
            _CASE_LINKS,
        ),
        made(
            "cases_closed",
            f"Cases closed {month}",
            cases.filter("closed_in_period"),
            _CASE_COLUMNS,
            None,
            _CASE_LINKS,
        ),
        made(
            "open_cases",
            f"Cases of the sources that record closing "
            f"({open_cases.covered([s.name for s in data.sources])}) opened by "
            f"{data.period_end:%d %b %Y} and not closed by it",
            cases.filter("open_at_end"),
            _CASE_COLUMNS,
            None,
            _CASE_LINKS,
        ),
        made(
            "expenses",
            f"Expenses incurred {month}, invoiced, approved or pending (rejected ones apart)",
            expenses,
            _expense_columns(data.report_currency),
            None,
            _EXPENSE_LINKS,
        ),
        made(
            "expenses_converted",
            f"The same expenses, each converted into {data.report_currency} at the ECB rate "
            "of its day",
            expenses,
            _expense_columns(data.report_currency),
            "report_amount",
            _EXPENSE_LINKS,
        ),
        *(
            made(
                key,
                f"Expenses incurred {month} whose state is {value.value}",
                state(value),
                _expense_columns(data.report_currency),
                "report_amount",
                _EXPENSE_LINKS,
            )
            for key, value in (
                ("expenses_invoiced", ExpenseState.INVOICED),
                ("expenses_to_be_invoiced", ExpenseState.TO_BE_INVOICED),
                ("expenses_awaiting_approval", ExpenseState.AWAITING_APPROVAL),
            )
        ),
        made(
            "expenses_rejected",
            f"Expenses incurred {month} that were rejected: in no other figure",
            rejected,
            _expense_columns(data.report_currency, reason=True),
            "report_amount",
            _EXPENSE_LINKS,
        ),
        made(
            "invoices",
            f"Invoices dated {month}",
            invoices,
            _invoice_columns(money_in),
            None,
            _INVOICE_LINKS,
        ),
        made(
            "invoiced_net",
            f"Invoices dated {month} (credit notes negative), each its gross total less the "
            "VAT it states",
            invoices.with_columns(
                net_of_vat=(pl.col("total") - pl.col("vat_amount").fill_null(0)).cast(MONEY)
            ),
            (
                *_invoice_columns(money_in),
                *_shown(headings.INVOICES, ("net_of_vat", Kind.MONEY), currency=money_in),
            ),
            "net_of_vat",
            _INVOICE_LINKS,
        ),
        made(
            "invoiced_total",
            f"Invoices dated {month}, their gross totals",
            invoices,
            _invoice_columns(money_in),
            "total",
            _INVOICE_LINKS,
        ),
    ]
    if lines is not None:
        found += [
            made(
                key,
                f"VAT audit: every invoice line dated {quarter} that VAT counts (cancelled "
                "lines and lines of an unknown status are left out), under its invoice",
                lines,
                _vat_columns(money_in),
                amount,
                _LINE_LINKS,
                group="invoice_number",
            )
            for key, amount in (("vat_box1", "vat_amount"), ("vat_box6", "subtotal"))
        ]
    found += [
        made(
            "outstanding",
            f"Invoices unpaid at {data.period_end:%d %b %Y}, what each still owes",
            debt,
            _debt_columns(money_in),
            "outstanding",
            _INVOICE_LINKS,
        ),
        made(
            "overdue_90_plus",
            "The same invoices, those more than 90 days past their due date",
            debt.filter(pl.col("age_bucket") == "90+"),
            _debt_columns(money_in),
            "outstanding",
            _INVOICE_LINKS,
        ),
        made(
            "cash_collected",
            f"Payments received {month}, each on its own day, and refunds paid to clients "
            "(negative): the statements' payment lines",
            data.payments_received,
            _payment_columns(money_in),
            "paid",
            (),
        ),
    ]
    if data.countback.width:
        # Not a sum: the months the debt at the month's end is counted back through, each
        # whole until the month it runs out in, which counts in proportion; the figure adds
        # their exact days and is rounded once (its rows show them to 0.01).
        found.append(
            Breakdown(
                by_key["debtor_days"],
                f"The debt at {data.period_end:%d %b %Y} counted back against each month's "
                "gross invoicing, this month first: a month counts whole while more than its "
                "invoicing is left, the month the debt runs out in counts its days x the debt "
                "left / its invoicing",
                data.countback,
                _countback_columns(money_in),
                None,
                data.headline.debtor_days,
                (),
                adds_up=False,
            )
        )
    found += [
        made(
            "quality_flags",
            "Every record flagged, and what was done with it",
            data.quality,
            _QUALITY_COLUMNS,
            None,
            (),
        ),
    ]
    return tuple(found)
