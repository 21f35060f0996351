"""Data-quality flags, and the one place duplicated records are settled.

A flag is a row of `FLAGS`: which source and kind of record, which record, what check it
failed and the detail. The report lists every flag; nothing it leaves out of a total is left
out silently.
"""

from __future__ import annotations

import polars as pl

from reports.errors import DataError

FLAGS = pl.Schema(
    {
        "source": pl.String(),
        "entity": pl.String(),
        "record": pl.String(),
        "check": pl.String(),
        "detail": pl.String(),
    }
)


def flags(
    frame: pl.DataFrame,
    source: str,
    entity: str,
    record: str | pl.Expr,
    check: str,
    detail: pl.Expr,
) -> pl.DataFrame:
    """One flag per row of `frame`: `record` names it (a column or an expression)."""
    record_expr = pl.col(record) if isinstance(record, str) else record
    return frame.select(
        pl.lit(source).alias("source"),
        pl.lit(entity).alias("entity"),
        record_expr.cast(pl.String).alias("record"),
        pl.lit(check).alias("check"),
        detail.cast(pl.String).alias("detail"),
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
        pl.format("served {} times with the same contents; counted once", pl.col("_copies")),
    )
    return distinct, found
