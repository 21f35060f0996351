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
from functools import total_ordering
from zoneinfo import ZoneInfo

import polars as pl

from reports.errors import PeriodError

#: The firm's time zone, the one constant for it: the firms are UK firms, and "a day" is a
#: UK day (an invoice dated 1 April 00:00 UK time is 31 March 23:00 UTC, and belongs to
#: April). `FIRM_ZONE.key` is its name, where a name is wanted.
FIRM_ZONE = ZoneInfo("Europe/London")

#: `YYYY-MM`, or a month to date as its folder is named: `YYYY-MM-to-DD`.
_PATTERN = re.compile(r"(\d{4})-(\d{2})(?:-to-(\d{2}))?")


def local_day(value: dt.datetime) -> dt.date:
    """The firm's calendar day of an instant: 30 April 23:30 UTC is 1 May in the UK (BST).
    A naive datetime is taken to be UTC, as every timestamp in our frames is."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(FIRM_ZONE).date()


def local_date(column: str, timezone: str = FIRM_ZONE.key) -> pl.Expr:
    """`local_day` for a column: a UTC timestamp column as the firm's calendar date."""
    return pl.col(column).dt.convert_time_zone(timezone).dt.date()


def now() -> dt.datetime:
    """The machine's clock, in UTC: the one reading of it that "today" and a run's time
    (`MonthlyOptions.current`) come from, so that a test fixing it fixes both."""
    return dt.datetime.now(dt.UTC)


def today() -> dt.date:
    """The firm's day now."""
    return local_day(now())


@total_ordering
@dataclass(frozen=True)
class Month:
    """A calendar month: `Month.parse("2026-10")`, `str(month) == "2026-10"`; or the month in
    progress to a day (`Month.to`, `through`): `str(month) == "2026-12-to-06"`, whose `end`
    is that day. Months sort by their first day, then their last."""

    year: int
    number: int
    #: The last day reported, for a month to date (`reports monthly --to-date`); None for
    #: the whole month.
    through: int | None = None

    def __post_init__(self) -> None:
        if not 1 <= self.number <= 12 or not 1 <= self.year <= 9999:
            raise PeriodError(f"month must be YYYY-MM, got {self.year:04d}-{self.number:02d}")
        last = monthrange(self.year, self.number)[1]
        if self.through is not None and not 1 <= self.through <= last:
            raise PeriodError(
                f"{self.year:04d}-{self.number:02d} has no day {self.through}: it runs 01 to {last}"
            )

    @classmethod
    def parse(cls, text: str) -> Month:
        """`YYYY-MM` (or `YYYY-MM-to-DD`, a month to date as `str` gives it) to a Month;
        anything else is a `PeriodError` saying what was given."""
        match = _PATTERN.fullmatch(text.strip()) if isinstance(text, str) else None
        if match is None:
            raise PeriodError(f"month must be YYYY-MM, got {text!r}")
        year, number = int(match[1]), int(match[2])
        if not 1 <= number <= 12:
            raise PeriodError(f"month {text.strip()} is out of range: months run 01 to 12")
        return cls(year, number, None if match[3] is None else int(match[3]))

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
        """The period's last day: the month's, or for a month to date the day it runs to."""
        return dt.date(self.year, self.number, self.through or self.last_day)

    @property
    def last_day(self) -> int:
        """The calendar month's last day of the month (31 for October), to date or not."""
        return monthrange(self.year, self.number)[1]

    @property
    def is_to_date(self) -> bool:
        return self.through is not None

    @property
    def whole(self) -> Month:
        """The whole calendar month, of a month to date as of any other."""
        return Month(self.year, self.number)

    @property
    def label(self) -> str:
        """`October 2026`, as titles and messages show it; a month to date says so, in the
        words every page and file of its report carries: `1–6 December 2026 (month to
        date)`."""
        if self.through is None:
            return self.start.strftime("%B %Y")
        return f"1\u2013{self.through} {self.start:%B %Y} (month to date)"

    @property
    def to_date_note(self) -> str | None:
        """`Month to date: 1–6 Dec 2026`, the words that open a month-to-date report's
        first page and each of its statements; None for a whole month."""
        if self.through is None:
            return None
        return f"Month to date: 1\u2013{self.through} {self.start:%b %Y}"

    def to(self, day: dt.date) -> Month:
        """This month from its first day to `day`, which must fall in it: a month to date."""
        if Month.of(day) != self.whole:
            raise PeriodError(f"{day:%d %b %Y} is not in {self.whole}")
        return Month(self.year, self.number, day.day)

    def in_progress(self, on: dt.date | None = None) -> bool:
        """Whether the day `on` (the firm's day now, by default) falls in the calendar month:
        the month has begun and has not ended, and its records are still coming."""
        return Month.of(on or today()) == self.whole

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

    def require_reportable(self, on: dt.date | None = None) -> Month:
        """This month, if a report of it can be built on the day `on` (the firm's day now,
        by default): a month that has ended, or a month to date that ends by `on`. A later
        month, or the whole month in progress (whose report would be dated its last day,
        days ahead, with records still coming), is a `PeriodError` saying what to give."""
        now = on or today()
        self.require_begun(now)
        if self.through is None and self.in_progress(now):
            raise PeriodError(
                f"{self} is still in progress (today is {now.day} {now:%b %Y}): use --to-date "
                f"for a month-to-date report, or --month {self.previous}"
            )
        if self.end > now:
            raise PeriodError(
                f"{self} runs to {self.end:%d %b %Y}, after today ({now:%d %b %Y}): give "
                f"--month {self.whole} --to-date"
            )
        return self

    def reporting(self, to_date: bool, on: dt.date | None = None) -> Month:
        """The period `--month` (this month) and `--to-date` ask for on the day `on` (the
        firm's day now, by default): the whole month once it has ended; with `to_date`, the
        month in progress from its first day to `on`. Any other is a `PeriodError`: a month
        not begun, the month in progress without `to_date`, `to_date` of a month that has
        ended (its whole report is due), or a `YYYY-MM-to-DD` month given as `--month`."""
        now = on or today()
        if self.through is not None:
            raise PeriodError(
                f"--month takes YYYY-MM, got {self}: for {self.whole} to date, give --month "
                f"{self.whole} --to-date"
            )
        if not to_date:
            return self.require_reportable(now)
        self.require_begun(now)
        if not self.in_progress(now):
            raise PeriodError(
                f"{self} has ended (today is {now.day} {now:%b %Y}): --to-date is for the "
                f"month in progress; drop it for {self}'s whole report"
            )
        return self.to(now)

    def _order(self) -> tuple[int, int, int, bool]:
        return (self.year, self.number, self.end.day, self.through is None)

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, Month):
            return NotImplemented
        return self._order() < other._order()

    @property
    def previous(self) -> Month:
        return Month.of(self.start - dt.timedelta(days=1))

    def shifted(self, months: int) -> Month:
        """The whole month `months` after this one (before it, if negative); `shifted(0)`
        is this period itself, a month to date staying one."""
        if months == 0:
            return self
        index = self.year * 12 + self.number - 1 + months
        return Month(index // 12, index % 12 + 1)

    def financial_year_start(self, first_month: int) -> Month:
        """The first month of the financial year holding this month, for a year that starts
        in month `first_month` (4: April)."""
        return self.shifted(-((self.number - first_month) % 12))

    def __str__(self) -> str:
        """`2026-10`; a month to date `2026-12-to-06`: the name of its folder and in each of
        its files' names (`report-2026-12-to-06.pdf`), apart from the whole month's."""
        whole = f"{self.year:04d}-{self.number:02d}"
        return whole if self.through is None else f"{whole}-to-{self.through:02d}"


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
