"""Email the month's PDFs: each client its statement, the monthly report to its readers.

One message per recipient, a short text body from a template, the PDF attached. With SMTP
settings the messages go to the server; without, they are written as `.eml` files into the
month's `outbox/`. Either way `outbox/sent.jsonl` records each message as it leaves, so a
run stopped halfway can be run again: it sends what was missed and nothing twice. (A crash
in the instant between the server accepting a message and the record being written would
send that one message again; its `Message-ID` is the same both times, so mail systems that
de-duplicate will drop it.)

Addresses and subjects are checked before anything is sent: a line break, or anything that
is not one plain address, is refused, so no header can be injected. A domain in another
script (`bücher.example`) is sent in its ASCII form (IDNA, `xn--bcher-kva.example`); an
address whose part before the `@` is not ASCII is refused, as most mail servers cannot take
it. One message refused, by these checks or by the server, never stops the others.

After sending, each statement's entry in `statements.json` records the address it went to.
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import json
import os
import secrets
import smtplib
import ssl
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP as SMTP_POLICY
from pathlib import Path

import idna

from reports.approval import require_sendable
from reports.config import Config, SmtpSettings
from reports.errors import DeliveryError
from reports.output import atomic_write
from reports.periods import Month
from reports.render.messages import NotSent, Outgoing, plan_messages
from reports.render.templates import Templates

LEDGER = "sent.jsonl"


@dataclass(frozen=True)
class Delivery:
    sent: list[str]
    already_sent: list[str]
    skipped: list[NotSent]  # statements nobody could receive, and why
    refused: list[str]  # messages refused by the header checks or by the server
    outbox: Path
    #: Said once when the monthly report had no recipient.
    monthly_note: str | None = None
    #: Each statement's client key to the address it was sent to (this run or before).
    addresses: dict[str, str] = field(default_factory=dict)

    @property
    def complete(self) -> bool:
        """Whether every message planned went out (now or in an earlier run)."""
        return not self.skipped and not self.refused

    def summary(self) -> str:
        """One line: `sent 150, 2 sent before, not sent 8: 6 no address, 2 refused`."""
        line = f"sent {len(self.sent)}"
        if self.already_sent:
            line += f", {len(self.already_sent)} sent before"
        reasons = Counter(s.reason for s in self.skipped)
        reasons.update({"refused": len(self.refused)} if self.refused else {})
        if reasons:
            counts = ", ".join(f"{count} {reason}" for reason, count in reasons.items())
            line += f", not sent {sum(reasons.values())}: {counts}"
        return line


def deliver_month(
    folder: str | Path,
    month: Month,
    config: Config,
    templates: Templates | None = None,
    firm: str = "",
) -> Delivery:
    """Send the month's statements and report as `config` says (SMTP, or the outbox), from
    `config.firm` (named `firm` if that is given): only an approved month whose files are
    as approved (`approval.require_sendable`)."""
    require_sendable(Path(folder))
    rule = config.delivery.password if config.delivery.encrypt_statements else None
    plan = plan_messages(
        folder, month.label, config.email, templates, config.firm.named(firm), rule
    )
    delivery = deliver(plan.messages, folder, config.smtp, plan.skipped)
    record_addresses(Path(folder) / "statements", delivery.addresses)
    return dataclasses.replace(delivery, monthly_note=plan.monthly_note)


def record_addresses(statements: Path, addresses: dict[str, str]) -> None:
    """`statements.json` with each statement's `sent_to`: the address it went to, or null."""
    path = statements / "statements.json"
    manifest = json.loads(path.read_text(encoding="utf-8"))
    for entry in manifest:
        entry["sent_to"] = addresses.get(entry["key"])
    text = json.dumps(manifest, indent=2, ensure_ascii=False)
    atomic_write(path, lambda target: target.write_text(text, encoding="utf-8"))


def check_header(field: str, value: str) -> str:
    if any(ch in value for ch in "\r\n\x00"):
        raise DeliveryError(f"{field} {value!r} contains a line break: refused (header injection)")
    return value


def check_address(field: str, value: str) -> str:
    """`value` as one plain address to put in a header, its domain in ASCII (IDNA); a
    DeliveryError saying what is wrong with it otherwise."""
    check_header(field, value)
    if not value.strip().rpartition("@")[0].isascii():
        raise DeliveryError(
            f"{field} {value!r} has letters outside ASCII before the @, which most mail "
            "servers refuse: give the client's ASCII address"
        )
    try:
        address = Address(addr_spec=value.strip())
    except (ValueError, IndexError) as error:
        raise DeliveryError(f"{field} {value!r} is not one plain email address: {error}") from None
    if not address.username or not address.domain or "," in value or ";" in value:
        raise DeliveryError(f"{field} {value!r} is not one plain email address")
    try:
        domain = idna.encode(address.domain, uts46=True).decode("ascii")
    except idna.IDNAError as error:
        raise DeliveryError(f"{field} {value!r}: its domain is not valid ({error})") from None
    return f"{address.username}@{domain}"


def build_message(outgoing: Outgoing, sender: str) -> EmailMessage:
    message = EmailMessage(policy=SMTP_POLICY)
    message["From"] = check_address("sender", sender)
    whose = (
        f"statement of {outgoing.client_key}"
        if outgoing.client_key
        else f"recipient of {outgoing.attachment.name}"
    )
    message["To"] = check_address(f"address for the {whose}", outgoing.to)
    message["Subject"] = check_header(f"subject for {outgoing.to}", outgoing.subject)
    digest = hashlib.sha256(outgoing.key.encode()).hexdigest()[:32]
    message["Message-ID"] = f"<{digest}@reports.invalid>"
    message.set_content(outgoing.body)
    try:
        content = outgoing.attachment.read_bytes()
    except OSError as error:
        raise DeliveryError(f"cannot attach {outgoing.attachment}: {error.strerror}") from None
    if outgoing.password is not None:
        content = encrypted(content, outgoing.password.reveal())
    message.add_attachment(
        content,
        maintype="application",
        subtype="pdf",
        filename=outgoing.attachment_name or outgoing.attachment.name,
    )
    return message


def encrypted(pdf: bytes, password: str) -> bytes:
    """`pdf` encrypted with AES-256 (PDF 2.0's standard security handler): it opens with
    `password`; its owner password is random and kept nowhere, so nobody can lift the
    protection with one."""
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf)))
    writer.encrypt(
        user_password=password, owner_password=secrets.token_urlsafe(32), algorithm="AES-256"
    )
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def _ledger(outbox: Path) -> set[str]:
    path = outbox / LEDGER
    if not path.exists():
        return set()
    keys = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            keys.add(json.loads(line)["key"])
    return keys


def _record(outbox: Path, key: str, how: str) -> None:
    with (outbox / LEDGER).open("a", encoding="utf-8") as handle:
        handle.write(json.dumps({"key": key, "via": how}) + "\n")
        handle.flush()
        os.fsync(handle.fileno())


def deliver(
    messages: Iterable[Outgoing],
    month_folder: str | Path,
    smtp: SmtpSettings | None,
    skipped: list[NotSent] | None = None,
    sender: str | None = None,
) -> Delivery:
    """Send (or, without `smtp`, write to the outbox) every message not sent before."""
    outbox = Path(month_folder) / "outbox"
    outbox.mkdir(parents=True, exist_ok=True)
    done = _ledger(outbox)
    messages = list(messages)
    pending = [m for m in messages if m.key not in done]
    already = [m.to for m in messages if m.key in done]
    from_address = check_address("sender", smtp.sender if smtp else (sender or "reports@localhost"))
    built, refused = [], []
    for outgoing in pending:  # every header is checked before anything is sent
        try:
            built.append((outgoing, build_message(outgoing, from_address)))
        except DeliveryError as error:
            refused.append(str(error))
    sent: list[str] = []
    addresses = {m.client_key: m.to for m in messages if m.client_key and m.key in done}

    def done_with(outgoing: Outgoing, message: EmailMessage) -> None:
        sent.append(outgoing.to)
        if outgoing.client_key:
            addresses[outgoing.client_key] = str(message["To"])

    if smtp is None:
        for outgoing, message in built:
            name = hashlib.sha256(outgoing.key.encode()).hexdigest()[:16] + ".eml"
            content = message.as_bytes()
            atomic_write(outbox / name, lambda path: path.write_bytes(content))  # noqa: B023
            _record(outbox, outgoing.key, f"outbox/{name}")
            done_with(outgoing, message)
        return Delivery(sent, already, skipped or [], refused, outbox, addresses=addresses)
    if not built:
        return Delivery(sent, already, skipped or [], refused, outbox, addresses=addresses)
    try:
        with _connect(smtp) as server:
            for outgoing, message in built:
                try:
                    server.send_message(message)
                except _REFUSALS as error:  # this message only: the others still go
                    refused.append(f"{outgoing.to}: the server refused it ({_server_says(error)})")
                    continue
                _record(outbox, outgoing.key, f"smtp {smtp.host}")
                done_with(outgoing, message)
    except (smtplib.SMTPException, OSError) as error:
        raise DeliveryError(
            f"email stopped after {len(sent)} of {len(built)} messages: {type(error).__name__}: {error}; "
            "run `reports email` again to send the rest (nothing is sent twice)"
        ) from None
    return Delivery(sent, already, skipped or [], refused, outbox, addresses=addresses)


#: What a server says about one message (a recipient or its content refused), as opposed to
#: the connection failing: the run goes on with the next message.
_REFUSALS = (
    smtplib.SMTPRecipientsRefused,
    smtplib.SMTPSenderRefused,
    smtplib.SMTPDataError,
    smtplib.SMTPNotSupportedError,
)


def _server_says(error: smtplib.SMTPException) -> str:
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        codes = [
            f"{code} {reply.decode(errors='replace')}" for code, reply in error.recipients.values()
        ]
        return "; ".join(codes)
    if isinstance(error, smtplib.SMTPResponseException):
        return f"{error.smtp_code} {_text(error.smtp_error)}"
    return str(error)


def _text(reply: bytes | str) -> str:
    return reply.decode(errors="replace") if isinstance(reply, bytes) else reply


def _connect(smtp: SmtpSettings) -> smtplib.SMTP:
    context = ssl.create_default_context()
    if smtp.security == "tls":
        server: smtplib.SMTP = smtplib.SMTP_SSL(smtp.host, smtp.port, context=context, timeout=30)
    else:
        server = smtplib.SMTP(smtp.host, smtp.port, timeout=30)
        if smtp.security == "starttls":
            server.starttls(context=context)
    if smtp.user and smtp.password:
        server.login(smtp.user, smtp.password.reveal())
    return server
