"""The month's charts as its documents showed them, kept beside them (`OUT/YYYY-MM/charts.json`)
so that approving the month draws none again: drawing them is a third of the time it takes
to render the monthly PDF, and an approval changes its stamp, not its charts.

A chart is known by its key: a digest of what drew it (the function, the source file it
is in and matplotlib's version) and of everything it was given, so a chart whose data,
style or code changed since is drawn again, never taken from here. `charts.json` is one
of the month's files, digested in its manifest: an approval takes charts from it only
once the month's files are as reviewed (`reports.monthly.approve_month`).
"""

from __future__ import annotations

import contextvars
import functools
import hashlib
import inspect
import json
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import ParamSpec

import matplotlib
import polars as pl

from reports.output import atomic_write
from reports.store.month_folder import CHARTS, MonthFolder

#: The month's charts, beside its documents.
CHARTS_FILE = CHARTS
CHARTS_VERSION = 1

P = ParamSpec("P")


@dataclass(frozen=True)
class ChartCache:
    """Charts by key: those drawn before, to take instead of drawing (`known`), and every
    one shown while this cache was in use, drawn or taken (`shown`)."""

    known: Mapping[str, str] = field(default_factory=dict)
    shown: dict[str, str] = field(default_factory=dict)


_current: contextvars.ContextVar[ChartCache | None] = contextvars.ContextVar(
    "chart_cache", default=None
)


@contextmanager
def using(cache: ChartCache) -> Iterator[ChartCache]:
    """Within the block, each chart drawn through a `cached` function is taken from
    `cache.known` where it is there, and recorded in `cache.shown`."""
    token = _current.set(cache)
    try:
        yield cache
    finally:
        _current.reset(token)


def cached(draw: Callable[P, str]) -> Callable[P, str]:
    """`draw` (a chart function returning its picture as text), taking and recording its
    charts in the cache in use (`using`); outside one, it draws as it is."""
    source = inspect.getsourcefile(draw)
    code = Path(source).read_bytes() if source else draw.__qualname__.encode()
    version = hashlib.sha256(
        b"\x00".join([draw.__qualname__.encode(), code, matplotlib.__version__.encode()])
    ).hexdigest()

    @functools.wraps(draw)
    def drawn(*args: P.args, **kwargs: P.kwargs) -> str:
        cache = _current.get()
        if cache is None:
            return draw(*args, **kwargs)
        key = hashlib.sha256(
            (version + _fingerprint((args, sorted(kwargs.items())))).encode("utf-8")
        ).hexdigest()
        chart = cache.known.get(key)
        if chart is None:
            chart = draw(*args, **kwargs)
        cache.shown[key] = chart
        return chart

    return drawn


def _fingerprint(value: object) -> str:
    """`value` as exact text: a frame by its schema and rows, the rest by `repr`, which is
    exact for the floats, strings and lists charts are given."""
    if isinstance(value, pl.DataFrame):
        return repr((value.schema, value.rows()))
    if isinstance(value, list | tuple):
        return "(" + ", ".join(_fingerprint(item) for item in value) + ")"
    return repr(value)


def save(cache: ChartCache, folder: Path) -> Path:
    """The charts `cache` showed, as `folder/charts.json`."""
    body = {"charts_version": CHARTS_VERSION, "charts": dict(sorted(cache.shown.items()))}
    text = json.dumps(body, indent=0) + "\n"
    path = MonthFolder.at(folder).charts
    return atomic_write(path, lambda target: target.write_text(text, encoding="utf-8"))


def load(folder: Path) -> dict[str, str]:
    """The charts kept in `folder/charts.json`; none where it is missing or unreadable (a
    chart not found is drawn again: nothing is lost)."""
    try:
        body = json.loads(MonthFolder.at(folder).charts.read_text(encoding="utf-8"))
        charts = body["charts"] if body.get("charts_version") == CHARTS_VERSION else {}
        return {str(key): str(chart) for key, chart in charts.items()}
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return {}
