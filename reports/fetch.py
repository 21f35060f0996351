"""Public fetch functions: one Polars DataFrame per entity, across every configured source.

The loop is the registry's (`reports.sources.REGISTRY`): each source reads its own entities;
`fetch_all` adds what a whole run needs (a failing source recorded as missing, and sources
that can read only what changed doing so).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import polars as pl

from reports.app import load_config
from reports.compute.fx import EcbRates
from reports.config import Config
from reports.errors import ConfigError, ReportsError
from reports.frames import SCHEMAS, case_summaries, combined_cases_schema
from reports.http import ProgressCallback
from reports.periods import Month
from reports.schema import concat_sources
from reports.snapshot import Snapshot
from reports.sources import REGISTRY, provider
from reports.sources.base import NoteCallback, Role

Frames = dict[tuple[str, str], pl.DataFrame]
#: The one error for fetching with nothing to fetch from, from Python as from the CLI.
NO_SOURCE = (
    "no source is configured: set REPORTS_* variables or reports.toml (see README), "
    "or try the sandbox (--demo or --sandbox)"
)


def fetch_frames(
    config: Config | None = None,
    entities: Iterable[str] | None = None,
    on_progress: ProgressCallback | None = None,
) -> Frames:
    """Every requested entity of every configured source, keyed by `(source, entity)`.

    Each endpoint is read once however many entities come from it (the invoices request
    yields both invoices and their items). An unknown entity name is a `ConfigError`.
    """
    config = config or load_config()
    if not config.sources:
        raise ConfigError(NO_SOURCE)
    known = {entity for source in REGISTRY.values() for entity in source.entities}
    wanted = set(entities) if entities is not None else known
    unknown = wanted - known
    if unknown:
        raise ConfigError(f"unknown entities {sorted(unknown)}; choose from {sorted(known)}")
    frames: Frames = {}
    for name, source in REGISTRY.items():
        own = wanted & set(source.entities)
        if not own or not source.configured(config):
            continue
        for entity, frame in source.fetch(config, own, on_progress).items():
            frames[name, entity] = frame
    return frames


def fetch_all(
    config: Config,
    month: Month,
    rates: EcbRates,
    *,
    allow_partial: bool = False,
    previous: Snapshot | None = None,
    on_progress: ProgressCallback | None = None,
) -> Snapshot:
    """Every entity of every configured source, as one `Snapshot` for `month`.

    A source that fails stops everything, unless `allow_partial`, when it is recorded as
    missing and the report says so. With a `previous` snapshot of the same month, a source
    that can read only what changed since (`Source.fetch_since`) does so.
    """
    if not config.sources:
        raise ConfigError(NO_SOURCE)
    frames: Frames = {}
    fetched_at: dict[str, dt.datetime] = {}
    missing = []
    notes: dict[str, str] = {}
    for name, source in REGISTRY.items():
        if not source.configured(config):
            continue
        started = dt.datetime.now(dt.UTC)
        try:
            own = _since(name, config, previous, on_progress, notes.__setitem__)
            if own is None:
                own = source.fetch(config, source.entities, on_progress, notes.__setitem__)
        except ReportsError as error:
            if not allow_partial:
                # Same error, same class, saying what became of the run.
                error.args = (
                    f"{error}; no report was written (--allow-partial reports without {name})",
                )
                raise
            missing.append(name)
            continue
        frames.update({(name, entity): frame for entity, frame in own.items()})
        fetched_at[name] = started
    return Snapshot(month, frames, fetched_at, tuple(missing), rates, {"fetch_notes": notes})


def _since(
    name: str,
    config: Config,
    previous: Snapshot | None,
    on_progress: ProgressCallback | None,
    on_note: NoteCallback,
) -> dict[str, pl.DataFrame] | None:
    if previous is None or name not in previous.fetched_at:
        return None
    before = {
        entity: frame for (source, entity), frame in previous.frames.items() if source == name
    }
    return REGISTRY[name].fetch_since(
        config, before, previous.fetched_at[name], on_progress, on_note
    )


def _entity(
    entity: str,
    config: Config | None,
    on_progress: ProgressCallback | None,
    owner: str | None = None,
) -> pl.DataFrame:
    """`entity` of `owner`, by default the first source that offers it (empty, with its
    schema, when that source is not configured)."""
    owner = owner or next(name for name, source in REGISTRY.items() if entity in source.entities)
    frames = fetch_frames(config, [entity], on_progress)
    return frames.get((owner, entity), SCHEMAS[owner, entity].empty())


def _role(role: Role, config: Config | None, on_progress: ProgressCallback | None) -> pl.DataFrame:
    """The frame that plays `role`, from the source that plays it."""
    schema = provider(role)
    if schema is None:
        raise ConfigError(f"no registered source gives {role.value}")
    return _entity(schema.entity, config, on_progress, owner=schema.source)


def cases_across_sources(frames: Frames) -> pl.DataFrame:
    """The cases of each source stacked into one frame with `source` and `case_id` columns."""
    parts = [
        frames[schema.source, schema.entity].with_columns(
            source=pl.lit(schema.source), case_id=summary["case_id"]
        )
        for schema, summary in case_summaries()
        if (schema.source, schema.entity) in frames
    ]
    return concat_sources(parts, combined_cases_schema())


def fetch_cases(
    config: Config | None = None, on_progress: ProgressCallback | None = None
) -> pl.DataFrame:
    """Cases of every configured source in one frame: `source`, `case_id`, then each source's columns."""
    entities = {schema.entity for schema, _ in case_summaries()}
    return cases_across_sources(fetch_frames(config, entities, on_progress))


def fetch_services(
    config: Config | None = None, on_progress: ProgressCallback | None = None
) -> pl.DataFrame:
    """Services of every case, where a source has them."""
    return _entity("services", config, on_progress)


def fetch_tasks(
    config: Config | None = None, on_progress: ProgressCallback | None = None
) -> pl.DataFrame:
    """Tasks of cases."""
    return _role(Role.TASKS, config, on_progress)


def fetch_managers(
    config: Config | None = None, on_progress: ProgressCallback | None = None
) -> pl.DataFrame:
    """Users assigned to cases and tasks; `parent_type` says which."""
    return pl.concat(
        [_entity(name, config, on_progress) for name in ("case_managers", "task_managers")]
    )


def fetch_expenses(
    config: Config | None = None, on_progress: ProgressCallback | None = None
) -> pl.DataFrame:
    """Expenses of every case, each in its own currency beside its system's conversion."""
    return _role(Role.EXPENSES, config, on_progress)


def fetch_clients(
    config: Config | None = None, on_progress: ProgressCallback | None = None
) -> pl.DataFrame:
    """Client accounts."""
    return _entity("clients", config, on_progress)


def fetch_incomes(
    config: Config | None = None, on_progress: ProgressCallback | None = None
) -> pl.DataFrame:
    """Incomes of every client, amounts exact."""
    return _role(Role.INCOMES, config, on_progress)


def fetch_invoices(
    config: Config | None = None, on_progress: ProgressCallback | None = None
) -> pl.DataFrame:
    """Invoices of every case (header figures as their system states them)."""
    return _role(Role.INVOICES, config, on_progress)


def fetch_invoice_items(
    config: Config | None = None, on_progress: ProgressCallback | None = None
) -> pl.DataFrame:
    """Line items of every invoice, cancelled ones included and marked."""
    return _role(Role.INVOICE_ITEMS, config, on_progress)
