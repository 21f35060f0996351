"""One module per vendor system, HTTP calls in and typed frames out, each offering itself as a
`Source` (`sources.base`); `REGISTRY` is the registry the fetch loop walks, in a fixed order."""

from __future__ import annotations

from reports.sources import mobility, plannr, willsuite
from reports.sources.base import Source

REGISTRY: dict[str, Source] = {
    source.name: source for source in (mobility.source, plannr.source, willsuite.source)
}
