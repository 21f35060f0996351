"""The month as one web page, `report-YYYY-MM.html`: the PDF's content, with tables that
sort and filter, each headline figure linked to the records that make it up (their sum
shown beside it), a VAT audit listing, and links to each record in its vendor's web app.

The file stands alone: its style, script, logo and charts are inside it, and its
Content-Security-Policy allows no request to anywhere, so it opens the same from a folder,
an email or a file share, and nothing a vendor's data holds can fetch or run anything.
Text from the APIs reaches the page only through Jinja's escaping. The policy binds
browsers only: a page that names any address to load from outside itself (a picture, a
style sheet, a font) is refused before it is written, so no other viewer fetches one.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import quote

import polars as pl

from reports.errors import TemplateError
from reports.money import SYMBOLS, minor_units, total
from reports.output import atomic_write
from reports.render.commentary import amount
from reports.render.file_names import statement_file_names
from reports.render.references import outside_references
from reports.render.templates import Templates, day, money
from reports.render.views import data_uri, monthly_context
from reports.report.drill import Breakdown, Column, Kind, breakdowns
from reports.report.model import ReportData
from reports.store.month_folder import report_name

#: Each source's record pages by kind of record (`Config.record_urls`).
RecordUrls = Mapping[str, Mapping[str, str]]


@dataclass(frozen=True)
class Cell:
    text: str
    #: What the column sorts by: ISO days, plain numbers, or the text.
    sort: str


@dataclass(frozen=True)
class Row:
    cells: tuple[Cell, ...]
    #: The row's part of the figure in minor units (None where the figure counts rows).
    minor: int | None
    #: The record's page in its vendor's web app, where the firm gave one.
    url: str | None
    group: str | None = None


@dataclass(frozen=True)
class Group:
    """Rows shown under one heading (an invoice and its lines), with their sums."""

    title: str
    url: str | None
    sums: tuple[str, ...]
    rows: tuple[Row, ...]


@dataclass(frozen=True)
class Shown:
    """One figure's records as the page shows them."""

    key: str
    title: str
    description: str
    value: str
    total: str
    count: int
    columns: tuple[Column, ...]
    #: The index of the column the figure adds up, or None where it counts rows.
    amount_index: int | None
    currency: str | None
    digits: int
    symbol: str
    rows: tuple[Row, ...]
    groups: tuple[Group, ...]
    #: Whether the rows add up (or count) to the figure, as the page says (`Breakdown`).
    adds_up: bool = True


def _cell(value: object, column: Column, row: Mapping[str, object]) -> Cell:
    if value is None:
        return Cell("", "")
    if column.kind is Kind.MONEY:
        currency = column.currency or str(row.get(column.currency_column or "") or "")
        return Cell(money(value, currency or None), str(value))  # type: ignore[arg-type]
    if column.kind is Kind.DATE:
        return Cell(day(value), value.isoformat())  # type: ignore[arg-type, attr-defined]
    if column.kind is Kind.RATE:
        return Cell(f"{(Decimal(str(value)) * 100).normalize():f}%", str(value))
    if column.kind is Kind.NUMBER:
        return Cell(f"{Decimal(str(value)).normalize():f}", str(value))
    return Cell(str(value), str(value).casefold())


def record_url(
    urls: RecordUrls, source: str | None, links: tuple[tuple[str, str], ...], row: Mapping[str, Any]
) -> str | None:
    """The page of the record in `row` in its source's web app: its own kind's template,
    else its case's (or client's), filled with the id; None where no template applies."""
    templates = urls.get(source or "", {})
    for kind, column in links:
        identifier = row.get(column)
        if kind in templates and identifier not in (None, ""):
            return templates[kind].format(id=quote(str(identifier), safe=""))
    return None


def _minor(value: object, digits: int) -> int | None:
    """An amount in minor units for the page's sums; None for no amount (a record with no
    value adds nothing to its figure, and Data quality says why)."""
    return None if value is None else int(Decimal(str(value)).scaleb(digits))


def shown(breakdown: Breakdown, data: ReportData, urls: RecordUrls) -> Shown:
    """`breakdown` formatted for the page: each cell as printed and as sorted."""
    figure = breakdown.figure
    currency = figure.currency_for(data)
    digits = minor_units(currency) if currency else 0
    amount_index = next(
        (i for i, c in enumerate(breakdown.columns) if c.name == breakdown.amount), None
    )
    rows = []
    for record in breakdown.rows.iter_rows(named=True):
        cells = tuple(_cell(record.get(c.name), c, record) for c in breakdown.columns)
        rows.append(
            Row(
                cells,
                _minor(record[breakdown.amount], digits) if breakdown.amount else None,
                record_url(urls, record.get("source"), breakdown.links, record),
                str(record.get(breakdown.group) or "") if breakdown.group else None,
            )
        )
    value = figure.value_for(data)
    printed = amount(value, figure.unit, currency)  # type: ignore[arg-type]
    total = money(breakdown.total, currency) if currency else str(breakdown.total)
    return Shown(
        key=breakdown.key,
        title=figure.title_for(data),
        description=breakdown.description,
        value=printed,
        total=total,
        count=breakdown.rows.height,
        columns=breakdown.columns,
        amount_index=amount_index,
        currency=currency,
        digits=digits,
        symbol=SYMBOLS.get(currency or "", ""),
        rows=tuple(rows),
        groups=_groups(breakdown, rows, currency, urls) if breakdown.group else (),
        adds_up=breakdown.adds_up,
    )


def _groups(
    breakdown: Breakdown, rows: list[Row], currency: str | None, urls: RecordUrls
) -> tuple[Group, ...]:
    """The VAT audit: each invoice with its net and VAT, its lines under it."""
    frame = breakdown.rows
    money_columns = [c.name for c in breakdown.columns if c.kind is Kind.MONEY]
    groups = []
    for number, part in frame.group_by(breakdown.group, maintain_order=True):
        first = part.row(0, named=True)
        title = " · ".join(
            text
            for text in (
                str(number[0] or "no number"),
                day(first.get("invoice_date")),
                str(first.get("client_name") or ""),
            )
            if text
        )
        sums = tuple(money(total(part[name]), currency) for name in money_columns)
        own = tuple(row for row in rows if row.group == str(number[0] or ""))
        url = record_url(urls, first.get("source"), (("invoice", "invoice_id"),), first)
        groups.append(Group(title, url, sums, own))
    return tuple(groups)


def _source_hash(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


def content_security_policy(style: str, script: str | None) -> str:
    """No request to anywhere; only this page's own style and script (by their hashes) and
    pictures inside it (`data:`) are allowed."""
    return "; ".join(
        (
            "default-src 'none'",
            f"style-src {_source_hash(style)}",
            "script-src " + (_source_hash(script) if script is not None else "'none'"),
            "img-src data:",
            "base-uri 'none'",
            "form-action 'none'",
        )
    )


def web_context(
    data: ReportData,
    templates: Templates,
    urls: RecordUrls | None = None,
    context: dict[str, object] | None = None,
) -> dict[str, object]:
    """What web.html is given: the PDF's `context` (`monthly_context(data)`, made here if
    not given) and the page's own parts."""
    context = context or monthly_context(data)
    style = templates.text("report.css") + "\n" + templates.text("web.css")
    script = templates.text("web.js")
    # The records of the figures the page shows: those of the configured sources.
    found = [shown(b, data, urls or {}) for b in breakdowns(data) if b.figure.shown_in(data)]
    files = {
        "pdf": report_name(data.month, ".pdf"),
        "workbook": report_name(data.month, ".xlsx"),
    }
    return context | {
        "web": True,
        "logo": data_uri(data.firm.logo) if data.firm.logo else None,
        "style": style,
        "script": script,
        "csp": content_security_policy(style, script),
        "breakdowns": found,
        "vat_audit": [s for s in found if s.groups],
        "files": files,
        "receivables": _receivables(data, context),
        "reminders": _reminders(data, context),
        "chase_history": _chase_history(data),
    }


def _receivables(data: ReportData, context: Mapping[str, object]) -> dict[str, object] | None:
    """The PDF's aged receivables (`context`'s), with every client rather than the largest,
    each linked to its statement in the month's `statements/` folder."""
    shown = context.get("receivables")
    if data.receivables is None or not isinstance(shown, dict):
        return None
    links = _statement_links(data)
    last = _last_reminders(data)
    rows = [
        row | {"statement": links.get(row["key"]), "last_reminder": last.get(row["key"])}
        for row in data.receivables.summary.iter_rows(named=True)
    ]
    return shown | {"rows": rows, "more": 0}


def _statement_links(data: ReportData) -> dict[str, str]:
    """Each client's statement in the month's `statements/` folder, by its key."""
    files = statement_file_names(data.statements)
    return {key: f"statements/{quote(name)}" for key, name in files.items()}


def _last_reminders(data: ReportData) -> dict[str, dt.date]:
    """The day each client chased by the month's end was last sent a reminder, by its key."""
    if data.reminders is None:
        return {}
    last = data.reminders.history.group_by("key").agg(pl.col("date").max())
    return dict(zip(last["key"], last["date"], strict=True))


def _reminders(data: ReportData, context: Mapping[str, object]) -> dict[str, object] | None:
    """The PDF's month of payment reminders (`context`'s), every one of them, each client
    linked to its statement."""
    shown = context.get("reminders")
    if data.reminders is None or not isinstance(shown, dict):
        return None
    links = _statement_links(data)
    rows = [
        row | {"statement": links.get(row["key"])}
        for row in data.reminders.month.iter_rows(named=True)
    ]
    return shown | {"rows": rows, "more": 0}


def _chase_history(data: ReportData) -> list[dict[str, object]] | None:
    """Each client's chase history by the month's end (None where nobody is chased), by
    client name: every reminder sent to it, newest first, one line per day and step with
    the invoices it asked for."""
    if data.reminders is None:
        return None
    links = _statement_links(data)
    history = data.reminders.history.sort(
        "client", "key", "date", "step_days", descending=[False, False, True, True]
    )
    clients: list[dict[str, object]] = []
    for (key,), rows in history.group_by("key", maintain_order=True):
        asked = [
            number if amount is None else f"{number} ({money(amount, data.invoice_currency)})"
            for number, amount in zip(rows["invoice_number"], rows["asked"], strict=True)
        ]
        sends = (
            rows.with_columns(asked=pl.Series(asked, dtype=pl.String))
            .group_by("date", "step_days", "step", "state", maintain_order=True)
            .agg(pl.col("asked").sort().str.join(", ").alias("invoices"))
        )
        first = rows.row(0, named=True)
        clients.append(
            {
                "key": key,
                "client": first["client"],
                "payment_reference": first["payment_reference"],
                "statement": links.get(str(key)),
                "last": first["date"],
                "asked": rows.height,
                "sends": sends.to_dicts(),
            }
        )
    return clients


def write_monthly_html(
    data: ReportData,
    path: str | Path,
    templates: Templates | None = None,
    urls: RecordUrls | None = None,
    context: dict[str, object] | None = None,
) -> Path:
    """The month's web page, written atomically to `path` (`context` as for `web_context`).
    A page that would load anything from outside itself is refused, not written."""
    templates = templates or Templates()
    html = templates.render("web.html", **web_context(data, templates, urls, context))
    # The commentary and the records cannot name such an address (`render.commentary`,
    # Jinja's escaping): one here comes from a firm's templates.
    outside = outside_references(html)
    if outside:
        raise TemplateError(
            f"the web report (its templates) refers to {outside[0]}: the page carries its "
            "pictures, styles and fonts inside it (data: addresses) and loads nothing from "
            "anywhere else"
        )
    return atomic_write(Path(path), lambda target: target.write_text(html, encoding="utf-8"))
