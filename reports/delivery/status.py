"""What became of a month's messages (`reports status`): per client, what was sent, when
and to whom, and what is pending, uncertain, or changed since it was sent."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from reports.approval import read_manifest
from reports.config import Config
from reports.errors import DeliveryError
from reports.periods import Month
from reports.render.messages import client_address
from reports.render.templates import day
from reports.store.month_folder import MonthFolder
from reports.store.sent import SentMessage, SentRecord, State
from reports.store.statement_index import StatementEntry, read_statement_index


@dataclass(frozen=True)
class ClientStatus:
    client: str
    key: str
    #: `sent`, `changed`, `uncertain`, `refused`, `pending`, `draft` or `no address`.
    state: str
    detail: str

    def line(self) -> str:
        return f"{self.client} ({self.key}): {self.state}: {self.detail}"


@dataclass(frozen=True)
class MonthStatus:
    month: Month
    approval: str
    clients: tuple[ClientStatus, ...]
    readers: tuple[str, ...]

    def lines(self) -> list[str]:
        counts: dict[str, int] = {}
        for client in self.clients:
            counts[client.state] = counts.get(client.state, 0) + 1
        summary = ", ".join(f"{count} {state}" for state, count in counts.items())
        head = f"{self.month}: {self.approval}; {len(self.clients)} statements"
        return (
            [f"{head}: {summary}" if summary else head]
            + [c.line() for c in self.clients]
            + list(self.readers)
        )


def _when(message: SentMessage) -> str:
    """When it was handed over, in the firm's time: `02 Nov 2026 09:30`."""
    return day(message.started_at)


def month_status(folder: Path, month: Month, config: Config) -> MonthStatus:
    """The month's statements (`statements.json`) against its sent record."""
    index = MonthFolder.at(folder).statement_index
    if not index.is_file():
        raise DeliveryError(
            f"{folder} holds no statements: run reports monthly --month {month} first"
        )
    manifest = read_manifest(folder)
    approved = manifest is not None and manifest.sendable
    approval = manifest.stamp.label if manifest is not None else "no manifest"
    entries = read_statement_index(index)
    record = SentRecord(folder)
    by_client: dict[str, list[SentMessage]] = {}
    for message in sorted(record.messages.values(), key=lambda m: m.started_at):
        for item in message.items:
            if item.client_key is not None:
                by_client.setdefault(item.client_key, []).append(message)
    clients = []
    for entry in entries:
        messages = by_client.get(entry.key, [])
        address, not_sent = client_address(entry, entries, config.email)
        clients.append(_client_status(record, entry, messages, address, not_sent, approved))
    readers = []
    for message in sorted(record.messages.values(), key=lambda m: m.started_at):
        if message.kind == "monthly":
            readers.append(
                f"monthly report to {message.to}: {record.state(message).value} "
                f"({_when(message)}{', ' + message.detail if message.detail else ''})"
            )
    return MonthStatus(month, approval, tuple(clients), tuple(readers))


def _client_status(
    record: SentRecord,
    entry: StatementEntry,
    messages: list[SentMessage],
    address: str | None,
    not_sent: object,
    approved: bool,
) -> ClientStatus:
    key, client = entry.key, entry.client
    # Each item's last message only: a resend or a later attempt supersedes an earlier one.
    latest: dict[str, SentMessage] = {}
    for message in messages:
        for item in message.items:
            if item.client_key == key:
                latest[item.key] = message
    messages = sorted(set(latest.values()), key=lambda m: m.started_at)
    uncertain = [m for m in messages if record.state(m) is State.UNCERTAIN]
    if uncertain:
        last = uncertain[-1]
        return ClientStatus(
            client,
            key,
            "uncertain",
            f"{last.key} handed over to {last.to} on {_when(last)} with no answer recorded; "
            f"reports email --resend {last.key} once you know it did not arrive",
        )
    sent = [m for m in messages if record.state(m) is State.SENT]
    if sent:
        last = sent[-1]
        item = next(i for i in last.items if i.client_key == key)
        what = "a correction to" if last.kind == "correction" else "to"
        told = f"{what} {last.to} on {_when(last)} ({last.detail})"
        if item.statement_sha256 != entry.sha256:
            return ClientStatus(
                client,
                key,
                "changed",
                f"{told}; the statement now differs: reports email --corrections sends it",
            )
        return ClientStatus(client, key, "sent", told)
    refused = [m for m in messages if record.state(m) is State.REFUSED]
    if address is None:
        return ClientStatus(client, key, "no address", str(not_sent))
    if not approved:
        return ClientStatus(client, key, "draft", f"to {address} once the month is approved")
    if refused:
        last = refused[-1]
        return ClientStatus(
            client,
            key,
            "refused",
            f"by the server on {_when(last)} ({last.detail}); the next reports email tries again",
        )
    return ClientStatus(client, key, "pending", f"to {address} at the next reports email")
