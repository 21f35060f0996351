"""Public fetch functions: one Polars DataFrame per entity, across every configured source."""

from __future__ import annotations

from collections.abc import Iterable

import polars as pl

from reports.config import SOURCES, Config, load_config
from reports.frames import SCHEMAS, combined_cases_schema
from reports.http import ProgressCallback
from reports.schema import concat_sources
from reports.sources import ENTITIES_BY_SOURCE, mobility, plannr, willsuite

_MODULES = {"mobility": mobility, "plannr": plannr, "willsuite": willsuite}


def fetch_frames(
    config: Config | None = None,
    entities: Iterable[str] | None = None,
    on_progress: ProgressCallback | None = None,
) -> dict[tuple[str, str], pl.DataFrame]:
    """Every requested entity of every configured source, keyed by `(source, entity)`.

    Each endpoint is read once however many entities come from it (the invoices request
    yields both invoices and their items). An unknown entity name is an error.
    """
    config = config or load_config()
    known = {entity for names in ENTITIES_BY_SOURCE.values() for entity in names}
    wanted = set(entities) if entities is not None else known
    unknown = wanted - known
    if unknown:
        raise ValueError(f"unknown entities {sorted(unknown)}; choose from {sorted(known)}")
    frames: dict[tuple[str, str], pl.DataFrame] = {}
    for source in SOURCES:
        settings = getattr(config, source)
        own = wanted & set(ENTITIES_BY_SOURCE[source])
        if settings is None or not own:
            continue
        for entity, frame in _MODULES[source].fetch(settings, own, config, on_progress).items():
            frames[source, entity] = frame
    return frames


def _single(
    source: str, entity: str, config: Config | None, on_progress: ProgressCallback | None
) -> pl.DataFrame:
    frames = fetch_frames(config, [entity], on_progress)
    return frames.get((source, entity), SCHEMAS[source, entity].empty())


def cases_across_sources(frames: dict[tuple[str, str], pl.DataFrame]) -> pl.DataFrame:
    """The cases of each source stacked into one frame with `source` and `case_id` columns."""
    parts = []
    for source in SOURCES:
        frame = frames.get((source, "cases"))
        if frame is None:
            continue
        key = "uuid" if source == "plannr" else "id"
        parts.append(frame.with_columns(source=pl.lit(source), case_id=pl.col(key)))
    return concat_sources(parts, combined_cases_schema())


def fetch_cases(
    config: Config | None = None, on_progress: ProgressCallback | None = None
) -> pl.DataFrame:
    """Cases of every configured source in one frame: `source`, `case_id`, then each source's columns."""
    return cases_across_sources(fetch_frames(config, ["cases"], on_progress))


def fetch_services(
    config: Config | None = None, on_progress: ProgressCallback | None = None
) -> pl.DataFrame:
    """Services of every mobility case."""
    return _single("mobility", "services", config, on_progress)


def fetch_tasks(
    config: Config | None = None, on_progress: ProgressCallback | None = None
) -> pl.DataFrame:
    """Mobility case tasks."""
    return _single("mobility", "tasks", config, on_progress)


def fetch_managers(
    config: Config | None = None, on_progress: ProgressCallback | None = None
) -> pl.DataFrame:
    """Users assigned to mobility cases and tasks; `parent_type` says which."""
    frames = fetch_frames(config, ["case_managers", "task_managers"], on_progress)
    return pl.concat(
        [
            frames.get(("mobility", name), SCHEMAS["mobility", name].empty())
            for name in ("case_managers", "task_managers")
        ]
    )


def fetch_expenses(
    config: Config | None = None, on_progress: ProgressCallback | None = None
) -> pl.DataFrame:
    """Expenses of every mobility case, each in its own currency beside the platform's conversion."""
    return _single("mobility", "expenses", config, on_progress)


def fetch_clients(
    config: Config | None = None, on_progress: ProgressCallback | None = None
) -> pl.DataFrame:
    """Plannr client accounts."""
    return _single("plannr", "clients", config, on_progress)


def fetch_incomes(
    config: Config | None = None, on_progress: ProgressCallback | None = None
) -> pl.DataFrame:
    """Incomes of every Plannr client, amounts in pounds exactly."""
    return _single("plannr", "incomes", config, on_progress)


def fetch_invoices(
    config: Config | None = None, on_progress: ProgressCallback | None = None
) -> pl.DataFrame:
    """Invoices of every WillSuite case (header figures as WillSuite states them)."""
    return _single("willsuite", "invoices", config, on_progress)


def fetch_invoice_items(
    config: Config | None = None, on_progress: ProgressCallback | None = None
) -> pl.DataFrame:
    """Line items of every WillSuite invoice, cancelled ones included and marked."""
    return _single("willsuite", "invoice_items", config, on_progress)
