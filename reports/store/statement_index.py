"""The index of a month's statements (`OUT/YYYY-MM/statements/statements.json`), read and
written here alone: which client each statement file is for, the name it is attached under,
what its email says of the account, and the SHA-256 of the file as rendered, which binds
each client to its own bytes (delivery checks it before attaching).

A month rendered before a field was kept reads with that field's old meaning: the
attachment is the file's own name, the payment reference is the client's reference, and
where no standing was kept the account is owed wherever a balance is shown.

Delivery adds to each entry the address its statement went to (`sent_to`); the approval
digests the index without it (`index_digest`), so that sending does not make an approved
month unsendable. Both work on the entries as they are on disk, keeping every field an
earlier version wrote as it wrote it.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from reports.errors import MonthFolderError
from reports.output import atomic_write


@dataclass(frozen=True)
class StatementEntry:
    """One statement of the month, as its index lists it."""

    #: The client's key (`<source>-<id>`).
    key: str
    client: str
    #: The client's own address, as its system has it.
    email: str | None
    #: The statement's file name in `statements/`.
    path: str
    #: What the client owes, as printed ("£0.00" for nothing); None where the source holds
    #: no invoice balances, so that no message claims a balance.
    outstanding: str | None
    #: The name the file is attached to its email under (`render.file_names.attachment_names`).
    attachment: str
    #: The client's own reference, as its system has it (shown on the statement), and what
    #: it quotes when paying (`Statement.payment_reference`: bank-safe).
    reference: str | None
    payment_reference: str | None
    #: The client's postcode where its system holds one (a statement password may use it).
    postcode: str | None = None
    #: A digest of everything the PDF shows: a rerun with the same one reuses the file.
    content_digest: str = ""
    #: Where the account stands (`owed`, `settled`, `in credit`); None on an expenses
    #: statement. The email says as much, and asks for payment only where something is owed.
    standing: str | None = None
    #: The SHA-256 of the file as rendered; None in an index written before it was kept.
    sha256: str | None = None
    #: The address the statement was last sent to, written by delivery.
    sent_to: str | None = None


def write_statement_index(path: Path, entries: Iterable[StatementEntry]) -> Path:
    """The index of `entries` at `path`, with nothing sent yet."""
    body = [
        {name: value for name, value in dataclasses.asdict(entry).items() if name != "sent_to"}
        for entry in entries
    ]
    return atomic_write(
        path, lambda target: target.write_text(json.dumps(body, indent=2, ensure_ascii=False))
    )


def read_statement_index(path: Path) -> tuple[StatementEntry, ...]:
    """The statements `path` lists; a `MonthFolderError` saying what to do where it cannot
    be read (missing is the caller's to say: it knows which command writes it)."""
    entries = _raw_entries(path)
    try:
        return tuple(_entry(raw) for raw in entries)
    except KeyError as error:
        raise _damaged(path, f"an entry has no {error}") from None


def _raw_entries(path: Path) -> list[dict[str, object]]:
    """The entries as they are on disk."""
    try:
        entries = json.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise _damaged(path, error.strerror or str(error)) from None
    except ValueError as error:
        raise _damaged(path, str(error)) from None
    if not isinstance(entries, list) or not all(
        isinstance(e, dict) and isinstance(e.get("key"), str) for e in entries
    ):
        raise _damaged(path, "it is not a list of statements")
    return entries


def _damaged(path: Path, why: str) -> MonthFolderError:
    return MonthFolderError(
        f"{path} cannot be read ({why}): run reports monthly for {path.parent.parent.name} again"
    )


def _text(value: object) -> str | None:
    return None if value is None else str(value)


def _entry(raw: Mapping[str, object]) -> StatementEntry:
    path = str(raw["path"])
    outstanding = _text(raw.get("outstanding"))
    return StatementEntry(
        key=str(raw["key"]),
        client=str(raw["client"]),
        email=_text(raw.get("email")),
        path=path,
        outstanding=outstanding,
        attachment=_text(raw.get("attachment")) or path,
        reference=_text(raw.get("reference")),
        payment_reference=_text(raw.get("payment_reference")) or _text(raw.get("reference")),
        postcode=_text(raw.get("postcode")),
        content_digest=_text(raw.get("content_digest")) or "",
        standing=_text(raw["standing"]) if "standing" in raw else "owed" if outstanding else None,
        sha256=_text(raw.get("sha256")),
        sent_to=_text(raw.get("sent_to")),
    )


def record_sent_to(path: Path, addresses: Mapping[str, str]) -> None:
    """Each entry of the index at `path` with `sent_to`: the address its client's statement
    went to (`addresses`, by client key), or null; its other fields as they are."""
    entries = _raw_entries(path)
    for entry in entries:
        entry["sent_to"] = addresses.get(str(entry["key"]))
    text = json.dumps(entries, indent=2, ensure_ascii=False)
    atomic_write(path, lambda target: target.write_text(text, encoding="utf-8"))


def index_digest(path: Path) -> str:
    """The SHA-256 of the index at `path` without its `sent_to` fields, which delivery
    writes after the approval."""
    entries = _raw_entries(path)
    for entry in entries:
        entry.pop("sent_to", None)
    canonical = json.dumps(entries, sort_keys=True, ensure_ascii=False).encode()
    return hashlib.sha256(canonical).hexdigest()
