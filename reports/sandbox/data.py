"""Realistic generated data for the three sandbox APIs, shaped field for field like the docs.

Deterministic: the same seed and sizes give the same data (no clock, no global random).
Each vendor's generator lives beside its routes (`sandbox.mobility`, `.plannr`,
`.willsuite`), and `sandbox.generate` runs them; here are what they share: the data's
container, its sizes, and the helpers that draw dates, stamps, ids and people.
"""

from __future__ import annotations

import datetime as dt
import functools
import itertools
import random
import unicodedata
import uuid
from dataclasses import dataclass, field
from typing import Any

#: The sandbox's "today": data runs up to here, so demos and tests do not depend on the clock.
#: It sits inside the embedded ECB rate history, so every expense converts.
ANCHOR = dt.date(2026, 10, 31)
#: Two years of history, so that the demo's trends, years to date and last years mean something.
START = dt.date(2024, 11, 1)
#: How busy each calendar month is (January first): a firm's year, quiet in August and
#: December, busiest after the new year and before the tax year ends.
SEASON = (1.25, 1.1, 1.3, 1.0, 1.0, 0.95, 0.9, 0.6, 1.05, 1.1, 1.0, 0.7)
#: Months that went badly, a weight each (a lost team, a system outage).
BAD_MONTHS = {(2025, 6): 0.45, (2026, 2): 0.55}
#: Growth a month: the firm takes on a little more work each month than the one before.
GROWTH = 0.05

FIRST = [
    "Jane",
    "John",
    "Amelia",
    "Oliver",
    "Sofia",
    "Liam",
    "Mia",
    "Noah",
    "Emma",
    "Lucas",
    "Ava",
    "Leo",
    "Isla",
    "Hugo",
    "Ella",
    "Arjun",
    "Chloe",
    "Mateo",
    "Zara",
    "Felix",
    "Priya",
    "Tom",
    "Hannah",
    "Yuki",
]
LAST = [
    "Doe",
    "Smith",
    "Jones",
    "Müller",
    "García",
    "Rossi",
    "Dubois",
    "Novak",
    "Kowalski",
    "Tanaka",
    "Patel",
    "Okafor",
    "Andersson",
    "Silva",
    "Brown",
    "Taylor",
    "Wilson",
    "Evans",
    "O'Brien",
    "Nguyen",
]

COMPANIES = [
    "Example Client Ltd",
    "Northwind Traders plc",
    "Acme Engineering GmbH",
    "Globex Corporation",
    "Initech Ltd",
    "Umbrella Pharma AG",
    "Stark & Wayne LLP",
    "Contoso Bank SA",
]


@dataclass(frozen=True)
class Sizes:
    mobility_cases: int = 300
    plannr_cases: int = 300
    plannr_clients: int = 150
    willsuite_cases: int = 300
    max_expenses_per_case: int = 12

    @classmethod
    def of(cls, cases: int) -> Sizes:
        """`cases` cases in each API, and half as many Plannr clients."""
        return cls(cases, cases, cases // 2, cases)


@dataclass
class SandboxData:
    mobility_cases: list[dict[str, Any]] = field(default_factory=list)
    mobility_tasks: list[dict[str, Any]] = field(default_factory=list)
    mobility_case_managers: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    mobility_task_managers: dict[int, dict[str, dict[str, Any]]] = field(default_factory=dict)
    mobility_expenses: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    plannr_cases: list[dict[str, Any]] = field(default_factory=list)
    plannr_clients: list[dict[str, Any]] = field(default_factory=list)
    plannr_incomes: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    willsuite_cases: list[dict[str, Any]] = field(default_factory=list)
    willsuite_invoices: dict[str, list[dict[str, Any]]] = field(default_factory=dict)


# --------------------------------------------------------------------------- helpers


def day_in(rng: random.Random, start: dt.date = START, end: dt.date = ANCHOR) -> dt.date:
    return start + dt.timedelta(days=rng.randrange((end - start).days + 1))


def busy_day(rng: random.Random, start: dt.date = START, end: dt.date = ANCHOR) -> dt.date:
    """A day between `start` and `end` as a firm's work falls: months weighted by their
    season, the firm's growth and its bad months, then a day in the month."""
    months, weights = _busy_months(start, end)
    y, m = rng.choices(months, cum_weights=weights)[0]
    first = max(start, dt.date(y, m, 1))
    after = dt.date(y + (m == 12), m % 12 + 1, 1)
    return day_in(rng, first, min(end, after - dt.timedelta(days=1)))


@functools.cache
def _busy_months(start: dt.date, end: dt.date) -> tuple[list[tuple[int, int]], list[float]]:
    """The months from `start` to `end` and their cumulative weights (`busy_day`)."""
    months: list[tuple[int, int]] = []
    year, month = start.year, start.month
    while (year, month) <= (end.year, end.month):
        months.append((year, month))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    weights = [
        SEASON[m - 1] * (1 + GROWTH) ** index * BAD_MONTHS.get((y, m), 1.0)
        for index, (y, m) in enumerate(months)
    ]
    return months, list(itertools.accumulate(weights))


def stamp(day: dt.date, rng: random.Random) -> dt.datetime:
    return dt.datetime(
        day.year,
        day.month,
        day.day,
        rng.randrange(8, 19),
        rng.randrange(60),
        rng.randrange(60),
        tzinfo=dt.UTC,
    )


def iso_micro(value: dt.datetime) -> str:  # Laravel style: 2026-04-28T10:34:11.000000Z
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def midnight_z(day: dt.date | None) -> str | None:
    return None if day is None else f"{day.isoformat()}T00:00:00.000000Z"


def random_uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def mailbox(first: str, last: str, domain: str) -> str:
    """An ASCII address from a name (Müller -> muller), as most mail systems still need."""
    local = unicodedata.normalize("NFKD", f"{first}.{last}").encode("ascii", "ignore").decode()
    return f"{local.lower().replace(chr(39), '')}@{domain}"


def person(rng: random.Random) -> tuple[str, str]:
    return rng.choice(FIRST), rng.choice(LAST)
