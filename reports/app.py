"""Where the application is assembled: the settings read with every registered source's
keys and checked against the report's figure catalogue.

`config` knows settings and `report.figures` the figures; neither imports the other, so
the check of a target or an alert against a figure happens here, above both.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from reports.config import Config, read_config
from reports.report.figures import FIGURES


def load_config(path: str | Path | None = None, environ: Mapping[str, str] | None = None) -> Config:
    """Read settings from `path` (default `./reports.toml`, if it exists) and the environment
    (`os.environ` unless given); targets and alerts must name figures of the catalogue,
    shown with the configured sources.

    An explicitly given `path` that does not exist is an error; the default path is optional.
    """
    return read_config(path, environ, FIGURES)
