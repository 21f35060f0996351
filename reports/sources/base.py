"""What a vendor system is to the rest of the package: a `Source`.

    fetch.fetch_frames ──> Source.fetch(config, entities)       every entity, in full
    fetch.fetch_all    ──> Source.fetch_since(config, previous, since)
                           only what changed, merged; None when the vendor documents no
                           change filter (or the merge cannot be trusted): read in full

`HttpSource` is the skeleton all three follow: look up its settings, open one `ApiClient`,
read the wanted entities through it, close it. A vendor module supplies `connect` (auth,
headers, pacing) and `read` (which endpoints make which frames).
"""

from __future__ import annotations

import datetime as dt
from abc import ABC, abstractmethod
from collections.abc import Callable, Collection
from typing import Generic, Protocol, TypeVar

import polars as pl

from reports.config import Config
from reports.errors import ConfigError
from reports.http import ApiClient, ProgressCallback

SourceFrames = dict[str, pl.DataFrame]
#: Called as `on_note(key, value)` with a fact about a fetch worth keeping in the manifest.
NoteCallback = Callable[[str, str], None]
Settings = TypeVar("Settings")


class Source(Protocol):
    """One vendor system: its name, the entities it offers, and how to fetch them."""

    name: str
    entities: tuple[str, ...]

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


class HttpSource(ABC, Generic[Settings]):
    """A `Source` over one vendor HTTP API, read through one pooled `ApiClient`."""

    name: str
    entities: tuple[str, ...]

    def settings(self, config: Config) -> Settings:
        settings = getattr(config, self.name)
        if settings is None:
            raise ConfigError(f"source {self.name!r} is not configured (see README: Configuration)")
        return settings

    def configured(self, config: Config) -> bool:
        return getattr(config, self.name) is not None

    @abstractmethod
    def connect(
        self, settings: Settings, config: Config, on_progress: ProgressCallback | None = None
    ) -> ApiClient:
        """An `ApiClient` authenticated for this vendor."""

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
        settings = self.settings(config)
        with self.connect(settings, config, on_progress) as api:
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
