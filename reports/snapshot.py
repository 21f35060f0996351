"""A month's fetched data on disk (`OUT/YYYY-MM/data/`): every frame as Parquet, the ECB rates
used, and `manifest.json` saying what is there, so that the report can be rebuilt exactly,
with no network (`reports monthly --from-snapshot`), and compared with the next month's.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

import polars as pl

from reports.compute.fx import EcbRates
from reports.errors import SnapshotError
from reports.frames import SCHEMAS
from reports.output import write_parquet
from reports.periods import Month
from reports.report.model import Frames
from reports.store.month_folder import MANIFEST as MANIFEST  # the approval names its path
from reports.store.month_folder import (
    snapshot_frame_in,
    snapshot_manifest_in,
    snapshot_rates_in,
)
from reports.store.snapshot_manifest import (
    RatesKept,
    SnapshotManifest,
    read_snapshot_manifest,
    read_snapshot_table,
    write_snapshot_manifest,
)


@dataclass(frozen=True)
class Snapshot:
    """What one fetch brought: frames by `(source, entity)`, when each source was read, the
    sources that failed (with `--allow-partial`), and the rates to convert with."""

    month: Month
    frames: Frames
    fetched_at: dict[str, dt.datetime]
    missing: tuple[str, ...]
    rates: EcbRates
    #: Facts about the fetch worth keeping (e.g. which list envelope a vendor answered with).
    notes: dict[str, object] = field(default_factory=dict)


def exists(folder: Path) -> bool:
    return snapshot_manifest_in(folder).exists()


def save(snapshot: Snapshot, folder: Path, extra: dict[str, object]) -> Path:
    """Frames as Parquet, the rates, and the manifest (with `extra`), into `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    counts = {}
    for (source, entity), frame in sorted(snapshot.frames.items()):
        write_parquet(frame, snapshot_frame_in(folder, f"{source}_{entity}"))
        counts[f"{source}_{entity}"] = frame.height
    write_parquet(snapshot.rates.table, snapshot_rates_in(folder))
    manifest = SnapshotManifest(
        str(snapshot.month),
        snapshot.fetched_at,
        snapshot.missing,
        counts,
        RatesKept(snapshot.rates.source, snapshot.rates.first_date, snapshot.rates.last_date),
        metadata.version("reports"),
        pl.__version__,
        {**snapshot.notes, **extra},
    )
    write_snapshot_manifest(snapshot_manifest_in(folder), manifest)
    return folder


def _with_new_columns(frame: pl.DataFrame, source: str, entity: str) -> pl.DataFrame:
    """A frame saved before a column was added to its schema (or renamed to ours), with that
    column empty: a snapshot written by an earlier version (last month's, say) stays readable."""
    schema = SCHEMAS[source, entity].polars_schema
    frame = SCHEMAS[source, entity].under_our_names(frame)
    if set(frame.columns) - set(schema) or set(frame.columns) == set(schema):
        return frame
    return frame.select(
        pl.col(name) if name in frame.columns else pl.lit(None, dtype).alias(name)
        for name, dtype in schema.items()
    )


def read_manifest(folder: Path) -> dict[str, Any]:
    """The manifest of the snapshot in `folder` alone, as the table it is, its frames
    unread; a `SnapshotError` saying what to do where there is none or it cannot be read."""
    return read_snapshot_table(snapshot_manifest_in(folder))


def drafted_firm_name(folder: Path) -> str:
    """The firm's name the month in `folder` was built under; "" where none is kept."""
    try:
        name = read_manifest(folder).get("firm")
    except SnapshotError:
        return ""
    return name if isinstance(name, str) else ""


def _read_frame(path: Path) -> pl.DataFrame:
    """One saved frame; a `SnapshotError` naming the file where it is missing or damaged
    (polars raises its own error types for a truncated or foreign file)."""
    try:
        return pl.read_parquet(path)
    except (OSError, pl.exceptions.PolarsError) as error:
        first_line = (
            str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        )
        raise SnapshotError(
            f"{path} cannot be read ({first_line}): rebuild the month with `reports monthly` "
            "without --from-snapshot"
        ) from None


def load(folder: Path) -> tuple[Snapshot, SnapshotManifest]:
    """A snapshot saved by `save`, checked against today's schemas, and its manifest."""
    manifest = read_snapshot_manifest(snapshot_manifest_in(folder))
    frames: Frames = {}
    for name, rows in manifest.row_counts.items():
        source, entity = name.split("_", 1)
        path = snapshot_frame_in(folder, name)
        frame = _with_new_columns(_read_frame(path), source, entity)
        expected = SCHEMAS[source, entity].polars_schema
        if frame.schema != expected or frame.height != rows:
            raise SnapshotError(f"{path} does not match its manifest or today's schema")
        frames[source, entity] = frame
    rates = EcbRates(_read_frame(snapshot_rates_in(folder)), manifest.rates.source)
    snapshot = Snapshot(
        Month.parse(manifest.month),
        frames,
        dict(manifest.fetched_at),
        manifest.missing_sources,
        rates,
    )
    return snapshot, manifest
