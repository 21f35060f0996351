"""The month a report covers, parsed once, and the firm's time zone, defined once.

A `Month` is made from `YYYY-MM` by `Month.parse` (a malformed one is a `PeriodError`, a
one-line message for the user, never a bare `ValueError`); everything else asks it for its
bounds, label and neighbours instead of parsing the string again.
"""

from __future__ import annotations

import datetime as dt
import re
from calendar import monthrange
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from reports.errors import PeriodError

#: The United Kingdom's time zone: WillSuite writes its naive timestamps in it.
UK_ZONE = "Europe/London"
#: The firms are UK firms: "a day" is a UK day (an invoice dated 1 April 00:00 UK time is
#: 31 March 23:00 UTC, and belongs to April).
FIRM_TIMEZONE = UK_ZONE
FIRM_ZONE = ZoneInfo(FIRM_TIMEZONE)

_PATTERN = re.compile(r"(\d{4})-(\d{2})")


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
            raise PeriodError(f"month must be YYYY-MM, got {text!r}")
        return cls(year, number)

    @classmethod
    def of(cls, day: dt.date) -> Month:
        return cls(day.year, day.month)

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

    @property
    def previous(self) -> Month:
        return Month.of(self.start - dt.timedelta(days=1))

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.number:02d}"
