"""What the notebooks share: the firm's settings (found as `reports` finds them from the
project's root, though a notebook runs in `notebooks/`), the sandbox where no source is
configured, said loudly, and frames made readable for an analyst (labels instead of
snake_case names, money as its currency prints it).

The readable frames are for looking at: their money is text. Compute on the report's own
frames, which stay exact `Decimal`s.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any, TextIO

import polars as pl

from reports.app import load_config
from reports.config import DEFAULT_CONFIG_PATH, Config
from reports.render.templates import day, money
from reports.render.views import figures
from reports.report.coverage import NEEDS, shows
from reports.report.model import ReportData

#: A settings file named outright, wherever the notebook runs.
CONFIG_VARIABLE = "REPORTS_CONFIG"


def settings_file(start: Path, environ: Mapping[str, str]) -> Path | None:
    """`REPORTS_CONFIG`, or the nearest `reports.toml` in `start` or a folder above it: the
    search stops at a project's root (a folder holding `.git`) or the filesystem's, so that
    a notebook in `notebooks/` reads the firm's file beside the code, never a stranger's."""
    named = environ.get(CONFIG_VARIABLE, "").strip()
    if named:
        return start / Path(named).expanduser()
    for folder in (start, *start.parents):
        if (folder / DEFAULT_CONFIG_PATH).is_file():
            return folder / DEFAULT_CONFIG_PATH
        if (folder / ".git").exists():
            break
    return None


@dataclass(frozen=True)
class NotebookSettings:
    """What a notebook reads: the firm's settings, the file they came from (None when only
    REPORTS_* variables, or nothing, set them), and where they searched."""

    config: Config
    path: Path | None
    start: Path

    @property
    def needs_sandbox(self) -> bool:
        """No source is configured: the notebook reads the sandbox's invented data."""
        return not self.config.sources


def notebook_settings(environ: Mapping[str, str] | None = None) -> NotebookSettings:
    """The settings a notebook run in the working directory reads: the file `settings_file`
    finds, and the REPORTS_* variables, which win over it."""
    start = Path.cwd()
    environ = os.environ if environ is None else environ
    path = settings_file(start, environ)
    # With no file found, `load_config` looks for one in the working directory only, which
    # the search has covered: the environment alone is read.
    return NotebookSettings(load_config(path, environ), path, start)


def banner(settings: NotebookSettings, config: Config) -> str:
    """The notebook's first output: which firm, which settings file and which sources
    `config` (the settings', or the sandbox's in their place) reads."""
    from reports.sources.registry import REGISTRY

    where = (
        str(settings.path)
        if settings.path
        else f"none (no {DEFAULT_CONFIG_PATH} in {settings.start} or above it, "
        f"no {CONFIG_VARIABLE}; REPORTS_* variables only)"
    )
    sources = ", ".join(
        # Every source's settings hold its address as `url`.
        f"{REGISTRY[name].title} at {getattr(config.source_settings[name], 'url', '?')}"
        for name in config.sources
    )
    lines = [
        f"Firm: {config.firm.name or '(no name: set [firm] name)'}",
        f"Settings: {where}",
        f"Sources: {sources}",
    ]
    if settings.needs_sandbox:
        lines.insert(
            0,
            "WARNING: THE SANDBOX, WITH INVENTED DATA: these are not your firm's figures. "
            f"No source is configured: set one of {_either(list(REGISTRY))} in reports.toml "
            "(README: Configuration).",
        )
    return "\n".join(lines)


def _either(names: list[str]) -> str:
    """`[a], [b] or [c]`."""
    sections = [f"[{name}]" for name in names]
    return " or ".join([", ".join(sections[:-1]), sections[-1]] if len(sections) > 1 else sections)


def config_or_sandbox(
    environ: Mapping[str, str] | None = None, out: TextIO | None = None
) -> Config:
    """The firm's settings (`notebook_settings`) or, when they configure no source, the
    built-in sandbox's sources with the firm's other settings, started for the rest of the
    session. Prints the `banner` first; the sandbox's to stderr, which Jupyter shows in red."""
    settings = notebook_settings(environ)
    config = settings.config
    if settings.needs_sandbox:
        from reports.sandbox import Sandbox

        config = Sandbox().start().demo(config)
    stream = out or (sys.stderr if settings.needs_sandbox else sys.stdout)
    print(banner(settings, config), file=stream, flush=True)
    return config


def readable(
    frame: pl.DataFrame,
    columns: Mapping[str, str],
    *,
    money_in: Mapping[str, str] | None = None,
    fractions: tuple[str, ...] = (),
) -> pl.DataFrame:
    """`frame`'s `columns` (field to label) as text a reader takes in at a glance: dates as
    `31 Oct 2026`, booleans as Yes or No, each field of `money_in` (field to its currency: a
    code, or the name of the column holding each row's) as `£1,234.50`, and each of
    `fractions` as a percentage (0.2 as `20 %`)."""
    money_in = money_in or {}
    rows = []
    for record in frame.iter_rows(named=True):
        row = {}
        for field, label in columns.items():
            value = record.get(field)
            if field in money_in:
                currency = money_in[field]
                code = record.get(currency, currency) if currency in frame.columns else currency
                row[label] = money(value, code) if value is not None else ""
            elif field in fractions and value is not None:
                row[label] = f"{(Decimal(value) * 100).normalize():f} %"
            else:
                row[label] = _text(value)
        rows.append(row)
    return pl.DataFrame(rows, schema=dict.fromkeys(columns.values(), pl.String))


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, dt.date):
        return day(value)
    if isinstance(value, Decimal):
        return f"{value.normalize():,f}"
    if isinstance(value, list):
        return ", ".join(str(item) for item in value)
    return str(value)


def headline(data: ReportData) -> pl.DataFrame:
    """The month's headline figures as the PDF prints them: label and value."""
    shown = figures(data)
    return pl.DataFrame(
        {"Figure": [label.strip() for label, _ in shown], "Value": [value for _, value in shown]}
    )


def section(data: ReportData, part: str, out: TextIO | None = None) -> bool:
    """Whether `data` shows `part` (a part of `report.coverage`: "Expenses", "VatByPeriod"):
    where no configured source gives its records, says so in one line and is False, so that
    the cell shows nothing of a system the firm does not have."""
    if shows(data, part):
        return True
    records = NEEDS[part].value.replace("_", " ")
    print(
        f"{part}: not configured (no source in these settings gives {records}); nothing to show.",
        file=out or sys.stdout,
    )
    return False
