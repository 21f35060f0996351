"""Email the month's PDFs: each address its clients' statements in one message, the
monthly report to its readers, and, when asked, corrected statements.

Every message is recorded in the month's sent record (`reports.store.sent`) before it is
handed over and again with the server's answer, with a copy of it byte for byte, so that
nothing is ever sent twice: a run stopped at any point is run again safely, and a message
whose fate is unknown (`uncertain`) waits for the operator (`--resend KEY`). With SMTP
settings the messages go to the server; without, they are written as `.eml` files into the
month's `outbox/`.

Addresses and subjects are checked before anything is sent: a line break, or anything that
is not one plain address, is refused, so no header can be injected. A domain in another
script (`bücher.example`) is sent in its ASCII form (IDNA, `xn--bcher-kva.example`); an
address whose part before the `@` is not ASCII is refused, as most mail servers cannot take
it. One message refused, by these checks or by the server, never stops the others.

A statement rebuilt after it was sent (a rerun with corrected records or bank details) is
never sent again on its own: it is listed as changed, and `corrections=True` sends it once,
as a correction naming the one it replaces. After sending, each statement's entry in
`statements.json` records the address it went to.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import functools
import io
import mimetypes
import secrets
import smtplib
import ssl
from collections import Counter
from collections.abc import Callable, Iterable
from contextlib import suppress
from dataclasses import dataclass, field
from email.headerregistry import Address
from email.message import EmailMessage
from email.parser import BytesParser
from email.policy import SMTP as SMTP_POLICY
from email.utils import format_datetime
from pathlib import Path

import idna

from reports.approval import require_sendable
from reports.config import Config, SmtpSettings
from reports.errors import DeliveryError, MonthFolderError
from reports.output import atomic_write
from reports.periods import FIRM_ZONE, Month
from reports.render.messages import (
    Addressed,
    NotSent,
    Outgoing,
    compose,
    item_key,
    monthly_items,
    monthly_note,
    statement_items,
)
from reports.render.templates import Templates
from reports.render.templates import day as printed_day
from reports.snapshot import drafted_firm_name
from reports.store.month_folder import MonthFolder, outbox_in
from reports.store.sent import (
    Enclosed,
    SentItem,
    SentMessage,
    SentRecord,
    State,
    ToSend,
    latest_sent,
    sha256,
)
from reports.store.statement_index import read_statement_index, record_sent_to

#: The sender when neither SMTP settings nor the caller name one.
DEFAULT_SENDER = "reports@localhost"

Clock = Callable[[], dt.datetime]


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass(frozen=True)
class Changed:
    """A statement that differs from the one sent to `to` on `sent_at`."""

    client_key: str
    client: str
    to: str
    sent_at: dt.datetime

    def __str__(self) -> str:
        return f"{self.client} ({self.client_key}) to {self.to}"


@dataclass(frozen=True)
class Delivery:
    sent: list[str]
    #: The messages sent by earlier runs that carried what this run would send.
    already_sent: list[str]
    skipped: list[NotSent]  # statements nobody could receive, and why
    refused: list[str]  # messages refused by the header checks or by the server
    outbox: Path
    #: Said once when the monthly report had no recipient.
    monthly_note: str | None = None
    #: Each statement's client key to the address it was sent to (this run or before).
    addresses: dict[str, str] = field(default_factory=dict)
    #: Messages that may or may not have arrived: never sent again without `--resend`.
    uncertain: list[SentMessage] = field(default_factory=list)
    #: Statements that differ from those sent, not sent again (no `corrections`).
    changed: list[Changed] = field(default_factory=list)
    #: Corrections sent this run, one line each.
    corrected: list[str] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        """Whether every message planned went out (now or in an earlier run), none of
        them uncertain."""
        return not self.skipped and not self.refused and not self.uncertain

    def summary(self) -> str:
        """One line: `sent 150, 2 sent before, not sent 8: 6 no address, 2 refused`."""
        line = f"sent {len(self.sent)}"
        if self.corrected:
            line += f" ({len(self.corrected)} corrections)"
        if self.already_sent:
            line += f", {len(self.already_sent)} sent before"
        reasons = Counter(s.reason for s in self.skipped)
        reasons.update({"refused": len(self.refused)} if self.refused else {})
        reasons.update({"uncertain": len(self.uncertain)} if self.uncertain else {})
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
    *,
    resend: Iterable[str] = (),
    corrections: bool = False,
    clock: Clock = utc_now,
) -> Delivery:
    """Send the month's statements and report as `config` says (SMTP, or the outbox), from
    `config.firm` (named `firm` if that is given): only an approved month whose files are
    as approved (`approval.require_sendable`), and only what its sent record does not hold.

    A message recorded as uncertain is sent again only when its key is in `resend`; a
    statement that differs from the one sent is sent, as a correction, only with
    `corrections`."""
    folder = Path(folder)
    require_sendable(folder)
    templates = templates or Templates()
    # The month goes out in the name it was reviewed and approved under (`--firm` given to
    # reports monthly and approve), unless another is given now.
    firm_settings = config.firm.named(firm or drafted_firm_name(MonthFolder.at(folder).data))
    rule = config.delivery.password if config.delivery.encrypt_statements else None
    statements, skipped = statement_items(folder, config.email, firm_settings, rule)
    readers = monthly_items(folder, config.email)
    record = SentRecord(folder)
    wanted = set(resend)
    uncertain = {m.key: m for m in record.uncertain()}
    unknown = sorted(wanted - set(uncertain))
    if unknown:
        raise DeliveryError(
            f"--resend {unknown[0]}: no uncertain message of {month} has this key; "
            f"reports status --month {month} lists them"
        )
    seen = _Seen.of(record, month, readers, wanted)
    pending: dict[str, list[Addressed]] = {"statement": [], "monthly": [], "correction": []}
    replaces: dict[str, str] = {}
    already: list[str] = []
    changed: list[Changed] = []
    for kind, items in (("statement", statements), ("monthly", readers)):
        for item in items:
            step, message = seen.next_step(kind, item)
            if step is Step.SEND:
                pending[kind].append(item)
                continue
            if step is Step.WAIT:
                continue  # uncertain: listed from the record
            already.append(message.key if message is not None else f"before|{item.to}")
            if step is Step.CHANGED and message is not None:
                if corrections:
                    pending["correction"].append(item)
                    replaces[item.attachment.client_key or ""] = day(message.started_at)
                else:
                    client = item.attachment.client_key or ""
                    changed.append(
                        Changed(client, item.attachment.client, item.to, message.started_at)
                    )
    messages: list[Outgoing] = []
    for kind, items in pending.items():
        messages += compose(
            items, kind, str(month), month.label, templates, firm_settings, replaces, rule
        )
    delivery = send(
        messages,
        folder,
        config.smtp,
        record,
        sender=firm_settings.email,
        sender_name=firm_settings.name,
        clock=clock,
        reply_to=config.email.reply_to,
    )
    # `send` appended to `record` as it wrote to its file: it is what the file says now.
    addresses = sent_addresses(record)
    _record_addresses(MonthFolder.at(folder).statement_index, addresses)
    return dataclasses.replace(
        delivery,
        already_sent=sorted(set(already)),
        skipped=skipped,
        monthly_note=monthly_note(config.email),
        addresses=addresses,
        uncertain=record.uncertain(),
        changed=changed,
    )


class Step(enum.Enum):
    """What this run does with one item the month would send."""

    SEND = "send"  # never sent, refused, or an uncertain one the operator resends
    WAIT = "wait"  # uncertain: may have arrived
    ALREADY = "already"  # sent as it is now
    CHANGED = "changed"  # sent, and its statement differs now: a correction, if asked


@dataclass(frozen=True)
class _Seen:
    """What a month's sent record says of the items a run would send."""

    record: SentRecord
    month: Month
    states: dict[str, tuple[State, SentMessage]]
    last: dict[tuple[str, str], tuple[SentItem, SentMessage]]
    resend: frozenset[str]
    #: The readers who have had the month's report: a file added to it since (the workbook,
    #: attached from this version on) is not sent to them alone.
    had_report: frozenset[str]

    @classmethod
    def of(
        cls, record: SentRecord, month: Month, readers: list[Addressed], resend: set[str]
    ) -> _Seen:
        had_report = {
            m.to
            for m in record.messages.values()
            if m.kind == "monthly" and record.state(m) is State.SENT
        } | {item.to for item in readers if record.sent_before(_legacy_key(month, item))}
        return cls(
            record,
            month,
            record.item_states(),
            latest_sent(record),
            frozenset(resend),
            frozenset(had_report),
        )

    def next_step(self, kind: str, item: Addressed) -> tuple[Step, SentMessage | None]:
        """The step for `item` of `kind`, with the message that decided it (for a changed
        statement, the one it was last sent in)."""
        state, message = self.states.get(
            item_key(str(self.month), kind, item.to, item.attachment), (None, None)
        )
        if kind == "monthly" and state is None and item.to in self.had_report:
            return Step.ALREADY, None
        if state is State.UNCERTAIN and message is not None:
            return (Step.SEND if message.key in self.resend else Step.WAIT), message
        if state is not State.SENT and not self.record.sent_before(_legacy_key(self.month, item)):
            return Step.SEND, None
        sent = self.last.get((item.attachment.client_key or "", item.to))
        if sent is None or sent[0].statement_sha256 == item.attachment.digest:
            return Step.ALREADY, message
        correction = item_key(str(self.month), "correction", item.to, item.attachment)
        state, corrected = self.states.get(correction, (None, None))
        if state is State.UNCERTAIN and corrected is not None and corrected.key not in self.resend:
            return Step.WAIT, corrected
        return Step.CHANGED, sent[1]


def _legacy_key(month: Month, item: Addressed) -> str:
    """The item's key in the record kept before `sent/` (`outbox/sent.jsonl`)."""
    return f"{month.label}|{item.to}|{item.attachment.path.name}"


def sent_addresses(record: SentRecord) -> dict[str, str]:
    """Each client key to the address its statement was last sent to."""
    return {
        item.client_key: check_address("address", message.to)
        for item, message in latest_sent(record).values()
        if item.client_key
    }


def day(moment: dt.datetime) -> str:
    """`02 Nov 2026`: the firm's local day of `moment`."""
    return printed_day(moment.astimezone(FIRM_ZONE).date())


def _record_addresses(index: Path, addresses: dict[str, str]) -> None:
    """The statement index with each statement's `sent_to`: the address it went to, or
    null. The sent record is what counts: a failure to write this copy is no failure to
    send."""
    with suppress(OSError, MonthFolderError):
        record_sent_to(index, addresses)


def changes_since_sent(folder: str | Path) -> list[Changed]:
    """The month's statements that differ from those sent (a rebuild after sending)."""
    folder = Path(folder)
    index = MonthFolder.at(folder).statement_index
    record = SentRecord(folder)
    if not record.messages or not index.is_file():
        return []
    digests = {entry.key: entry.sha256 for entry in read_statement_index(index)}
    return [
        Changed(key, item.client, to, message.started_at)
        for (key, to), (item, message) in latest_sent(record).items()
        if key in digests and digests[key] != item.statement_sha256
    ]


def describe_changes(changed: list[Changed], month: Month | str) -> str:
    """`3 statements differ from those sent on 02 Nov 2026: A (key) to a@b, ...`."""
    days = sorted({day(c.sent_at) for c in changed})
    noun = "statement differs" if len(changed) == 1 else "statements differ"
    listed = "; ".join(str(c) for c in changed[:10])
    more = f"; and {len(changed) - 10} more" if len(changed) > 10 else ""
    return (
        f"{len(changed)} {noun} from those sent on {' and '.join(days)}: {listed}{more}. "
        f"Nothing is sent again on its own: once the month is approved, reports email "
        f"--month {month} --corrections sends each as a corrected statement"
    )


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


@dataclass(frozen=True)
class Built:
    """A message ready to hand over: its bytes, and each attachment's bytes as attached."""

    outgoing: Outgoing
    message: EmailMessage
    attached: tuple[bytes, ...]


#: Content types by file name, with the workbook's known wherever the system's own table
#: (/etc/mime.types) lacks it, as Python's built-in one does.
_TYPES = mimetypes.MimeTypes()
_TYPES.add_type("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", ".xlsx")


def content_type(name: str) -> str:
    """A file's content type by its name: `application/pdf` for a statement."""
    return _TYPES.guess_type(name, strict=False)[0] or "application/octet-stream"


def build_message(
    outgoing: Outgoing,
    sender: str,
    sender_name: str = "",
    now: dt.datetime | None = None,
    reply_to: str | None = None,
) -> Built:
    """The message with its headers checked: `Date`, a `Message-ID` at the sender's domain
    (the same on each attempt, so that mail systems that de-duplicate drop a resend),
    `From` with the firm's name shown, and `Reply-To` when given. Its text and HTML parts
    are alternatives of one another (multipart/alternative), and its files (PDFs, the
    monthly workbook) follow them (multipart/mixed), each as its own type."""
    message = EmailMessage(policy=SMTP_POLICY)
    username, _, domain = sender.rpartition("@")
    message["From"] = (
        Address(
            display_name=check_header("firm name", sender_name), username=username, domain=domain
        )
        if sender_name
        else sender
    )
    whose = (
        f"statement of {', '.join(outgoing.client_keys)}"
        if outgoing.client_keys
        else f"recipient of {', '.join(a.name for a in outgoing.attachments)}"
    )
    message["To"] = check_address(f"address for the {whose}", outgoing.to)
    message["Subject"] = check_header(f"subject for {outgoing.to}", outgoing.subject)
    message["Date"] = format_datetime((now or utc_now()).astimezone(dt.UTC))
    message["Message-ID"] = f"<{outgoing.key}.{outgoing.month or 'report'}@{domain}>"
    if outgoing.cc:
        message["Cc"] = ", ".join(
            check_address(f"copy address for the {whose}", address) for address in outgoing.cc
        )
    if reply_to:
        message["Reply-To"] = check_address("reply-to address ([email] reply_to)", reply_to)
    message.set_content(outgoing.body, cte=_transfer_encoding(outgoing.body))
    if outgoing.html:
        message.add_alternative(
            outgoing.html, subtype="html", cte=_transfer_encoding(outgoing.html)
        )
    attached = []
    for attachment in outgoing.attachments:
        try:
            content = attachment.path.read_bytes()
        except OSError as error:
            raise DeliveryError(f"cannot attach {attachment.path}: {error.strerror}") from None
        if attachment.password is not None:
            content = encrypted(content, attachment.password.reveal())
        maintype, _, subtype = content_type(attachment.name).partition("/")
        message.add_attachment(
            content, maintype=maintype, subtype=subtype, filename=attachment.name
        )
        attached.append(content)
    return Built(outgoing, message, tuple(attached))


def _recipients(message: EmailMessage) -> list[str]:
    """The message's `To` and then each `Cc`, as checked into its headers (a domain in
    another script as IDNA): the envelope's recipients."""
    copies = str(message["Cc"]) if message["Cc"] else ""
    return [str(message["To"]), *(a.strip() for a in copies.split(",") if a.strip())]


def _transfer_encoding(text: str) -> str:
    """7bit for ASCII text in short lines, else quoted-printable: never base64, which the
    email module picks for text mostly outside ASCII and which spam filters count against a
    text part ("disguised")."""
    if text.isascii() and all(len(line) <= 78 for line in text.splitlines()):
        return "7bit"
    return "quoted-printable"


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


def deliver(
    messages: Iterable[Outgoing],
    month_folder: str | Path,
    smtp: SmtpSettings | None,
    skipped: list[NotSent] | None = None,
    sender: str | None = None,
    *,
    sender_name: str = "",
    clock: Clock = utc_now,
    reply_to: str | None = None,
) -> Delivery:
    """Send (or, without `smtp`, write to the outbox) every message whose items the sent
    record does not hold: not one already sent, nor one that may have been (uncertain)."""
    record = SentRecord(Path(month_folder))
    states = record.item_states()
    pending, already = [], []
    for outgoing in messages:
        if any(
            states.get(item, (None, None))[0] in (State.SENT, State.UNCERTAIN)
            for item in outgoing.items
        ):
            already.append(outgoing.to)
        else:
            pending.append(outgoing)
    delivery = send(pending, Path(month_folder), smtp, record, sender, sender_name, clock, reply_to)
    return dataclasses.replace(
        delivery,
        already_sent=already,
        skipped=skipped or [],
        uncertain=record.uncertain(),
        addresses=sent_addresses(record),
    )


def send(
    messages: Iterable[Outgoing],
    month_folder: Path,
    smtp: SmtpSettings | None,
    record: SentRecord,
    sender: str | None = None,
    sender_name: str = "",
    clock: Clock = utc_now,
    reply_to: str | None = None,
) -> Delivery:
    """Hand each message over, recording it before and after (see `reports.store.sent`)."""
    from_address = check_address("sender", smtp.sender if smtp else (sender or DEFAULT_SENDER))
    parcels: list[_Parcel] = []
    refused: list[str] = []
    now = clock()
    for outgoing in messages:  # every header is checked before anything is sent
        try:
            item = build_message(outgoing, from_address, sender_name, now, reply_to)
        except DeliveryError as error:
            refused.append(str(error))
            continue
        content = item.message.as_bytes()
        enclosed = tuple(
            Enclosed(key, a.client_key, a.client, a.name, attached, a.digest)
            for key, a, attached in zip(
                outgoing.items[: len(outgoing.attachments)],
                outgoing.attachments,
                item.attached,
                strict=True,
            )
        )
        parcel = ToSend(
            outgoing.key, outgoing.to, outgoing.subject, outgoing.kind, content, enclosed
        )
        parcels.append(_Parcel(parcel, _recipients(item.message)))
    return _hand_over_all(parcels, month_folder, smtp, record, from_address, clock, refused)


def resend_kept(
    messages: Iterable[SentMessage],
    month_folder: Path,
    smtp: SmtpSettings | None,
    record: SentRecord,
    clock: Clock = utc_now,
) -> Delivery:
    """Hand over again, byte for byte as kept in the sent record (its `Date` and
    `Message-ID` too), each of `messages`: uncertain ones the operator has checked did not
    arrive. A message whose kept copy is missing or altered is refused, not rebuilt."""
    parcels: list[_Parcel] = []
    refused: list[str] = []
    for message in messages:
        try:
            content = (month_folder / message.eml).read_bytes()
        except OSError as error:
            refused.append(f"{message.to}: its kept copy {message.eml} cannot be read ({error})")
            continue
        if sha256(content) != message.eml_sha256:
            refused.append(f"{message.to}: its kept copy {message.eml} changed since it was kept")
            continue
        kept = BytesParser(EmailMessage, policy=SMTP_POLICY).parsebytes(content)
        parcel = ToSend(message.key, message.to, message.subject, message.kind, content, ())
        parcels.append(_Parcel(parcel, _recipients(kept)))
    sender = check_address("sender", smtp.sender) if smtp else DEFAULT_SENDER
    return _hand_over_all(parcels, month_folder, smtp, record, sender, clock, refused)


@dataclass(frozen=True)
class _Parcel:
    """A message's bytes as recorded, and the envelope's recipients."""

    send: ToSend
    recipients: list[str]


def _hand_over_all(
    parcels: list[_Parcel],
    month_folder: Path,
    smtp: SmtpSettings | None,
    record: SentRecord,
    from_address: str,
    clock: Clock,
    refused: list[str],
) -> Delivery:
    """Record each parcel as `sending`, hand it over (SMTP, or the outbox), and record how
    it went: the `Delivery` of them all."""
    outbox = outbox_in(month_folder)
    sent: list[str] = []
    corrected: list[str] = []

    def hand_over(parcel: _Parcel, deliver_one: Callable[[list[str], bytes], str]) -> None:
        message = parcel.send
        record.begin(message, clock())
        try:
            reply = deliver_one(parcel.recipients, message.content)
        except _Refused as refusal:
            refused.append(f"{message.to}: the server refused it ({refusal})")
            _finish(record, message, State.REFUSED, str(refusal), clock)
            return
        _finish(record, message, State.SENT, reply, clock)
        sent.append(message.to)
        if message.kind == "correction":
            corrected.append(message.to)

    def result() -> Delivery:
        return Delivery(sent, [], [], refused, outbox, corrected=corrected)

    if smtp is None:
        for parcel in parcels:
            name = f"{parcel.send.key}.eml"

            def to_outbox(to: list[str], content: bytes, name: str = name) -> str:
                atomic_write(outbox / name, lambda path: path.write_bytes(content))
                return f"{outbox.name}/{name}"

            try:
                hand_over(parcel, to_outbox)
            except OSError as error:
                raise DeliveryError(
                    f"cannot write the message to {parcel.send.to} into {outbox} "
                    f"({error.strerror or error}): it is recorded as uncertain; stopped after "
                    f"{len(sent)} of {len(parcels)} messages"
                ) from None
        return result()
    if not parcels:
        return result()
    try:
        with _connect(smtp) as server:
            over_smtp = functools.partial(_smtp_hand_over, server, from_address)
            for parcel in parcels:
                hand_over(parcel, over_smtp)
    except _Uncertain as error:
        raise DeliveryError(
            f"email stopped after {len(sent)} of {len(parcels)} messages: the connection was "
            f"lost while the message to {error.to} was handed over ({error}), so it may have "
            "arrived: it is recorded as uncertain and is not sent again on its own. Run "
            "reports email again to send the rest; reports status lists what is uncertain"
        ) from None
    except (smtplib.SMTPException, OSError) as error:
        raise DeliveryError(
            f"email stopped after {len(sent)} of {len(parcels)} messages: {type(error).__name__}: "
            f"{error}; run reports email again to send the rest (nothing is sent twice)"
        ) from None
    return result()


def _finish(record: SentRecord, outgoing: ToSend, state: State, detail: str, clock: Clock) -> None:
    try:
        record.finish(outgoing.key, state, detail, clock())
    except OSError as error:
        raise DeliveryError(
            f"the message to {outgoing.to} was handed over, but its outcome could not be "
            f"recorded ({error.strerror or error}): it is uncertain and is not sent again on "
            f"its own; stopped here. Make {record.folder} writable (or free disk space), then "
            "reports status lists it"
        ) from None


class _Refused(Exception):
    """The server said no to this message: it was not sent, and the others still go."""


class _Uncertain(Exception):
    """The connection failed while the message's data was being handed over."""

    def __init__(self, to: str, cause: BaseException) -> None:
        super().__init__(f"{type(cause).__name__}: {cause}")
        self.to = to


def _smtp_hand_over(server: smtplib.SMTP, sender: str, to: list[str], content: bytes) -> str:
    """MAIL, an RCPT for each recipient (its `To`, then any `Cc`) and DATA for one message:
    the server's reply to its data (`250 OK`); a refusal before or at DATA (of any
    recipient: the message goes to all or none) is `_Refused`, a connection lost once the
    data went is `_Uncertain`."""
    server.ehlo_or_helo_if_needed()
    code, reply = server.mail(sender)
    if code != 250:
        server.rset()
        raise _Refused(f"{code} {_text(reply)}")
    for recipient in to:
        code, reply = server.rcpt(recipient)
        if code not in (250, 251):
            server.rset()
            raise _Refused(f"{code} {_text(reply)}")
    try:
        code, reply = server.data(content)
    except smtplib.SMTPDataError as error:  # DATA itself refused: nothing was handed over
        server.rset()
        raise _Refused(f"{error.smtp_code} {_text(error.smtp_error)}") from None
    except (smtplib.SMTPServerDisconnected, OSError) as error:
        raise _Uncertain(to[0], error) from None
    if code != 250:
        server.rset()
        raise _Refused(f"{code} {_text(reply)}")
    return f"{code} {_text(reply)}"


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
