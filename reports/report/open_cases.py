"""Which sources' cases can be counted open at a date: those that record a case's closing.

A source whose cases never close (a will-writing case, say, has no end) gives no
closing day (`closed_on` is not in its case summary); counted, every case it ever opened
would be "open" for ever, and the figure would only grow. "Cases open at month end", its
history and its alerts count the cases of the sources that record closing, and its label
names them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection

import polars as pl

# The registry alone: importing `reports.sources` would load every vendor's package.
from reports.sources.registry import REGISTRY

#: What the label says when no configured source records a case's closing.
NO_CLOSING = "no configured source records a case's closing"


def closing_sources() -> tuple[str, ...]:
    """The registered sources whose cases record their closing day, in registry order."""
    return tuple(
        name
        for name, source in REGISTRY.items()
        if source.case_summary is not None and "closed_on" in source.case_summary[1]
    )


def covered(configured: Collection[str]) -> str:
    """The sources among `configured` that the figure counts, as its label names them: each
    by its own title, "the" dropped, in registry order."""
    names = [
        REGISTRY[name].title.removeprefix("the ")
        for name in closing_sources()
        if name in configured
    ]
    return ", ".join(names) or NO_CLOSING


def open_at(day: dt.date | pl.Expr) -> pl.Expr:
    """A case open at the end of `day`: opened on or before it, and not closed by it."""
    return ((pl.col("opened_on") <= day) & (pl.col("closed_on") > day).fill_null(True)).fill_null(
        False
    )


def open_at_end(day: dt.date | pl.Expr) -> pl.Expr:
    """A case (of `settle.case_table`'s shape) counted open at the end of `day`: of a source
    that records closing, opened on or before `day` and not closed by it."""
    return open_at(day) & pl.col("source").is_in(closing_sources())
