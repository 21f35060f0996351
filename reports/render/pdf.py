"""PDF reports from Jinja2 templates, rendered by WeasyPrint: the monthly report and one
statement per client.

Templates live in the project's `templates/`; a firm points `templates_dir` at its own
copies, file by file (a file it lacks falls back to ours). Autoescaping is on, so a client
called `<b>Acme</b>` is printed as those characters, and a variable a template names but
the report lacks is an error, not an empty string.

WeasyPrint is slow on long tables: detail stays in the workbook, PDFs show summaries. Many
statements render in parallel behind a `concurrent.futures.Executor`: processes by default,
or any other executor (a Dask distributed client's `get_executor()`, for one).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import unicodedata
from collections.abc import Iterable
from concurrent.futures import Executor, ProcessPoolExecutor
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import jinja2
import polars as pl

from reports.compute.periods import FIRM_TIMEZONE
from reports.errors import DataError, ReportsError
from reports.money import SYMBOLS, minor_units
from reports.output import atomic_write
from reports.render import charts
from reports.report_data import ReportData, Statement
from reports.text import isolate_direction

UK = ZoneInfo(FIRM_TIMEZONE)
DEFAULT_TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
QUALITY_ROWS_IN_PDF = 60


def money(value: Decimal | int | None, currency: str | None) -> str:
    """`£1,234.50`, `-€3.20`, `15,000 JPY`: the currency's own minor units, exact."""
    if value is None:
        return ""
    code = (currency or "").upper()
    digits = minor_units(code) if code else 2
    amount = Decimal(value).quantize(Decimal(1).scaleb(-digits))
    text = f"{abs(amount):,.{digits}f}"
    sign = "-" if amount < 0 else ""
    symbol = SYMBOLS.get(code)
    return f"{sign}{symbol}{text}" if symbol else f"{sign}{text} {code}".rstrip()


def day(value: dt.date | dt.datetime | None) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        value = value.astimezone(UK) if value.tzinfo else value
        return value.strftime("%d %b %Y %H:%M")
    return value.strftime("%d %b %Y")


class Templates:
    """The Jinja environment: a firm's folder first, ours behind it."""

    def __init__(self, directory: str | Path | None = None) -> None:
        folders = [Path(directory)] if directory else []
        for folder in folders:
            if not folder.is_dir():
                raise ReportsError(f"templates folder {folder} does not exist")
        self.folders = [*folders, DEFAULT_TEMPLATES]
        self.environment = jinja2.Environment(
            loader=jinja2.FileSystemLoader([str(f) for f in self.folders]),
            autoescape=jinja2.select_autoescape(["html", "htm", "xml"]),
            undefined=jinja2.StrictUndefined,
            keep_trailing_newline=True,
            # Text from the APIs that carries bidi controls is isolated, so that a name with
            # a right-to-left override cannot reverse the template's text after it.
            finalize=lambda value: isolate_direction(value) if isinstance(value, str) else value,
        )
        self.environment.filters["money"] = money
        self.environment.filters["day"] = day

    def render(self, name: str, **context: Any) -> str:
        try:
            return self.environment.get_template(name).render(**context)
        except jinja2.UndefinedError as error:
            raise ReportsError(
                f"template {name}: {error.message}; give the template only known names"
            ) from None
        except jinja2.TemplateNotFound as error:
            # `error.name` is the file that is missing: `name` itself, or a layout it extends
            # or includes.
            missing = error.name if error.name != name else name
            needed = f" (needed by {name})" if missing != name else ""
            raise ReportsError(
                f"template {missing}{needed} not found in {', '.join(map(str, self.folders))}"
            ) from None
        except jinja2.TemplateSyntaxError as error:
            raise ReportsError(
                f"template {error.name}, line {error.lineno}: {error.message}"
            ) from None

    def base_url(self, name: str) -> str:
        """Where the template's relative links (its CSS) resolve."""
        for folder in self.folders:
            if (folder / name).exists():
                return str(folder) + "/"
        return str(DEFAULT_TEMPLATES) + "/"


def _rows(frame: pl.DataFrame) -> list[dict[str, Any]]:
    return frame.to_dicts() if frame.height else []


def _common(data: ReportData) -> dict[str, Any]:
    fetched = [s.fetched_at for s in data.sources if s.fetched_at]
    return {
        "firm": data.firm or "Monthly report",
        "month_label": data.month_label,
        "period_start": data.period_start,
        "period_end": data.period_end,
        "report_currency": data.report_currency,
        "missing_sources": data.missing_sources,
        "fetched_summary": day(min(fetched)) if fetched else "at an unknown time",
        "source_names": ", ".join(s.name for s in data.sources if s.present) or "no source",
    }


def monthly_context(data: ReportData) -> dict[str, Any]:
    h = data.headline
    ccy = data.report_currency
    quarter = h["vat_quarter_start"]
    figures = [
        ("Cases opened this month", h["cases_opened"]),
        ("Cases closed this month", h["cases_closed"]),
        ("Expenses this month", h["expenses"]),
        (f"Expenses, converted to {ccy}", money(h["expenses_converted"], ccy)),
        ("Expenses invoiced", money(h["expenses_invoiced"], ccy)),
        ("Expenses not yet invoiced", money(h["expenses_not_invoiced"], ccy)),
        ("Invoices issued this month", h["invoices"]),
        ("Invoiced this month (gross)", money(h["invoiced_total"], "GBP")),
        (f"VAT box 1, quarter from {day(quarter)}", money(h["vat_box1"], "GBP")),
        (f"VAT box 6, quarter from {day(quarter)}", money(h["vat_box6"], "GBP")),
        ("Outstanding at month end", money(h["outstanding"], "GBP")),
        ("Of which over 90 days past due", money(h["overdue_90_plus"], "GBP")),
        ("Client incomes, annual, net", money(h["incomes_annual_net"], ccy)),
        ("Client incomes, annual, gross", money(h["incomes_annual_gross"], ccy)),
        ("Data-quality flags", h["quality_flags"]),
    ]
    invoice_basis = data.vat_return.filter(basis="invoice")
    by_month = data.invoicing_by_month
    return {
        **_common(data),
        "generated_at": day(data.generated_at),
        "sources": [
            {
                "name": s.name,
                "fetched": day(s.fetched_at) if s.present else "MISSING",
                "rows": s.rows,
            }
            for s in data.sources
        ],
        "headline": h,
        "figures": figures,
        "expenses_by_currency": _rows(data.expenses_by_currency),
        "vat_return": _rows(data.vat_return),
        "aged_debt": _rows(data.aged_debt),
        "income_totals": _rows(data.income_totals),
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
                f"Expenses by month and currency, in {ccy}",
                ccy,
            ),
            "invoicing": charts.bars(
                [m.strftime("%b %y") for m in by_month["month"]],
                {
                    "Invoiced": [float(v) for v in by_month["invoiced_amount"]],
                    "Not invoiced": [float(v) for v in by_month["not_invoiced_amount"]],
                },
                "Expenses invoiced and not invoiced, by month incurred",
                ccy,
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
                "GBP",
            ),
            "aged_debt": charts.bars(
                data.aged_debt["age_bucket"].to_list(),
                {"Outstanding": [float(v) for v in data.aged_debt["amount"]]},
                "Outstanding debt by days past due",
                "GBP",
            ),
        },
    }


def statement_context(data: ReportData, statement: Statement) -> dict[str, Any]:
    return {
        **_common(data),
        "client": statement.client,
        "client_key": statement.key,
        "cases": _rows(statement.cases),
        "expenses": _rows(statement.expenses),
        "invoices": _rows(statement.invoices),
        "totals": statement.totals,
    }


def html_to_pdf(html: str, base_url: str, path: str | Path) -> str:
    """Render one HTML document to `path` (atomically). A top-level function: executors pickle it."""
    from weasyprint import HTML

    target = Path(path)
    atomic_write(
        target, lambda temporary: HTML(string=html, base_url=base_url).write_pdf(temporary)
    )
    return str(target)


def write_monthly_pdf(
    data: ReportData, path: str | Path, templates: Templates | None = None
) -> Path:
    templates = templates or Templates()
    html = templates.render("monthly.html", **monthly_context(data))
    return Path(html_to_pdf(html, templates.base_url("monthly.html"), path))


_UNSAFE = re.compile(r"[^a-z0-9]+")


def safe_file_name(client: str, key: str, suffix: str = ".pdf", tag_length: int = 16) -> str:
    """A file name from a client's name that cannot leave its folder, unique by `key`.

    The client's name and key are there for people; uniqueness comes from a hash of the
    exact key (case, slashes and all), so `ACME` and `acme`, or `12/34` and `12-34`, never
    share a file.
    """
    ascii_name = unicodedata.normalize("NFKD", client).encode("ascii", "ignore").decode().lower()
    slug = _UNSAFE.sub("-", ascii_name).strip("-")[:60] or "client"
    readable = _UNSAFE.sub("-", key.lower()).strip("-")[-24:] or "client"
    digest = hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()[:tag_length]
    return f"statement-{slug}-{digest}-{readable}{suffix}"


def statement_file_names(statements: Iterable[Statement]) -> dict[str, str]:
    """Each statement's key to its own file name; two statements with one key are an error,
    and two keys whose names collide (a hash prefix shared) get the full hash instead."""
    names: dict[str, str] = {}
    taken: dict[str, str] = {}
    for statement in statements:
        if statement.key in names:
            raise DataError(
                f"two statements for one client key {statement.key!r}: refusing to write "
                "either, as one client could be sent the other's"
            )
        name = safe_file_name(statement.client, statement.key)
        if name.lower() in taken:
            name = safe_file_name(statement.client, statement.key, tag_length=64)
            if name.lower() in taken:
                raise DataError(
                    f"statement file names of {statement.key!r} and {taken[name.lower()]!r} collide"
                )
        names[statement.key] = name
        taken[name.lower()] = statement.key  # case-insensitive file systems too
    return names


def file_digest(path: str | Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


@dataclass(frozen=True)
class RenderedStatement:
    key: str
    client: str
    email: str | None
    path: str
    outstanding: str


def write_statements(
    data: ReportData,
    folder: str | Path,
    templates: Templates | None = None,
    executor: Executor | None = None,
    statements: Iterable[Statement] | None = None,
) -> list[RenderedStatement]:
    """One PDF per client statement in `folder`, rendered through `executor` (default: a
    process pool), plus `statements.json` listing them for delivery."""
    templates = templates or Templates()
    out = Path(folder).resolve()
    out.mkdir(parents=True, exist_ok=True)
    chosen = list(data.statements if statements is None else statements)
    base_url = templates.base_url("statement.html")
    names = statement_file_names(chosen)
    jobs = []
    for statement in chosen:
        target = (out / names[statement.key]).resolve()
        if target.parent != out:  # defence in depth: safe_file_name already prevents it
            raise ReportsError(f"refusing to write outside {out}: {target}")
        html = templates.render("statement.html", **statement_context(data, statement))
        jobs.append((html, target))
    own_pool = executor is None
    pool = executor or ProcessPoolExecutor()
    try:
        futures = [pool.submit(html_to_pdf, html, base_url, str(target)) for html, target in jobs]
        paths = [future.result() for future in futures]
    finally:
        if own_pool:
            pool.shutdown()
    rendered = [
        RenderedStatement(
            s.key,
            s.client,
            s.email,
            path,
            money(s.totals["outstanding"], "GBP") if s.totals["outstanding"] else "",
        )
        for s, path in zip(chosen, paths, strict=True)
    ]
    # The digest binds each client's key to the bytes rendered for it: delivery checks it
    # before attaching, so no client is ever sent a file built for another.
    manifest = [
        r.__dict__ | {"path": Path(r.path).name, "sha256": file_digest(r.path)} for r in rendered
    ]
    atomic_write(
        out / "statements.json",
        lambda t: t.write_text(json.dumps(manifest, indent=2, ensure_ascii=False)),
    )
    return rendered
