"""The month's email messages, rendered from the email templates: each client its statement,
the monthly report to its readers. `reports.delivery.email` sends them.

Before a statement is planned, `statements.json` is checked: each client key owns one file,
and each file still holds the bytes rendered for that client (its SHA-256), so that no
client is ever sent another client's statement.
"""

from __future__ import annotations

import copy
import functools
import hashlib
import re
import string
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from reports.config import PASSWORD_FIELDS, EmailSettings, FirmSettings, Secret
from reports.errors import DeliveryError, TemplateError
from reports.render.email_body import Body, Markdown, escape, plain_body, render_body
from reports.render.pdf import file_digest
from reports.render.templates import Templates
from reports.store.month_folder import MonthFolder
from reports.store.statement_index import StatementEntry
from reports.store.statement_index import read_statement_index as stored_statement_index
from reports.text import isolate_direction, mail_text


@dataclass(frozen=True)
class Attachment:
    """A file attached to a message, and what the record keeps of it."""

    path: Path
    #: The name it is attached under.
    name: str
    #: The client whose statement it is; None for the monthly report.
    client_key: str | None = None
    client: str = ""
    #: The SHA-256 of the file as rendered (`statements.json`): a rebuild is compared with it.
    digest: str = ""
    #: The password it is encrypted with (`[delivery] encrypt_statements`); never shown,
    #: logged or written anywhere.
    password: Secret | None = None
    outstanding: str | None = None
    reference: str | None = None
    #: Where the client's account stands: "owed", "settled" or "in credit"; None for an
    #: expenses statement, which asks for no payment.
    standing: str | None = None


@dataclass(frozen=True)
class Outgoing:
    """One message to one address: its subject, text and attachments."""

    to: str
    subject: str
    #: The text part.
    body: str
    attachments: tuple[Attachment, ...]
    #: The month it is for, `YYYY-MM`.
    month: str = ""
    #: What it carries: a client's statements (`statement`), a statement corrected since it
    #: was sent (`correction`), or the monthly report for one of its readers (`monthly`).
    kind: str = "statement"
    #: The HTML part, the same words as `body` (both from one template); none when empty.
    html: str = ""
    #: What a message with nothing attached is about (a reminder's invoices and steps), in
    #: its key: two messages about different things are never taken for one.
    about: tuple[str, ...] = ()
    #: Who else it goes to, in its `Cc` (a reminder's step may copy a partner in).
    cc: tuple[str, ...] = ()

    @property
    def items(self) -> tuple[str, ...]:
        """Each attachment's key, then each of `about`, stable across runs: what the sent
        record counts."""
        attached = tuple(item_key(self.month, self.kind, self.to, a) for a in self.attachments)
        return attached + tuple(f"{self.month}|{self.kind}|{self.to}|{a}" for a in self.about)

    @property
    def key(self) -> str:
        """The message's key, from its items: the same message has the same key each run."""
        return hashlib.sha256("\n".join(sorted(self.items)).encode()).hexdigest()[:16]

    @property
    def client_keys(self) -> tuple[str, ...]:
        return tuple(a.client_key for a in self.attachments if a.client_key)


def item_key(month: str, kind: str, to: str, attachment: Attachment) -> str:
    """`2026-10|statement|a@b.example|<source>-12`; a correction names the version it sends."""
    whose = attachment.client_key or attachment.name
    key = f"{month}|{kind}|{to}|{whose}"
    return f"{key}|{attachment.digest[:16]}" if kind == "correction" else key


@dataclass(frozen=True)
class NotSent:
    """A message that could not be sent: to whom, why in a word (`reason`, counted in the
    run's summary) and in a sentence saying what to fix (`detail`)."""

    who: str
    reason: str
    detail: str

    def __str__(self) -> str:
        return self.detail


@dataclass(frozen=True)
class Plan:
    messages: list[Outgoing]
    skipped: list[NotSent]  # statements nobody could receive, and why
    #: Said once when no one is set to receive the monthly report.
    monthly_note: str | None = None


@dataclass(frozen=True)
class Addressed:
    """One attachment for one address, before messages are made: each address gets one
    message a run for all that is going to it of one kind."""

    to: str
    attachment: Attachment


#: Characters that show nothing (zero-width spaces and joiners, the byte-order mark): two
#: names that differ only by them read as one name.
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"))


def name_key(name: str) -> str:
    """A client name as a reader sees it: one Unicode form (NFKC), no invisible characters,
    spaces collapsed, case folded. "José Ltd" composed, decomposed or with a zero-width
    space all give one key."""
    visible = unicodedata.normalize("NFKC", name).translate(_INVISIBLE)
    return " ".join(visible.split()).casefold()


class Client(Protocol):
    """Whose statement a message carries: a `StatementEntry` of the month's index, or a
    `Statement` as a reminder has it."""

    @property
    def key(self) -> str: ...
    @property
    def client(self) -> str: ...
    @property
    def email(self) -> str | None: ...


def client_address(
    entry: Client, manifest: Sequence[Client], settings: EmailSettings
) -> tuple[str | None, NotSent | None]:
    """The address a statement goes to, or why it has none.

    In order: the client's own address from its system, one configured under its id key
    (`<source>-<id>`), then one configured under its name, which is used only when that name
    is one client's alone as a reader sees it (`name_key`): two clients alike in name (even
    only after Unicode normalisation) get neither, and each is told the id key is needed.
    """
    key, client = entry.key, entry.client
    own = entry.email or settings.client_addresses.get(key)
    if own:
        return own, None
    wanted = name_key(client)
    configured = [name for name in settings.client_addresses if name_key(name) == wanted]
    alike = sorted({e.key for e in manifest if name_key(e.client) == wanted})
    if len(alike) > 1:
        where = f"the address configured for {configured[0]!r}" if configured else "a name"
        return None, NotSent(
            f"{client} ({key})",
            "name shared by several clients",
            f"{client} ({key}): {len(alike)} clients share this name "
            f"({', '.join(alike)}), so {where} is used for none of them: add it under "
            f'[email.client_addresses] by id, as "{key}" = "address"',
        )
    if configured:
        return settings.client_addresses[configured[0]], None
    return None, NotSent(
        client,
        "no address",
        f"{client} ({key}): no email address (add it under [email.client_addresses])",
    )


#: The words a password rule's fields are told to the client in.
_FIELD_WORDS = {"postcode": "postcode", "reference": "reference", "email": "email address"}


def statement_password(rule: str, entry: StatementEntry) -> tuple[Secret | None, str]:
    """The password `rule` gives from a statement's client fields, or None and the first
    field it names that the client has no value for."""
    given = {"postcode": entry.postcode, "reference": entry.reference, "email": entry.email}
    values = {field: (given[field] or "").strip() for field in PASSWORD_FIELDS}
    named = [field for _, field, _, _ in string.Formatter().parse(rule) if field]
    for field in named:
        if not values[field]:
            return None, _FIELD_WORDS[field]
    return Secret(rule.format(**values)), ""


def password_hint(rule: str | None) -> str:
    """What the email tells the client the password is: `your postcode`."""
    if rule is None:
        return ""
    words = {field: f"your {_FIELD_WORDS[field]}" for field in PASSWORD_FIELDS}
    return rule.format(**words)


def _markdown_value(value: object) -> str:
    """How an email template prints a value: escaped as Markdown (`email_body.escape`),
    unless it is Markdown already; bidi controls isolated, as `Templates` does."""
    if isinstance(value, Markdown):
        return value
    return escape(isolate_direction(str(value)))


@functools.lru_cache(maxsize=8)
def _markdown_templates(templates: Templates) -> Templates:
    """`templates` printing every value as Markdown text (`_markdown_value`)."""
    view = copy.copy(templates)
    view.environment = templates.environment.overlay(finalize=_markdown_value)
    return view


def _email_template(templates: Templates, kind: str) -> str:
    """`email/<kind>.md`, or a firm's own `email/<kind>.txt` of before the templates were
    Markdown, used as it is for both parts: the first found, the firm's folder first."""
    for folder in templates.folders:
        for name in (f"email/{kind}.md", f"email/{kind}.txt"):
            if (folder / name).is_file():
                return name
    return f"email/{kind}.md"


def render_email(templates: Templates, kind: str, context: dict[str, object]) -> Body:
    """The email template `kind` (`email/<kind>.md`, the firm's folder first) with
    `context`: its subject and two parts."""
    return _render(templates, _email_template(templates, kind), context)


def _render(templates: Templates, name: str, context: dict[str, object]) -> Body:
    markdown = name.endswith(".md")
    text = (_markdown_templates(templates) if markdown else templates).render(name, **context)
    first, _, body = text.partition("\n")
    if not first.startswith("Subject: "):
        raise TemplateError(f"template {name} must start with a 'Subject: ' line")
    # Control characters from the APIs (a NUL in a name) have no place in a message.
    subject, body = mail_text(first.removeprefix("Subject: ")), mail_text(body.lstrip("\n"))
    return render_body(subject, body) if markdown else plain_body(subject, body)


#: The titles `commentary.briefing` gives its parts, each on a line of its own above it.
_BRIEFING_TITLE = re.compile(
    r"^(Alerts \(\d+\)|Against target|Commentary|This month in brief|Headline figures)\n",
    re.MULTILINE,
)


def _briefing_markdown(briefing: str) -> Markdown:
    """The briefing with each part's title a heading: else a title is one paragraph with
    the firm's commentary under it."""
    return Markdown(_BRIEFING_TITLE.sub(r"### \1\n\n", briefing))


def plan_messages(
    month_folder: str | Path,
    month_label: str,
    settings: EmailSettings,
    templates: Templates | None = None,
    firm: FirmSettings | str = "",
    password_rule: str | None = None,
) -> Plan:
    """Messages for the PDFs in `month_folder` (as `reports pdf` wrote them): one per
    address with all of its clients' statements, and the monthly report to each reader.
    With a `password_rule` (`"{postcode}"`), each statement is to be encrypted with the
    password it gives from the client's own fields, and a client with no value for it is
    not sent."""
    folder = Path(month_folder)
    templates = templates or Templates()
    firm = firm if isinstance(firm, FirmSettings) else FirmSettings(name=firm)
    statements, skipped = statement_items(folder, settings, firm, password_rule)
    messages = compose(
        statements, "statement", folder.name, month_label, templates, firm, None, password_rule
    )
    monthly = monthly_items(folder, settings)
    messages += compose(monthly, "monthly", folder.name, month_label, templates, firm)
    return Plan(messages, skipped, monthly_note(settings))


def monthly_note(settings: EmailSettings) -> str | None:
    """Said once when no one is set to receive the monthly report."""
    if settings.monthly_to:
        return None
    return (
        "the monthly report was not sent: no one is set to receive it "
        "([email] monthly_to, or REPORTS_EMAIL_MONTHLY_TO)"
    )


def read_statement_index(folder: Path) -> tuple[StatementEntry, ...]:
    """The month's statement index, checked (`check_statements`)."""
    month = MonthFolder.at(folder)
    if not month.statement_index.exists():
        raise DeliveryError(f"no statements in {folder}: run `reports pdf` for this month first")
    manifest = stored_statement_index(month.statement_index)
    check_statements(manifest, month.statements)
    return manifest


def statement_items(
    folder: Path,
    settings: EmailSettings,
    firm: FirmSettings,
    password_rule: str | None = None,
) -> tuple[list[Addressed], list[NotSent]]:
    """Each statement with the address it goes to, and the statements nobody can receive."""
    manifest = read_statement_index(folder)
    if manifest and not firm.name:
        raise DeliveryError(
            "no firm name is set, and statements go out in the firm's name: set [firm] name in "
            "reports.toml, REPORTS_FIRM_NAME, or --firm"
        )
    items: list[Addressed] = []
    skipped: list[NotSent] = []
    for entry in manifest:
        address, not_sent = client_address(entry, manifest, settings)
        if address is None:
            assert not_sent is not None
            skipped.append(not_sent)
            continue
        password = None
        if password_rule is not None:
            password, missing = statement_password(password_rule, entry)
            if password is None:
                skipped.append(
                    NotSent(
                        entry.client,
                        "no password",
                        f"{entry.client} ({entry.key}): its statement is to be encrypted "
                        f"with a password from its {missing}, and it has none: add it in its "
                        "system, or change [delivery] password",
                    )
                )
                continue
        path = MonthFolder.at(folder).statements / entry.path
        attachment = Attachment(
            path,
            entry.attachment,
            entry.key,
            entry.client,
            entry.sha256 or file_digest(path),
            password,
            entry.outstanding,
            # What its statement says to quote (a month rendered before there was one: its
            # own reference, as the index reads it).
            entry.payment_reference,
            entry.standing,
        )
        items.append(Addressed(address, attachment))
    return items, skipped


def monthly_items(folder: Path, settings: EmailSettings) -> list[Addressed]:
    """The monthly report for each of its readers, with the month's workbook beside it
    (`[email] attach_workbook`) where one was written: a month built by `reports pdf`
    alone has none, and its PDF still goes."""
    monthly = MonthFolder.at(folder).report_pdfs()
    if settings.monthly_to and not monthly:
        raise DeliveryError(f"no monthly report PDF in {folder}: run `reports pdf` first")
    if not monthly:
        return []
    files = [monthly[0]]
    workbook = monthly[0].with_suffix(".xlsx")
    if settings.attach_workbook and workbook.is_file():
        files.append(workbook)
    attachments = [Attachment(file, file.name, digest=file_digest(file)) for file in files]
    return [
        Addressed(address, attachment)
        for address in settings.monthly_to
        for attachment in attachments
    ]


def compose(
    items: list[Addressed],
    kind: str,
    month: str,
    month_label: str,
    templates: Templates,
    firm: FirmSettings,
    replaces: Mapping[str, str] | None = None,
    password_rule: str | None = None,
) -> list[Outgoing]:
    """One message per address, in the order the addresses first come, carrying all of its
    items; a correction says when the statement it replaces was sent (`replaces`, by client
    key)."""
    by_address: dict[str, list[Attachment]] = {}
    for item in items:
        by_address.setdefault(item.to, []).append(item.attachment)
    messages = []
    for address, attachments in by_address.items():
        text = _message_text(
            kind, attachments, month, month_label, templates, firm, replaces or {}, password_rule
        )
        messages.append(
            Outgoing(
                address, text.subject, text.text, tuple(attachments), month, kind, html=text.html
            )
        )
    return messages


def _message_text(
    kind: str,
    attachments: list[Attachment],
    month: str,
    month_label: str,
    templates: Templates,
    firm: FirmSettings,
    replaces: Mapping[str, str],
    password_rule: str | None,
) -> Body:
    if kind == "monthly":
        opening = MonthFolder.at(attachments[0].path.parent).briefing
        briefing = opening.read_text(encoding="utf-8") if opening.exists() else ""
        alerts = sum(1 for line in briefing.splitlines() if line.startswith("- Alert: "))
        name = _email_template(templates, "monthly")
        return _render(
            templates,
            name,
            {
                "firm": firm,
                "month_label": month_label,
                "briefing": _briefing_markdown(briefing) if name.endswith(".md") else briefing,
                "alerts": alerts,
                # The workbook's file name where it is attached beside the PDF.
                "workbook": next((a.name for a in attachments if a.name.endswith(".xlsx")), None),
            },
        )
    first = attachments[0]
    encrypted = any(a.password is not None for a in attachments)
    return _render(
        templates,
        _email_template(templates, "statement"),
        {
            "firm": firm,
            "statements": attachments,
            "client": first.client,
            "month_label": month_label,
            "period_end": month_label,
            "outstanding": first.outstanding,
            "reference": first.reference,
            "standing": first.standing,
            "password_hint": password_hint(password_rule) if encrypted else None,
            "correction": kind == "correction",
            "replaces": sorted({replaces.get(a.client_key or "", "") for a in attachments} - {""}),
        },
    )


def check_statements(manifest: Sequence[StatementEntry], folder: Path) -> None:
    """Every statement's file is its own and holds what was rendered for its client.

    `statements.json` binds each client key to one file and that file's SHA-256: two keys
    naming one file, or a file whose bytes changed since, stop delivery before anything is
    sent, so that no client is sent another client's statement.
    """
    owners: dict[str, str] = {}
    attached: dict[str, str] = {}
    for entry in manifest:
        key, name = entry.key, entry.path
        if Path(name).name != name:
            raise DeliveryError(f"statements.json: {name!r} is not a file name in {folder}")
        other = owners.setdefault(name.lower(), key)
        if other != key:
            raise DeliveryError(
                f"statements.json gives clients {other!r} and {key!r} the same file {name}: "
                "refusing to send either; run `reports pdf` for this month again"
            )
        label = entry.attachment
        other = attached.setdefault(label.casefold(), key)
        if other != key or Path(label).name != label:
            raise DeliveryError(
                f"statements.json: the attachment name {label!r} of client {key!r} is not its "
                "own; run `reports pdf` for this month again"
            )
        path = folder / name
        if not path.exists():
            raise DeliveryError(f"statement {path} of client {key!r} is missing: run `reports pdf`")
        if entry.sha256 is not None and file_digest(path) != entry.sha256:
            raise DeliveryError(
                f"statement {path} is not the one rendered for client {key!r} (its contents "
                "changed): run `reports pdf` for this month again"
            )
