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
    base_rate = 4.0            # the Bank of England base rate, per cent a year
    business_clients = ["<client key>"]
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from reports.compute.reminders import Schedule, Step
from reports.errors import ConfigError

KEYS = ("steps", "minimum", "exclude", "interest", "base_rate", "business_clients")
STEP_KEYS = ("days", "template", "cc")


@dataclass(frozen=True)
class CreditControl:
    schedule: Schedule
    #: Whether a reminder to a business client states statutory interest and compensation.
    interest: bool = False
    #: The reference rate, a fraction a year (4 % is 0.04).
    base_rate: Decimal = Decimal(0)
    #: Client keys of clients that are businesses (the Late Payment Act's scope).
    business_clients: frozenset[str] = frozenset()


def _decimal(value: object, where: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ConfigError(f"{where} must be a number, not {value!r}")
    try:
        # TOML floats come as Python floats: read their shortest text, never their binary.
        return Decimal(str(value))
    except InvalidOperation:
        raise ConfigError(f"{where} must be a number, not {value!r}") from None


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
    return Step(days, template.strip(), cc.strip() if cc else None)


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
    base_rate = _decimal(table.get("base_rate", 0), f"{name} base_rate")
    if not Decimal(0) <= base_rate <= Decimal(100):
        raise ConfigError(f"{name} base_rate is a yearly rate in per cent, like 4.0")
    if interest and "base_rate" not in table:
        raise ConfigError(
            f"{name}: interest = true needs base_rate, the Bank of England base rate in per cent"
        )
    return CreditControl(
        schedule,
        interest=interest,
        base_rate=base_rate / 100,
        business_clients=_strings(table.get("business_clients", []), f"{name} business_clients"),
    )
