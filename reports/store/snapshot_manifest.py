"""The manifest of a month's snapshot (`OUT/YYYY-MM/data/manifest.json`), read and written
here alone: what each frame file holds (its rows), when each source was read, the sources
missing, the rates' range, and the versions that wrote it.

Beside these, the run keeps what shaped its documents (the firm, the currency, the
templates' and settings' fingerprints, the fetch's notes): a table whose parts
`reports.draft_settings` and `reports.draft_firm` each check as they read them (`kept`).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from reports.errors import SnapshotError
from reports.output import atomic_write

SNAPSHOT_VERSION = 1
#: The fields this module reads into a `SnapshotManifest`; every other one is `kept`.
_OWN = (
    "snapshot_version",
    "month",
    "sources",
    "missing_sources",
    "row_counts",
    "rates",
    "reports_version",
    "polars_version",
)


@dataclass(frozen=True)
class RatesKept:
    """The ECB rates saved with the frames: where they came from, and the days they cover."""

    source: str
    first_date: dt.date
    last_date: dt.date


@dataclass(frozen=True)
class SnapshotManifest:
    """A snapshot's manifest: the month, when each source was read, those that failed
    (with `--allow-partial`), each frame's rows by `SOURCE_ENTITY` (its file's name), the
    rates, the versions that wrote it, and what the run kept beside them."""

    month: str
    fetched_at: Mapping[str, dt.datetime]
    missing_sources: tuple[str, ...]
    row_counts: Mapping[str, int]
    rates: RatesKept
    reports_version: str
    polars_version: str
    kept: Mapping[str, object] = field(default_factory=dict)


def write_snapshot_manifest(path: Path, manifest: SnapshotManifest) -> Path:
    body = {
        "snapshot_version": SNAPSHOT_VERSION,
        "month": manifest.month,
        "sources": {
            name: {"fetched_at": at.isoformat()} for name, at in manifest.fetched_at.items()
        },
        "missing_sources": list(manifest.missing_sources),
        "row_counts": dict(manifest.row_counts),
        "rates": {
            "source": manifest.rates.source,
            "first_date": manifest.rates.first_date.isoformat(),
            "last_date": manifest.rates.last_date.isoformat(),
        },
        "reports_version": manifest.reports_version,
        "polars_version": manifest.polars_version,
        **manifest.kept,
    }
    return atomic_write(path, lambda p: p.write_text(json.dumps(body, indent=2)))


def read_snapshot_table(path: Path) -> dict[str, Any]:
    """The manifest at `path` as the table it is, its frames unread (what an approval
    checks its settings against); a `SnapshotError` saying what to do where there is none
    or it cannot be read."""
    if not path.exists():
        raise SnapshotError(
            f"no snapshot in {path.parent}: run `reports monthly` without --from-snapshot first"
        )
    try:
        body = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise SnapshotError(f"{path} cannot be read: {error}") from None
    if not isinstance(body, dict):
        raise SnapshotError(f"{path} cannot be read: it is not a table")
    return body


def read_snapshot_manifest(path: Path) -> SnapshotManifest:
    """The manifest at `path`, of this version; a `SnapshotError` where it is of another
    or cannot be read."""
    body = read_snapshot_table(path)
    if body.get("snapshot_version") != SNAPSHOT_VERSION:
        raise SnapshotError(
            f"{path}: snapshot version {body.get('snapshot_version')} is not readable here"
        )
    try:
        rates = body["rates"]
        return SnapshotManifest(
            str(body["month"]),
            {
                str(name): dt.datetime.fromisoformat(info["fetched_at"])
                for name, info in body["sources"].items()
            },
            tuple(str(name) for name in body["missing_sources"]),
            {str(name): int(rows) for name, rows in body["row_counts"].items()},
            RatesKept(
                str(rates["source"]),
                dt.date.fromisoformat(rates["first_date"]),
                dt.date.fromisoformat(rates["last_date"]),
            ),
            str(body.get("reports_version", "")),
            str(body.get("polars_version", "")),
            {name: value for name, value in body.items() if name not in _OWN},
        )
    except (ValueError, KeyError, TypeError, AttributeError) as error:
        raise SnapshotError(
            f"{path} cannot be read ({type(error).__name__}: {error}): rebuild the month with "
            "`reports monthly` without --from-snapshot"
        ) from None
