"""What a vendor system is to the rest of the package: a `Source`.

A source is everything the project knows about one system, and nothing outside its package
names it:

    settings      SettingsSpec: its keys in reports.toml and REPORTS_*, checked into settings
    schemas       its frames, one `FrameSchema` per entity
    roles         which of its frames plays which part in a report (`Role`): the expenses,
                  the invoices...; such a frame has the columns the report reads for it
    case_summary  how its cases read in the report's one shape for cases
    parents       which of its records are fetched under which parent (flagged when a
                  record names another)
    fetch         every entity, in full; `fetch_since`, only what changed, where it can
    contribute    what it adds to a report beyond its roles: its clients' statements, its
                  own data-quality checks

    fetch.fetch_frames ──> Source.fetch(config, entities)       every entity, in full
    fetch.fetch_all    ──> Source.fetch_since(config, previous, since)
                           only what changed, merged; None when the vendor documents no
                           change filter (or the merge cannot be trusted): read in full

`HttpSource` is the skeleton the HTTP sources follow: look up its settings, open one
`ApiClient`, read the wanted entities through it, close it. It is given its own settings,
the run's `HttpLimits` and, when constructed with one, an `httpx` transport (a test's
`httpx.MockTransport`), never the whole `Config`: `fetch_with` reads with those alone.
Writing one: docs/sources.md.
"""

from __future__ import annotations

import datetime as dt
from abc import ABC, abstractmethod
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Generic, Protocol, TypeVar, cast

import httpx
import polars as pl

from reports.contribution import Contribution, ReportContext
from reports.http import (
    DEFAULT_LIMITS,
    ApiClient,
    HttpLimits,
    Limits,
    NoteCallback,
    ProgressCallback,
)
from reports.roles import Role
from reports.schema import FrameSchema
from reports.setting_values import not_configured

if TYPE_CHECKING:
    from reports.config import Config

SourceFrames = dict[str, pl.DataFrame]
Settings = TypeVar("Settings")
#: A spec builds settings of its own type: read-only, so any spec is a `SettingsSpec[object]`.
SpecSettings = TypeVar("SpecSettings", covariant=True)
#: `describe(key)`: how an error names one of a source's settings, environment variable and
#: file key both (`REPORTS_X_URL (or [x] url in reports.toml)`).
Describe = Callable[[str], str]

__all__ = [
    "Describe",
    "HttpSource",
    "NoteCallback",
    "Parent",
    "Role",
    "SettingsSpec",
    "Source",
    "SourceFrames",
]


@dataclass(frozen=True)
class Parent:
    """Records of `entity` are fetched under a parent: their `column` holds the parent they
    were listed under, and `stated_<column>` the one they name themselves. `record` and
    `parent` are how a flag names them ("expense", "case")."""

    entity: str
    record: str
    parent: str
    column: str


@dataclass(frozen=True)
class SettingsSpec(Generic[SpecSettings]):
    """A source's settings: its keys (in `[<source>]` of reports.toml) with the environment
    variable each may also come from, and `build`, which turns the values given (strings,
    stripped, environment first) into settings, None when the source is not configured, or a
    `ConfigError` naming the key that is wrong (through `describe`)."""

    keys: Mapping[str, str]
    build: Callable[[Mapping[str, str], Describe], SpecSettings | None]
    #: The ways to sign in, each the keys only it takes (a token; a client id and secret):
    #: one given in the environment replaces the file's other ways, and two given in one
    #: place are a `ConfigError`, never one silently preferred.
    auth_forms: tuple[frozenset[str], ...] = ()


class Source(Protocol):
    """One system: its name, its settings and frames, how to fetch them, and what it gives a
    report."""

    # Read-only (properties), so that a source may give narrower types: a plain tuple of
    # its entities, a dict of its schemas.
    @property
    def name(self) -> str:
        """Its name in settings, frames' keys and file names (`[<name>]`, `<name>_cases`)."""
        ...

    @property
    def title(self) -> str:
        """How people name it ("WillSuite")."""
        ...

    @property
    def entities(self) -> tuple[str, ...]: ...

    @property
    def schemas(self) -> Mapping[str, FrameSchema]: ...

    @property
    def settings_spec(self) -> SettingsSpec[object]: ...

    @property
    def roles(self) -> Mapping[Role, str]: ...

    @property
    def case_summary(self) -> tuple[str, Mapping[str, pl.Expr]] | None:
        """The entity holding its cases and how each reads in the one shape of cases
        (`frames.CASE_SUMMARY_SCHEMA`); None when it has no cases."""
        ...

    @property
    def parents(self) -> tuple[Parent, ...]: ...

    @property
    def currency(self) -> str | None:
        """The currency of its invoices' amounts, when it sends none per record."""
        ...

    def configured(self, config: Config) -> bool:
        """Whether `config` holds this source's settings."""
        ...

    def fetch(
        self,
        config: Config,
        entities: Collection[str],
        on_progress: ProgressCallback | None = None,
        on_note: NoteCallback | None = None,
    ) -> SourceFrames:
        """Each of `entities` (of this source's) as a typed frame, read in full; facts worth
        keeping about the answers (which envelope a list came in) go to `on_note`."""
        ...

    def fetch_since(
        self,
        config: Config,
        previous: SourceFrames,
        since: dt.datetime,
        on_progress: ProgressCallback | None = None,
        on_note: NoteCallback | None = None,
    ) -> SourceFrames | None:
        """`previous` brought up to date by reading only what changed since `since`, or None
        when that cannot be done (the caller then reads in full)."""
        ...

    def contribute(self, frames: SourceFrames, context: ReportContext) -> Contribution:
        """What this source adds to the month's report beyond its roles' frames: statements
        for its clients, and flags of its own checks."""
        ...


class HttpSource(ABC, Generic[Settings]):
    """A `Source` over one vendor HTTP API, read through one pooled `ApiClient` over
    `transport` (None: the network)."""

    name: str
    title: str
    entities: tuple[str, ...]
    schemas: Mapping[str, FrameSchema]
    settings_spec: SettingsSpec[Settings]
    roles: Mapping[Role, str] = {}
    case_summary: tuple[str, Mapping[str, pl.Expr]] | None = None
    parents: tuple[Parent, ...] = ()
    currency: str | None = None
    transport: httpx.BaseTransport | None = None

    def __init__(self, transport: httpx.BaseTransport | None = None) -> None:
        self.transport = transport

    def settings(self, config: Config) -> Settings:
        settings = config.source_settings.get(self.name)
        if settings is None:
            raise not_configured(self.name)
        # What this source's own spec built, under its name (`load_config`).
        return cast(Settings, settings)

    def configured(self, config: Config) -> bool:
        return config.source_settings.get(self.name) is not None

    @abstractmethod
    def connect(
        self, settings: Settings, limits: HttpLimits, on_progress: ProgressCallback | None = None
    ) -> ApiClient:
        """An `ApiClient` authenticated for this vendor, over `self.transport`."""

    @abstractmethod
    def read(self, api: ApiClient, settings: Settings, wanted: set[str]) -> SourceFrames:
        """The `wanted` entities, read through `api`."""

    def fetch(
        self,
        config: Config,
        entities: Collection[str],
        on_progress: ProgressCallback | None = None,
        on_note: NoteCallback | None = None,
    ) -> SourceFrames:
        return self.fetch_with(
            self.settings(config), entities, Limits.of(config), on_progress, on_note
        )

    def fetch_with(
        self,
        settings: Settings,
        entities: Collection[str],
        limits: HttpLimits = DEFAULT_LIMITS,
        on_progress: ProgressCallback | None = None,
        on_note: NoteCallback | None = None,
    ) -> SourceFrames:
        """`fetch` given this source's own settings and the limits, nothing else of a run."""
        with self.connect(settings, limits, on_progress) as api:
            api.on_note = on_note
            frames = self.read(api, settings, set(entities) & set(self.entities))
            api.note(f"{self.name} retries", api.budget.summary())
            return frames

    def fetch_since(
        self,
        config: Config,
        previous: SourceFrames,
        since: dt.datetime,
        on_progress: ProgressCallback | None = None,
        on_note: NoteCallback | None = None,
    ) -> SourceFrames | None:
        return None  # by default a vendor documents no change filter: read in full

    def contribute(self, frames: SourceFrames, context: ReportContext) -> Contribution:
        return Contribution()
