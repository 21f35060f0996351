"""The report's period: a whole month, or the month in progress to a day, on a fixed day."""

from __future__ import annotations

import datetime as dt

import pytest

from reports.errors import PeriodError
from reports.periods import Month

#: A day of the month in progress, as the firm's clock would give it.
SIXTH = dt.date(2026, 12, 6)


def test_the_month_to_date_runs_from_the_first_to_the_day() -> None:
    period = Month.parse("2026-12").reporting(to_date=True, on=SIXTH)
    assert (period.start, period.end) == (dt.date(2026, 12, 1), SIXTH)
    assert str(period) == "2026-12-to-06"  # its folder's and its files' names
    assert period.label == "1\u20136 December 2026 (month to date)"
    assert period.to_date_note == "Month to date: 1\u20136 Dec 2026"
    assert Month(2026, 12).to_date_note is None
    assert Month.parse(str(period)) == period  # as a snapshot's manifest reads it back
    assert period != Month(2026, 12) and period.whole == Month(2026, 12)


def test_the_months_around_a_month_to_date_are_whole() -> None:
    period = Month(2026, 12).to(SIXTH)
    assert period.previous == Month(2026, 11)
    assert period.shifted(-12) == Month(2025, 12)
    assert period.shifted(0) is period  # the history's own month stays to date
    assert sorted([Month(2026, 12), period, Month(2026, 11)]) == [
        Month(2026, 11),
        period,
        Month(2026, 12),
    ]


def test_a_whole_month_that_has_ended_is_reported_as_it_is() -> None:
    assert Month(2026, 11).reporting(to_date=False, on=SIXTH) == Month(2026, 11)
    assert Month(2026, 11).reporting(to_date=False, on=dt.date(2026, 12, 1)) == Month(2026, 11)


@pytest.mark.parametrize(
    ("month", "to_date", "message"),
    [
        (
            "2026-12",
            False,
            "2026-12 is still in progress (today is 6 Dec 2026): use --to-date for a "
            "month-to-date report, or --month 2026-11",
        ),
        ("2027-01", False, "2027-01 has not begun (today is 06 Dec 2026): report 2026-12"),
        ("2027-01", True, "2027-01 has not begun (today is 06 Dec 2026): report 2026-12"),
        (
            "2026-11",
            True,
            "2026-11 has ended (today is 6 Dec 2026): --to-date is for the month in progress; "
            "drop it for 2026-11's whole report",
        ),
        (
            "2026-12-to-06",
            True,
            "--month takes YYYY-MM, got 2026-12-to-06: for 2026-12 to date, give --month "
            "2026-12 --to-date",
        ),
    ],
)
def test_what_cannot_be_reported_on_the_day_says_what_to_give(
    month: str, to_date: bool, message: str
) -> None:
    with pytest.raises(PeriodError) as raised:
        Month.parse(month).reporting(to_date, on=SIXTH)
    assert str(raised.value).startswith(message)


def test_the_last_day_of_the_month_is_still_in_progress() -> None:
    last = dt.date(2026, 12, 31)
    with pytest.raises(PeriodError, match="still in progress"):
        Month(2026, 12).reporting(to_date=False, on=last)
    assert str(Month(2026, 12).reporting(to_date=True, on=last)) == "2026-12-to-31"


def test_a_month_to_date_past_its_day_or_its_month_is_refused() -> None:
    with pytest.raises(PeriodError, match="2026-11 has no day 31: it runs 01 to 30"):
        Month.parse("2026-11-to-31")
    with pytest.raises(PeriodError, match="runs to 20 Dec 2026, after today"):
        Month(2026, 12, 20).require_reportable(on=SIXTH)
    with pytest.raises(PeriodError, match="06 Jan 2027 is not in 2026-12"):
        Month(2026, 12).to(dt.date(2027, 1, 6))
