"""The month's email messages, rendered from the email templates: each client its statement,
the monthly report to its readers. `reports.delivery.email` sends them.

Before a statement is planned, `statements.json` is checked: each client key owns one file,
and each file still holds the bytes rendered for that client (its SHA-256), so that no
client is ever sent another client's statement.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from reports.config import EmailSettings
from reports.errors import DeliveryError, TemplateError
from reports.render.pdf import file_digest
from reports.render.templates import Templates
from reports.text import mail_text


@dataclass(frozen=True)
class Outgoing:
    key: str  # stable across runs: month, recipient and attachment
    to: str
    subject: str
    body: str
    attachment: Path


@dataclass(frozen=True)
class Plan:
    messages: list[Outgoing]
    skipped: list[str]  # statements nobody could receive, and why


def _render(templates: Templates, name: str, context: dict[str, object]) -> tuple[str, str]:
    text = templates.render(name, **context)
    first, _, body = text.partition("\n")
    if not first.startswith("Subject: "):
        raise TemplateError(f"template {name} must start with a 'Subject: ' line")
    # Control characters from the APIs (a NUL in a name) have no place in a text part.
    return mail_text(first.removeprefix("Subject: ").strip()), mail_text(body.lstrip("\n"))


def plan_messages(
    month_folder: str | Path,
    month_label: str,
    settings: EmailSettings,
    templates: Templates | None = None,
    firm: str = "",
) -> Plan:
    """Messages for the PDFs in `month_folder` (as `reports pdf` wrote them)."""
    folder = Path(month_folder)
    templates = templates or Templates()
    manifest_path = folder / "statements" / "statements.json"
    if not manifest_path.exists():
        raise DeliveryError(f"no statements in {folder}: run `reports pdf` for this month first")
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    check_statements(manifest, folder / "statements")
    names = [entry["client"] for entry in manifest]
    messages, skipped = [], []
    firm = firm or "Your adviser"
    for entry in manifest:
        address = entry.get("email") or settings.client_addresses.get(entry["key"])
        if not address and names.count(entry["client"]) > 1:
            skipped.append(
                f"{entry['client']} ({entry['key']}): no email address, and {names.count(entry['client'])} "
                f"clients share this name: add it under [email.client_addresses] as "
                f'"{entry["key"]}" = "address"'
            )
            continue
        address = address or settings.client_addresses.get(entry["client"])
        if not address:
            skipped.append(
                f"{entry['client']}: no email address (add it under [email.client_addresses])"
            )
            continue
        attachment = folder / "statements" / entry["path"]
        subject, body = _render(
            templates,
            "email/statement.txt",
            {
                "firm": firm,
                "client": entry["client"],
                "month_label": month_label,
                "period_end": month_label,
                "outstanding": entry.get("outstanding", ""),
            },
        )
        messages.append(
            Outgoing(
                f"{month_label}|{address}|{attachment.name}", address, subject, body, attachment
            )
        )
    monthly = sorted(folder.glob("report-*.pdf"))
    if settings.monthly_to and not monthly:
        raise DeliveryError(f"no monthly report PDF in {folder}: run `reports pdf` first")
    for address in settings.monthly_to:
        subject, body = _render(
            templates, "email/monthly.txt", {"firm": firm, "month_label": month_label}
        )
        messages.append(
            Outgoing(
                f"{month_label}|{address}|{monthly[0].name}", address, subject, body, monthly[0]
            )
        )
    return Plan(messages, skipped)


def check_statements(manifest: list[dict[str, str]], folder: Path) -> None:
    """Every statement's file is its own and holds what was rendered for its client.

    `statements.json` binds each client key to one file and that file's SHA-256: two keys
    naming one file, or a file whose bytes changed since, stop delivery before anything is
    sent, so that no client is sent another client's statement.
    """
    owners: dict[str, str] = {}
    for entry in manifest:
        key, name = entry["key"], entry["path"]
        if Path(name).name != name:
            raise DeliveryError(f"statements.json: {name!r} is not a file name in {folder}")
        other = owners.setdefault(name.lower(), key)
        if other != key:
            raise DeliveryError(
                f"statements.json gives clients {other!r} and {key!r} the same file {name}: "
                "refusing to send either; run `reports pdf` for this month again"
            )
        path = folder / name
        if not path.exists():
            raise DeliveryError(f"statement {path} of client {key!r} is missing: run `reports pdf`")
        if "sha256" in entry and file_digest(path) != entry["sha256"]:
            raise DeliveryError(
                f"statement {path} is not the one rendered for client {key!r} (its contents "
                "changed): run `reports pdf` for this month again"
            )
