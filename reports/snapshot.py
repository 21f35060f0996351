"""A month's fetched data on disk (`OUT/YYYY-MM/data/`): every frame as Parquet, the ECB rates
used, and `manifest.json` saying what is there, so that the report can be rebuilt exactly,
with no network (`reports monthly --from-snapshot`), and compared with the next month's.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

import polars as pl

from reports.compute.fx import EcbRates
from reports.errors import SnapshotError
from reports.frames import SCHEMAS
from reports.output import atomic_write, write_parquet
from reports.periods import Month
from reports.report.model import Frames

SNAPSHOT_VERSION = 1
MANIFEST = "manifest.json"


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
    return (folder / MANIFEST).exists()


def save(snapshot: Snapshot, folder: Path, extra: dict[str, object]) -> Path:
    """Frames as Parquet, the rates, and `manifest.json` (with `extra`), into `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    counts = {}
    for (source, entity), frame in sorted(snapshot.frames.items()):
        write_parquet(frame, folder / f"{source}_{entity}.parquet")
        counts[f"{source}_{entity}"] = frame.height
    write_parquet(snapshot.rates.table, folder / "ecb_rates.parquet")
    manifest = {
        "snapshot_version": SNAPSHOT_VERSION,
        "month": str(snapshot.month),
        "sources": {
            name: {"fetched_at": snapshot.fetched_at[name].isoformat()}
            for name in snapshot.fetched_at
        },
        "missing_sources": list(snapshot.missing),
        "row_counts": counts,
        "rates": {
            "source": snapshot.rates.source,
            "first_date": snapshot.rates.first_date.isoformat(),
            "last_date": snapshot.rates.last_date.isoformat(),
        },
        "reports_version": metadata.version("reports"),
        "polars_version": pl.__version__,
        **snapshot.notes,
        **extra,
    }
    atomic_write(folder / MANIFEST, lambda p: p.write_text(json.dumps(manifest, indent=2)))
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
    """The manifest of the snapshot in `folder` alone, its frames unread; a
    `SnapshotError` saying what to do where there is none or it cannot be read."""
    manifest_path = folder / MANIFEST
    if not manifest_path.exists():
        raise SnapshotError(
            f"no snapshot in {folder}: run `reports monthly` without --from-snapshot first"
        )
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise SnapshotError(f"{manifest_path} cannot be read: {error}") from None
    if not isinstance(manifest, dict):
        raise SnapshotError(f"{manifest_path} cannot be read: it is not a table")
    return manifest


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


def load(folder: Path) -> tuple[Snapshot, dict[str, object]]:
    """A snapshot saved by `save`, checked against today's schemas, and its manifest."""
    manifest_path = folder / MANIFEST
    manifest = read_manifest(folder)
    if manifest.get("snapshot_version") != SNAPSHOT_VERSION:
        raise SnapshotError(
            f"{manifest_path}: snapshot version {manifest.get('snapshot_version')} is not readable here"
        )
    frames: Frames = {}
    for name, rows in manifest["row_counts"].items():
        source, entity = name.split("_", 1)
        frame = _with_new_columns(_read_frame(folder / f"{name}.parquet"), source, entity)
        expected = SCHEMAS[source, entity].polars_schema
        if frame.schema != expected or frame.height != rows:
            raise SnapshotError(
                f"{folder / name}.parquet does not match its manifest or today's schema"
            )
        frames[source, entity] = frame
    rates = EcbRates(_read_frame(folder / "ecb_rates.parquet"), manifest["rates"]["source"])
    fetched_at = {
        name: dt.datetime.fromisoformat(info["fetched_at"])
        for name, info in manifest["sources"].items()
    }
    snapshot = Snapshot(
        Month.parse(manifest["month"]),
        frames,
        fetched_at,
        tuple(manifest["missing_sources"]),
        rates,
    )
    return snapshot, manifest
