"""Every frame the registered sources produce, and the one shape their cases share.

Each source defines its own frames (`reports.sources.<name>.frames`); `SCHEMAS` is all of
them by `(source, entity)`, read from the registry, and `docs/frames.md` is generated from
it (`python -m reports.docs`; a test keeps it current).
"""

from __future__ import annotations

from collections.abc import Mapping

import polars as pl

from reports.schema import FrameSchema
from reports.sources import REGISTRY, SCHEMAS

__all__ = ["CASE_SUMMARY_SCHEMA", "SCHEMAS", "case_summaries", "combined_cases_schema"]

#: The one shape every source's cases are listed in (`report.cases`, the Cases sheet).
CASE_SUMMARY_SCHEMA = pl.Schema(
    {
        "source": pl.String(),
        "case_id": pl.String(),
        "case_name": pl.String(),
        "client": pl.String(),
        "status": pl.String(),
        "opened_on": pl.Date(),
        "closed_on": pl.Date(),
    }
)


def case_summaries() -> tuple[tuple[FrameSchema, Mapping[str, pl.Expr]], ...]:
    """Each source's cases frame and how its cases read in `CASE_SUMMARY_SCHEMA`: id, name,
    client, status as displayed, and the UK days they were opened and closed."""
    return tuple(
        (source.schemas[source.case_summary[0]], source.case_summary[1])
        for source in REGISTRY.values()
        if source.case_summary is not None
    )


def combined_cases_schema() -> pl.Schema:
    """`source` plus every source's case columns; a name shared by sources has one type."""
    merged: dict[str, pl.DataType] = {"source": pl.String(), "case_id": pl.String()}
    for schema, _ in case_summaries():
        for column in schema.columns:
            existing = merged.setdefault(column.name, column.dtype)
            if existing != column.dtype:
                raise AssertionError(f"cases.{column.name}: {existing} vs {column.dtype}")
    return pl.Schema(merged)
