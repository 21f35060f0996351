"""Our names for the vendors' fields: each source maps them at its boundary, and a month
saved under the vendor's names before the renaming still loads under ours."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import polars as pl

from reports import rates, snapshot
from reports.frames import SCHEMAS
from reports.periods import Month
from reports.schema import Column, FrameSchema
from reports.sources.mobility.frames import MOBILITY_EXPENSES
from reports.sources.willsuite.frames import WILLSUITE_INVOICE_ITEMS, WILLSUITE_INVOICES

RENAMED = {
    key: schema for key, schema in SCHEMAS.items() if any(c.vendor_names for c in schema.columns)
}


def _value(column: Column, row: int) -> Any:
    if column.dtype == pl.String():
        return f"{column.name}-{row}"
    if column.dtype == pl.Datetime("us", "UTC"):
        return dt.datetime(2026, 10, row + 1, 9, tzinfo=dt.UTC)
    return None


def _sample(schema: FrameSchema) -> pl.DataFrame:
    rows = [{c.name: _value(c, row) for c in schema.columns} for row in range(2)]
    return pl.DataFrame(rows, schema=schema.polars_schema, orient="row")


def _as_saved_before(frame: pl.DataFrame, schema: FrameSchema) -> pl.DataFrame:
    """`frame` under the vendor's names, as the frames were named before ours."""
    old = {}
    for column in schema.columns:
        for vendor in column.vendor_names[:1]:
            old[column.name] = vendor
            if f"stated_{column.name}" in frame.columns:
                old[f"stated_{column.name}"] = f"stated_{vendor}"
    return frame.rename(old)


def test_the_sources_map_the_fields_the_others_share_to_one_name() -> None:
    """The vendors' own names for a case, an invoice, a client and a payment day are read
    into ours; the record's own parent id is kept as `stated_...` beside the owner's."""
    expense = MOBILITY_EXPENSES.build([{"id": 1, "expat_case_id": 590}]).row(0, named=True)
    invoice = WILLSUITE_INVOICES.build(
        [
            {
                "id": "i1",
                "customer_case_id": "c1",
                "recipients_name": "Mrs D. Jhonson",
                "date_created": "2026-10-05 00:00:00",
                "date_due": "2026-11-04 00:00:00",
                "date_paid": "2026-10-20 00:00:00",
            }
        ]
    ).row(0, named=True)
    item = WILLSUITE_INVOICE_ITEMS.build(
        [{"id": "l1", "case_invoice_id": "i1", "customer_case_id": "c1"}]
    ).row(0, named=True)
    assert expense["case_id"] == "590"
    assert (invoice["case_id"], invoice["client_name"]) == ("c1", "Mrs D. Jhonson")
    assert invoice["issued_at"] == dt.datetime(2026, 10, 4, 23, tzinfo=dt.UTC)  # BST midnight
    assert invoice["due_at"] is not None and invoice["paid_at"] is not None
    assert (item["invoice_id"], item["case_id"]) == ("i1", "c1")
    for key, schema in RENAMED.items():
        renamed = {v for c in schema.columns for v in c.vendor_names}
        assert not renamed & set(schema.names), key


def test_a_snapshot_saved_under_the_vendors_names_loads_under_ours(tmp_path: Path) -> None:
    ours = {key: _sample(schema) for key, schema in RENAMED.items()}
    before = {key: _as_saved_before(frame, RENAMED[key]) for key, frame in ours.items()}
    assert all(set(before[key].columns) != set(ours[key].columns) for key in ours)
    saved = snapshot.Snapshot(
        Month.parse("2026-10"),
        before,
        {source: dt.datetime(2026, 11, 1, tzinfo=dt.UTC) for source, _ in before},
        (),
        rates.embedded(),
    )
    folder = snapshot.save(saved, tmp_path / "data", {})
    loaded, _ = snapshot.load(folder)
    for key, frame in ours.items():
        assert loaded.frames[key].equals(frame), key
