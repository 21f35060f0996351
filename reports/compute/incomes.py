"""Client incomes as annual and monthly equivalents, over a period, net and gross apart.

Recurring incomes are multiplied by how often they fall in a year (daily 365, weekly 52,
fortnightly 26, four-weekly 13, monthly 12, bimonthly 6, quarterly 4, biannually 2,
annually 1); the monthly equivalent is a twelfth of that, to the currency's ISO 4217 minor
unit (pennies; whole yen), half up. `adhoc` and `one_off` incomes count once, in the period
their start date falls in, and have no monthly equivalent.

An income that cannot be annualised (no amount, currency, frequency or net/gross) is left
out with its reason, and `data_problems()` picks those out for the report's Data quality;
incomes outside the period are left out too, which is no problem of the data.
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from reports.compute.units import Rounding, divide, from_units, to_units
from reports.money import MONEY, MONEY_SCALE, minor_unit_expr

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
AMOUNT_TYPES = ("net", "gross")
#: Reasons an income is left out that say nothing is wrong with it: it falls outside the period.
OUTSIDE_PERIOD = (
    "one-off outside the period",
    "starts after the period",
    "ended before the period",
)


def _reason(start: dt.date, end: dt.date) -> pl.Expr:
    once = pl.col("frequency").is_in(ONCE)
    return (
        pl.when(pl.col("amount").is_null())
        .then(pl.lit("no amount"))
        .when(pl.col("amount_currency").is_null())
        .then(pl.lit("no currency"))
        .when(pl.col("frequency").is_null())
        .then(pl.lit("no frequency"))
        .when(pl.col("frequency").is_in([*PER_YEAR, *ONCE]).not_())
        .then(pl.format("unknown frequency {}", pl.col("frequency")))
        .when(pl.col("amount_type").is_null())
        .then(pl.lit("no amount type (net or gross)"))
        .when(pl.col("amount_type").is_in(AMOUNT_TYPES).not_())
        .then(pl.format("unknown amount type {}", pl.col("amount_type")))
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
    # A twelfth, rounded to the currency's minor unit: units of 1e-4 per minor unit.
    per_minor = minor_unit_expr(pl.col("amount_currency"))
    monthly_units = divide(annual_units, per_minor * 12, Rounding.HALF_UP) * per_minor
    return kept.with_columns(
        recurring=pl.col("frequency").is_in(ONCE).not_(),
        annual_amount=from_units(annual_units, MONEY_SCALE),
        monthly_amount=pl.when(pl.col("frequency").is_in(ONCE))
        .then(None)
        .otherwise(from_units(monthly_units, MONEY_SCALE)),
    )


def income_exclusions(incomes: pl.DataFrame, start: dt.date, end: dt.date) -> pl.DataFrame:
    """The incomes `annualise_incomes()` leaves out for this period, with the reason."""
    return incomes.with_columns(reason=_reason(start, end)).filter(pl.col("reason").is_not_null())


def data_problems(exclusions: pl.DataFrame) -> pl.DataFrame:
    """The exclusions that are a fault in the data, not the period (see `OUTSIDE_PERIOD`)."""
    return exclusions.filter(pl.col("reason").is_in(OUTSIDE_PERIOD).not_())


def income_totals(annualised: pl.DataFrame) -> pl.DataFrame:
    """Totals by kind (`recurring` or one-off), `amount_type`, taxable or not, and currency.

    Incomes recorded net of tax and incomes recorded gross are two different sets of
    incomes, never one total before and after tax: they, and amounts in different
    currencies, are never added together. A recurring line's `annual_amount` is the sum of
    its incomes' annual equivalents and its `monthly_amount` that sum divided by 12, to the
    currency's minor unit, half up (so the two columns agree line by line). A one-off line
    holds the one-off incomes of the period once, and has no monthly amount. With a
    `report_annual_amount` column (the annual amounts converted, see `fx.convert`) its sum
    is given too, and a twelfth of it for recurring lines as `report_monthly_amount`.
    """
    keys = ["recurring", "amount_type", "is_taxable", "amount_currency"]
    converted = "report_annual_amount" in annualised.columns
    sums = [pl.col("annual_amount").sum()]
    if converted:
        # One report currency throughout: a key only so that the line keeps it.
        keys.append("report_annual_currency")
        sums.append(pl.col("report_annual_amount").sum())
    monthly = [_twelfth("annual_amount", pl.col("amount_currency")).alias("monthly_amount")]
    if converted:
        monthly.append(
            _twelfth("report_annual_amount", pl.col("report_annual_currency")).alias(
                "report_monthly_amount"
            )
        )
    totals = annualised.group_by(keys).agg(pl.len().alias("incomes"), *sums)
    totals = totals.with_columns(monthly)
    money = [c for c in totals.columns if c.endswith("_amount")]
    return totals.with_columns(pl.col(money).cast(MONEY)).sort(
        ["recurring", "amount_type", "is_taxable", "amount_currency"],
        descending=[True, False, False, False],
    )


def _twelfth(column: str, currency: pl.Expr) -> pl.Expr:
    """A twelfth of a recurring line's annual `column`, to its currency's minor unit, half
    up; null on a one-off line."""
    per_minor = minor_unit_expr(currency)
    units = divide(to_units(pl.col(column)), per_minor * 12, Rounding.HALF_UP) * per_minor
    return pl.when(pl.col("recurring")).then(from_units(units, MONEY_SCALE))


#: `by_kind`'s columns: each income's annual amount in the report currency, in the column
#: of its kind alone, so that each kind totals apart and no total mixes them.
KIND_COLUMNS = {
    "report_annual_net": "recurring incomes recorded net of tax, a year",
    "report_annual_gross": "recurring incomes recorded gross, a year",
    "report_one_off": "one-off incomes, once",
}


def by_kind(converted: pl.DataFrame) -> pl.DataFrame:
    """`converted` (annualised, with `report_annual_amount`) with that amount also in the
    column of its kind (`KIND_COLUMNS`), null in the others: net and gross recurring incomes
    are different incomes, and a one-off is no yearly amount, so a table's totals row sums
    each column apart and never adds the three."""
    amount = pl.col("report_annual_amount")
    recurring = pl.col("recurring")
    return converted.with_columns(
        report_annual_net=pl.when(recurring & (pl.col("amount_type") == "net")).then(amount),
        report_annual_gross=pl.when(recurring & (pl.col("amount_type") == "gross")).then(amount),
        report_one_off=pl.when(recurring.not_()).then(amount),
    )
