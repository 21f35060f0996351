"""One module per vendor system, HTTP calls in and typed frames out, each offering itself as a
`Source` (`sources.base`); `SOURCES` is the registry the fetch loop walks, in a fixed order."""

from __future__ import annotations

from reports.sources import mobility, plannr, willsuite
from reports.sources.base import Source

SOURCES: dict[str, Source] = {
    source.name: source for source in (mobility.source, plannr.source, willsuite.source)
}
ENTITIES_BY_SOURCE: dict[str, tuple[str, ...]] = {
    name: source.entities for name, source in SOURCES.items()
}
