"""Plannr incomes as annual and monthly equivalents, over a period, net and gross apart.

Recurring incomes are multiplied by how often they fall in a year (daily 365, weekly 52,
fortnightly 26, four-weekly 13, monthly 12, bimonthly 6, quarterly 4, biannually 2,
annually 1); the monthly equivalent is a twelfth of that, to the penny, half up. `adhoc` and
`one_off` incomes count once, in the period their start date falls in, and have no monthly
equivalent.
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from reports.compute.units import Rounding, divide, from_units, to_units
from reports.money import MONEY, MONEY_SCALE

PER_YEAR = {
    "daily": 365,
    "weekly": 52,
    "fortnightly": 26,
    "four_weekly": 13,
    "monthly": 12,
    "bimonthly": 6,
    "quarterly": 4,
    "biannually": 2,
    "annually": 1,
}
ONCE = ("adhoc", "one_off")


def _reason(start: dt.date, end: dt.date) -> pl.Expr:
    once = pl.col("frequency").is_in(ONCE)
    return (
        pl.when(pl.col("amount").is_null())
        .then(pl.lit("no amount"))
        .when(pl.col("frequency").is_in([*PER_YEAR, *ONCE]).not_())
        .then(pl.format("unknown frequency {}", pl.col("frequency")))
        .when(once & pl.col("start_date").is_null())
        .then(pl.lit("one-off income without a date"))
        .when(once & ((pl.col("start_date") < start) | (pl.col("start_date") > end)))
        .then(pl.lit("one-off outside the period"))
        .when(pl.col("start_date") > end)
        .then(pl.lit("starts after the period"))
        .when(pl.col("end_date") < start)
        .then(pl.lit("ended before the period"))
    )


def annualise_incomes(incomes: pl.DataFrame, start: dt.date, end: dt.date) -> pl.DataFrame:
    """Incomes active between `start` and `end` (inclusive), with `annual_amount` and
    `monthly_amount`. Use `income_exclusions()` to see the ones left out, and why."""
    if end < start:
        raise ValueError(f"period ends ({end}) before it starts ({start})")
    multiplier = pl.col("frequency").replace_strict(PER_YEAR, default=None, return_dtype=pl.Int64)
    kept = incomes.filter(_reason(start, end).is_null())
    annual_units = (
        pl.when(pl.col("frequency").is_in(ONCE))
        .then(to_units(pl.col("amount")))
        .otherwise(to_units(pl.col("amount")) * multiplier)
    )
    return kept.with_columns(
        recurring=pl.col("frequency").is_in(ONCE).not_(),
        annual_amount=from_units(annual_units, MONEY_SCALE),
        monthly_amount=pl.when(pl.col("frequency").is_in(ONCE))
        .then(None)
        .otherwise(from_units(divide(annual_units, 12 * 100, Rounding.HALF_UP), 2)),
    )


def income_exclusions(incomes: pl.DataFrame, start: dt.date, end: dt.date) -> pl.DataFrame:
    """The incomes `annualise_incomes()` leaves out for this period, with the reason."""
    return incomes.with_columns(reason=_reason(start, end)).filter(pl.col("reason").is_not_null())


def income_totals(annualised: pl.DataFrame) -> pl.DataFrame:
    """Annual and monthly totals by `amount_type` (net, gross) and taxable or not: net and gross
    are never added together."""
    return (
        annualised.group_by("amount_type", "is_taxable", "amount_currency")
        .agg(
            incomes=pl.len(),
            annual_amount=pl.col("annual_amount").sum(),
            monthly_amount=pl.col("monthly_amount").sum(),
        )
        .with_columns(pl.col("annual_amount", "monthly_amount").cast(MONEY))
        .sort("amount_type", "is_taxable")
    )
