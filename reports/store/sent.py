"""What was sent from a month, kept for good: `OUT/YYYY-MM/sent/`.

Each message is recorded before it is handed over (`sending`), with a byte-for-byte copy
of the message (`.eml`) and of each attachment beside the record and their SHA-256 in it;
then `sent` with the server's reply, or `refused` when the server said no. A message whose
last word is still `sending` (the process died, the connection dropped after the data went,
the record could not be written afterwards) is `uncertain`: it may have arrived, so it is
never sent again unless the operator says so (`reports email --resend KEY`).

The record is one JSON line an event (`record.jsonl`), appended and flushed to disk before
the next step, so a crash at any point leaves it saying no more than what happened. What
one message carries is a set of items (a client's statement to one address, a correction,
the monthly report to one reader): an item's state is that of the last message that
carried it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import hashlib
import json
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from reports.errors import DeliveryError
from reports.store.month_folder import OUTBOX, SENT

FOLDER = SENT
RECORD = "record.jsonl"
#: The record of what left before `sent/` existed: item keys of month label, address and
#: statement file name, each line one message sent.
LEGACY_RECORD = Path(OUTBOX) / "sent.jsonl"


class State(enum.StrEnum):
    SENDING = "sending"
    SENT = "sent"
    REFUSED = "refused"
    UNCERTAIN = "uncertain"


@dataclass(frozen=True)
class SentItem:
    """One item of a message as recorded: whose statement (None for the monthly report),
    the name it was attached under, the copy kept, and the SHA-256 of the statement file
    as rendered (what a later rebuild is compared with) and of the bytes attached."""

    key: str
    client_key: str | None
    client: str
    attachment: str
    copy: str
    statement_sha256: str
    attachment_sha256: str


@dataclass(frozen=True)
class SentMessage:
    """A message's last recorded state, with what it carried and when."""

    key: str
    attempt: int
    state: State
    to: str
    subject: str
    kind: str
    items: tuple[SentItem, ...]
    eml: str
    eml_sha256: str
    #: When it was recorded as `sending`, and when its last state was recorded.
    started_at: dt.datetime
    at: dt.datetime
    #: The server's reply (`250 OK`), the outbox file, or why it was refused or is uncertain.
    detail: str = ""


def sha256(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


@dataclass(frozen=True)
class Enclosed:
    """One item of a message about to be handed over: its key, whose statement it is, the
    name it is attached under, the bytes attached, and the SHA-256 of the statement as
    rendered."""

    key: str
    client_key: str | None
    client: str
    name: str
    content: bytes
    statement_sha256: str


@dataclass(frozen=True)
class ToSend:
    """What the record needs of a message about to be handed over."""

    key: str
    to: str
    subject: str
    kind: str
    content: bytes
    items: tuple[Enclosed, ...]


class SentRecord:
    """The record of one month folder's messages, read once and appended to."""

    def __init__(self, month_folder: Path) -> None:
        self.folder = Path(month_folder) / FOLDER
        self.path = self.folder / RECORD
        self.messages: dict[str, SentMessage] = {}
        self._legacy: set[str] = set()
        self._read()

    # Reading ------------------------------------------------------------------------------

    def _read(self) -> None:
        legacy = self.folder.parent / LEGACY_RECORD
        if legacy.is_file():
            for line in legacy.read_text(encoding="utf-8").splitlines():
                if line.strip():
                    self._legacy.add(str(json.loads(line)["key"]))
        if not self.path.is_file():
            return
        lines = self.path.read_text(encoding="utf-8").splitlines()
        for number, line in enumerate(lines, 1):
            if not line.strip():
                continue
            try:
                self._apply(json.loads(line))
            except (ValueError, KeyError, TypeError) as error:
                if number == len(lines):
                    continue  # a last line cut short by a crash: the message stays `sending`
                raise DeliveryError(
                    f"{self.path} line {number} cannot be read ({error}): it is the record of "
                    "what was sent; restore it from a backup before sending anything"
                ) from None

    def _apply(self, event: Mapping[str, object]) -> None:
        key = str(event["message"])
        state = State(str(event["state"]))
        at = dt.datetime.fromisoformat(str(event["at"]))
        if state is State.SENDING:
            items = tuple(SentItem(**item) for item in event["items"])  # type: ignore[attr-defined]
            self.messages[key] = SentMessage(
                key,
                int(str(event["attempt"])),
                state,
                str(event["to"]),
                str(event["subject"]),
                str(event["kind"]),
                items,
                str(event["eml"]),
                str(event["eml_sha256"]),
                at,
                at,
            )
            return
        before = self.messages[key]
        self.messages[key] = dataclasses.replace(
            before, state=state, at=at, detail=str(event.get("detail", ""))
        )

    def state(self, message: SentMessage) -> State:
        """`sending` read back is `uncertain`: whoever was sending it is gone (a run holds
        the output folder's lock while it sends)."""
        return State.UNCERTAIN if message.state is State.SENDING else message.state

    def item_states(self) -> dict[str, tuple[State, SentMessage]]:
        """Each item's state, from the last message that carried it."""
        found: dict[str, tuple[State, SentMessage]] = {}
        for message in sorted(self.messages.values(), key=lambda m: m.started_at):
            for item in message.items:
                found[item.key] = (self.state(message), message)
        return found

    def sent_before(self, legacy_key: str) -> bool:
        """Whether a message was recorded as sent before this record existed."""
        return legacy_key in self._legacy

    def uncertain(self) -> list[SentMessage]:
        """The messages that may have arrived and whose items no later message carried
        (a resend made of other items than the first attempt supersedes it all the same); a
        message with nothing attached (a payment reminder) stands alone."""
        latest = {key: message.key for key, (_, message) in self.item_states().items()}
        return [
            m
            for m in self.messages.values()
            if self.state(m) is State.UNCERTAIN
            and (not m.items or any(latest[i.key] == m.key for i in m.items))
        ]

    def attempts(self, key: str) -> int:
        message = self.messages.get(key)
        return message.attempt if message else 0

    # Writing ------------------------------------------------------------------------------

    def _append(self, event: Mapping[str, object]) -> None:
        with self.path.open("a", encoding="utf-8") as handle:
            handle.write(json.dumps(event, ensure_ascii=False) + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        self._apply(event)

    def begin(self, outgoing: ToSend, now: dt.datetime) -> SentMessage:
        """Keep the message and its attachments byte for byte, then record it as `sending`:
        all of it on disk before the message is handed over. A `DeliveryError` saying that
        nothing was sent when any of it cannot be written."""
        attempt = self.attempts(outgoing.key) + 1
        stem = f"{outgoing.key}-{attempt}"
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            copies = self.folder / stem
            copies.mkdir(exist_ok=True)
            items = []
            for item in outgoing.items:
                _write_synced(copies / item.name, item.content)
                items.append(
                    SentItem(
                        item.key,
                        item.client_key,
                        item.client,
                        item.name,
                        f"{FOLDER}/{stem}/{item.name}",
                        item.statement_sha256,
                        sha256(item.content),
                    )
                )
            _write_synced(self.folder / f"{stem}.eml", outgoing.content)
            self._append(
                {
                    "message": outgoing.key,
                    "state": State.SENDING.value,
                    "attempt": attempt,
                    "at": now.isoformat(),
                    "to": outgoing.to,
                    "subject": outgoing.subject,
                    "kind": outgoing.kind,
                    "items": [item.__dict__ for item in items],
                    "eml": f"{FOLDER}/{stem}.eml",
                    "eml_sha256": sha256(outgoing.content),
                }
            )
        except OSError as error:
            raise DeliveryError(
                f"cannot record the message to {outgoing.to} before sending it "
                f"({error.strerror or error}: {error.filename or self.path}): nothing was sent "
                f"by this run from here on; make {self.folder.parent} writable (or free disk "
                "space) and run reports email again"
            ) from None
        return self.messages[outgoing.key]

    def finish(self, key: str, state: State, detail: str, now: dt.datetime) -> None:
        """Record the outcome of a message begun; an `OSError` here leaves it `uncertain`."""
        self._append(
            {"message": key, "state": state.value, "at": now.isoformat(), "detail": detail}
        )


def _write_synced(path: Path, content: bytes) -> None:
    """`content` into `path` and onto the disk, whole or not at all."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with temporary.open("wb") as handle:
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


def latest_sent(
    record: SentRecord, kinds: Iterable[str] = ("statement", "correction")
) -> dict[tuple[str, str], tuple[SentItem, SentMessage]]:
    """Each (client key, address)'s statement as last sent, with its message."""
    wanted = set(kinds)
    found: dict[tuple[str, str], tuple[SentItem, SentMessage]] = {}
    for message in sorted(record.messages.values(), key=lambda m: m.started_at):
        if record.state(message) is not State.SENT or message.kind not in wanted:
            continue
        for item in message.items:
            if item.client_key is not None:
                found[(item.client_key, message.to)] = (item, message)
    return found
