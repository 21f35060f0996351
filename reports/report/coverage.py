"""Which source each part of the report needs, beside the headline figures' own (`Figure.needs`
in `figures`): a firm sees only the sections, sheets and tables of the sources it configured,
never a page of another system's zeros.

Parts are named as the workbook names its tables ("Expenses", "AgedDebt"); the PDF's and
the web page's sections go by the table they lay out. A part not named here is every
source's (cases, data quality, changes).
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from reports.report.model import ReportData
from reports.roles import Role

#: The role a configured source must play for the part to show.
NEEDS: Mapping[str, Role] = MappingProxyType(
    {
        "Tasks": Role.TASKS,
        "Expenses": Role.EXPENSES,
        "ExpensesLeftOut": Role.EXPENSES,
        "ExpensesByMonth": Role.EXPENSES,
        "Incomes": Role.INCOMES,
        "ClientBook": Role.INCOMES,
        "Invoices": Role.INVOICES,
        "AgedDebt": Role.INVOICES,
        "AgedReceivables": Role.INVOICES,
        "UnpaidInvoices": Role.INVOICES,
        "PaymentsReceived": Role.INVOICES,
        "DebtorDays": Role.INVOICES,
        "InvoiceItems": Role.INVOICE_ITEMS,
        "VatByPeriod": Role.INVOICE_ITEMS,
    }
)


def shows(data: ReportData, part: str) -> bool:
    """Whether the report shows `part`: a source the firm configured gives its records."""
    role = NEEDS.get(part)
    return role is None or data.plays(role)


def shown_parts(data: ReportData) -> dict[str, bool]:
    """`shows` for every part named in `NEEDS`, by name, for the templates."""
    return {part: shows(data, part) for part in NEEDS}
