"""Which of a firm's alert rules (`[[alerts]]`, `reports.targets.AlertRule`) the month's
report triggers: each one found is an `Alert` stating its figure, its value and the level
it passed, so that a reader can check it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

import polars as pl

from reports.report.figures import FIGURES, Unit
from reports.report.model import ReportData, Statement
from reports.targets import AlertKind, AlertRule

TENTH = Decimal("0.1")


@dataclass(frozen=True)
class Alert:
    rule: AlertRule
    #: What passed the level: a figure's label, a client's name, "share of expenses invoiced".
    subject: str
    value: Decimal
    #: The currency of `value` and the level; None for a count or a per cent.
    currency: str | None
    percent: bool = False
    #: The value and the level are days (debtor days), not a count.
    days: bool = False


def invoiced_share(data: ReportData) -> Decimal | None:
    """The month's counted expenses already invoiced, in per cent of them (to a tenth, half
    up); None in a month with none."""
    counted = data.headline.expenses_converted
    if counted == 0:
        return None
    share = data.headline.expenses_invoiced * 100 / counted
    return share.quantize(TENTH, ROUND_HALF_UP)


def oldest_overdue_days(statement: Statement, as_of: dt.date) -> int | None:
    """How many days past its due date, at `as_of`, the client's most overdue invoice still
    owing is; None when nothing it owes is overdue (an open credit falls due on no day)."""
    if statement.totals.outstanding is None or statement.invoices.is_empty():
        return None  # an expenses statement: nothing is invoiced to it
    owing = statement.invoices.filter(
        (pl.col("outstanding") > 0) & pl.col("due_date").is_not_null() & (pl.col("total") > 0)
    )
    if owing.height == 0:
        return None
    oldest = owing["due_date"].min()
    assert isinstance(oldest, dt.date)
    days = (as_of - oldest).days
    return days if days > 0 else None


def triggered(rules: Sequence[AlertRule], data: ReportData) -> tuple[Alert, ...]:
    """The alerts `data` triggers, in the order of `rules`."""
    found: list[Alert] = []
    by_key = {figure.key: figure for figure in FIGURES}
    for rule in rules:
        if rule.kind in (AlertKind.ABOVE, AlertKind.BELOW) and rule.figure:
            figure = by_key[rule.figure]
            value = Decimal(getattr(data.headline, figure.key))
            passed = value > rule.level if rule.kind is AlertKind.ABOVE else value < rule.level
            if passed:
                currency = figure.currency_for(data) if figure.unit is not Unit.COUNT else None
                in_days = figure.unit is Unit.DAYS
                found.append(Alert(rule, figure.title_for(data), value, currency, days=in_days))
        elif rule.kind is AlertKind.CLIENT_OUTSTANDING:
            for statement in data.statements:
                owed = statement.totals.outstanding
                if owed is not None and owed > rule.level:
                    # Two clients may share a name: the reference tells them apart.
                    named = f"{statement.client} ({statement.reference or statement.key})"
                    found.append(Alert(rule, named, owed, data.invoice_currency))
        elif rule.kind is AlertKind.CLIENT_OVERDUE_DAYS:
            for statement in data.statements:
                days = oldest_overdue_days(statement, data.period_end)
                if days is not None and days > rule.level:
                    named = f"{statement.client} ({statement.reference or statement.key})"
                    found.append(Alert(rule, named, Decimal(days), None))
        elif rule.kind is AlertKind.INVOICED_SHARE:
            share = invoiced_share(data)
            if share is not None and share < rule.level:
                found.append(
                    Alert(rule, "Share of the month's expenses invoiced", share, None, True)
                )
    return tuple(found)
