"""`OUT/index.html`: every month in the output folder, newest first, with the trends of
its headline figures as each month's report sent them, whether it is approved, and links
to its web page, PDF and workbook. Rebuilt at each run; self-contained like the month's
page (its policy allows no request)."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from reports.approval import read_manifest
from reports.errors import ApprovalError, PeriodError
from reports.output import atomic_write
from reports.periods import Month
from reports.render import charts
from reports.render.commentary import amount
from reports.render.templates import Templates
from reports.render.web import content_security_policy
from reports.report.figures import FIGURES, Figure
from reports.report.history import BEHAVIOUR
from reports.snapshot import drafted_firm_name
from reports.store.figures_sent import read_figures_sent
from reports.store.month_folder import MonthFolder

INDEX = "index.html"


@dataclass(frozen=True)
class ArchivedMonth:
    month: Month
    #: "draft", "approved by ... on ...", or "" for a month built before approvals.
    status: str
    draft: bool
    #: The month's files that are there, by what they are: page, pdf, workbook.
    files: dict[str, str]
    figures: dict[str, Decimal]
    report_currency: str
    invoice_currency: str


@dataclass(frozen=True)
class FigureTrend:
    title: str
    chart: str | None
    #: The newest month's value, as printed.
    latest: str
    values: tuple[str, ...]


def archived_months(out: Path) -> list[ArchivedMonth]:
    """Every `YYYY-MM` folder of `out` with a report in it, newest first."""
    found = []
    for folder in out.glob("[0-9][0-9][0-9][0-9]-[0-9][0-9]"):
        try:
            month = Month.parse(folder.name)
        except PeriodError:
            continue
        month_folder = MonthFolder(folder, str(month))
        paths = {
            "page": month_folder.report_html,
            "pdf": month_folder.report_pdf,
            "workbook": month_folder.report_xlsx,
        }
        files = {kind: f"{month}/{path.name}" for kind, path in paths.items() if path.exists()}
        if not files:
            continue
        try:
            manifest = read_manifest(folder)
        except ApprovalError:
            manifest = None
        sent = read_figures_sent(month_folder.figures)
        found.append(
            ArchivedMonth(
                month,
                manifest.stamp.label if manifest else "",
                manifest is not None and manifest.stamp.is_draft,
                files,
                dict(sent.figures) if sent else {},
                sent.report_currency if sent else "GBP",
                sent.invoice_currency if sent else "GBP",
            )
        )
    return sorted(found, key=lambda m: m.month, reverse=True)


def _currency(figure: Figure, month: ArchivedMonth) -> str | None:
    return figure.currency_in(month.report_currency, month.invoice_currency)


def figure_trends(
    months: list[ArchivedMonth],
    history: dict[str, dict[str, Decimal]],
    sources: Collection[str] | None = None,
) -> list[FigureTrend]:
    """Each headline figure: its chart over the newest report's months (`history`, as its
    `figures.json` gave them) or, without one, over the archived months; and its value
    in each archived month as that month's report sent it. With `sources` (the newest
    report's), only the figures of those: another system's would be a row of zeros."""
    if not months:
        return []
    newest = months[0]
    charted = history or {str(m.month): m.figures for m in reversed(months)}
    trends = []
    for figure in FIGURES:
        if figure.key not in BEHAVIOUR:
            continue
        if sources is not None and not figure.shown_with(sources):
            continue
        currency = _currency(figure, newest)
        having = [
            (month, values[figure.key])
            for month, values in sorted(charted.items())
            if figure.key in values
        ]
        chart = (
            charts.trend_line(
                [f"{Month.parse(month).start:%b %y}" for month, _ in having],
                [float(value) for _, value in having],
                [],
                currency,
            )
            if len(having) > 1
            else None
        )
        printed = tuple(
            amount(m.figures[figure.key], figure.unit, _currency(figure, m))
            if figure.key in m.figures
            else ""
            for m in months
        )
        trends.append(
            FigureTrend(
                figure.title_in(newest.report_currency, "quarter to the month's end"),
                chart,
                printed[0],
                printed,
            )
        )
    return trends


def write_archive_page(out: Path, templates: Templates | None = None) -> Path:
    """`out/index.html` from the months now in `out`."""
    templates = templates or Templates()
    months = archived_months(out)
    newest = MonthFolder.of(out, months[0].month) if months else None
    sent = read_figures_sent(newest.figures) if newest else None
    history = {month: dict(figures) for month, figures in sent.history.items()} if sent else {}
    sources = sent.sources if sent else None
    style = templates.text("report.css") + "\n" + templates.text("web.css")
    html = templates.render(
        "index.html",
        # The firm the newest month was built for, as its snapshot keeps it.
        firm=drafted_firm_name(newest.data) if newest else "",
        months=months,
        trends=figure_trends(months, history, sources),
        history_months=len(history),
        style=style,
        csp=content_security_policy(style, None),
    )
    return atomic_write(out / INDEX, lambda target: target.write_text(html, encoding="utf-8"))
