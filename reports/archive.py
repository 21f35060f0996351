"""The figures each month's report sent, kept beside it (`OUT/YYYY-MM/figures.json`), so
that a later report can say which of them the records now give otherwise ("restated").

A month reported before this file existed, whose snapshot (`OUT/YYYY-MM/data/`) is there,
has its figures rebuilt from that snapshot: what its report showed.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from reports import snapshot
from reports.errors import ReportsError
from reports.periods import Month
from reports.report.build import build_report_data
from reports.report.history import BEHAVIOUR
from reports.report.model import ReportData
from reports.store.figures_sent import FiguresSent, read_figures_sent, write_figures_sent
from reports.store.month_folder import MonthFolder


def figures_of(data: ReportData) -> dict[str, Decimal]:
    """The month's headline figures that have a history, as `figures.json` keeps them."""
    return {key: Decimal(getattr(data.headline, key)) for key in BEHAVIOUR}


def write_figures(data: ReportData, folder: Path) -> Path:
    """The month's headline figures that have a history, as sent, into the month's `folder`
    (or the folder its next version is built in), with
    the currencies they are in, the sources configured (the archive page shows only their
    figures) and each figure's months before, as the records gave them when this was
    written (the archive page's trends)."""
    sent = FiguresSent(
        str(data.month),
        data.report_currency,
        data.invoice_currency,
        frozenset(data.configured),
        figures_of(data),
        {
            f"{row['month']:%Y-%m}": {key: Decimal(str(row[key])) for key in BEHAVIOUR}
            for row in (data.history.by_month.iter_rows(named=True) if data.history else ())
        },
    )
    return write_figures_sent(MonthFolder.at(folder).figures, sent)


def read_figures(folder: Path) -> dict[str, Decimal] | None:
    """A month folder's figures as sent; None where the file is missing or unreadable (a
    damaged file is not a reason to stop this month's report: nothing is compared)."""
    sent = read_figures_sent(MonthFolder.at(folder).figures)
    return None if sent is None else dict(sent.figures)


def sent_figures(out: Path, month: Month, history_months: int) -> dict[Month, dict[str, Decimal]]:
    """The figures sent for each of the `history_months` months before `month` that have a
    report in `out`: from its `figures.json`, else rebuilt from its snapshot."""
    found: dict[Month, dict[str, Decimal]] = {}
    for back in range(1, history_months + 1):
        earlier = month.shifted(-back)
        folder = MonthFolder.of(out, earlier)
        figures = read_figures(folder.path)
        if figures is None and snapshot.exists(folder.data):
            figures = _from_snapshot(folder.data, earlier)
        if figures is not None:
            found[earlier] = figures
    return found


def _from_snapshot(folder: Path, month: Month) -> dict[str, Decimal] | None:
    try:
        taken, manifest = snapshot.load(folder)
        data = build_report_data(
            taken.frames,
            month,
            rates=taken.rates,
            report_currency=str(manifest.kept.get("report_currency", "GBP")),
        )
    except ReportsError:
        return None
    return figures_of(data)
