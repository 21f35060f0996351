"""Payment reminders on a schedule: `reports chase` drafts the day's reminders, `reports
approve --chase DAY` approves them, `reports email --chase DAY` sends them, each step of
each invoice at most once.

The day's folder is `OUT/chase/YYYY-MM-DD/`: `reminders.json` (what is to be asked of whom,
the draft), `reminders.md` (the same for a reader: each message as it will go), after
approval `approval.json` (who approved, when, and the draft's SHA-256), and once sending
starts `sent/` (the delivery's record, `reports.store.sent`, with `sent/asked.jsonl`: each
message's invoices and steps, written before it is handed over). `sent/` outlives a
redraft, so that what was asked is never asked again: a step is sent once an invoice
whether its message is recorded as sent or may have gone (uncertain).

Who owes what is what the statements say on the day (the report's data to that day, from
data fetched then), so a reminder's client key, name, address, reference and amounts are
its statement's.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import difflib
import hashlib
import json
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import jinja2
import jinja2.meta
import polars as pl
from polars.datatypes import DataTypeClass

from reports import rates
from reports.chase_settings import CreditControl
from reports.compute import invoicing, quality, vat
from reports.compute.late_payment import late_payment
from reports.compute.reminders import reminders_due
from reports.config import Config, FirmSettings
from reports.delivery.email import Clock, Delivery, resend_kept, send, utc_now
from reports.errors import ApprovalError, ConfigError, DeliveryError, TemplateError
from reports.fetch import fetch_frames
from reports.http import ProgressCallback
from reports.money import MONEY
from reports.periods import Month, local_day, today
from reports.render.messages import NotSent, Outgoing, client_address, render_email
from reports.render.templates import Templates, money
from reports.report.build import build_report_data
from reports.report.model import Frames, ReportData, Statement, StatementKind
from reports.report.settle import frame_of
from reports.sources import provider
from reports.sources.base import Role
from reports.store.chase_folder import DRAFT as DRAFT  # what the tests write over
from reports.store.chase_folder import (
    ChaseApproval,
    ChaseFolder,
    read_chase_approval,
    write_chase_approval,
)
from reports.store.publish import building, publish
from reports.store.sent import SentMessage, SentRecord, State

KIND = "reminder"

#: What a reminder template may use.
PLACEHOLDERS = (
    "firm",
    "accounts",
    "overdue",
    "as_of",
    "step",
    "reminded",
    "payment_details",
)


@dataclass(frozen=True)
class ChasedInvoice:
    """One invoice a reminder asks for, at its step."""

    invoice_number: str
    due_date: str
    days_overdue: int
    outstanding: str
    step_days: int
    template: str
    #: Statutory interest and compensation, stated to business clients where enabled.
    interest: str | None = None
    compensation: str | None = None
    #: `outstanding` exactly, as a decimal: what the ledger records as asked for (a draft
    #: from before it was kept has "").
    amount: str = ""


@dataclass(frozen=True)
class ChasedAccount:
    """One client's part of a reminder: what it is asked for, and where it stands."""

    client_key: str
    client: str
    reference: str
    invoices: tuple[ChasedInvoice, ...]
    #: The account's balance on the day, its open credits counted.
    owed: str
    #: Whether interest and compensation are stated (a business client, interest on).
    interest: bool = False

    def asks(self) -> tuple[str, ...]:
        """`<client key>|<invoice>|<step days>` of each invoice it asks for."""
        return tuple(
            f"{self.client_key}|{invoice.invoice_number}|{invoice.step_days}"
            for invoice in self.invoices
        )


@dataclass(frozen=True)
class Reminder:
    """One message of the day's draft: to one address, for each of its clients that has
    something to be reminded of (one email per address per run)."""

    to: str
    template: str
    subject: str
    body: str
    html: str
    accounts: tuple[ChasedAccount, ...]
    #: Copied in (the step's `cc`: a partner, for a later step).
    cc: tuple[str, ...] = ()

    def asks(self) -> tuple[str, ...]:
        return tuple(ask for account in self.accounts for ask in account.asks())


@dataclass(frozen=True)
class ChaseDraft:
    folder: Path
    as_of: dt.date
    reminders: tuple[Reminder, ...]
    skipped: tuple[NotSent, ...]


def chase_folder(out: Path, as_of: dt.date) -> Path:
    return ChaseFolder.of(out, as_of).path


def chase_period(as_of: dt.date) -> Month:
    """The period whose statements say what is owed on `as_of`: its month to that day (the
    whole month on its last day)."""
    whole = Month.of(as_of)
    return whole if as_of == whole.end else whole.to(as_of)


def _require_day(as_of: dt.date, on: dt.date | None) -> None:
    now = on or today()
    if as_of > now:
        raise ConfigError(
            f"--as-of {as_of}: a day after today ({now}) has no payments yet; give today or "
            "an earlier day"
        )


def _ledger(path: Path) -> list[dict[str, Any]]:
    """The ledger's entries. A line cut short by a crash is passed over: it was written
    before any message of its run was begun (the ledger is on disk first), so its message
    was never handed over."""
    entries = []
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        try:
            entry = json.loads(line)
        except ValueError:
            continue
        if isinstance(entry, dict) and isinstance(entry.get("asks"), list):
            entries.append(entry)
    return entries


def paid_by(frames: Frames, day: dt.date) -> frozenset[str]:
    """The numbers of the invoices paid (or credit notes refunded) by `day` in `frames`,
    fetched that day: what no reminder asks for, whatever day it is drafted for."""
    invoice_schema, item_schema = provider(Role.INVOICES), provider(Role.INVOICE_ITEMS)
    if invoice_schema is None or item_schema is None:
        return frozenset()
    invoices, _ = quality.unique_records(
        frame_of(frames, invoice_schema), "id", invoice_schema.source, "invoice"
    )
    items, _ = quality.unique_records(
        frame_of(frames, item_schema), "id", item_schema.source, "invoice item"
    )
    lines = vat.invoice_lines(invoices, items)
    positions = invoicing.invoice_positions(
        invoices.filter(pl.col("total").is_not_null()), day, invoicing.line_payments(lines, day)
    )
    return frozenset(positions.filter(pl.col("paid"))["invoice_number"].drop_nulls())


def chase_data(
    as_of: dt.date,
    config: Config,
    *,
    firm: str = "",
    on_progress: ProgressCallback | None = None,
    on: dt.date | None = None,
) -> tuple[ReportData, frozenset[str]]:
    """Fetch every configured source now, and give the report's data to `as_of` (its
    statements say who owes what that day) and the invoices paid by today."""
    period = chase_period(as_of).require_reportable(on)
    started = dt.datetime.now(dt.UTC)
    frames = fetch_frames(config, on_progress=on_progress)
    data = build_report_data(
        frames,
        period,
        rates=rates.load(),
        firm=config.firm.named(firm),
        fetched_at=dict.fromkeys(config.sources, started),
    )
    return data, paid_by(frames, on or today())


def _require_known_clients(settings: CreditControl, data: ReportData) -> None:
    """A key in `exclude` or `business_clients` that is no client's: a one-line error, so
    that a client in dispute is never chased for a mistyped key."""
    keys = sorted(s.key for s in data.statements)
    for what, given in (
        ("exclude", settings.schedule.exclude),
        ("business_clients", settings.business_clients),
    ):
        for key in sorted(given - set(keys)):
            close = difflib.get_close_matches(key, keys, n=1, cutoff=0.6)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            raise ConfigError(f"[credit_control] {what}: {key!r} is no client's key{hint}")


def sent_asks(out: Path) -> set[tuple[str, int]]:
    """(`<client key>|<invoice>`, step days) of every reminder step sent, or that may have
    gone, on any day: never asked again."""
    asked: set[tuple[str, int]] = set()
    for entry, _, _ in _asked_messages(out):
        for ask in entry["asks"]:
            whose, _, step = ask.rpartition("|")
            asked.add((whose, int(step)))
    return asked


def _asked_messages(out: Path) -> Iterator[tuple[dict[str, Any], SentMessage, State]]:
    """Each day's ledger entries whose message was begun and not refused (sent, or that may
    have gone), with that message and its state: what counts as asked."""
    for day in ChaseFolder.every_day(out):
        ledger = day.asked
        if not ledger.is_file():
            continue
        record = SentRecord(day.path)
        for entry in _ledger(ledger):
            message = record.messages.get(entry["message"])
            if message is not None and record.state(message) is not State.REFUSED:
                yield entry, message, record.state(message)


def _unpaid(statements: list[Statement], as_of: dt.date) -> pl.DataFrame:
    """The statements' unpaid invoices in `receivables.unpaid_invoices`' shape: `invoice_id`
    is `<client key>|<invoice number>`, unique across clients."""
    rows = []
    for statement in statements:
        for invoice in statement.invoices.filter(pl.col("outstanding") != 0).iter_rows(named=True):
            due = invoice["due_date"]
            credit = invoice["total"] is not None and invoice["total"] < 0
            rows.append(
                {
                    "account": statement.key,
                    "client_name": statement.client,
                    "invoice_id": f"{statement.key}|{invoice['invoice_number']}",
                    "invoice_number": invoice["invoice_number"],
                    "due_date": due,
                    "days_overdue": None if credit or due is None else (as_of - due).days,
                    "outstanding": invoice["outstanding"],
                }
            )
    return pl.DataFrame(
        rows,
        schema={
            "account": pl.String,
            "client_name": pl.String,
            "invoice_id": pl.String,
            "invoice_number": pl.String,
            "due_date": pl.Date,
            "days_overdue": pl.Int64,
            "outstanding": MONEY,
        },
    )


def check_template(templates: Templates, name: str) -> None:
    """A reminder template (`email/<name>.md`) that exists and uses, with what it includes,
    only `PLACEHOLDERS`: an unknown one is a `TemplateError` naming the nearest known one."""
    environment = templates.environment
    loader = environment.loader
    assert loader is not None
    pending, seen = [f"email/{name}.md"], set()
    while pending:
        source_name = pending.pop()
        if source_name in seen:
            continue
        seen.add(source_name)
        try:
            source, _, _ = loader.get_source(environment, source_name)
        except jinja2.TemplateNotFound:
            folders = ", ".join(str(folder / "email") for folder in templates.folders)
            raise TemplateError(
                f"[credit_control] template {name!r}: no {source_name} in {folders}"
            ) from None
        parsed = environment.parse(source)
        for used in sorted(jinja2.meta.find_undeclared_variables(parsed)):
            if used not in PLACEHOLDERS:
                close = difflib.get_close_matches(used, PLACEHOLDERS, n=1, cutoff=0.5)
                hint = f"; did you mean {close[0]!r}?" if close else ""
                raise TemplateError(
                    f"template {source_name}: unknown placeholder {used!r}{hint} (known: "
                    f"{', '.join(PLACEHOLDERS)})"
                )
        pending += [n for n in jinja2.meta.find_referenced_templates(parsed) if n is not None]


def require_chase(
    as_of: dt.date, config: Config, templates: Templates, on: dt.date | None = None
) -> CreditControl:
    """The settings to chase by on `as_of`, checked before anything is fetched: a day not
    after today, a `[credit_control]` schedule, and each step's template."""
    _require_day(as_of, on)
    settings = config.credit_control
    if settings is None:
        raise ConfigError(
            "no [credit_control] in the settings: give its steps to chase (README, "
            '"Credit control")'
        )
    for step in settings.schedule.steps:
        check_template(templates, step.template)
    return settings


def build_chase(
    as_of: dt.date,
    config: Config,
    out: Path,
    data: ReportData,
    templates: Templates | None = None,
    *,
    paid: frozenset[str] = frozenset(),
    on: dt.date | None = None,
) -> ChaseDraft:
    """Draft the reminders due on `as_of` from `data` (the report's data to that day, of
    `chase_period(as_of)`), asking for none of the invoices in `paid` (paid by today), into
    `OUT/chase/<as_of>/`, replacing an earlier draft of that day (what was sent from it is
    kept, and not asked again). `chase_data` gives both."""
    settings = require_chase(as_of, config, templates or Templates(), on)
    templates = templates or Templates()
    statements = [
        s for s in data.statements if s.kind is StatementKind.ACCOUNT and s.activity is not None
    ]
    _require_known_clients(settings, data)
    drafted_on = on or today()
    asked = sent_asks(out)
    # Never ask for what was paid since the day chased for (`paid`: by today, `chase_data`).
    unpaid = _unpaid(statements, as_of).filter(pl.col("invoice_number").is_in(sorted(paid)).not_())
    due = reminders_due(unpaid, settings.schedule, asked)
    by_key = {s.key: s for s in statements}
    currency = data.invoice_currency
    by_address: dict[str, list[tuple[ChasedAccount, Decimal]]] = {}
    skipped: list[NotSent] = []
    for (client_key,), rows in due.group_by("account", maintain_order=True):
        statement = by_key[str(client_key)]
        to, not_sent = client_address(statement, data.statements, config.email)
        if to is None:
            skipped.append(not_sent or NotSent(statement.client, "no address", ""))
            continue
        business = settings.interest and statement.key in settings.business_clients
        account = ChasedAccount(
            statement.key,
            statement.client,
            statement.payment_reference,
            tuple(
                _chased(row, as_of, settings if business else None, currency)
                for row in rows.iter_rows(named=True)
            ),
            _money(statement.balance or Decimal(0), currency),
            interest=business,
        )
        # What the subject calls overdue: past its due date, not what falls due soon.
        overdue = sum(
            (
                Decimal(str(row["outstanding"]))
                for row in rows.iter_rows(named=True)
                if row["days_overdue"] > 0
            ),
            Decimal(0),
        )
        by_address.setdefault(to, []).append((account, overdue))
    earlier = {(whose, days) for whose, days in asked}
    reminders = []
    for to, parts in by_address.items():
        accounts = tuple(account for account, _ in parts)
        step_days = max(i.step_days for account in accounts for i in account.invoices)
        step = next(step for step in settings.schedule.steps if step.days == step_days)
        reminded = any(
            (f"{account.client_key}|{invoice.invoice_number}", days) in earlier
            for account in accounts
            for invoice in account.invoices
            for days in (s.days for s in settings.schedule.steps if s.days < invoice.step_days)
        )
        body = render_email(
            templates,
            step.template,
            {
                "firm": data.firm,
                "accounts": accounts,
                "overdue": _money(sum((o for _, o in parts), Decimal(0)), currency),
                "as_of": f"{as_of:%-d %b %Y}",
                "step": step.days,
                "reminded": reminded,
                "payment_details": data.firm.payment_details,
            },
        )
        cc = tuple(
            sorted(
                {
                    s.cc
                    for s in settings.schedule.steps
                    if s.cc and s.days in {i.step_days for a in accounts for i in a.invoices}
                }
            )
        )
        reminders.append(
            Reminder(to, step.template, body.subject, body.text, body.html, accounts, cc)
        )
    folder = chase_folder(out, as_of)
    with building(folder) as staging:
        _write_draft(staging, as_of, drafted_on, data.firm, reminders, skipped)
        publish(staging, folder)
    return ChaseDraft(folder, as_of, tuple(reminders), tuple(skipped))


def _money(amount: Decimal, currency: str) -> str:
    return money(amount, currency)


def _chased(
    row: dict[str, object], as_of: dt.date, interest: CreditControl | None, currency: str
) -> ChasedInvoice:
    outstanding = Decimal(str(row["outstanding"]))
    due = row["due_date"]
    assert isinstance(due, dt.date)
    claim = (
        late_payment(outstanding, due, as_of, interest.rate_for(due))
        if interest is not None and due < as_of
        else None
    )
    return ChasedInvoice(
        str(row["invoice_number"]),
        f"{due:%-d %b %Y}",
        int(str(row["days_overdue"])),
        _money(outstanding, currency),
        int(str(row["step_days"])),
        str(row["template"]),
        _money(claim.interest, currency) if claim else None,
        _money(claim.compensation, currency) if claim else None,
        str(outstanding),
    )


def _write_draft(
    folder: Path,
    as_of: dt.date,
    drafted_on: dt.date,
    firm: FirmSettings,
    reminders: list[Reminder],
    skipped: list[NotSent],
) -> None:
    draft = {
        "as_of": as_of.isoformat(),
        "drafted_on": drafted_on.isoformat(),
        "firm": {"name": firm.name, "email": firm.email},
        "reminders": [dataclasses.asdict(reminder) for reminder in reminders],
        "not_sent": [str(item) for item in skipped],
    }
    chased = ChaseFolder(folder)
    chased.draft.write_text(json.dumps(draft, indent=1, ensure_ascii=False), "utf-8")
    lines = [f"# Payment reminders of {as_of:%-d %b %Y}: a draft", ""]
    if not reminders:
        lines.append("No reminder is due.")
    for reminder in reminders:
        clients = ", ".join(f"{a.client} ({a.client_key})" for a in reminder.accounts)
        lines += [
            f"## To {reminder.to}: {clients}",
            "",
            *([f"Cc: {', '.join(reminder.cc)}"] if reminder.cc else []),
            f"Subject: {reminder.subject}",
            "",
            reminder.body,
            "",
        ]
    for item in skipped:
        lines.append(f"- Not sent: {item}")
    chased.readable.write_text("\n".join(lines) + "\n", "utf-8")


def _digest(folder: Path) -> str:
    return hashlib.sha256(ChaseFolder(folder).draft.read_bytes()).hexdigest()


@dataclass(frozen=True)
class _Draft:
    firm: FirmSettings
    drafted_on: dt.date
    reminders: tuple[Reminder, ...]


def _read_draft(folder: Path) -> _Draft:
    path = ChaseFolder(folder).draft
    if not path.is_file():
        raise ApprovalError(
            f"no reminders drafted in {folder}: run reports chase --as-of {folder.name} first"
        )
    try:
        return _parse_draft(json.loads(path.read_text("utf-8")))
    except (ValueError, KeyError, TypeError, AttributeError) as error:
        raise ApprovalError(
            f"{path} cannot be read ({type(error).__name__}: {error}): draft the day again "
            f"with reports chase --as-of {folder.name}"
        ) from None


def _parse_draft(draft: dict[str, Any]) -> _Draft:
    firm = FirmSettings(name=draft["firm"]["name"], email=draft["firm"]["email"])
    reminders = tuple(
        Reminder(
            **{
                **entry,
                "cc": tuple(entry.get("cc", ())),
                "accounts": tuple(
                    ChasedAccount(
                        **{
                            **account,
                            "invoices": tuple(ChasedInvoice(**i) for i in account["invoices"]),
                        }
                    )
                    for account in entry["accounts"]
                ),
            }
        )
        for entry in draft["reminders"]
    )
    return _Draft(firm, dt.date.fromisoformat(draft["drafted_on"]), reminders)


def approve_chase(out: Path, as_of: dt.date, by: str, clock: Clock = utc_now) -> int:
    """Approve the day's draft as it is: its digest and who approved it, in `approval.json`.
    The number of reminders approved."""
    folder = chase_folder(out, as_of)
    reminders = _read_draft(folder).reminders
    if not by.strip():
        raise ApprovalError("--by: say who approves the reminders")
    approval = ChaseApproval(by.strip(), clock(), _digest(folder))
    write_chase_approval(ChaseFolder(folder), approval)
    return len(reminders)


def _require_approved(folder: Path, config: Config) -> None:
    if config.delivery.approval == "auto":
        return
    day = ChaseFolder(folder)
    if not day.approval.is_file():
        raise ApprovalError(
            f"the reminders of {day.day} are not approved: read {day.readable}, then "
            f"reports approve --chase {day.day} --by NAME"
        )
    approval = read_chase_approval(day)
    if approval is None or approval.sha256 != _digest(folder):
        raise ApprovalError(
            f"the reminders of {day.day} changed after they were approved: read "
            f"{day.readable} and approve them again"
        )


def send_chase(
    out: Path,
    as_of: dt.date,
    config: Config,
    clock: Clock = utc_now,
    *,
    resend: Iterable[str] = (),
) -> Delivery:
    """Send the day's approved reminders (by SMTP, or into the outbox), each message only
    if none of its invoices' steps was sent, or may have been, before: from any day.

    A message of the day recorded as uncertain (it may have arrived) is sent again only
    when its key is in `resend`, once the operator has checked that it did not."""
    folder = chase_folder(out, as_of)
    draft = _read_draft(folder)
    drafted, reminders = draft.firm, draft.reminders
    _require_approved(folder, config)
    now = local_day(clock())
    if draft.drafted_on != now:
        raise ApprovalError(
            f"the reminders of {folder.name} were drafted on {draft.drafted_on} from that "
            f"day's data: something may have been paid since; draft them again today "
            f"(reports chase --as-of {folder.name}) and approve them"
        )
    record = SentRecord(folder)
    again = _to_resend(record, set(resend), now)
    asked = {f"{whose}|{step}" for whose, step in sent_asks(out)}
    # Sent in the name the reminders were drafted and approved under.
    firm = config.firm.named(drafted.name) if drafted.name else config.firm
    if drafted.email and not firm.email:
        firm = dataclasses.replace(firm, email=drafted.email)
    pending: list[Outgoing] = []
    already: list[str] = []
    by_message: dict[str, Reminder] = {}
    for reminder in reminders:
        outgoing = Outgoing(
            reminder.to,
            reminder.subject,
            reminder.body,
            (),
            as_of.isoformat(),
            KIND,
            html=reminder.html,
            about=reminder.asks(),
            cc=reminder.cc,
        )
        if any(ask in asked for ask in reminder.asks()):
            already.append(reminder.to)
            continue
        pending.append(outgoing)
        by_message[outgoing.key] = reminder
    ledger = ChaseFolder(folder).asked
    ledger.parent.mkdir(parents=True, exist_ok=True)
    with ledger.open("a+", encoding="utf-8") as handle:
        # A line cut short by a crash is ended first: it stays a line of its own, unread.
        if handle.tell() and (ledger.read_bytes()[-1:] != b"\n"):
            handle.write("\n")
        for outgoing in pending:
            entry = {
                "message": outgoing.key,
                "asks": outgoing.about,
                "to": outgoing.to,
                "template": by_message[outgoing.key].template,
                "clients": {a.client_key: a.client for a in by_message[outgoing.key].accounts},
                "amounts": {
                    f"{a.client_key}|{i.invoice_number}|{i.step_days}": i.amount
                    for a in by_message[outgoing.key].accounts
                    for i in a.invoices
                    if i.amount
                },
            }
            handle.write(json.dumps(entry, ensure_ascii=False) + "\n")
        handle.flush()
        os.fsync(handle.fileno())
    resent = resend_kept(again, folder, config.smtp, record, clock)
    delivery = send(
        pending,
        folder,
        config.smtp,
        record,
        sender=firm.email,
        sender_name=firm.name,
        clock=clock,
        reply_to=config.email.reply_to,
    )
    # A message asking for a step that went before (or may have) is "sent before".
    return dataclasses.replace(
        delivery,
        sent=resent.sent + delivery.sent,
        refused=resent.refused + delivery.refused,
        already_sent=[to for to in already if to not in resent.sent],
        uncertain=record.uncertain(),
    )


def _to_resend(record: SentRecord, keys: set[str], today: dt.date) -> list[SentMessage]:
    """The day's uncertain messages named by `--resend`, each sent again as it was kept:
    only on the day it went, since what was paid after would be asked for."""
    uncertain = {message.key: message for message in record.uncertain()}
    for key in sorted(keys):
        if key not in uncertain:
            raise DeliveryError(
                f"--resend {key}: no uncertain reminder of {record.folder.parent.name} has this "
                f"key; reports email --chase {record.folder.parent.name} lists them"
            )
        went = local_day(uncertain[key].started_at)
        if went != today:
            raise DeliveryError(
                f"--resend {key}: the reminder to {uncertain[key].to} went on {went}; one "
                "that may have arrived is sent again only that day, as what was paid since "
                "would be asked for: ask the client instead"
            )
    return [uncertain[key] for key in sorted(keys)]


#: What `reminders_sent` gives: one row per invoice and step asked for.
SENT_COLUMNS: dict[str, pl.DataType | DataTypeClass] = {
    "date": pl.Date,
    "client_key": pl.String,
    "client": pl.String,
    "invoice_number": pl.String,
    "step_days": pl.Int64,
    "template": pl.String,
    "to": pl.String,
    "state": pl.String,
    #: What the reminder asked for the invoice (its outstanding that day); null where its
    #: ledger line is from before amounts were kept.
    "asked": MONEY,
}


def reminders_sent(out: Path, start: dt.date, end: dt.date) -> pl.DataFrame:
    """Every invoice and step a reminder asked for, sent (or that may have gone: `state`
    `uncertain`) on a UK day from `start` to `end`, by the day it was handed over: what the
    month's report lists, and each client's chase history."""
    rows = []
    for entry, message, state in _asked_messages(out):
        sent_on = local_day(message.started_at)
        if not start <= sent_on <= end:
            continue
        clients, amounts = entry.get("clients", {}), entry.get("amounts", {})
        for ask in entry["asks"]:
            client_key, invoice_number, step = ask.rsplit("|", 2)
            rows.append(
                {
                    "date": sent_on,
                    "client_key": client_key,
                    "client": clients.get(client_key, ""),
                    "invoice_number": invoice_number,
                    "step_days": int(step),
                    "template": entry.get("template", ""),
                    "to": entry.get("to", message.to),
                    "state": state.value,
                    "asked": Decimal(amounts[ask]) if ask in amounts else None,
                }
            )
    return pl.DataFrame(rows, schema=SENT_COLUMNS).sort("date", "client", "invoice_number")
