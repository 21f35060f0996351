"""The catalogue of the month's headline figures, written once and laid out alike by the
workbook (a label, a live formula over the detail tables, a number format) and the PDF (a
label and the value, formatted in its currency).

Each figure is a `Headline` attribute; `unit` says whether it is a count, money in the
report currency (converted), or money in WillSuite's own currency (invoices are never
converted). The formula recomputes the figure from the workbook's tables, so that a user's
filters and edits follow; the tests check that every formula, recalculated, equals the
`Headline` value.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from reports.frames import WILLSUITE_CURRENCY
from reports.report.model import ReportData

#: `ref(table, field)`: the absolute range of one column of one of the workbook's tables.
Ref = Callable[[str, str], str]


class Unit(StrEnum):
    COUNT = "count"
    #: Money converted into the report currency.
    REPORT_MONEY = "report money"
    #: Money in WillSuite's own currency: invoices, VAT and debt are never converted.
    INVOICE_MONEY = "invoice money"


@dataclass(frozen=True)
class Figure:
    key: str
    #: The label; `{currency}` stands for the report currency.
    label: str
    unit: Unit
    #: The Excel formula (with its `=`), given `ref` and the report.
    formula: Callable[[Ref, ReportData], str]

    def label_for(self, data: ReportData) -> str:
        return self.label.format(currency=data.report_currency)

    def currency_for(self, data: ReportData) -> str | None:
        """The currency the value is in; None for a count."""
        if self.unit is Unit.REPORT_MONEY:
            return data.report_currency
        if self.unit is Unit.INVOICE_MONEY:
            return WILLSUITE_CURRENCY
        return None

    def value_for(self, data: ReportData) -> object:
        return getattr(data.headline, self.key)


def _quarter(data: ReportData) -> str:
    start = data.headline.vat_quarter_start
    return f"DATE({start.year},{start.month},{start.day})" if start else "DATE(1900,1,1)"


def _vat(field: str) -> Callable[[Ref, ReportData], str]:
    def formula(ref: Ref, data: ReportData) -> str:
        return (
            f'=SUMIFS({ref("VatByPeriod", field)},{ref("VatByPeriod", "basis")},"invoice",'
            f"{ref('VatByPeriod', 'period_start')},{_quarter(data)})"
        )

    return formula


def _incomes(amount_type: str) -> Callable[[Ref, ReportData], str]:
    def formula(ref: Ref, data: ReportData) -> str:
        return (
            f"=SUMIFS({ref('Incomes', 'report_annual_amount')},"
            f'{ref("Incomes", "amount_type")},"{amount_type}")'
        )

    return formula


FIGURES: tuple[Figure, ...] = (
    Figure(
        "cases_opened",
        "Cases opened this month",
        Unit.COUNT,
        lambda ref, _: f"=COUNTIFS({ref('Cases', 'opened_in_period')},TRUE())",
    ),
    Figure(
        "cases_closed",
        "Cases closed this month",
        Unit.COUNT,
        lambda ref, _: f"=COUNTIFS({ref('Cases', 'closed_in_period')},TRUE())",
    ),
    Figure(
        "expenses",
        "Expenses this month",
        Unit.COUNT,
        lambda ref, _: f"=SUBTOTAL(103,{ref('Expenses', 'id')})",
    ),
    Figure(
        "expenses_converted",
        "Expenses, converted to {currency}",
        Unit.REPORT_MONEY,
        lambda ref, _: f"=SUBTOTAL(109,{ref('Expenses', 'report_amount')})",
    ),
    Figure(
        "expenses_invoiced",
        "Expenses invoiced",
        Unit.REPORT_MONEY,
        lambda ref, _: (
            f"=SUMIFS({ref('Expenses', 'report_amount')},{ref('Expenses', 'invoiced')},TRUE())"
        ),
    ),
    Figure(
        "expenses_not_invoiced",
        "Expenses not yet invoiced",
        Unit.REPORT_MONEY,
        lambda ref, _: (
            f"=SUMIFS({ref('Expenses', 'report_amount')},{ref('Expenses', 'invoiced')},FALSE())"
        ),
    ),
    Figure(
        "invoices",
        "Invoices issued this month",
        Unit.COUNT,
        lambda ref, _: f"=SUBTOTAL(103,{ref('Invoices', 'invoice_number')})",
    ),
    Figure(
        "invoiced_total",
        "Invoiced this month (gross)",
        Unit.INVOICE_MONEY,
        lambda ref, _: f"=SUBTOTAL(109,{ref('Invoices', 'total')})",
    ),
    Figure("vat_box1", "VAT quarter: box 1, VAT due on sales", Unit.INVOICE_MONEY, _vat("vat")),
    Figure(
        "vat_box6",
        "VAT quarter: box 6, sales excluding VAT",
        Unit.INVOICE_MONEY,
        _vat("net_sales"),
    ),
    Figure(
        "outstanding",
        "Outstanding at month end",
        Unit.INVOICE_MONEY,
        lambda ref, _: f"=SUM({ref('AgedDebt', 'amount')})",
    ),
    Figure(
        "overdue_90_plus",
        "Of which over 90 days past due",
        Unit.INVOICE_MONEY,
        lambda ref, _: (
            f'=SUMIFS({ref("AgedDebt", "amount")},{ref("AgedDebt", "age_bucket")},"90+")'
        ),
    ),
    Figure("incomes_annual_net", "Client incomes, annual, net", Unit.REPORT_MONEY, _incomes("net")),
    Figure(
        "incomes_annual_gross",
        "Client incomes, annual, gross",
        Unit.REPORT_MONEY,
        _incomes("gross"),
    ),
    Figure(
        "quality_flags",
        "Data-quality flags",
        Unit.COUNT,
        lambda ref, _: f"=SUBTOTAL(103,{ref('DataQuality', 'check')})",
    ),
)
