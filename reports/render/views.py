"""What the monthly PDF and the web page show, as their templates read it: the view
contexts of a month (`monthly_context`) and of a statement (`statement_context`), shared by
`render.pdf` and `render.web` so that neither renderer imports the other."""

from __future__ import annotations

import base64
import mimetypes
from pathlib import Path
from typing import Any

import polars as pl

from reports.render import charts
from reports.render.commentary import alert_sentence, amount, percent, signed
from reports.render.templates import day
from reports.report.coverage import shown_parts
from reports.report.figures import shown_figures, vat_quarter
from reports.report.model import ReportData, Statement, StatementKind

QUALITY_ROWS_IN_PDF = 60
#: The aged receivables' clients the PDF lists, the largest; the workbook has every one.
RECEIVABLES_IN_PDF = 10
#: The month's payment reminders the PDF lists, the first sent; the workbook has every one.
REMINDERS_IN_PDF = 30


def _rows(frame: pl.DataFrame) -> list[dict[str, Any]]:
    return frame.to_dicts() if frame.height else []


def _filled(frame: pl.DataFrame) -> frozenset[str]:
    """The columns of `frame` that hold something (not null, not blank) on some row."""
    blank = pl.col(pl.String).str.strip_chars() == ""
    shown = frame.with_columns(pl.when(blank.not_()).then(pl.col(pl.String)))
    counts = shown.select(pl.all().is_not_null().any()).row(0, named=True) if frame.height else {}
    return frozenset(name for name, held in counts.items() if held)


def _common(data: ReportData) -> dict[str, Any]:
    fetched = [s.fetched_at for s in data.sources if s.fetched_at]
    return {
        # The firm's settings; `{{ firm }}` prints its name, `title` the name or a default.
        "firm": data.firm,
        "title": data.firm.name or "Monthly report",
        "logo": data.firm.logo.resolve().as_uri() if data.firm.logo else None,
        "month_label": data.month_label,
        "to_date_note": data.month.to_date_note,
        "period_start": data.period_start,
        "period_end": data.period_end,
        "report_currency": data.report_currency,
        "invoice_currency": data.invoice_currency,
        "missing_sources": data.missing_sources,
        "fetched_summary": day(min(fetched)) if fetched else "at an unknown time",
        "source_names": ", ".join(s.name for s in data.sources if s.present) or "no source",
        # The web page (render.web) links each figure to its records; the PDF does not.
        "web": False,
    }


def figures(data: ReportData) -> list[tuple[str, str]]:
    """The headline figures of the configured sources as (label, value as printed), in the
    catalogue's order."""
    shown = []
    for figure in shown_figures(data):
        value = figure.value_for(data)
        currency = figure.currency_for(data)
        shown.append((figure.label_for(data), amount(value, figure.unit, currency)))  # type: ignore[arg-type]
    return shown


def status_of(data: ReportData) -> dict[str, str]:
    """Each figure's target status as a word, by key (figures with a target only)."""
    if data.history is None:
        return {}
    return {t.key: t.status.value for t in data.history.trends if t.status is not None}


def trends(data: ReportData) -> list[dict[str, object]]:
    """Each figure's trend as the trends page prints it: caption, small chart, and the
    month, last month, last year, year to date and target, formatted."""
    if data.history is None:
        return []
    shown: list[dict[str, object]] = []
    for trend in data.history.trends:
        unit, currency = trend.figure.unit, trend.figure.currency_for(data)
        months = [f"{day:%b %y}" for day, _ in trend.months]
        values = [float(value) for _, value in trend.months]
        targets = [float(value) for value in trend.month_targets]
        shown.append(
            {
                "key": trend.key,
                "label": trend.figure.title_for(data),
                "behaviour": trend.behaviour.value,
                "chart": charts.trend_line(months, values, targets, currency),
                "value": amount(trend.value, unit, currency),
                "previous": amount(trend.previous, unit, currency),
                "change": signed(trend.change, unit, currency),
                "change_pct": percent(trend.change_pct),
                "last_year": amount(trend.last_year, unit, currency),
                "last_year_change_pct": percent(trend.last_year_change_pct),
                "ytd": amount(trend.ytd, unit, currency) if trend.ytd is not None else "",
                "ytd_last_year": amount(trend.ytd_last_year, unit, currency)
                if trend.ytd is not None
                else "",
                "target": amount(trend.target, unit, currency) if trend.target is not None else "",
                "status": trend.status.value if trend.status else "",
                "high_low": "12-month high"
                if trend.high_12
                else "12-month low"
                if trend.low_12
                else "",
            }
        )
    return shown


def _restated(data: ReportData) -> list[dict[str, str]]:
    if data.history is None:
        return []
    by_key = {t.key: t for t in data.history.trends}
    rows = []
    for month, key, _, as_sent, now, difference in data.history.restated.iter_rows():
        figure = by_key[key].figure
        unit, currency = figure.unit, figure.currency_for(data)
        rows.append(
            {
                "month": f"{month:%B %Y}",
                "label": figure.title_for(data),
                "as_sent": amount(as_sent, unit, currency),
                "now": amount(now, unit, currency),
                "difference": signed(difference, unit, currency),
            }
        )
    return rows


def monthly_context(data: ReportData) -> dict[str, object]:
    headline = data.headline
    report_currency = data.report_currency
    invoice_basis = data.vat_return.filter(basis="invoice")
    by_month = data.expenses_by_month_state
    statuses = status_of(data)
    return {
        **_common(data),
        # Draft or approved: the firm's own documents say which; statements do not.
        "stamp": data.stamp,
        "generated_at": day(data.generated_at),
        "sources": [
            {
                "name": s.name,
                "fetched": day(s.fetched_at) if s.present else "MISSING",
                "rows": s.rows,
            }
            for s in data.sources
        ],
        "headline": headline,
        "figures": figures(data),
        "figure_keys": [figure.key for figure in shown_figures(data)],
        "statuses": [statuses.get(figure.key, "") for figure in shown_figures(data)],
        # Which sections show: those of the configured sources (`report.coverage`).
        "shows": shown_parts(data),
        "has_targets": bool(statuses),
        "alerts": [alert_sentence(alert) for alert in data.alerts],
        "commentary": data.commentary,
        "trends": trends(data),
        "trend_months": len(data.history.months) if data.history else 0,
        "year_start": data.history.year_start.label if data.history else "",
        "restated": _restated(data),
        "expenses_by_currency": _rows(data.expenses_by_currency),
        "expenses_left_out": _rows(data.expenses_left_out.head(QUALITY_ROWS_IN_PDF)),
        "expenses_left_out_count": data.expenses_left_out.height,
        "vat_quarter": vat_quarter(data),
        "empty_month_note": data.empty_month_note,
        "vat_return": _rows(data.vat_return),
        "aged_debt": _rows(data.aged_debt),
        "client_book": _client_book(data),
        "receivables": _receivables(data),
        "reminders": _reminders(data),
        "quality": _rows(data.quality.head(QUALITY_ROWS_IN_PDF)),
        "has_previous": data.has_previous,
        "changes": _rows(data.changes.head(QUALITY_ROWS_IN_PDF)),
        "changes_count": data.changes.height,
        "quality_count": data.quality.height,
        "charts": {
            "expenses": charts.stacked_bars(
                data.expenses_by_month_currency,
                "month",
                "currency_code",
                "report_amount",
                f"Expenses by month and currency, in {report_currency}",
                report_currency,
            ),
            "invoicing": charts.bars(
                [m.strftime("%b %y") for m in by_month["month"]],
                {
                    "Invoiced": [float(v) for v in by_month["invoiced_amount"]],
                    "To be invoiced": [float(v) for v in by_month["to_be_invoiced_amount"]],
                    "Awaiting approval": [float(v) for v in by_month["awaiting_approval_amount"]],
                },
                "Expenses by month incurred (rejected ones left out)",
                report_currency,
            ),
            "vat": charts.bars(
                [f"{d:%b %y}" for d in invoice_basis["period_start"]],
                {
                    "Box 1 (VAT)": [float(v) for v in invoice_basis["box1_vat_due_on_sales"]],
                    "Box 6 (net sales)": [
                        float(v) for v in invoice_basis["box6_total_sales_ex_vat"]
                    ],
                },
                "VAT by quarter, invoice basis",
                data.invoice_currency,
            ),
            "aged_debt": charts.bars(
                data.aged_debt["age_bucket"].to_list(),
                {"Outstanding": [float(v) for v in data.aged_debt["amount"]]},
                "Outstanding debt by days past due",
                data.invoice_currency,
            ),
        },
    }


def _receivables(data: ReportData) -> dict[str, object] | None:
    """The aged receivables as the PDF lays them out (None without them): the largest
    `RECEIVABLES_IN_PDF` clients, how many more the workbook lists, and every client's
    totals by band."""
    owed = data.receivables
    if owed is None:
        return None
    return {
        "rows": _rows(owed.summary.head(RECEIVABLES_IN_PDF)),
        "clients": owed.summary.height,
        "more": max(owed.summary.height - RECEIVABLES_IN_PDF, 0),
        "invoices": owed.detail.height,
        "band_totals": owed.band_totals,
        "total": owed.total,
    }


def _reminders(data: ReportData) -> dict[str, object] | None:
    """The month's payment reminders as the PDF lays them out (None where nobody is
    chased): the first `REMINDERS_IN_PDF` sent, and how many more the workbook lists."""
    reminders = data.reminders
    if reminders is None:
        return None
    month = reminders.month
    return {
        "rows": _rows(month.head(REMINDERS_IN_PDF)),
        "count": month.height,
        "clients": month["key"].n_unique(),
        "more": max(month.height - REMINDERS_IN_PDF, 0),
        "uncertain": month.filter(state="uncertain").height,
        "unrecorded": month["asked"].null_count(),
    }


def _client_book(data: ReportData) -> dict[str, object] | None:
    """The Client book's tables as the PDF and the web page lay them out (None without one):
    its lists cut to `QUALITY_ROWS_IN_PDF` rows, the workbook's Client book sheet has all."""
    book = data.client_book
    if book is None:
        return None
    return {
        "source": book.source,
        "ending_by": book.ending_by,
        "bands": _rows(book.bands),
        "clients": book.clients.height,
        "net_annual": book.net_annual,
        "gross_annual": book.gross_annual,
        "recorded": _rows(book.recorded.head(QUALITY_ROWS_IN_PDF)),
        "recorded_count": book.recorded.height,
        "ending": _rows(book.ending.head(QUALITY_ROWS_IN_PDF)),
        "ending_count": book.ending.height,
        "without_income": _rows(book.without_income.head(QUALITY_ROWS_IN_PDF)),
        "without_income_count": book.without_income.height,
    }


def statement_context(data: ReportData, statement: Statement) -> dict[str, object]:
    """What a client's statement shows. No draft or approval stamp: approval is the
    firm's review, not the client's business, and a statement reads the same before and
    after it, so that approving a month renders none again (`write_statements` reuses the
    draft's file)."""
    activity = statement.activity
    return {
        **_common(data),
        "document_title": statement.kind.heading,
        "expenses_only": statement.kind is StatementKind.EXPENSES,
        "account": statement.kind is StatementKind.ACCOUNT
        and (activity is not None or statement.invoices.height > 0),
        "standing": statement.standing,
        "balance": statement.balance,
        "credit": statement.credit,
        "activity": activity,
        "activity_rows": _rows(activity.rows) if activity is not None else [],
        # A client whose account is its one case has that case in the letterhead already,
        # as its reference: a table of that one row would only repeat it.
        "cases": []
        if statement.cases.height == 1 and statement.cases["reference"][0] == statement.reference
        else _rows(statement.cases),
        # A column empty on every row is one the client's source does not have: not printed.
        "case_columns": _filled(statement.cases),
        "invoice_columns": _filled(statement.invoices),
        "expense_columns": _filled(statement.expenses),
        "rejected_columns": _filled(statement.rejected_expenses),
        "client": statement.client,
        "client_key": statement.key,
        "reference": statement.reference,
        "payment_reference": statement.payment_reference,
        "client_address": statement.address,
        "expenses": _rows(statement.expenses),
        "rejected_expenses": _rows(statement.rejected_expenses),
        "invoices": _rows(statement.invoices),
        "totals": statement.totals,
        "empty_month_note": data.empty_month_note,
    }


def data_uri(path: Path) -> str:
    """A file as a `data:` address: a picture that travels inside its page."""
    kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    return f"data:{kind};base64,{base64.b64encode(path.read_bytes()).decode()}"
