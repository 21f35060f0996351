"""The heading each column of a table the report shows is printed under: one list per table
for every output (the web report's drill-down, `report.drill`, and the workbook's sheets,
`render.excel`), so that a column reads the same wherever it is shown.

A heading with `{currency}` in it names the currency its amounts are in; the functions
that take a currency fill it.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

__all__ = [
    "CASES",
    "COUNTBACK",
    "INVOICES",
    "INVOICE_LINES",
    "PAYMENTS",
    "QUALITY",
    "expenses",
]


def _table(**headings: str) -> Mapping[str, str]:
    return MappingProxyType(headings)


#: The system a record comes from, in every table that lists records of several.
_SOURCE = "System"

#: Cases of every source, in the one shape of cases (`frames.CASE_SUMMARY_SCHEMA`).
CASES = _table(
    source=_SOURCE,
    case_id="Case",
    case_name="Name",
    client="Client",
    status="Status",
    opened_on="Opened",
    closed_on="Closed",
    opened_in_period="Opened this month",
    closed_in_period="Closed this month",
    open_at_end="Open at month end",
)

_EXPENSES = _table(
    id="Expense",
    case_id="Case",
    client_name="Client",
    expat_name="Employee",
    title="Title",
    incurred_at="Incurred",
    status="Status",
    # The expense's state for billing (`compute.invoicing.ExpenseState`), beside the
    # vendor's own status.
    state="Billing",
    reason="Left out because",
    amount="Amount",
    currency_code="Currency",
    report_amount="Amount ({currency})",
    fx_rate_date="ECB rate date",
    fx_source_per_eur="Currency per EUR",
    fx_target_per_eur="{currency} per EUR",
    invoice_id="Invoice",
    converted_amount="Platform's conversion",
    converted_amount_currency_code="Platform currency",
)


def expenses(report_currency: str) -> Mapping[str, str]:
    """Expenses, their amounts converted into `report_currency`."""
    return _table(
        **{name: title.format(currency=report_currency) for name, title in _EXPENSES.items()}
    )


#: Invoices, as issued and as owed at the month's end (the aged debt lists the same
#: invoices).
INVOICES = _table(
    id="Invoice id",
    invoice_number="Invoice",
    client_name="Client",
    invoice_date="Date",
    due_date="Due",
    status="Status",
    subtotal="Net",
    vat_amount="VAT",
    total="Gross",
    net_of_vat="Net of VAT",
    recomputed_subtotal="Lines: net",
    recomputed_vat="Lines: VAT",
    recomputed_total="Lines: gross",
    cancelled_subtotal="Cancelled net",
    consistent="Consistent",
    issues="Issues",
    age_bucket="Days past due",
    paid_to_date="Paid",
    outstanding="Outstanding",
)

#: The invoices' lines (the VAT audit lists those VAT counts).
INVOICE_LINES = _table(
    invoice_number="Invoice",
    invoice_date="Date",
    client_name="Client",
    description="Description",
    quantity="Quantity",
    rate="Rate",
    vat_rate="VAT rate",
    subtotal="Net",
    vat_amount="VAT",
    amount="Gross",
    has_vat="VAT applies",
    cancelled="Cancelled",
)

#: Payments received and refunds paid, each on its own day.
PAYMENTS = _table(
    date="Date",
    client="Client",
    invoice_number="Invoice",
    kind="Payment or refund",
    paid="Paid (refunds negative)",
)

#: The months the debtor days count back through.
COUNTBACK = _table(
    month="Month counted back",
    days="Days",
    gross="Invoiced, gross",
    invoiced_after="Invoiced in the months after",
    debt_left="Debt left to count",
    days_counted="Days counted (to 0.01)",
)

#: Every record flagged, and what was done with it.
QUALITY = _table(
    source=_SOURCE,
    entity="Record type",
    record="Record",
    check="Check",
    detail="Detail",
    action="What was done",
)
