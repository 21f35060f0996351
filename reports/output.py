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
    """Prove that `folder` can be written into (or made, in its nearest existing parent)
    before any long work (a fetch) whose result would otherwise be lost at the end. Nothing
    is created: a run that fails leaves no folder behind."""
    existing = folder
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    problem = None
    if not existing.is_dir():
        problem = f"{existing} is not a folder"
    elif not os.access(existing, os.W_OK | os.X_OK):
        problem = "permission denied"
    if problem:
        raise OutputError(f"cannot write into {folder}: {problem}; choose another {option}")
    return folder


def ensure_month_writable(folder: Path) -> Path:
    """Prove, by writing a file and removing it, that a month's folder (where it exists yet)
    can be changed: before a rebuild that would otherwise fail only when it is switched in.
    A read-only folder, or one the immutable attribute or a full disk keeps as it is, is
    refused in one line, for root too (whom permission bits do not stop)."""
    if not folder.is_dir():
        return folder
    probe = folder / f".write-check-{os.getpid()}"
    try:
        probe.write_bytes(b"reports")
        probe.unlink()
    except OSError as error:
        raise OutputError(
            f"cannot write into {folder}: {error.strerror}; make it writable (or free disk "
            "space) and run again"
        ) from None
    return folder


def write_parquet(frame: pl.DataFrame, path: Path) -> Path:
    return atomic_write(path, frame.write_parquet)
