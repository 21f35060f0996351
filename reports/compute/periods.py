"""Reporting periods: calendar months and years, and VAT quarters on any of HMRC's staggers."""

from __future__ import annotations

from enum import StrEnum

import polars as pl

from reports.periods import FIRM_TIMEZONE


def local_date(column: str, timezone: str = FIRM_TIMEZONE) -> pl.Expr:
    """A UTC timestamp column as the calendar date in the firm's time zone."""
    return pl.col(column).dt.convert_time_zone(timezone).dt.date()


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
    month_start = day.dt.truncate("1mo")
    if period is Period.MONTH:
        start, months = month_start, 1
    elif period is Period.QUARTER:
        back = (day.dt.month().cast(pl.Int32) - stagger + 3) % 3
        start, months = month_start.dt.offset_by(pl.format("-{}mo", back)), 3
    elif period is Period.YEAR:
        start, months = day.dt.truncate("1y"), 12
    else:
        raise ValueError(f"unknown period {period!r}")
    end = start.dt.offset_by(f"{months}mo").dt.offset_by("-1d")
    return start, end


def with_period(
    frame: pl.DataFrame, date_column: str, period: Period, stagger: int = 1
) -> pl.DataFrame:
    """Add `period_start` and `period_end` for `date_column`."""
    start, end = period_bounds(pl.col(date_column), period, stagger)
    return frame.with_columns(period_start=start, period_end=end)
