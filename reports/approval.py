"""A month's manifest (`OUT/YYYY-MM/manifest.json`): whether its documents are a draft or
approved, who approved them and when, and the SHA-256 of every file it holds, so that what
is sent is what was approved.

`reports monthly` writes a draft; `reports approve` renders again only the documents that
carry the approval (the monthly PDF and the web page: statements carry none, and stay the
files reviewed) and records the files' digests; `reports email` sends only an approved
month whose files still match them. `[delivery] approval =
"auto"` approves each run as it is built, for unattended runs, and the manifest says so.

`statements.json` is digested without its `sent_to` entries: delivery writes where each
statement went there, after approval, and that must not make the month unsendable.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from reports.errors import ApprovalError
from reports.output import atomic_write
from reports.report.model import Approval, Stamp

MANIFEST = "manifest.json"
MANIFEST_VERSION = 1
#: Not digested: the manifest itself, and what delivery writes after approval.
_NOT_DIGESTED = ("outbox", "sent")
STATEMENTS_INDEX = "statements.json"


@dataclass(frozen=True)
class Manifest:
    month: str
    stamp: Stamp
    #: `manual` (approved by a person, or waiting for one) or `auto`.
    mode: str
    #: Each file's path under the month's folder and its SHA-256.
    files: dict[str, str]

    @property
    def sendable(self) -> bool:
        return not self.stamp.is_draft


def file_digest(path: Path) -> str:
    """The SHA-256 of `path`; of `statements.json`, of its entries without `sent_to`."""
    if path.name == STATEMENTS_INDEX:
        entries = json.loads(path.read_text(encoding="utf-8"))
        for entry in entries:
            entry.pop("sent_to", None)
        canonical = json.dumps(entries, sort_keys=True, ensure_ascii=False).encode()
        return hashlib.sha256(canonical).hexdigest()
    return hashlib.sha256(path.read_bytes()).hexdigest()


def digests(folder: Path) -> dict[str, str]:
    """Every file of the month's folder but the manifest, the outbox and `sent/`, by its path."""
    found = {}
    for path in sorted(folder.rglob("*")):
        relative = path.relative_to(folder)
        if not path.is_file() or relative.parts[0] in _NOT_DIGESTED or str(relative) == MANIFEST:
            continue
        if any(part.startswith(".") for part in relative.parts):
            continue
        found[relative.as_posix()] = file_digest(path)
    return found


def write_manifest(folder: Path, month: str, stamp: Stamp, mode: str) -> Manifest:
    manifest = Manifest(month, stamp, mode, digests(folder))
    body = {
        "manifest_version": MANIFEST_VERSION,
        "month": month,
        "approval": stamp.approval.value,
        "mode": mode,
        "approved_by": stamp.by,
        "approved_at": stamp.at.isoformat() if stamp.at else None,
        "files": manifest.files,
    }
    text = json.dumps(body, indent=2, ensure_ascii=False) + "\n"
    atomic_write(folder / MANIFEST, lambda p: p.write_text(text, encoding="utf-8"))
    return manifest


def read_manifest(folder: Path) -> Manifest | None:
    """The month's manifest; None where there is none (a month built before approvals)."""
    path = folder / MANIFEST
    if not path.exists():
        return None
    try:
        body = json.loads(path.read_text(encoding="utf-8"))
        at = dt.datetime.fromisoformat(body["approved_at"]) if body["approved_at"] else None
        stamp = Stamp(Approval(body["approval"]), body["approved_by"], at)
        return Manifest(body["month"], stamp, body["mode"], dict(body["files"]))
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise ApprovalError(
            f"{path} cannot be read ({error}): rerun reports monthly for {folder.name}",
            path=str(path),
        ) from None


def require_sendable(folder: Path) -> Manifest:
    """The manifest of an approved month whose files are all as approved; an
    `ApprovalError` naming what stands in the way otherwise."""
    month = folder.name
    manifest = read_manifest(folder)
    if manifest is None:
        raise ApprovalError(
            f"{month} has no manifest: run reports monthly --month {month}, then approve it"
        )
    if not manifest.sendable:
        raise ApprovalError(
            f"{month} is a draft, not approved: nothing was sent. Look it over "
            f"({folder / f'report-{month}.html'}), then run reports approve --month {month} "
            f'--by NAME (or set [delivery] approval = "auto" for unattended runs)'
        )
    for name, expected in manifest.files.items():
        path = folder / name
        if not path.is_file():
            raise ApprovalError(
                f"{name} of {month} is missing since it was approved: rerun reports monthly "
                "and approve it again",
                path=str(path),
            )
        if file_digest(path) != expected:
            raise ApprovalError(
                f"{name} of {month} changed after it was approved (its SHA-256 differs from "
                f"the one approved): nothing was sent. Approve it again with reports approve "
                f"--month {month} --by NAME, or rerun reports monthly",
                path=str(path),
            )
    return manifest
