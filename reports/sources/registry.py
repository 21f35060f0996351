"""The sources a run knows, by name, in the order they are fetched and reported.

`reports.sources` registers the built-in three; a firm's own (or a test's) is added with
`register`. Everything that walks the sources (settings, fetching, snapshots, the report,
the docs) walks this, so a new source needs no change anywhere else.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from reports.schema import FrameSchema
    from reports.sources.base import Role, Source

REGISTRY: dict[str, Source] = {}


def register(source: Source) -> Source:
    """Add `source` (after those already there); its name must be new."""
    if source.name in REGISTRY:
        raise ValueError(f"a source named {source.name!r} is registered already")
    REGISTRY[source.name] = source
    return source


def unregister(name: str) -> None:
    REGISTRY.pop(name, None)


def provider(role: Role) -> FrameSchema | None:
    """The schema of the frame that plays `role` (its `source` and `entity` name it), if a
    source plays it."""
    for source in REGISTRY.values():
        entity = source.roles.get(role)
        if entity is not None:
            return source.schemas[entity]
    return None


class _Schemas(Mapping[tuple[str, str], "FrameSchema"]):
    """Every registered source's schemas by `(source, entity)`, read afresh each time."""

    def _all(self) -> dict[tuple[str, str], FrameSchema]:
        return {
            (source.name, entity): schema
            for source in REGISTRY.values()
            for entity, schema in source.schemas.items()
        }

    def __getitem__(self, key: tuple[str, str]) -> FrameSchema:
        return self._all()[key]

    def __iter__(self) -> Iterator[tuple[str, str]]:
        return iter(self._all())

    def __len__(self) -> int:
        return len(self._all())


#: Every frame any registered source gives: `SCHEMAS[source, entity]`.
SCHEMAS: Mapping[tuple[str, str], FrameSchema] = _Schemas()
