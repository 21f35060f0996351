"""The figures each month's report sent, kept beside it (`OUT/YYYY-MM/figures.json`), so
that a later report can say which of them the records now give otherwise ("restated").

A month reported before this file existed, whose snapshot (`OUT/YYYY-MM/data/`) is there,
has its figures rebuilt from that snapshot: what its report showed.
"""

from __future__ import annotations

import json
from decimal import Decimal, InvalidOperation
from pathlib import Path

from reports import snapshot
from reports.errors import ReportsError
from reports.output import atomic_write
from reports.periods import Month
from reports.report.build import build_report_data
from reports.report.history import BEHAVIOUR
from reports.report.model import ReportData

FIGURES_FILE = "figures.json"
FIGURES_VERSION = 1


def figures_of(data: ReportData) -> dict[str, Decimal]:
    """The month's headline figures that have a history, as `figures.json` keeps them."""
    return {key: Decimal(getattr(data.headline, key)) for key in BEHAVIOUR}


def write_figures(data: ReportData, folder: Path) -> Path:
    """The month's headline figures that have a history, as sent, into `folder`, with
    the currencies they are in."""
    body = {
        "figures_version": FIGURES_VERSION,
        "month": str(data.month),
        "report_currency": data.report_currency,
        "invoice_currency": data.invoice_currency,
        # The sources configured: the archive page shows only their figures.
        "sources": sorted(data.configured),
        "figures": {key: str(value) for key, value in figures_of(data).items()},
        # Each figure's months before, as the records gave them when this was written: the
        # archive page's trends.
        "history": {
            f"{row['month']:%Y-%m}": {key: str(row[key]) for key in BEHAVIOUR}
            for row in (data.history.by_month.iter_rows(named=True) if data.history else ())
        },
    }
    path = folder / FIGURES_FILE
    atomic_write(path, lambda p: p.write_text(json.dumps(body, indent=2) + "\n"))
    return path


def read_figures(folder: Path) -> dict[str, Decimal] | None:
    """A month folder's figures as sent; None where the file is missing or unreadable (a
    damaged file is not a reason to stop this month's report: nothing is compared)."""
    path = folder / FIGURES_FILE
    try:
        body = json.loads(path.read_text())
        return {str(k): Decimal(str(v)) for k, v in body["figures"].items()}
    except (OSError, ValueError, KeyError, TypeError, AttributeError, InvalidOperation):
        return None


def sent_figures(out: Path, month: Month, history_months: int) -> dict[Month, dict[str, Decimal]]:
    """The figures sent for each of the `history_months` history_months before `month` that have a report
    in `out`: from its `figures.json`, else rebuilt from its snapshot."""
    found: dict[Month, dict[str, Decimal]] = {}
    for back in range(1, history_months + 1):
        earlier = month.shifted(-back)
        folder = out / str(earlier)
        figures = read_figures(folder)
        if figures is None and snapshot.exists(folder / "data"):
            figures = _from_snapshot(folder / "data", earlier)
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
            report_currency=str(manifest.get("report_currency", "GBP")),
        )
    except ReportsError:
        return None
    return figures_of(data)


def read_currencies(folder: Path) -> tuple[str, str]:
    """The report and invoice currencies a month's `figures.json` is in (GBP, GBP for a
    file written before it said)."""
    try:
        body = json.loads((folder / FIGURES_FILE).read_text())
        return str(body.get("report_currency", "GBP")), str(body.get("invoice_currency", "GBP"))
    except (OSError, ValueError, AttributeError):
        return "GBP", "GBP"


def read_sources(folder: Path) -> frozenset[str] | None:
    """The sources a month's report was built from, as its `figures.json` names them; None
    where it names none (written before it did, or unreadable)."""
    try:
        sources = json.loads((folder / FIGURES_FILE).read_text())["sources"]
        return frozenset(str(name) for name in sources)
    except (OSError, ValueError, KeyError, TypeError):
        return None


def read_history(folder: Path) -> dict[str, dict[str, Decimal]]:
    """The months before as a month's `figures.json` gave them ({} where it has none)."""
    try:
        body = json.loads((folder / FIGURES_FILE).read_text())
        return {
            str(month): {str(k): Decimal(str(v)) for k, v in figures.items()}
            for month, figures in body.get("history", {}).items()
        }
    except (OSError, ValueError, AttributeError, TypeError, InvalidOperation):
        return {}
