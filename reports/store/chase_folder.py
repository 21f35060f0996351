"""A day's payment reminders on disk, `OUT/chase/YYYY-MM-DD/`: the one place that names what
is in it (`reports.chase` says what each file means).

- `reminders.json`: the draft, what is to be asked of whom;
- `reminders.md`: the same for a reader, each message as it will go;
- `approval.json`: who approved the draft, when, and its SHA-256;
- `sent/`: the delivery's record (`reports.store.sent`), with `sent/asked.jsonl`, each
  message's invoices and steps, written before it is handed over;
- `outbox/`: messages written and not sent (no SMTP server configured).
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path

from reports.output import atomic_write
from reports.store.month_folder import SENT, outbox_in

#: Under the output folder: a folder for each day chased.
CHASE = "chase"
DRAFT = "reminders.json"
READABLE = "reminders.md"
APPROVAL = "approval.json"
#: Under `sent/`: each message's invoices and steps, appended before it is handed over.
ASKED = "asked.jsonl"


@dataclass(frozen=True)
class ChaseFolder:
    """The folder at `path` of one day's reminders (or the one its next draft is built in)."""

    path: Path

    @classmethod
    def of(cls, out: Path, day: dt.date) -> ChaseFolder:
        return cls(Path(out) / CHASE / day.isoformat())

    @classmethod
    def every_day(cls, out: Path) -> list[ChaseFolder]:
        """Each day's folder in the output folder `out`, oldest first."""
        return [cls(day) for day in sorted((Path(out) / CHASE).glob("*/"))]

    @property
    def day(self) -> str:
        """The day chased, as the folder is named (`2026-11-04`)."""
        return self.path.name

    @property
    def draft(self) -> Path:
        return self.path / DRAFT

    @property
    def readable(self) -> Path:
        return self.path / READABLE

    @property
    def approval(self) -> Path:
        return self.path / APPROVAL

    @property
    def sent(self) -> Path:
        return self.path / SENT

    @property
    def asked(self) -> Path:
        return self.sent / ASKED

    @property
    def outbox(self) -> Path:
        return outbox_in(self.path)


@dataclass(frozen=True)
class ChaseApproval:
    """Who approved a day's draft, when, and the SHA-256 of the draft they approved."""

    by: str
    at: dt.datetime
    sha256: str


def write_chase_approval(folder: ChaseFolder, approval: ChaseApproval) -> Path:
    body = {"by": approval.by, "at": approval.at.isoformat(), "sha256": approval.sha256}
    text = json.dumps(body, indent=1)
    return atomic_write(folder.approval, lambda path: path.write_text(text, "utf-8"))


def read_chase_approval(folder: ChaseFolder) -> ChaseApproval | None:
    """The day's approval; None where there is none, or it cannot be read (then the draft
    counts as not approved as it is, and is approved again)."""
    try:
        body = json.loads(folder.approval.read_text("utf-8"))
        return ChaseApproval(
            str(body["by"]), dt.datetime.fromisoformat(body["at"]), str(body["sha256"])
        )
    except (OSError, ValueError, KeyError, TypeError):
        return None
