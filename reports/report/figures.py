"""The catalogue of the month's headline figures, written once and laid out by every
renderer: the workbook (a label, a live formula over its tables, `render.excel_formulas`),
the PDF and the web report (a label and the value, formatted in its currency).

Each figure is a `Headline` attribute; `unit` says whether it is a count, money in the
report currency (converted), or money in the invoices' own currency (invoices are never
converted). The report states the figures; how each output shows one is the renderer's.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from enum import StrEnum

from reports.report import open_cases
from reports.report.model import ReportData
from reports.roles import Role
from reports.sources.registry import provider


class Unit(StrEnum):
    COUNT = "count"
    #: Money converted into the report currency.
    REPORT_MONEY = "report money"
    #: Money in the invoices' own currency (`ReportData.invoice_currency`): invoices, VAT and
    #: debt are never converted.
    INVOICE_MONEY = "invoice money"
    #: Days, to a tenth (`compute.receivables.DEBTOR_DAYS_QUANTUM`), rounded once when the
    #: figure is made: shown as it is, never rounded again.
    DAYS = "days"


@dataclass(frozen=True)
class Figure:
    key: str
    #: The label; `{currency}` stands for the report currency, `{vat_quarter}` for the VAT
    #: quarter that holds the month ("quarter Oct-Dec 2026 to 31 Oct 2026"),
    #: `{closing_sources}` for the configured sources whose cases record their closing.
    label: str
    unit: Unit
    #: What a figure shown under another ("  of which ...") is called on its own (in an
    #: alert, a commentary, a trend's caption); None where the label says it already.
    name: str | None = None
    #: The roles of the records it is made from: it shows when a configured source plays
    #: one of them (`ReportData.plays`); none, every source's (cases, data quality).
    needs: frozenset[Role] = frozenset()
    #: Made of cases' closing days: shown where a configured source records them
    #: (`open_cases.closing_sources`); some sources' cases never close.
    closing: bool = False

    def sources(self) -> frozenset[str]:
        """The registered sources it is made from (none: it is every source's)."""
        found = {schema.source for role in self.needs if (schema := provider(role)) is not None}
        if self.closing:
            found.update(open_cases.closing_sources())
        return frozenset(found)

    def shown_with(self, configured: Collection[str]) -> bool:
        """Whether a report from the `configured` sources shows it: a firm sees the
        figures of its own sources only."""
        if not self.needs and not self.closing:
            return True
        return not self.sources().isdisjoint(configured)

    def shown_in(self, data: ReportData) -> bool:
        return self.shown_with(data.configured)

    def label_for(self, data: ReportData) -> str:
        return self.label.format(
            currency=data.report_currency,
            vat_quarter=vat_quarter(data),
            closing_sources=open_cases.covered([s.name for s in data.sources]),
        )

    def title_for(self, data: ReportData) -> str:
        """The figure's name standing alone: its `name`, else its label."""
        return self.title_in(
            data.report_currency,
            vat_quarter(data),
            open_cases.covered([s.name for s in data.sources]),
        )

    def title_in(
        self, report_currency: str, quarter: str, closing_sources: str | None = None
    ) -> str:
        """`title_for`, given the report currency, the words for the VAT quarter and the
        sources whose cases record closing (by default every registered one's)."""
        text = self.name or self.label
        if closing_sources is None:
            closing_sources = open_cases.covered(open_cases.closing_sources())
        return text.format(
            currency=report_currency, vat_quarter=quarter, closing_sources=closing_sources
        ).strip()

    def currency_for(self, data: ReportData) -> str | None:
        """The currency the value is in; None for a count."""
        return self.currency_in(data.report_currency, data.invoice_currency)

    def currency_in(self, report_currency: str, invoice_currency: str) -> str | None:
        """`currency_for`, given the report's and the invoices' currencies."""
        if self.unit is Unit.REPORT_MONEY:
            return report_currency
        if self.unit is Unit.INVOICE_MONEY:
            return invoice_currency
        return None

    def value_for(self, data: ReportData) -> object:
        return getattr(data.headline, self.key)


def vat_quarter(data: ReportData) -> str:
    """`quarter Oct-Dec 2026`, and `to 31 Oct 2026` while the month is not its last."""
    start, end = data.headline.vat_quarter_start, data.headline.vat_quarter_end
    name = f"quarter {start:%b}-{end:%b %Y}"
    if data.period_end < end:
        name += f" to {data.period_end:%d %b %Y}"
    return name


FIGURES: tuple[Figure, ...] = (
    Figure(
        "cases_opened",
        "Cases opened this month",
        Unit.COUNT,
    ),
    Figure(
        "cases_closed",
        "Cases closed this month",
        Unit.COUNT,
        closing=True,
    ),
    Figure(
        "open_cases",
        "Cases open at month end ({closing_sources})",
        Unit.COUNT,
        closing=True,
    ),
    Figure(
        "expenses",
        "Expenses this month (invoiced, approved or pending; not rejected)",
        Unit.COUNT,
        needs=frozenset({Role.EXPENSES}),
    ),
    Figure(
        "expenses_converted",
        "Expenses this month in {currency} (invoiced, approved or pending)",
        Unit.REPORT_MONEY,
        needs=frozenset({Role.EXPENSES}),
    ),
    Figure(
        "expenses_invoiced",
        "  of which invoiced",
        Unit.REPORT_MONEY,
        "Expenses invoiced this month in {currency}",
        needs=frozenset({Role.EXPENSES}),
    ),
    Figure(
        "expenses_to_be_invoiced",
        "  of which approved, to be invoiced (billable work in progress)",
        Unit.REPORT_MONEY,
        "Approved expenses to be invoiced this month in {currency}",
        needs=frozenset({Role.EXPENSES}),
    ),
    Figure(
        "expenses_awaiting_approval",
        "  of which pending, awaiting approval",
        Unit.REPORT_MONEY,
        "Pending expenses awaiting approval this month in {currency}",
        needs=frozenset({Role.EXPENSES}),
    ),
    Figure(
        "expenses_rejected",
        "Rejected expenses this month in {currency} (in no total)",
        Unit.REPORT_MONEY,
        needs=frozenset({Role.EXPENSES}),
    ),
    Figure(
        "invoices",
        "Invoices issued this month",
        Unit.COUNT,
        needs=frozenset({Role.INVOICES}),
    ),
    Figure(
        "invoiced_net",
        "Fees invoiced this month, net of VAT",
        Unit.INVOICE_MONEY,
        needs=frozenset({Role.INVOICES}),
    ),
    Figure(
        "invoiced_total",
        "  gross, VAT included",
        Unit.INVOICE_MONEY,
        "Invoiced this month, gross (VAT included)",
        needs=frozenset({Role.INVOICES}),
    ),
    Figure(
        "vat_box1",
        "VAT box 1, VAT due on sales: {vat_quarter}, invoice basis",
        Unit.INVOICE_MONEY,
        needs=frozenset({Role.INVOICE_ITEMS}),
    ),
    Figure(
        "vat_box6",
        "VAT box 6, sales excluding VAT: {vat_quarter}, invoice basis",
        Unit.INVOICE_MONEY,
        needs=frozenset({Role.INVOICE_ITEMS}),
    ),
    Figure(
        "outstanding",
        "Outstanding at month end (every unpaid invoice)",
        Unit.INVOICE_MONEY,
        needs=frozenset({Role.INVOICES}),
    ),
    Figure(
        "overdue_90_plus",
        "  of which over 90 days past due",
        Unit.INVOICE_MONEY,
        "Debt over 90 days past due at month end",
        needs=frozenset({Role.INVOICES}),
    ),
    Figure(
        "cash_collected",
        "Cash collected this month (payments by the day received, less refunds)",
        Unit.INVOICE_MONEY,
        needs=frozenset({Role.INVOICES}),
    ),
    Figure(
        "debtor_days",
        "Debtor days at month end (countback on gross invoicing)",
        Unit.DAYS,
        needs=frozenset({Role.INVOICES}),
    ),
    Figure(
        "quality_flags",
        "Data-quality flags",
        Unit.COUNT,
    ),
)


def shown_figures(data: ReportData) -> tuple[Figure, ...]:
    """The catalogue's figures `data` shows, in its order: those of the configured sources."""
    return tuple(figure for figure in FIGURES if figure.shown_in(data))
