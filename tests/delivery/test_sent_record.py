"""The sent record: every message recorded before it is handed over and after, a copy of
it kept byte for byte, and a message whose fate is unknown never sent again on its own.
Against a real SMTP server (aiosmtpd), with the sending process killed at each step."""

from __future__ import annotations

import contextlib
import datetime as dt
import email
import email.policy
import hashlib
import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from reports.config import EmailSettings, SmtpSettings
from reports.delivery.email import deliver
from reports.errors import ReportsError
from reports.render.messages import plan_messages
from reports.store.sent import Enclosed, SentRecord, State, ToSend
from tests.delivery.mail import Inbox, fresh_copy, read_only, settings_for
from tests.helpers import ROOT

MONTH = "October 2026"

#: `deliver` in a process of its own, so that the SMTP server can kill it mid-run.
SENDER = """
import json, sys
from pathlib import Path
from reports.config import EmailSettings, SmtpSettings
from reports.delivery.email import deliver
from reports.render.messages import plan_messages

folder, port, addresses = Path(sys.argv[1]), int(sys.argv[2]), json.loads(sys.argv[3])
settings = EmailSettings(monthly_to=("partners@firm.example",), client_addresses=addresses)
plan = plan_messages(folder, "October 2026", settings, firm="Demo & Co")
smtp = SmtpSettings(host="127.0.0.1", port=port, security="none", sender="reports@firm.example")
deliver(plan.messages, folder, smtp)
"""


def received(inbox: Inbox) -> Counter[str]:
    return Counter(str(message["To"]) for message in inbox.messages)


@pytest.mark.parametrize(
    ("kill", "arrived", "uncertain"),
    [
        (("MAIL", 2), 1, 1),  # recorded as sending, killed before the data went: uncertain
        (("DATA", 2), 2, 1),  # the server has it, the sender died before the reply
        (("MAIL", 3), 2, 1),  # the second recorded as sent; the third begun
    ],
    ids=["before-handing-over", "after-data-before-the-record", "after-the-record"],
)
def test_a_sender_killed_at_any_step_sends_nothing_twice(
    kill: tuple[str, int],
    arrived: int,
    uncertain: int,
    month_folder: Path,
    tmp_path: Path,
    smtp_server,
) -> None:
    folder = fresh_copy(month_folder, tmp_path)
    inbox = Inbox(kill=kill)
    smtp = smtp_server(inbox)
    settings = settings_for(folder)
    process = subprocess.Popen(
        [
            sys.executable,
            "-c",
            SENDER,
            str(folder),
            str(smtp.port),
            json.dumps(settings.client_addresses),
        ],
        cwd=ROOT,
    )
    inbox.pid = process.pid
    with contextlib.suppress(ChildProcessError):  # reaped by the handler that killed it
        process.wait(timeout=60)
    assert inbox.pid is None, "the sender was not killed"
    assert len(inbox.messages) == arrived
    record = SentRecord(folder)
    assert len(record.uncertain()) == uncertain
    plan = plan_messages(folder, MONTH, settings, firm="Demo & Co")
    again = deliver(plan.messages, folder, smtp)  # the rest go; the uncertain one waits
    assert [m.key for m in again.uncertain] == [m.key for m in record.uncertain()]
    assert not again.complete
    assert all(count == 1 for count in received(inbox).values())
    waiting = {m.to for m in record.uncertain()}
    assert set(received(inbox)) | waiting == {m.to for m in plan.messages}
    assert deliver(plan.messages, folder, smtp).sent == []  # and a third run sends nothing


def test_each_message_is_kept_as_sent_with_its_digests(sending) -> None:  # type: ignore[no-untyped-def]
    inbox = Inbox()
    folder, smtp, plan = sending(inbox)
    deliver(plan.messages, folder, smtp)
    record = SentRecord(folder)
    assert {m.state for m in record.messages.values()} == {State.SENT}
    assert all(m.detail.startswith("250") for m in record.messages.values())
    by_to = {str(m["To"]): m for m in inbox.messages}
    for message in record.messages.values():
        kept = (folder / message.eml).read_bytes()
        assert hashlib.sha256(kept).hexdigest() == message.eml_sha256
        parsed = email.message_from_bytes(kept, policy=email.policy.default)
        assert parsed["Message-ID"] == by_to[message.to]["Message-ID"]
        for item, part in zip(message.items, parsed.iter_attachments(), strict=True):
            copy = (folder / item.copy).read_bytes()
            assert hashlib.sha256(copy).hexdigest() == item.attachment_sha256
            assert part.get_content() == copy  # what went is what is kept


def test_a_read_only_month_folder_sends_nothing(sending) -> None:  # type: ignore[no-untyped-def]
    inbox = Inbox()
    folder, smtp, plan = sending(inbox)
    with read_only(folder), pytest.raises(ReportsError, match="nothing was sent") as raised:
        deliver(plan.messages, folder, smtp)
    assert "\n" not in str(raised.value) and "make" in str(raised.value)
    assert inbox.messages == []
    assert len(deliver(plan.messages, folder, smtp).sent) == len(plan.messages)


def test_a_refused_recipient_is_tried_again_and_the_others_go(
    month_folder: Path, tmp_path: Path, smtp_server
) -> None:
    folder = fresh_copy(month_folder, tmp_path)
    plan = plan_messages(folder, MONTH, settings_for(folder), firm="Demo & Co")
    refused = plan.messages[1].to
    inbox = Inbox(refuse_to=refused)
    smtp = smtp_server(inbox)
    result = deliver(plan.messages, folder, smtp)
    assert result.refused == [f"{refused}: the server refused it (550 5.1.1 No such user here)"]
    assert len(result.sent) == len(plan.messages) - 1
    inbox.refuse_to = None
    again = deliver(plan.messages, folder, smtp)
    assert again.sent == [refused] and again.complete
    assert all(count == 1 for count in received(inbox).values())


def test_one_message_per_address_carries_all_of_its_statements(
    month_folder: Path, tmp_path: Path, smtp_server
) -> None:
    folder = fresh_copy(month_folder, tmp_path)
    manifest = json.loads((folder / "statements" / "statements.json").read_text())
    companies = [entry["client"] for entry in manifest if entry["email"] is None]
    assert len(companies) >= 2
    settings = EmailSettings(client_addresses=dict.fromkeys(companies, "ap@group.example"))
    inbox = Inbox()
    smtp = smtp_server(inbox)
    plan = plan_messages(folder, MONTH, settings, firm="Demo & Co")
    deliver(plan.messages, folder, smtp)
    assert all(count == 1 for count in received(inbox).values())
    (group,) = [m for m in inbox.messages if m["To"] == "ap@group.example"]
    names = [part.get_filename() for part in group.iter_attachments()]
    assert len(names) == len(companies) and len(set(names)) == len(names)
    assert group["Subject"].startswith("Your statements from Demo & Co")


def test_a_record_cut_short_by_a_crash_leaves_that_message_uncertain(
    month_folder: Path, tmp_path: Path, smtp_server
) -> None:
    folder = fresh_copy(month_folder, tmp_path)
    smtp: SmtpSettings = smtp_server(Inbox())
    plan = plan_messages(folder, MONTH, settings_for(folder), firm="Demo & Co")
    deliver(plan.messages[:1], folder, smtp)
    record = folder / "sent" / "record.jsonl"
    lines = record.read_text().splitlines()
    record.write_text("\n".join(lines[:-1]) + "\n" + lines[-1][:20])  # `sent` half-written
    assert [m.to for m in SentRecord(folder).uncertain()] == [plan.messages[0].to]


def test_a_resend_carrying_more_than_the_uncertain_message_supersedes_it(tmp_path: Path) -> None:
    record = SentRecord(tmp_path)
    at = dt.datetime(2026, 11, 2, 9, tzinfo=dt.UTC)

    def parcel(key: str, *clients: str) -> ToSend:
        items = tuple(
            Enclosed(f"2026-10|statement|a@b.example|{c}", c, c.upper(), f"{c}.pdf", b"%PDF", "d")
            for c in clients
        )
        return ToSend(key, "a@b.example", "Statements", "statement", b"message", items)

    record.begin(parcel("first", "x", "y"), at)  # the process died here
    assert [m.key for m in SentRecord(tmp_path).uncertain()] == ["first"]
    record = SentRecord(tmp_path)
    record.begin(parcel("second", "x", "y", "z"), at + dt.timedelta(hours=1))
    record.finish("second", State.SENT, "250 OK", at + dt.timedelta(hours=1))
    again = SentRecord(tmp_path)
    assert again.uncertain() == []
    assert {state for state, _ in again.item_states().values()} == {State.SENT}
