"""A month's manifest (`OUT/YYYY-MM/manifest.json`): whether its documents are a draft or
approved, who approved them and when, and the SHA-256 of every file it holds, so that what
is sent is what was approved.

`reports monthly` writes a draft; `reports approve` renders again only the documents that
carry the approval (the monthly PDF and the web page: statements carry none, and stay the
files reviewed) and records the files' digests; `reports email` sends only an approved
month whose files still match them. `[delivery] approval =
"auto"` approves each run as it is built, for unattended runs, and the manifest says so.

`statements.json` is digested without its `sent_to` entries: delivery writes where each
statement went there, after approval, and that must not make the month unsendable. The
file itself is read and written by `reports.store.approval_manifest`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from reports.errors import ApprovalError, MonthFolderError
from reports.report.model import Approval, Stamp
from reports.store import approval_manifest
from reports.store.approval_manifest import ApprovalManifest
from reports.store.month_folder import MonthFolder


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
    return approval_manifest.file_digest(path)


def digests(folder: Path) -> dict[str, str]:
    """Every file of the month's folder but the manifest, the outbox and `sent/`, by its path."""
    return approval_manifest.digests(MonthFolder.at(folder))


def write_manifest(folder: Path, month: str, stamp: Stamp, mode: str) -> Manifest:
    """The manifest of the month `month` built in `folder` (its own, or the one its next
    version is built in), digesting every file there: written last, over the whole month."""
    manifest = Manifest(month, stamp, mode, digests(folder))
    kept = ApprovalManifest(month, stamp.approval.value, mode, stamp.by, stamp.at, manifest.files)
    approval_manifest.write_approval_manifest(MonthFolder(folder, month), kept)
    return manifest


def read_manifest(folder: Path) -> Manifest | None:
    """The month's manifest; None where there is none (a month built before approvals)."""
    month = MonthFolder.at(folder)
    try:
        kept = approval_manifest.read_approval_manifest(month)
    except MonthFolderError as error:
        raise ApprovalError(str(error), path=str(month.manifest)) from None
    if kept is None:
        return None
    try:
        approval = Approval(kept.approval)
    except ValueError:
        raise ApprovalError(
            f"{month.manifest} cannot be read (it says {kept.approval!r}, neither a draft nor "
            f"approved): rerun reports monthly for {month.label}",
            path=str(month.manifest),
        ) from None
    stamp = Stamp(approval, kept.approved_by, kept.approved_at)
    return Manifest(kept.month, stamp, kept.mode, dict(kept.files))


def require_sendable(folder: Path) -> Manifest:
    """The manifest of an approved month whose files are all as approved; an
    `ApprovalError` naming what stands in the way otherwise."""
    month_folder = MonthFolder.at(folder)
    month = month_folder.label
    manifest = read_manifest(folder)
    if manifest is None:
        raise ApprovalError(
            f"{month} has no manifest: run reports monthly --month {month}, then approve it"
        )
    if not manifest.sendable:
        raise ApprovalError(
            f"{month} is a draft, not approved: nothing was sent. Look it over "
            f"({month_folder.report_html}), then run reports approve --month {month} "
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
