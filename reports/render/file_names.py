"""File names of statements: on disk (`statement_file_names`, unique and safe in their
folder) and as attached to an email (`attachment_names`, as a client would expect them)."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable

from reports.errors import DataError
from reports.report.model import Statement

_UNSAFE = re.compile(r"[^a-z0-9]+")


def safe_file_name(client: str, key: str, suffix: str = ".pdf", tag_length: int = 16) -> str:
    """A file name from a client's name that cannot leave its folder, unique by `key`.

    The client's name and key are there for people; uniqueness comes from a hash of the
    exact key (case, slashes and all), so `ACME` and `acme`, or `12/34` and `12-34`, never
    share a file.
    """
    ascii_name = unicodedata.normalize("NFKD", client).encode("ascii", "ignore").decode().lower()
    slug = _UNSAFE.sub("-", ascii_name).strip("-")[:60] or "client"
    readable = _UNSAFE.sub("-", key.lower()).strip("-")[-24:] or "client"
    digest = hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()[:tag_length]
    return f"statement-{slug}-{digest}-{readable}{suffix}"


def statement_file_names(statements: Iterable[Statement]) -> dict[str, str]:
    """Each statement's key to its own file name; two statements with one key are an error,
    and two keys whose names collide (a hash prefix shared) get the full hash instead."""
    names: dict[str, str] = {}
    taken: dict[str, str] = {}
    for statement in statements:
        if statement.key in names:
            raise DataError(
                f"two statements for one client key {statement.key!r}: refusing to write "
                "either, as one client could be sent the other's"
            )
        name = safe_file_name(statement.client, statement.key)
        if name.lower() in taken:
            name = safe_file_name(statement.client, statement.key, tag_length=64)
            if name.lower() in taken:
                raise DataError(
                    f"statement file names of {statement.key!r} and {taken[name.lower()]!r} collide"
                )
        names[statement.key] = name
        taken[name.lower()] = statement.key  # case-insensitive file systems too
    return names


#: Characters no file name may hold on the systems clients open attachments on (Windows
#: is the strictest), and those that show nothing or reorder what is shown.
_NOT_IN_FILE_NAMES = re.compile(
    r'[\x00-\x1f\x7f<>:"/\\|?*\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]'
)


def attachment_names(statements: Iterable[Statement], month: str) -> dict[str, str]:
    """Each statement's key to the name its PDF is attached under, as a client would expect
    it: `Statement - Acme Ltd - 2026-10.pdf`. Two clients whose names would give one file
    name (whatever the case) get their own reference in it, and a hash of their key too if
    the references alike (`ACME` and `acme`).

    A name is at most 255 bytes of UTF-8, the longest a file name may be on most disks: a
    long client name or reference is shortened to fit, between characters and ending `…`;
    the hash, the month and `.pdf` are kept whole, so names stay distinct."""
    chosen = list(statements)
    most = 255
    around = len(f"Statement -  - {month}.pdf".encode())

    def clean(text: str, bad: str) -> str:
        # A lone surrogate cannot be written as UTF-8: it becomes "?", then `bad`.
        text = unicodedata.normalize("NFC", text).encode("utf-8", "replace").decode("utf-8")
        return " ".join(_NOT_IN_FILE_NAMES.sub(bad, text).split()).strip(". ")

    def fit(text: str, room: int) -> str:
        data = text.encode("utf-8")
        if len(data) <= room:
            return text
        # Cut on a byte, then drop the part of a character the cut left.
        return data[: room - 3].decode("utf-8", "ignore").rstrip(". ") + "…"

    def name(statement: Statement, tag: str | None = None, digest: str = "") -> str:
        tagged = " ".join(part for part in (fit(clean(tag or "", "-"), 64), digest) if part)
        suffix = f" ({tagged})" if tagged else ""
        room = most - around - len(suffix.encode("utf-8"))
        client = fit(clean(statement.client, " ")[:80].rstrip(". "), room) or "client"
        return f"Statement - {client}{suffix} - {month}.pdf"

    first = [name(s) for s in chosen]
    shared = {n.casefold() for n in first if [f.casefold() for f in first].count(n.casefold()) > 1}
    names: dict[str, str] = {}
    taken: set[str] = set()
    for statement, plain in zip(chosen, first, strict=True):
        candidates = [plain] if plain.casefold() not in shared else []
        digest = hashlib.sha256(statement.key.encode("utf-8", "surrogatepass")).hexdigest()[:8]
        candidates += [
            name(statement, statement.reference),
            name(statement, statement.reference or statement.key, digest),
        ]
        picked = next((c for c in candidates if c.casefold() not in taken), None)
        if picked is None:
            raise DataError(
                f"statement attachment names of {statement.key!r} and another client collide"
            )
        names[statement.key] = picked
        taken.add(picked.casefold())
    return names
