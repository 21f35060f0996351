"""Email against a real SMTP server (aiosmtpd) on loopback, and the outbox fallback."""

from __future__ import annotations

import email
import email.policy
from collections import Counter
from pathlib import Path

import pytest

from reports.delivery.email import deliver
from reports.errors import ReportsError
from reports.render.messages import Attachment, Outgoing, plan_messages
from tests.delivery.mail import Inbox, fresh_copy, settings_for

MONTH = "October 2026"


def test_each_recipient_gets_one_message_with_its_pdf(sending) -> None:  # type: ignore[no-untyped-def]
    inbox = Inbox()
    folder, smtp, plan = sending(inbox)
    assert len(plan.messages) == 6  # 4 WillSuite customers, 1 company with an address, the partners
    assert plan.skipped == [
        next(s for s in plan.skipped)
    ]  # the company without an address is listed
    result = deliver(plan.messages, folder, smtp, plan.skipped)
    assert len(result.sent) == 6 and result.refused == []
    assert len(inbox.messages) == 6
    for outgoing, message in zip(plan.messages, inbox.messages, strict=True):
        assert message["To"] == outgoing.to
        assert message["Subject"] == outgoing.subject
        attachments = list(message.iter_attachments())
        assert [a.get_filename() for a in attachments] == [a.name for a in outgoing.attachments]
        assert attachments[0].get_content() == outgoing.attachments[0].path.read_bytes()
        assert attachments[0].get_content().startswith(b"%PDF")
        assert message["Date"] and message["Message-ID"].endswith("@firm.example>")
    again = deliver(plan.messages, folder, smtp)
    assert again.sent == [] and len(again.already_sent) == 6
    assert len(inbox.messages) == 6


def test_a_crash_mid_batch_sends_nothing_twice(sending) -> None:  # type: ignore[no-untyped-def]
    inbox = Inbox(drop_on=3)
    folder, smtp, plan = sending(inbox)
    with pytest.raises(
        ReportsError, match="stopped after 2 of 6 messages: the connection was lost"
    ):
        deliver(plan.messages, folder, smtp)
    assert len(inbox.messages) == 2
    result = deliver(plan.messages, folder, smtp)
    # The third may have arrived (the connection dropped once its data went): uncertain,
    # listed, and not sent again on its own.
    third = plan.messages[2].to
    assert len(result.sent) == 3 and len(result.already_sent) == 3
    assert [m.to for m in result.uncertain] == [third] and not result.complete
    received = Counter(message["To"] for message in inbox.messages)
    assert received == Counter(m.to for m in plan.messages if m.to != third)


def test_a_message_the_server_refuses_never_stops_the_others(sending) -> None:  # type: ignore[no-untyped-def]
    inbox = Inbox(fail_on=3)
    folder, smtp, plan = sending(inbox)
    result = deliver(plan.messages, folder, smtp)
    third = plan.messages[2].to
    assert len(result.sent) == 5 and third not in result.sent
    assert result.refused == [
        f"{third}: the server refused it (451 Requested action aborted: local error in processing)"
    ]
    assert result.summary() == "sent 5, not sent 1: 1 refused" and not result.complete
    again = deliver(plan.messages, folder, smtp)  # the refused one is tried again, alone
    assert again.sent == [third] and len(again.already_sent) == 5 and again.complete
    assert Counter(m["To"] for m in inbox.messages) == Counter(m.to for m in plan.messages)


def test_an_address_in_another_script_is_sent_as_idna_and_others_still_go(
    month_folder: Path, tmp_path: Path, smtp_server
) -> None:
    folder = fresh_copy(month_folder, tmp_path)
    inbox = Inbox()
    smtp = smtp_server(inbox)
    attachment = folder / "report-2026-10.pdf"
    addresses = [
        "one@firm.example",
        "anna@b\u00fccher.example",
        "j\u00f6rg@example.co.uk",
        "two@firm.example",
        "three@firm.example",
    ]
    messages = [
        Outgoing(address, "Report", "Hello", (Attachment(attachment, "r.pdf", f"client-{i}"),))
        for i, address in enumerate(addresses)
    ]
    result = deliver(messages, folder, smtp)
    assert [m["To"] for m in inbox.messages] == [
        "one@firm.example",
        "anna@xn--bcher-kva.example",
        "two@firm.example",
        "three@firm.example",
    ]
    assert len(result.sent) == 4
    assert result.refused == [
        "address for the statement of client-2 'j\u00f6rg@example.co.uk' has letters outside ASCII "
        "before the @, which most mail servers refuse: give the client's ASCII address"
    ]
    assert result.addresses["client-1"] == "anna@xn--bcher-kva.example"
    assert "client-2" not in result.addresses


def test_without_smtp_messages_go_to_the_outbox(month_folder: Path, tmp_path: Path) -> None:
    folder = fresh_copy(month_folder, tmp_path)
    plan = plan_messages(folder, MONTH, settings_for(folder), firm="Demo & Co")
    result = deliver(plan.messages, folder, None, sender="reports@firm.example")
    files = sorted(result.outbox.glob("*.eml"))
    assert len(files) == len(plan.messages) == len(result.sent)
    recipients = set()
    for file in files:
        message = email.message_from_bytes(file.read_bytes(), policy=email.policy.default)
        recipients.add(message["To"])
        (attachment,) = message.iter_attachments()
        assert attachment.get_content_type() == "application/pdf"
        assert attachment.get_content().startswith(b"%PDF")
        assert message["From"] == "reports@firm.example"
    assert recipients == {m.to for m in plan.messages}
    assert deliver(plan.messages, folder, None).sent == []  # recorded: not written twice


@pytest.mark.parametrize(
    "address",
    [
        "victim@example.com\r\nBcc: everyone@example.com",
        "a@example.com, b@example.com",
        "not an address",
        "x@y\nz",
    ],
)
def test_header_injection_is_refused(
    address: str, month_folder: Path, tmp_path: Path, smtp_server
) -> None:
    folder = fresh_copy(month_folder, tmp_path)
    inbox = Inbox()
    smtp = smtp_server(inbox)
    attachment = folder / "report-2026-10.pdf"
    attached = (Attachment(attachment, attachment.name),)
    good = Outgoing("partner@firm.example", "Report", "Hello", attached)
    bad = Outgoing(address, "Report", "Hello", attached)
    evil_subject = Outgoing(
        "partner2@firm.example", "Report\r\nBcc: x@example.com", "Hello", attached
    )
    result = deliver([good, bad, evil_subject], folder, smtp)
    assert result.sent == ["partner@firm.example"]
    assert len(result.refused) == 2
    assert [m["To"] for m in inbox.messages] == ["partner@firm.example"]
    assert all("Bcc" not in m for m in inbox.messages)
