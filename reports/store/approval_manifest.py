"""A month's approval manifest (`OUT/YYYY-MM/manifest.json`), read and written here alone:
whether the month's documents are a draft or approved, by whom and when, and the SHA-256
of every file the folder holds, so that what is sent is what was approved.

What the approval means (who may approve, what a draft may not do) is `reports.approval`'s;
this module keeps the file. The statement index is digested without the addresses delivery
writes into it after the approval (`statement_index.index_digest`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from reports.errors import MonthFolderError
from reports.output import atomic_write
from reports.store.month_folder import STATEMENT_INDEX, MonthFolder
from reports.store.statement_index import index_digest

MANIFEST_VERSION = 1


@dataclass(frozen=True)
class ApprovalManifest:
    """The manifest as kept: `approval` is `draft`, `approved` or `automatic`; `mode` is
    `manual` (approved by a person, or waiting for one) or `auto`; `files` each file's path
    under the month's folder and its SHA-256."""

    month: str
    approval: str
    mode: str
    approved_by: str | None
    approved_at: dt.datetime | None
    files: Mapping[str, str]


def file_digest(path: Path) -> str:
    """The SHA-256 of `path`; of the statement index, of its entries without `sent_to`."""
    if path.name == STATEMENT_INDEX:
        return index_digest(path)
    return hashlib.sha256(path.read_bytes()).hexdigest()


def digests(folder: MonthFolder) -> dict[str, str]:
    """Every file of the month's folder the approval covers (`MonthFolder.digested`), by
    its path."""
    return {name: file_digest(path) for name, path in folder.digested()}


def write_approval_manifest(folder: MonthFolder, manifest: ApprovalManifest) -> Path:
    body = {
        "manifest_version": MANIFEST_VERSION,
        "month": manifest.month,
        "approval": manifest.approval,
        "mode": manifest.mode,
        "approved_by": manifest.approved_by,
        "approved_at": manifest.approved_at.isoformat() if manifest.approved_at else None,
        "files": dict(manifest.files),
    }
    text = json.dumps(body, indent=2, ensure_ascii=False) + "\n"
    return atomic_write(folder.manifest, lambda p: p.write_text(text, encoding="utf-8"))


def read_approval_manifest(folder: MonthFolder) -> ApprovalManifest | None:
    """The month's manifest; None where there is none (a month built before approvals);
    a `MonthFolderError` saying what to run where it cannot be read."""
    path = folder.manifest
    if not path.exists():
        return None
    try:
        body = json.loads(path.read_text(encoding="utf-8"))
        at = body["approved_at"]
        return ApprovalManifest(
            str(body["month"]),
            str(body["approval"]),
            str(body["mode"]),
            None if body["approved_by"] is None else str(body["approved_by"]),
            dt.datetime.fromisoformat(at) if at else None,
            {str(name): str(digest) for name, digest in body["files"].items()},
        )
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as error:
        raise MonthFolderError(
            f"{path} cannot be read ({error}): rerun reports monthly for {folder.label}"
        ) from None
