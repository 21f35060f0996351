"""Writing files so that a crash never leaves a half-written one behind."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import polars as pl

from reports.errors import OutputError


def atomic_write(path: Path, write: Callable[[Path], object]) -> Path:
    """Call `write(temporary_path)` beside `path`, then rename it into place in one step."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        write(temporary)
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
    return path


def ensure_writable(folder: Path, option: str = "--out") -> Path:
    """Create `folder` if need be and prove a file can be written there, before any long work
    (a fetch) whose result would otherwise be lost at the end."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        probe = folder / f".reports-write-check.{os.getpid()}"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as error:
        raise OutputError(
            f"cannot write into {folder}: {error.strerror or error}; choose another {option}"
        ) from None
    return folder


def write_parquet(frame: pl.DataFrame, path: Path) -> Path:
    return atomic_write(path, frame.write_parquet)
