"""The workbook's live formula for each headline figure, by the figure's key: each recomputes
its figure from the workbook's tables over the rows their filters leave visible
(`visible_sum`), so that a user's filters and edits follow. The tests check that every
formula, recalculated, equals the `Headline` value, and follows a filter.

The report (`report.figures`) states the figures; only the workbook knows its tables, their
columns and the Summary's cells, so the formulas live here.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import MappingProxyType

from reports.compute.invoicing import ExpenseState
from reports.errors import ReportsError
from reports.render.workbook import YES
from reports.report.figures import Figure
from reports.report.model import ReportData

#: `ref(table, field)`: the absolute range of one column of one of the workbook's tables.
Ref = Callable[[str, str], str]
#: A figure's formula (with its `=`), given `ref` and the report.
Formula = Callable[[Ref, ReportData], str]

#: The Summary sheet's cell holding the first day of the report's month (a real date): the
#: VAT figures find their quarter from it, so the workbook's formula follows the month.
PERIOD_START_CELL = "Summary!$B$2"


class NoFormulaError(ReportsError):
    """A figure of the catalogue has no workbook formula."""


def visible_sum(values: str, *criteria: tuple[str, str], count: bool = False) -> str:
    """A sum (or, with `count`, a count) of the `values` range over the rows a user's filters
    leave visible and that meet every `(range, criterion)`: SUMIFS and COUNTIFS count hidden
    rows too, SUBTOTAL alone takes no criterion, so each row's SUBTOTAL is taken through
    OFFSET and weighed by the criteria in a SUMPRODUCT (Excel and LibreOffice alike)."""
    first = values.split(":")[0]
    function = 103 if count else 109
    parts = [f"SUBTOTAL({function},OFFSET({first},ROW({values})-ROW({first}),0))"]
    parts += [f"--({where}={criterion})" for where, criterion in criteria]
    return f"SUMPRODUCT({','.join(parts)})"


def _quarter_start(data: ReportData) -> str:
    """The first day of the VAT quarter holding the Summary's month, worked out in the sheet
    by HMRC's stagger (the same rule as `periods.quarter_bounds`)."""
    month = f"MONTH({PERIOD_START_CELL})"
    return f"EDATE({PERIOD_START_CELL},-MOD({month}-{data.vat_stagger}+3,3))"


def _vat(field: str) -> Formula:
    def formula(ref: Ref, data: ReportData) -> str:
        return "=" + visible_sum(
            ref("VatByPeriod", field),
            (ref("VatByPeriod", "basis"), '"invoice"'),
            (ref("VatByPeriod", "period_start"), _quarter_start(data)),
        )

    return formula


def _expenses_in(state: ExpenseState, table: str = "Expenses") -> Formula:
    def formula(ref: Ref, data: ReportData) -> str:
        return "=" + visible_sum(
            ref(table, "report_amount"), (ref(table, "state"), f'"{state.value}"')
        )

    return formula


def _cases(field: str) -> Formula:
    def formula(ref: Ref, data: ReportData) -> str:
        return "=" + visible_sum(ref("Cases", field), (ref("Cases", field), f'"{YES}"'), count=True)

    return formula


def _subtotal(function: int, table: str, field: str) -> Formula:
    """SUBTOTAL `function` (103 counts, 109 sums) of one column: the visible rows."""

    def formula(ref: Ref, data: ReportData) -> str:
        return f"=SUBTOTAL({function},{ref(table, field)})"

    return formula


def _invoiced_net(ref: Ref, data: ReportData) -> str:
    return (
        f"=SUBTOTAL(109,{ref('Invoices', 'total')})-SUBTOTAL(109,{ref('Invoices', 'vat_amount')})"
    )


def _overdue_90_plus(ref: Ref, data: ReportData) -> str:
    return "=" + visible_sum(ref("AgedDebt", "amount"), (ref("AgedDebt", "age_bucket"), '"90+"'))


def _debtor_days(ref: Ref, data: ReportData) -> str:
    """The countback over the Debtor days sheet (`compute.receivables.countback`), from the
    debt the Aged debt sheet adds up: a month's debt left is that debt less what the months
    after it invoiced; it counts whole while more than its invoicing is left, in proportion
    (days x debt left / invoicing) in the month the debt runs out in, and not at all after.
    The divisor of a month with no invoicing (counted whole) is made 1, never 0; with no
    debt the table is empty and its range would be its heading: 0 days, as the figure."""
    debt = f"SUBTOTAL(109,{ref('AgedDebt', 'amount')})"
    days, gross = ref("DebtorDays", "days"), ref("DebtorDays", "gross")
    left = f"({debt}-{ref('DebtorDays', 'invoiced_after')})"
    whole = f"SUMPRODUCT({days}*({left}>0)*({left}>{gross}))"
    divisor = f"({gross}+({gross}<=0)*(1-{gross}))"
    part = f"SUMPRODUCT({days}*({left}>0)*({left}<={gross})*{left}/{divisor})"
    return f"=IF({debt}<=0,0,ROUND({whole}+{part},1))"


#: Each figure's formula, by `Figure.key`: every figure of `report.figures.FIGURES` has one.
FORMULAS: Mapping[str, Formula] = MappingProxyType(
    {
        "cases_opened": _cases("opened_in_period"),
        "cases_closed": _cases("closed_in_period"),
        "open_cases": _cases("open_at_end"),
        "expenses": _subtotal(103, "Expenses", "id"),
        "expenses_converted": _subtotal(109, "Expenses", "report_amount"),
        "expenses_invoiced": _expenses_in(ExpenseState.INVOICED),
        "expenses_to_be_invoiced": _expenses_in(ExpenseState.TO_BE_INVOICED),
        "expenses_awaiting_approval": _expenses_in(ExpenseState.AWAITING_APPROVAL),
        "expenses_rejected": _expenses_in(ExpenseState.REJECTED, "ExpensesLeftOut"),
        "invoices": _subtotal(103, "Invoices", "id"),
        "invoiced_net": _invoiced_net,
        "invoiced_total": _subtotal(109, "Invoices", "total"),
        "vat_box1": _vat("vat"),
        "vat_box6": _vat("net_sales"),
        "outstanding": _subtotal(109, "AgedDebt", "amount"),
        "overdue_90_plus": _overdue_90_plus,
        "cash_collected": _subtotal(109, "PaymentsReceived", "paid"),
        "debtor_days": _debtor_days,
        "quality_flags": _subtotal(103, "DataQuality", "check"),
    }
)


def formula_for(figure: Figure, ref: Ref, data: ReportData) -> str:
    """`figure`'s formula (with its `=`) over the tables `ref` names."""
    try:
        formula = FORMULAS[figure.key]
    except KeyError:
        raise NoFormulaError(f"figure {figure.key!r} has no workbook formula") from None
    return formula(ref, data)
