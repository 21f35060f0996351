"""Exact integer arithmetic on money columns, with rounding that is named, never implicit.

Money columns are `Decimal(38, 4)`. To multiply, divide and round exactly we move them to
integers (`Int128`) of a known unit (ten-thousandths, pennies, ...), do the arithmetic
there, round once with a named rule, and move back.
"""

from __future__ import annotations

from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal
from enum import StrEnum

import polars as pl

from reports.money import MONEY, MONEY_SCALE, minor_unit_expr


class Rounding(StrEnum):
    """How a value between two minor units is settled."""

    #: To the nearest unit; exact halves away from zero (HMRC: "round ... to the nearest
    #: penny", a half penny up).
    HALF_UP = "half_up"
    #: Towards zero: HMRC's "round down", allowed for VAT on invoice lines and totals.
    DOWN = "down"

    @property
    def decimal_mode(self) -> str:
        return ROUND_HALF_UP if self is Rounding.HALF_UP else ROUND_DOWN


def divide(
    numerator: pl.Expr,
    denominator: pl.Expr | int,
    rounding: Rounding,
    integer: type[pl.Int64] | type[pl.Int128] = pl.Int128,
) -> pl.Expr:
    """`numerator / denominator` as a whole number, rounded by `rounding`. `denominator` > 0.

    Works in `integer`: Int64 only where the caller has shown that 2 x |numerator| +
    denominator fits in it (Polars wraps on overflow, silently).
    """
    n = numerator.cast(integer)
    d = (
        denominator.cast(integer)
        if isinstance(denominator, pl.Expr)
        else pl.lit(denominator, integer)
    )
    # Rounded magnitude, then the sign back: away from zero for halves, towards zero for DOWN.
    magnitude = n.abs()
    rounded = (2 * magnitude + d) // (2 * d) if rounding is Rounding.HALF_UP else magnitude // d
    return n.sign().cast(integer) * rounded


def divide_int(numerator: int, denominator: int, rounding: Rounding) -> int:
    """The same rule on Python integers."""
    if denominator <= 0:
        raise ValueError("denominator must be positive")
    sign = -1 if numerator < 0 else 1
    n = abs(numerator)
    quotient = (
        (2 * n + denominator) // (2 * denominator)
        if rounding is Rounding.HALF_UP
        else n // denominator
    )
    return sign * quotient


def to_units(column: pl.Expr, digits: int = MONEY_SCALE) -> pl.Expr:
    """A money column as an integer count of 10**-digits units (exact for digits >= 4)."""
    if digits < MONEY_SCALE:
        raise ValueError("use to_minor_units() for fewer digits than the money scale")
    return (column * (10**digits)).cast(pl.Int128)


def to_minor_units(frame: pl.DataFrame, column: str, digits: int, into: str) -> pl.DataFrame:
    """Add `into`: `column` as whole minor units; a value finer than that is an error, not a truncation."""
    scale = pl.lit(10 ** (MONEY_SCALE - digits), pl.Int128)
    units = to_units(pl.col(column))
    bad = frame.filter((units % scale) != 0)
    if bad.height:
        raise ValueError(
            f"{column}: {bad[column][0]} is not a whole number of units with {digits} decimals"
        )
    return frame.with_columns((units // scale).alias(into))


def from_units(column: pl.Expr, digits: int) -> pl.Expr:
    """Integer units of 10**-digits back to an exact `Decimal(38, 4)` money column."""
    if digits > MONEY_SCALE:
        raise ValueError(f"a money column holds {MONEY_SCALE} decimals, not {digits}")
    # Whole units times 10**-digits written at the money scale: Polars gives the product
    # the sum of the scales, 0 + 4, so it is the money column with no further pass.
    return (
        column.cast(pl.Decimal(38, 0))
        * pl.lit(Decimal(1).scaleb(-digits).quantize(Decimal(1).scaleb(-MONEY_SCALE)), MONEY)
    ).cast(MONEY)


def quantize(amount: Decimal, digits: int, rounding: Rounding) -> Decimal:
    """A Python `Decimal` rounded to `digits` places by the named rule."""
    return amount.quantize(Decimal(1).scaleb(-digits), rounding.decimal_mode)


def round_to_minor_units(
    amount: pl.Expr, currency: pl.Expr, rounding: Rounding = Rounding.HALF_UP
) -> pl.Expr:
    """A money column rounded to each row's currency's ISO 4217 minor unit by the named rule
    (EUR 10.005 is 10.01 half up, JPY 2500.5 is 2501); an amount with no currency is left as
    it is, as its minor unit is not known."""
    per_minor = minor_unit_expr(currency)
    rounded = from_units(divide(to_units(amount), per_minor, rounding) * per_minor, MONEY_SCALE)
    return pl.when(currency.is_null()).then(amount.cast(MONEY)).otherwise(rounded)
