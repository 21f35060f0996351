"""A firm's targets for its headline figures and the alerts it wants raised, as
`reports.toml` gives them (`[targets.<figure>]`, `[[alerts]]`), typed and checked.

A target is monthly: one value for every month, an annual one spread evenly (a twelfth of
it, rounded half up to the hundredth), or twelve values, January first. Whether a figure
is on track compares it with the month's target by its performance (the figure over the
target when higher is better, the target over the figure when lower is better): at or
above `amber` (90 % by default) it is on track, at or above `red` (75 %) behind, below
that off track. See docs/calculations.md, "Targets and alerts".
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from enum import StrEnum

from reports.errors import ConfigError
from reports.periods import Month

HUNDREDTH = Decimal("0.01")
DEFAULT_AMBER = Decimal("0.90")
DEFAULT_RED = Decimal("0.75")


class Better(StrEnum):
    HIGHER = "higher"
    LOWER = "lower"


class Status(StrEnum):
    """A figure against its target, as a word every output prints (never colour alone)."""

    ON_TRACK = "on track"
    BEHIND = "behind"
    OFF_TRACK = "off track"


@dataclass(frozen=True)
class Target:
    figure: str
    #: The target of each calendar month, January first.
    monthly: tuple[Decimal, ...]
    better: Better = Better.HIGHER
    #: Performance (a share of the target) at or above which a figure is on track...
    amber: Decimal = DEFAULT_AMBER
    #: ...and at or above which it is behind rather than off track.
    red: Decimal = DEFAULT_RED
    #: The year's target where one was given (`annual`): each month's is its twelfth,
    #: rounded, and a year to date is worked from it.
    annual: Decimal | None = None

    def for_month(self, month: Month) -> Decimal:
        return self.monthly[month.number - 1]

    def for_months(self, months: Sequence[Month]) -> Decimal:
        """The target of several months together (a year to date): an annual target's
        share of the year, rounded once (£100,000 a year over seven months is £58,333.33,
        not seven rounded months' £58,333.31); otherwise the months' targets added."""
        if self.annual is not None:
            return (self.annual * len(months) / 12).quantize(HUNDREDTH, ROUND_HALF_UP)
        return sum((self.for_month(month) for month in months), Decimal(0))

    def status(self, value: Decimal, target: Decimal) -> Status:
        """`value` against `target` (see the module's docstring); a target of zero is met by
        zero or better and missed by anything else."""
        if target == 0 or (self.better is Better.LOWER and value == 0):
            met = value >= target if self.better is Better.HIGHER else value <= target
            return Status.ON_TRACK if met else Status.OFF_TRACK
        performance = value / target if self.better is Better.HIGHER else target / value
        if value < 0 or performance < 0:
            return Status.OFF_TRACK
        if performance >= self.amber:
            return Status.ON_TRACK
        if performance >= self.red:
            return Status.BEHIND
        return Status.OFF_TRACK


class AlertKind(StrEnum):
    #: A headline figure above `level` (`figure = "overdue_90_plus"`, `above = 10000`).
    ABOVE = "above"
    #: A headline figure below `level`.
    BELOW = "below"
    #: Any client whose statement says it owes more than `level`.
    CLIENT_OUTSTANDING = "client outstanding above"
    #: Any client owing on an invoice more than `level` days past its due date.
    CLIENT_OVERDUE_DAYS = "client overdue days above"
    #: The share of the month's counted expenses already invoiced below `level` per cent.
    INVOICED_SHARE = "invoiced share below"


@dataclass(frozen=True)
class AlertRule:
    kind: AlertKind
    level: Decimal
    figure: str | None = None


#: Names a firm may give a figure by what it means: invoicing is the firm's revenue, its
#: fees net of VAT (VAT is collected for HMRC, not earned); the gross figure is named by its
#: own key, `invoiced_total`.
ALIASES = {"invoiced": "invoiced_net", "invoicing": "invoiced_net"}


def figure_key(name: str) -> str:
    """The catalogue's key of the figure `name` means (`ALIASES`), else `name`."""
    return ALIASES.get(name, name)


def parse_targets(table: object, where: str, figures: Sequence[str]) -> tuple[Target, ...]:
    """`[targets.<figure>]` tables: `monthly`, `annual` or `months` (one of them), and
    optionally `better` ("higher" or "lower"), `amber` and `red` (per cent of target).
    `<figure>` is a figure's key or an alias of it (`ALIASES`)."""
    if table is None:
        return ()
    if not isinstance(table, Mapping):
        raise ConfigError(f"{where}: [targets] must hold one table per figure")
    targets = []
    named: dict[str, str] = {}
    for given_name, body in table.items():
        name = f"{where}: [targets.{given_name}]"
        figure = figure_key(given_name)
        _known(figure, figures, name)
        if figure in named:
            raise ConfigError(
                f"{name}: {figure!r} has a target already, as [targets.{named[figure]}]"
            )
        named[figure] = given_name
        if not isinstance(body, Mapping):
            raise ConfigError(f"{name} must be a table (monthly = ..., or annual, or months)")
        unknown = sorted(set(body) - {"monthly", "annual", "months", "better", "amber", "red"})
        if unknown:
            raise ConfigError(
                f"{name}: unknown key {unknown[0]!r}; valid: monthly, annual, months, "
                "better, amber, red"
            )
        given = [key for key in ("monthly", "annual", "months") if key in body]
        monthly: tuple[Decimal, ...]
        annual = None
        if len(given) != 1:
            raise ConfigError(f"{name} needs exactly one of monthly, annual or months")
        if given[0] == "monthly":
            monthly = (_number(body["monthly"], f"{name} monthly"),) * 12
        elif given[0] == "annual":
            annual = _number(body["annual"], f"{name} annual")
            monthly = ((annual / 12).quantize(HUNDREDTH, ROUND_HALF_UP),) * 12
        else:
            values = body["months"]
            if not isinstance(values, list) or len(values) != 12:
                raise ConfigError(f"{name} months must be a list of 12 values, January first")
            monthly = tuple(_number(v, f"{name} months") for v in values)
        better = str(body.get("better", "higher")).lower()
        if better not in tuple(Better):
            raise ConfigError(f"{name} better must be 'higher' or 'lower', got {better!r}")
        amber = _share(body.get("amber", 90), f"{name} amber")
        red = _share(body.get("red", 75), f"{name} red")
        if red > amber:
            raise ConfigError(f"{name}: red ({red:.0%}) must not be above amber ({amber:.0%})")
        targets.append(Target(figure, monthly, Better(better), amber, red, annual))
    return tuple(targets)


def parse_alerts(entries: object, where: str, figures: Sequence[str]) -> tuple[AlertRule, ...]:
    """`[[alerts]]` entries, each one of: `figure` with `above` or `below`;
    `client_outstanding_above`; `client_overdue_days_above` (days); `invoiced_share_below`
    (per cent)."""
    if entries is None:
        return ()
    if not isinstance(entries, list) or not all(isinstance(e, Mapping) for e in entries):
        raise ConfigError(f"{where}: alerts must be [[alerts]] tables")
    rules = []
    for number, entry in enumerate(entries, 1):
        name = f"{where}: alert {number}"
        keys = set(entry)
        if keys == {"client_outstanding_above"}:
            level = _number(entry["client_outstanding_above"], f"{name} client_outstanding_above")
            rules.append(AlertRule(AlertKind.CLIENT_OUTSTANDING, level))
        elif keys == {"client_overdue_days_above"}:
            level = _number(entry["client_overdue_days_above"], f"{name} client_overdue_days_above")
            if level < 0 or level != level.to_integral_value():
                raise ConfigError(f"{name} client_overdue_days_above must be whole days, 0 or more")
            rules.append(AlertRule(AlertKind.CLIENT_OVERDUE_DAYS, level))
        elif keys == {"invoiced_share_below"}:
            level = _number(entry["invoiced_share_below"], f"{name} invoiced_share_below")
            rules.append(AlertRule(AlertKind.INVOICED_SHARE, level))
        elif keys in ({"figure", "above"}, {"figure", "below"}):
            figure = figure_key(str(entry["figure"]))
            _known(figure, figures, name)
            kind = AlertKind.ABOVE if "above" in keys else AlertKind.BELOW
            level = _number(entry[kind.value], f"{name} {kind.value}")
            rules.append(AlertRule(kind, level, figure))
        else:
            raise ConfigError(
                f"{name} must be figure with above or below, or client_outstanding_above, "
                f"or client_overdue_days_above, or invoiced_share_below; got {', '.join(sorted(keys)) or 'nothing'}"
            )
    return tuple(rules)


#: Figures that were headline figures once, and what to use instead: a firm's settings
#: naming one get an error saying so, not a guess at a figure of another kind.
RETIRED = dict.fromkeys(
    ("incomes_annual_net", "incomes_annual_gross"),
    "client incomes are the clients' own (their fact-find), not the firm's, and are in no "
    "headline figure: the report's Client book shows them; remove this target or alert",
)


def _known(figure: str, figures: Sequence[str], where: str) -> None:
    if figure in RETIRED:
        raise ConfigError(f"{where}: {figure!r} is no longer a figure: {RETIRED[figure]}")
    if figure not in figures:
        close = difflib.get_close_matches(figure, figures, n=1, cutoff=0.4)
        hint = f"; did you mean {close[0]!r}?" if close else f"; valid: {', '.join(figures)}"
        raise ConfigError(f"{where}: unknown figure {figure!r}{hint}")


def _number(value: object, what: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ConfigError(f"{what} must be a number, got {value!r}")
    try:
        # A TOML float is read by its shortest repr (10000.5, not its binary expansion).
        number = Decimal(str(value))
    except InvalidOperation:
        raise ConfigError(f"{what} must be a number, got {value!r}") from None
    if not number.is_finite():
        raise ConfigError(f"{what} must be a number, got {value!r}")
    return number


def _share(value: object, what: str) -> Decimal:
    """A threshold given in per cent (90), as a share (0.9)."""
    percent = _number(value, what)
    if not 0 < percent <= 100:
        raise ConfigError(f"{what} must be a per cent of the target, above 0 and at most 100")
    return percent / 100
