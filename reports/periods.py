"""The month a report covers, parsed once; the firm's time zone and the firm's day, each
defined once.

A `Month` is made from `YYYY-MM` by `Month.parse` (a malformed one is a `PeriodError`, a
one-line message for the user, never a bare `ValueError`); everything else asks it for its
bounds, label and neighbours instead of parsing the string again.

Every date the report shows or picks a month by is the firm's local (UK) day of the
instant: `local_day` for one value, `local_date` for a Polars column. Nothing else turns
an instant into a date.
"""

from __future__ import annotations

import datetime as dt
import re
from calendar import monthrange
from dataclasses import dataclass
from enum import StrEnum
from zoneinfo import ZoneInfo

import polars as pl

from reports.errors import PeriodError

#: The firm's time zone, the one constant for it: the firms are UK firms, and "a day" is a
#: UK day (an invoice dated 1 April 00:00 UK time is 31 March 23:00 UTC, and belongs to
#: April). `FIRM_ZONE.key` is its name, where a name is wanted.
FIRM_ZONE = ZoneInfo("Europe/London")

_PATTERN = re.compile(r"(\d{4})-(\d{2})")


def local_day(value: dt.datetime) -> dt.date:
    """The firm's calendar day of an instant: 30 April 23:30 UTC is 1 May in the UK (BST).
    A naive datetime is taken to be UTC, as every timestamp in our frames is."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(FIRM_ZONE).date()


def local_date(column: str, timezone: str = FIRM_ZONE.key) -> pl.Expr:
    """`local_day` for a column: a UTC timestamp column as the firm's calendar date."""
    return pl.col(column).dt.convert_time_zone(timezone).dt.date()


def today() -> dt.date:
    """The firm's day now."""
    return local_day(dt.datetime.now(dt.UTC))


@dataclass(frozen=True, order=True)
class Month:
    """A calendar month: `Month.parse("2026-10")`, `str(month) == "2026-10"`."""

    year: int
    number: int

    def __post_init__(self) -> None:
        if not 1 <= self.number <= 12 or not 1 <= self.year <= 9999:
            raise PeriodError(f"month must be YYYY-MM, got {self.year:04d}-{self.number:02d}")

    @classmethod
    def parse(cls, text: str) -> Month:
        """`YYYY-MM` to a Month; anything else is a `PeriodError` saying what was given."""
        match = _PATTERN.fullmatch(text.strip()) if isinstance(text, str) else None
        if match is None:
            raise PeriodError(f"month must be YYYY-MM, got {text!r}")
        year, number = int(match[1]), int(match[2])
        if not 1 <= number <= 12:
            raise PeriodError(f"month {text.strip()} is out of range: months run 01 to 12")
        return cls(year, number)

    @classmethod
    def of(cls, day: dt.date) -> Month:
        return cls(day.year, day.month)

    @classmethod
    def current(cls) -> Month:
        """The month the firm's day now falls in."""
        return cls.of(today())

    @property
    def start(self) -> dt.date:
        return dt.date(self.year, self.number, 1)

    @property
    def end(self) -> dt.date:
        return dt.date(self.year, self.number, monthrange(self.year, self.number)[1])

    @property
    def label(self) -> str:
        """`October 2026`, as titles and messages show it."""
        return self.start.strftime("%B %Y")

    def require_begun(self, on: dt.date | None = None) -> Month:
        """This month, or a `PeriodError` if it is after the one the day `on` (the firm's
        day now, by default) falls in: such a month has no records yet."""
        now = on or today()
        if self > Month.of(now):
            raise PeriodError(
                f"{self} has not begun (today is {now:%d %b %Y}): report {Month.of(now)} or "
                "an earlier month"
            )
        return self

    @property
    def previous(self) -> Month:
        return Month.of(self.start - dt.timedelta(days=1))

    def shifted(self, months: int) -> Month:
        """The month `months` after this one (before it, if negative)."""
        index = self.year * 12 + self.number - 1 + months
        return Month(index // 12, index % 12 + 1)

    def financial_year_start(self, first_month: int) -> Month:
        """The first month of the financial year holding this month, for a year that starts
        in month `first_month` (4: April)."""
        return self.shifted(-((self.number - first_month) % 12))

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.number:02d}"


# --------------------------------------------------------------------------- periods
# Calendar months and years, and VAT quarters on any of HMRC's staggers.


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
