"""Sending a month as a firm's cron does: `reports monthly`, `approve`, `email`, then a
rerun after the bank details changed. What was sent stays as sent; the statements that
now differ are named, and sent once as corrections only when asked (`--corrections`);
a message whose fate is unknown waits for `--resend`. The command line as a user runs it,
against the sandbox and a real SMTP server."""

from __future__ import annotations

import email
import email.policy
import hashlib
import json
import re
import shutil
from pathlib import Path

import pytest

from reports.sandbox import Sandbox
from reports.sandbox.generate import Sizes
from reports.store.sent import SentRecord
from tests.conftest import MakeSandbox
from tests.delivery.mail import Inbox, read_only
from tests.helpers import invoke

MONTH = "2026-10"
SMALL = Sizes(mobility_cases=8, plannr_cases=4, plannr_clients=4, willsuite_cases=14)
SETTINGS = """
[firm]
name = "Corrections & Co"
payment_details = "{bank}"
[email]
monthly_to = ["partners@firm.example"]
"""
OLD_BANK = "Bank of Sandbox, sort code 00-11-22, account 12345678"
NEW_BANK = "Bank of Sandbox, sort code 33-44-55, account 87654321"


def reports(
    folder: Path, server: Sandbox, *args: str, bank: str = OLD_BANK, extra: str = ""
) -> tuple[int, str, str]:
    settings = SETTINGS.format(bank=bank) + addresses(folder) + extra
    (folder / "reports.toml").write_text(settings, encoding="utf-8")
    result = invoke(
        [*args, "--month", MONTH, "--out", str(folder / "output")],
        env=server.environment(),
        cwd=folder,
    )
    assert "Traceback" not in result.stderr and "a bug in reports" not in result.stderr
    return result.returncode, result.stdout, result.stderr


def addresses(folder: Path) -> str:
    """An address for each client whose system holds none (the mobility platform's
    companies), once the month has statements."""
    index = folder / "output" / MONTH / "statements" / "statements.json"
    if not index.exists():
        return ""
    lines = [
        f'"{entry["key"]}" = "accounts-{entry["key"]}@client.example"'
        for entry in json.loads(index.read_text())
        if not entry["email"]
    ]
    return "[email.client_addresses]\n" + "\n".join(lines) + "\n"


def outbox(folder: Path) -> dict[str, email.message.EmailMessage]:
    return {
        path.name: email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        for path in sorted((folder / "output" / MONTH / "outbox").glob("*.eml"))
    }


def digests(folder: Path) -> dict[str, str]:
    return {
        str(path.relative_to(folder)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


@pytest.fixture(scope="module")
def server(make_sandbox: MakeSandbox) -> Sandbox:
    return make_sandbox(seed=5, sizes=SMALL)


@pytest.fixture(scope="module")
def approved(server: Sandbox, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("approved")
    for command in (("monthly", "--workers", "2"), ("approve", "--by", "Jo Partner")):
        code, _, stderr = reports(folder, server, *command)
        assert code == 0, stderr
    return folder


def copy_of(approved: Path, tmp_path: Path) -> Path:
    target = tmp_path / "firm"
    shutil.copytree(approved, target)
    return target


def test_a_rerun_after_sending_keeps_what_was_sent_and_corrects_only_on_request(
    approved: Path, server: Sandbox, tmp_path: Path
) -> None:
    folder = copy_of(approved, tmp_path)
    code, stdout, stderr = reports(folder, server, "email")
    assert code == 0, stderr
    first = outbox(folder)
    sent_folder = folder / "output" / MONTH / "sent"
    kept = digests(sent_folder)
    # The bank account changes; the month is rebuilt and approved again.
    code, _, stderr = reports(folder, server, "monthly", "--workers", "2", bank=NEW_BANK)
    assert code == 0, stderr
    said = re.search(
        r"note: (\d+) statements? differs? from those sent on (\d\d \w{3} \d{4})", stderr
    )
    assert said, stderr
    changed = int(said.group(1))
    assert changed > 0
    code, _, stderr = reports(folder, server, "approve", "--by", "Jo Partner", bank=NEW_BANK)
    assert code == 0, stderr
    assert f"{changed} statement" in stderr
    # What was sent is as it was sent, byte for byte.
    assert {k: v for k, v in digests(sent_folder).items() if k in kept} == kept
    for message in SentRecord(folder / "output" / MONTH).messages.values():
        for item in message.items:
            copy = folder / "output" / MONTH / item.copy
            assert hashlib.sha256(copy.read_bytes()).hexdigest() == item.attachment_sha256
    # Without --corrections nothing is sent again, and the run says what differs.
    code, stdout, stderr = reports(folder, server, "email", bank=NEW_BANK)
    assert code == 0, stderr
    assert "sent 0" in stdout and f"{changed} statement" in stderr
    assert "--corrections" in stderr
    assert outbox(folder).keys() == first.keys()
    code, stdout, _ = reports(folder, server, "status", bank=NEW_BANK)
    assert code == 0 and stdout.count(": changed: ") == changed
    # With it, each changed statement goes once, as a correction naming the one it replaces.
    code, stdout, stderr = reports(folder, server, "email", "--corrections", bank=NEW_BANK)
    assert code == 0, stderr
    corrections = {k: m for k, m in outbox(folder).items() if k not in first}
    attached = [p for m in corrections.values() for p in m.iter_attachments()]
    assert len(attached) == changed
    for message in corrections.values():
        assert message["Subject"].startswith("Corrected statement")
        text = message.get_body(preferencelist=("plain",)).get_content()
        assert "replaces the statement we sent on" in text
    code, stdout, stderr = reports(folder, server, "email", "--corrections", bank=NEW_BANK)
    assert code == 0 and "sent 0" in stdout and "differ" not in stderr
    assert len(outbox(folder)) == len(first) + len(corrections)
    code, stdout, _ = reports(folder, server, "status", bank=NEW_BANK)
    assert ": changed: " not in stdout and stdout.count("a correction to") == changed


def test_an_uncertain_message_waits_for_the_operator(
    approved: Path, server: Sandbox, tmp_path: Path, smtp_server
) -> None:
    folder = copy_of(approved, tmp_path)
    inbox = Inbox(drop_on=2)
    smtp = smtp_server(inbox)
    settings = f'[smtp]\nhost = "127.0.0.1"\nport = {smtp.port}\nsecurity = "none"\nfrom = "reports@firm.example"\n'
    code, _, stderr = reports(folder, server, "email", extra=settings)
    assert code == 1 and "may have arrived" in stderr and stderr.count("\n") == 1
    code, stdout, stderr = reports(folder, server, "email", extra=settings)
    assert code == 1, stderr
    (line,) = [line for line in stderr.splitlines() if line.startswith("uncertain: ")]
    key = line.split()[1]
    assert "--resend " + key in line
    before = len(inbox.messages)
    code, stdout, stderr = reports(folder, server, "email", extra=settings)
    assert code == 1 and "sent 0" in stdout and len(inbox.messages) == before
    code, stdout, _ = reports(folder, server, "status", extra=settings)
    assert code == 0 and f": uncertain: {key} handed over to " in stdout
    code, stdout, stderr = reports(folder, server, "email", "--resend", key, extra=settings)
    assert code == 0, stderr
    assert ": sent 1, " in stdout and len(inbox.messages) == before + 1
    code, _, stderr = reports(folder, server, "email", "--resend", key, extra=settings)
    assert code == 1 and "no uncertain message" in stderr


def test_a_read_only_month_is_neither_approved_nor_sent(
    approved: Path, server: Sandbox, tmp_path: Path
) -> None:
    folder = copy_of(approved, tmp_path)
    month = folder / "output" / MONTH
    before = digests(month)
    with read_only(month):
        for command in (("approve", "--by", "Jo Partner"), ("email",)):
            code, _, stderr = reports(folder, server, *command)
            assert code == 1 and stderr.count("\n") == 1, stderr  # one line, before any work
            assert stderr.startswith("error: ") and "unexpected" not in stderr
            assert "make" in stderr and "writable" in stderr
    assert digests(month) == before and not (month / "outbox").exists()
    code, _, stderr = reports(folder, server, "email")
    assert code == 0, stderr
