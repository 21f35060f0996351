"""`[credit_control]` in reports.toml, typed and checked: the reminder schedule, and late
payment interest for business clients.

    [credit_control]
    steps = [
      { days = -3, template = "reminder-before" },
      { days = 7,  template = "overdue-1" },
      { days = 21, template = "overdue-2", cc = "partner@firm.example" },
      { days = 45, template = "final" },
    ]
    minimum = 10.00            # no reminder for less owed
    exclude = ["<client key>"] # on hold or in dispute, by client key
    interest = false           # state statutory interest to business clients
    base_rate = 4.0            # the reference rate, per cent a year: one for every debt,
    # or by the half-year each debt fell due in: base_rate = { "2025-H2" = 4.0, "2026-H1" = 3.75 }
    business_clients = ["<client key>"]
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from email.headerregistry import Address

from reports.compute.reminders import Schedule, Step
from reports.errors import ConfigError

KEYS = ("steps", "minimum", "exclude", "interest", "base_rate", "business_clients")
STEP_KEYS = ("days", "template", "cc")


@dataclass(frozen=True)
class CreditControl:
    schedule: Schedule
    #: Whether a reminder to a business client states statutory interest and compensation.
    interest: bool = False
    #: The reference rate, a fraction a year (4 % is 0.04), for every debt...
    base_rate: Decimal = Decimal(0)
    #: Client keys of clients that are businesses (the Late Payment Act's scope).
    business_clients: frozenset[str] = frozenset()
    #: ...or by the half-year a debt fell due in (`2025-H2`), as the Act fixes it: the
    #: Bank of England base rate on the day before that half-year began.
    half_year_rates: Mapping[str, Decimal] = field(default_factory=dict)

    def rate_for(self, due: dt.date) -> Decimal:
        """The reference rate (a fraction a year) of a debt that fell due on `due`; a
        `ConfigError` naming the half-year where `base_rate` is by half-year and lacks it."""
        if not self.half_year_rates:
            return self.base_rate
        half = half_year(due)
        if half not in self.half_year_rates:
            raise ConfigError(
                f"[credit_control] base_rate has no rate for {half}, the half-year an invoice "
                f"fell due in ({due:%d %b %Y}): add {half} = <the base rate on the day "
                "before it began>"
            )
        return self.half_year_rates[half]


def half_year(day: dt.date) -> str:
    """`2026-H1` for January to June 2026, `2026-H2` for July to December."""
    return f"{day.year}-H{1 if day.month <= 6 else 2}"


def _decimal(value: object, where: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ConfigError(f"{where} must be a number, not {value!r}")
    try:
        # TOML floats come as Python floats: read their shortest text, never their binary.
        number = Decimal(str(value))
    except InvalidOperation:
        raise ConfigError(f"{where} must be a number, not {value!r}") from None
    if not number.is_finite():
        raise ConfigError(f"{where} must be a number, not {value!r}")
    return number


def _rate(value: object, where: str) -> Decimal:
    """A yearly rate in per cent, as a fraction."""
    rate = _decimal(value, where)
    if not Decimal(0) <= rate <= Decimal(100):
        raise ConfigError(f"{where} is a yearly rate in per cent, like 4.0")
    return rate / 100


_HALF_YEAR = re.compile(r"^\d{4}-H[12]$")


def _address(value: str, where: str) -> str:
    try:
        address = Address(addr_spec=value.strip())
    except (ValueError, IndexError):
        address = None
    if address is None or not address.username or not address.domain or "," in value:
        raise ConfigError(f"{where} must be one plain email address, got {value!r}")
    return value.strip()


def _keys(body: Mapping[str, object], valid: tuple[str, ...], where: str) -> None:
    for key in body:
        if key not in valid:
            close = difflib.get_close_matches(key, valid, n=1, cutoff=0.5)
            hint = f"; did you mean {close[0]!r}?" if close else f"; valid: {', '.join(valid)}"
            raise ConfigError(f"{where}: unknown key {key!r}{hint}")


def _strings(value: object, where: str) -> frozenset[str]:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ConfigError(f'{where} must be a list of client keys, like ["<client key>"]')
    return frozenset(value)


def _step(body: object, where: str) -> Step:
    if not isinstance(body, Mapping):
        raise ConfigError(f'{where} must be a table, like {{ days = 7, template = "overdue-1" }}')
    _keys(body, STEP_KEYS, where)
    days, template, cc = body.get("days"), body.get("template"), body.get("cc")
    if isinstance(days, bool) or not isinstance(days, int):
        raise ConfigError(f"{where}: days must be a whole number of days from the due date")
    if not isinstance(template, str) or not template.strip():
        raise ConfigError(f"{where}: template must name an email template, like overdue-1")
    if cc is not None and not isinstance(cc, str):
        raise ConfigError(f"{where}: cc must be one email address")
    return Step(days, template.strip(), _address(cc, f"{where} cc") if cc else None)


def parse_credit_control(table: object, where: str) -> CreditControl | None:
    """`[credit_control]` from `where`, or None where it is absent (nobody is chased)."""
    if table is None:
        return None
    name = f"{where}: [credit_control]"
    if not isinstance(table, Mapping):
        raise ConfigError(f"{name} must be a table")
    _keys(table, KEYS, name)
    steps = table.get("steps")
    if not isinstance(steps, list) or not steps:
        raise ConfigError(
            f'{name}: steps must list at least one step, like [{{ days = 7, template = "overdue-1" }}]'
        )
    schedule = Schedule(
        steps=tuple(_step(step, f"{name} steps[{i}]") for i, step in enumerate(steps)),
        minimum=_decimal(table.get("minimum", 0), f"{name} minimum"),
        exclude=_strings(table.get("exclude", []), f"{name} exclude"),
    )
    interest = table.get("interest", False)
    if not isinstance(interest, bool):
        raise ConfigError(f"{name} interest must be true or false")
    given = table.get("base_rate", 0)
    by_half: dict[str, Decimal] = {}
    base_rate = Decimal(0)
    if isinstance(given, Mapping):
        for half, rate in given.items():
            if not _HALF_YEAR.match(str(half)):
                raise ConfigError(
                    f"{name} base_rate: {half!r} is not a half-year: give them as 2026-H1 "
                    "(January to June) or 2026-H2"
                )
            by_half[str(half)] = _rate(rate, f"{name} base_rate {half}")
    else:
        base_rate = _rate(given, f"{name} base_rate")
    if interest and "base_rate" not in table:
        raise ConfigError(
            f"{name}: interest = true needs base_rate, the Bank of England base rate in per cent"
        )
    return CreditControl(
        schedule,
        interest=interest,
        base_rate=base_rate,
        business_clients=_strings(table.get("business_clients", []), f"{name} business_clients"),
        half_year_rates=by_half,
    )
