"""Reporting periods: calendar months and years, and VAT quarters on any of HMRC's staggers."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

import polars as pl

from reports.periods import local_date

__all__ = ["Period", "local_date", "period_bounds", "quarter_bounds"]


class Period(StrEnum):
    MONTH = "month"
    QUARTER = "quarter"
    YEAR = "year"


def period_bounds(day: pl.Expr, period: Period, stagger: int = 1) -> tuple[pl.Expr, pl.Expr]:
    """First and last day of the period each date falls in.

    VAT quarters follow HMRC's three staggers: 1 ends in March, June, September, December;
    2 in April, July, October, January; 3 in May, August, November, February.
    """
    if stagger not in (1, 2, 3):
        raise ValueError(f"VAT stagger must be 1, 2 or 3, not {stagger}")
    # Whole-number arithmetic on months counted from year 0: no per-row strings or offsets.
    month = day.dt.month().cast(pl.Int32)
    months = day.dt.year().cast(pl.Int32) * 12 + month - 1
    if period is Period.MONTH:
        first, length = months, 1
    elif period is Period.QUARTER:
        first, length = months - (month - stagger + 3) % 3, 3
    elif period is Period.YEAR:
        first, length = months - (month - 1), 12
    else:
        raise ValueError(f"unknown period {period!r}")
    return _first_day(first), _first_day(first + length).dt.offset_by("-1d")


def _first_day(months: pl.Expr) -> pl.Expr:
    """The first day of the month `months` after January of year 0."""
    return pl.date(months // 12, months % 12 + 1, 1)


def quarter_bounds(day: dt.date, stagger: int = 1) -> tuple[dt.date, dt.date]:
    """First and last day of the VAT quarter that holds `day`, on HMRC's `stagger`: the
    same rule as `period_bounds`, for one date."""
    if stagger not in (1, 2, 3):
        raise ValueError(f"VAT stagger must be 1, 2 or 3, not {stagger}")
    months = day.year * 12 + day.month - 1
    first = months - (day.month - stagger + 3) % 3
    start = dt.date(first // 12, first % 12 + 1, 1)
    after = first + 3
    return start, dt.date(after // 12, after % 12 + 1, 1) - dt.timedelta(days=1)
