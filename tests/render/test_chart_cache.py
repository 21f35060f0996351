"""The month's charts kept by what they show: taken instead of drawn where they are known,
drawn again whenever anything they show differs, and drawn as ever outside a cache."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import polars as pl

from reports.render import charts
from reports.render.chart_cache import CHARTS_FILE, ChartCache, load, save, using

MONTHS = ["Sep 26", "Oct 26"]


def test_outside_a_cache_a_chart_is_drawn() -> None:
    assert charts.trend_line(MONTHS, [1.0, 2.0], [], "GBP").startswith("data:image/svg+xml;")


def test_a_known_chart_is_taken_and_any_other_drawn() -> None:
    with using(ChartCache()) as first:
        drawn = charts.trend_line(MONTHS, [1.0, 2.0], [], "GBP")
    [(key, chart)] = first.shown.items()
    assert chart == drawn
    with using(ChartCache(known={key: "the draft's chart"})) as second:
        assert charts.trend_line(MONTHS, [1.0, 2.0], [], "GBP") == "the draft's chart"
        # A value, a target or the currency otherwise: another chart, drawn.
        for other in (
            charts.trend_line(MONTHS, [1.0, 2.5], [], "GBP"),
            charts.trend_line(MONTHS, [1.0, 2.0], [2.0, 2.0], "GBP"),
            charts.trend_line(MONTHS, [1.0, 2.0], [], "EUR"),
        ):
            assert other.startswith("data:image/svg+xml;")
    assert len(second.shown) == 4 and second.shown[key] == "the draft's chart"


def test_a_frame_is_known_by_its_values() -> None:
    def frame(amount: str) -> pl.DataFrame:
        return pl.DataFrame(
            {
                "month": [dt.date(2026, 10, 1)],
                "currency_code": ["EUR"],
                "report_amount": [Decimal(amount)],
            }
        )

    with using(ChartCache()) as cache:
        for amount in ("10.00", "10.01", "10.00"):
            charts.stacked_bars(
                frame(amount), "month", "currency_code", "report_amount", "T", "GBP"
            )
    assert len(cache.shown) == 2


def test_kept_charts_are_read_back_and_a_damaged_file_is_none(tmp_path: Path) -> None:
    cache = ChartCache(shown={"k1": "data:image/svg+xml;base64,AAAA", "k2": "data:,x"})
    save(cache, tmp_path)
    assert load(tmp_path) == cache.shown
    (tmp_path / CHARTS_FILE).write_text('{"charts_version": 1, "charts": [', encoding="utf-8")
    assert load(tmp_path) == {}
    assert load(tmp_path / "nowhere") == {}
