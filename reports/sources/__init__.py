"""One package per vendor system, everything known of it inside (its settings, frames,
reader and part of a report), each offering itself as a `Source` (`sources.base`), listed
in `registry.REGISTRY` in the order they are fetched and reported. Writing another:
docs/sources.md."""

from __future__ import annotations

from reports.sources import mobility, plannr, willsuite
from reports.sources.base import Source
from reports.sources.registry import REGISTRY, SCHEMAS, provider, register, unregister

for _source in (mobility.source, plannr.source, willsuite.source):
    if _source.name not in REGISTRY:
        register(_source)

__all__ = ["REGISTRY", "SCHEMAS", "Source", "provider", "register", "unregister"]
