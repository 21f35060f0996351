"""The figures a month's report sent (`OUT/YYYY-MM/figures.json`), read and written here
alone: a later report says which of them the records now give otherwise ("restated"), and
the archive page draws their trends.

A file that is missing or damaged reads as None: it is no reason to stop this month's
report (nothing is compared). Fields added since the first version have defaults, so a file
written before them reads too.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path

from reports.output import atomic_write

FIGURES_VERSION = 1
#: What reading a damaged file can raise, whatever in it is damaged.
_DAMAGED = (OSError, ValueError, KeyError, TypeError, AttributeError, InvalidOperation)


@dataclass(frozen=True)
class FiguresSent:
    """One month's headline figures as its report sent them, by figure key, in its report
    and invoice currencies; the sources it was built from (None in a file written before
    they were kept); and each earlier month's figures as the records gave them then, by
    `YYYY-MM` (the archive page's trends)."""

    month: str
    report_currency: str
    invoice_currency: str
    sources: frozenset[str] | None
    figures: Mapping[str, Decimal]
    history: Mapping[str, Mapping[str, Decimal]]


def write_figures_sent(path: Path, sent: FiguresSent) -> Path:
    body = {
        "figures_version": FIGURES_VERSION,
        "month": sent.month,
        "report_currency": sent.report_currency,
        "invoice_currency": sent.invoice_currency,
        "sources": sorted(sent.sources or ()),
        "figures": {key: str(value) for key, value in sent.figures.items()},
        "history": {
            month: {key: str(value) for key, value in figures.items()}
            for month, figures in sent.history.items()
        },
    }
    return atomic_write(path, lambda p: p.write_text(json.dumps(body, indent=2) + "\n"))


def read_figures_sent(path: Path) -> FiguresSent | None:
    """The figures kept in `path`; None where the file is missing or damaged."""
    try:
        body = json.loads(path.read_text())
        sources = body.get("sources")
        return FiguresSent(
            str(body.get("month", "")),
            str(body.get("report_currency", "GBP")),
            str(body.get("invoice_currency", "GBP")),
            None if sources is None else frozenset(str(name) for name in sources),
            _amounts(body["figures"]),
            {str(month): _amounts(figures) for month, figures in body.get("history", {}).items()},
        )
    except _DAMAGED:
        return None


def _amounts(figures: Mapping[str, object]) -> dict[str, Decimal]:
    return {str(key): Decimal(str(value)) for key, value in figures.items()}
