"""The month's whole report in one call: fetch, snapshot, compute, render, deliver.

Everything is built in a staging folder and moved into `OUT/YYYY-MM/` only once all of it
succeeded, so a failure leaves the previous report (and the email ledger in `outbox/`)
untouched. The fetched frames, the ECB rates and a manifest go into `data/`, from which
`from_snapshot=True` rebuilds the same report with no network.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import metadata
from itertools import pairwise
from pathlib import Path

import polars as pl

from reports.compute.fx import EcbRates
from reports.config import Config
from reports.errors import ReportsError
from reports.fetch import fetch_frames
from reports.frames import SCHEMAS
from reports.http import ProgressCallback
from reports.output import atomic_write, write_parquet
from reports.report_data import Frames, ReportData, build_report_data, month_bounds

SNAPSHOT_VERSION = 1


@dataclass(frozen=True)
class Snapshot:
    month: str
    frames: Frames
    fetched_at: dict[str, dt.datetime]
    missing: tuple[str, ...]
    rates: EcbRates


@dataclass
class MonthlyResult:
    folder: Path
    workbook: Path
    report: Path
    statements: int
    data: ReportData
    timings: dict[str, float] = field(default_factory=dict)
    delivery: object | None = None


def fetch_snapshot(
    config: Config,
    month: str,
    allow_partial: bool = False,
    on_progress: ProgressCallback | None = None,
    previous: Snapshot | None = None,
) -> Snapshot:
    """Fetch every configured source. A source that fails stops everything, unless
    `allow_partial`, when it is recorded as missing and the report says so.

    With a `previous` snapshot of the same month, WillSuite is read incrementally (only what
    changed since, by `updatedAfter`); the other systems document no change filter, so they
    are read in full.
    """
    if not config.sources:
        raise ReportsError(
            "no source is configured: set REPORTS_* variables or reports.toml, or use --demo"
        )
    frames: Frames = {}
    fetched_at: dict[str, dt.datetime] = {}
    missing = []
    for source in config.sources:
        started = dt.datetime.now(dt.UTC)
        try:
            incremental = _incremental(source, config, previous, on_progress)
            if incremental is not None:
                frames.update(incremental)
            else:
                frames.update(fetch_frames(config.only([source]), on_progress=on_progress))
            fetched_at[source] = started
        except ReportsError as error:
            if not allow_partial:
                raise ReportsError(
                    f"{error}; no report was written (--allow-partial reports without {source})"
                ) from None
            missing.append(source)
    return Snapshot(month, frames, fetched_at, tuple(missing), EcbRates.load())


def _incremental(
    source: str, config: Config, previous: Snapshot | None, on_progress: ProgressCallback | None
) -> Frames | None:
    from reports.sources import willsuite

    if source != "willsuite" or previous is None or "willsuite" not in previous.fetched_at:
        return None
    before = {
        entity: frame for (name, entity), frame in previous.frames.items() if name == "willsuite"
    }
    if set(before) != {"cases", "invoices", "invoice_items"} or config.willsuite is None:
        return None
    merged = willsuite.fetch_since(
        config.willsuite, config, before, previous.fetched_at["willsuite"], on_progress
    )
    return (
        None
        if merged is None
        else {("willsuite", entity): frame for entity, frame in merged.items()}
    )


def save_snapshot(snapshot: Snapshot, folder: Path, extra: dict[str, object]) -> Path:
    """Frames as Parquet, the rates, and `manifest.json`, into `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    counts = {}
    for (source, entity), frame in sorted(snapshot.frames.items()):
        write_parquet(frame, folder / f"{source}_{entity}.parquet")
        counts[f"{source}_{entity}"] = frame.height
    write_parquet(snapshot.rates.table, folder / "ecb_rates.parquet")
    manifest = {
        "snapshot_version": SNAPSHOT_VERSION,
        "month": snapshot.month,
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
        **extra,
    }
    atomic_write(folder / "manifest.json", lambda p: p.write_text(json.dumps(manifest, indent=2)))
    return folder


def load_snapshot(folder: Path) -> tuple[Snapshot, dict[str, object]]:
    """A snapshot saved by `save_snapshot`, checked against today's schemas."""
    manifest_path = folder / "manifest.json"
    if not manifest_path.exists():
        raise ReportsError(
            f"no snapshot in {folder}: run `reports monthly` without --from-snapshot first"
        )
    manifest = json.loads(manifest_path.read_text())
    if manifest.get("snapshot_version") != SNAPSHOT_VERSION:
        raise ReportsError(
            f"{manifest_path}: snapshot version {manifest.get('snapshot_version')} is not readable here"
        )
    frames: Frames = {}
    for name, rows in manifest["row_counts"].items():
        source, entity = name.split("_", 1)
        frame = pl.read_parquet(folder / f"{name}.parquet")
        expected = SCHEMAS[source, entity].polars_schema
        if frame.schema != expected or frame.height != rows:
            raise ReportsError(
                f"{folder / name}.parquet does not match its manifest or today's schema"
            )
        frames[source, entity] = frame
    rates = EcbRates(pl.read_parquet(folder / "ecb_rates.parquet"), manifest["rates"]["source"])
    fetched_at = {
        name: dt.datetime.fromisoformat(info["fetched_at"])
        for name, info in manifest["sources"].items()
    }
    return Snapshot(
        manifest["month"], frames, fetched_at, tuple(manifest["missing_sources"]), rates
    ), manifest


def templates_fingerprint(folders: list[Path]) -> str:
    digest = hashlib.sha256()
    for folder in folders:
        for file in sorted(p for p in folder.rglob("*") if p.is_file()):
            digest.update(file.name.encode())
            digest.update(file.read_bytes())
    return digest.hexdigest()[:16]


def previous_month(month: str) -> str:
    start, _ = month_bounds(month)
    before = start - dt.timedelta(days=1)
    return f"{before:%Y-%m}"


def run_monthly(
    month: str,
    config: Config,
    out: Path,
    *,
    firm: str = "",
    currency: str = "GBP",
    allow_partial: bool = False,
    from_snapshot: bool = False,
    incremental: bool = True,
    template: Path | None = None,
    templates_dir: Path | None = None,
    workers: int | None = None,
    on_progress: ProgressCallback | None = None,
    on_stage: Callable[[str], None] | None = None,
) -> MonthlyResult:
    from concurrent.futures import ProcessPoolExecutor

    from reports.render.excel import write_workbook
    from reports.render.pdf import Templates, write_monthly_pdf, write_statements

    month_bounds(month)  # a bad month fails before any work
    templates = Templates(templates_dir)
    final = out / month
    timings: dict[str, float] = {}

    def stage(name: str) -> None:
        timings[name] = time.perf_counter()
        if on_stage:
            on_stage(name)

    stage("fetch")
    if from_snapshot:
        snapshot, manifest = load_snapshot(final / "data")
        firm = firm or str(manifest.get("firm", ""))
        currency = str(manifest.get("report_currency", currency))
    else:
        earlier = None
        if incremental and (final / "data" / "manifest.json").exists():
            earlier = load_snapshot(final / "data")[0]
        snapshot = fetch_snapshot(config, month, allow_partial, on_progress, earlier)
    previous = None
    previous_folder = out / previous_month(month) / "data"
    if (previous_folder / "manifest.json").exists():
        previous = load_snapshot(previous_folder)[0].frames

    stage("compute")
    data = build_report_data(
        snapshot.frames,
        month,
        firm=firm,
        report_currency=currency,
        rates=snapshot.rates,
        fetched_at=snapshot.fetched_at,
        missing_sources=snapshot.missing,
        previous_frames=previous,
    )
    staging = out / f".{month}.staging"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    try:
        stage("snapshot")
        if not from_snapshot:
            save_snapshot(
                snapshot,
                staging / "data",
                {
                    "firm": firm,
                    "report_currency": currency,
                    "templates": templates_fingerprint(templates.folders),
                },
            )
        stage("excel")
        workbook = write_workbook(data, staging / f"report-{month}.xlsx", template)
        stage("pdf")
        report = write_monthly_pdf(data, staging / f"report-{month}.pdf", templates)
        with ProcessPoolExecutor(max_workers=workers) as pool:
            rendered = write_statements(data, staging / "statements", templates, pool)
        stage("publish")
        final.mkdir(parents=True, exist_ok=True)
        for item in staging.iterdir():  # outbox/ (the email ledger) is never replaced
            target = final / item.name
            if target.is_dir():
                shutil.rmtree(target)
            item.replace(target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    stage("done")
    names = list(timings)
    durations = {a: timings[b] - timings[a] for a, b in pairwise(names)}
    return MonthlyResult(
        final, final / workbook.name, final / report.name, len(rendered), data, durations
    )
