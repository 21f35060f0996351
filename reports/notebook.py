"""What the notebooks share: settings that fall back to the sandbox, and frames made readable
for an analyst (labels instead of snake_case names, money as its currency prints it).

The readable frames are for looking at: their money is text. Compute on the report's own
frames, which stay exact `Decimal`s.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import polars as pl

from reports.config import Config, load_config
from reports.render.pdf import figures
from reports.render.templates import day, money
from reports.report.model import ReportData


def config_or_sandbox() -> Config:
    """The configured sources (REPORTS_* variables or ./reports.toml), or, when none is
    configured, the built-in sandbox's, started for the rest of the session."""
    config = load_config()
    if config.sources:
        return config
    from reports.sandbox import Sandbox

    return Sandbox().start().demo(config)


def readable(
    frame: pl.DataFrame,
    columns: Mapping[str, str],
    *,
    money_in: Mapping[str, str] | None = None,
    fractions: tuple[str, ...] = (),
) -> pl.DataFrame:
    """`frame`'s `columns` (field to label) as text a reader takes in at a glance: dates as
    `31 Oct 2026`, booleans as Yes or No, each field of `money_in` (field to its currency: a
    code, or the name of the column holding each row's) as `£1,234.50`, and each of
    `fractions` as a percentage (0.2 as `20 %`)."""
    money_in = money_in or {}
    rows = []
    for record in frame.iter_rows(named=True):
        row = {}
        for field, label in columns.items():
            value = record.get(field)
            if field in money_in:
                currency = money_in[field]
                code = record.get(currency, currency) if currency in frame.columns else currency
                row[label] = money(value, code) if value is not None else ""
            elif field in fractions and value is not None:
                row[label] = f"{(Decimal(value) * 100).normalize():f} %"
            else:
                row[label] = _text(value)
        rows.append(row)
    return pl.DataFrame(rows, schema=dict.fromkeys(columns.values(), pl.String))


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, dt.date):
        return day(value)
    if isinstance(value, Decimal):
        return f"{value.normalize():,f}"
    if isinstance(value, list):
        return ", ".join(str(item) for item in value)
    return str(value)


def headline(data: ReportData) -> pl.DataFrame:
    """The month's headline figures as the PDF prints them: label and value."""
    shown = figures(data)
    return pl.DataFrame(
        {"Figure": [label.strip() for label, _ in shown], "Value": [value for _, value in shown]}
    )
