"""What the delivery tests share: an SMTP handler (for aiosmtpd) that keeps, refuses or
drops messages or kills their sender, and the settings and copies of a month to send."""

from __future__ import annotations

import contextlib
import email
import email.message
import email.policy
import json
import os
import shutil
import signal
import socket
import subprocess
from pathlib import Path

from reports.config import EmailSettings


class Inbox:
    """An aiosmtpd handler that keeps every message; it can refuse one (`fail_on`, a 451
    for that message alone), drop the connection at one once its data came (`drop_on`, as
    a crash would), refuse a recipient (`refuse_to`, a 550 at RCPT), or SIGKILL the sending
    process (`kill`) at the MAIL or DATA of its Nth message."""

    def __init__(
        self,
        fail_on: int | None = None,
        drop_on: int | None = None,
        refuse_to: str | None = None,
        kill: tuple[str, int] | None = None,
    ) -> None:
        self.messages: list[email.message.EmailMessage] = []
        self.fail_on = fail_on
        self.drop_on = drop_on
        self.refuse_to = refuse_to
        self.kill = kill
        self.pid: int | None = None
        self.seen = 0
        self.mails = 0
        #: Each message's envelope recipients, in the order they came.
        self.recipients: list[list[str]] = []

    def _kill(self, step: str, number: int) -> None:
        if self.kill == (step, number) and self.pid is not None:
            pid, self.pid = self.pid, None
            os.kill(pid, signal.SIGKILL)
            # The test's own wait on the sender may reap it first: killed all the same.
            with contextlib.suppress(ChildProcessError):
                os.waitpid(pid, 0)

    async def handle_MAIL(self, server, session, envelope, address, options) -> str:  # type: ignore[no-untyped-def]
        self.mails += 1
        self._kill("MAIL", self.mails)
        envelope.mail_from = address
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, options) -> str:  # type: ignore[no-untyped-def]
        if address == self.refuse_to:
            return "550 5.1.1 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope) -> str:  # type: ignore[no-untyped-def]
        self.seen += 1
        if self.kill == ("DATA", self.seen):
            self.messages.append(
                email.message_from_bytes(envelope.content, policy=email.policy.default)
            )
            self._kill("DATA", self.seen)
            return "250 OK"
        if self.seen == self.fail_on:
            return "451 Requested action aborted: local error in processing"
        if self.seen == self.drop_on:
            self.drop_on = None
            server.transport.close()
            return "421 closing"
        self.messages.append(
            email.message_from_bytes(envelope.content, policy=email.policy.default)
        )
        self.recipients.append(list(envelope.rcpt_tos))
        return "250 OK"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def settings_for(folder: Path) -> EmailSettings:
    manifest = json.loads((folder / "statements" / "statements.json").read_text())
    company = next(entry["client"] for entry in manifest if entry["email"] is None)
    return EmailSettings(
        monthly_to=("partners@firm.example",), client_addresses={company: "ap@company.example"}
    )


def fresh_copy(folder: Path, tmp_path: Path) -> Path:

    target = tmp_path / "month"
    shutil.copytree(folder, target)
    return target


class read_only:
    """The folder made read-only for root too (the immutable attribute), as a read-only
    mount or a full disk would leave it for writing."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def __enter__(self) -> None:
        subprocess.run(["chattr", "+i", str(self.folder)], check=True)

    def __exit__(self, *exc: object) -> None:
        subprocess.run(["chattr", "-i", str(self.folder)], check=True)
