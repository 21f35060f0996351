"""Data-quality flags, and the one place duplicated records are settled.

A flag is a row of `FLAGS`: which source and kind of record, which record, what check it
failed, the detail (what was found) and the action (what the report did with it). The
report lists every flag; nothing it leaves out of a total is left out silently.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

import polars as pl

from reports.compute.units import Rounding, round_to_minor_units
from reports.errors import DataError
from reports.money import minor_units

FLAGS = pl.Schema(
    {
        "source": pl.String(),
        "entity": pl.String(),
        "record": pl.String(),
        "check": pl.String(),
        "detail": pl.String(),
        "action": pl.String(),
    }
)


def flags(
    frame: pl.DataFrame,
    source: str,
    entity: str,
    record: str | pl.Expr,
    check: str,
    detail: pl.Expr,
    action: str | pl.Expr,
) -> pl.DataFrame:
    """One flag per row of `frame`: `record` names it (a column or an expression), `detail`
    says what was found and `action` what the report did about it."""
    record_expr = pl.col(record) if isinstance(record, str) else record
    action_expr = pl.lit(action) if isinstance(action, str) else action
    return frame.select(
        pl.lit(source).alias("source"),
        pl.lit(entity).alias("entity"),
        record_expr.cast(pl.String).alias("record"),
        pl.lit(check).alias("check"),
        detail.cast(pl.String).alias("detail"),
        action_expr.cast(pl.String).alias("action"),
    )


def no_flags() -> pl.DataFrame:
    return pl.DataFrame(schema=FLAGS)


def unique_records(
    frame: pl.DataFrame, key: str | list[str], source: str, entity: str
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """`frame` with each `key` once, and a flag for each key that came more than once.

    Copies that agree in every column are one record served twice (a vendor's paging or a
    record listed under two parents): it is kept once and flagged. Copies that disagree are
    two different records under one id; which is right cannot be known, so that is a
    `DataError` naming the id.
    """
    keys = [key] if isinstance(key, str) else key
    counts = frame.group_by(keys).agg(_copies=pl.len()).filter(pl.col("_copies") > 1)
    if counts.height == 0:
        return frame, no_flags()
    distinct = frame.unique(maintain_order=True)
    conflicting = distinct.group_by(keys).agg(_versions=pl.len()).filter(pl.col("_versions") > 1)
    if conflicting.height:
        first = conflicting.row(0, named=True)
        ident = ", ".join(str(first[k]) for k in keys)
        raise DataError(
            f"{source} {entity} {ident} comes {first['_versions']} times with different "
            f"contents ({conflicting.height} such ids in all); correct it in {source} before "
            "reporting, as no figure can be chosen between them"
        )
    record = pl.concat_str([pl.col(k).cast(pl.String) for k in keys], separator=", ")
    found = flags(
        counts,
        source,
        entity,
        record,
        "duplicate record",
        pl.format("served {} times with the same contents", pl.col("_copies")),
        "counted once",
    )
    return distinct, found


def rounded_to_minor_units(
    frame: pl.DataFrame,
    source: str,
    entity: str,
    record: str,
    amounts: Mapping[str, str],
    rounding: Rounding = Rounding.HALF_UP,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """`frame` with each column of `amounts` (name to the column of its currency) rounded
    once to its currency's minor unit, so that every output shows and adds the same value;
    and a flag for each amount that was stated finer than that (EUR 10.005), saying what it
    became."""
    rows = []
    for column, currency in amounts.items():
        rounded = round_to_minor_units(pl.col(column), pl.col(currency), rounding)
        frame = frame.with_columns(rounded.alias("_rounded"))
        changed = frame.filter(pl.col("_rounded") != pl.col(column))
        for row in changed.select(record, column, currency, "_rounded").iter_rows():
            ident, stated, code, value = row
            digits = minor_units(code)
            rows.append(
                {
                    "source": source,
                    "entity": entity,
                    "record": None if ident is None else str(ident),
                    "check": "amount finer than its currency's minor unit",
                    "detail": f"{column} {stated.normalize():f} {code} "
                    f"({code} has {digits} decimal places)",
                    "action": f"rounded {rounding.value.replace('_', ' ')} to "
                    f"{value.quantize(Decimal(1).scaleb(-digits)):f} once, before any total",
                }
            )
        frame = frame.with_columns(pl.col("_rounded").alias(column)).drop("_rounded")
    return frame, pl.DataFrame(rows, schema=FLAGS)
