"""Payment reminders (`reports chase`): drafted from what the statements say is owed on the
day, approved, sent each step of each invoice at most once (a same-day rerun, a redraft,
a sender killed mid-run), on a small sandbox's records and a real SMTP server."""

from __future__ import annotations

import contextlib
import datetime as dt
import email
import email.policy
import json
import shutil
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest
from factories import sandbox_month

from reports import rates
from reports.chase import (
    DRAFT,
    ChaseDraft,
    approve_chase,
    build_chase,
    chase_folder,
    chase_period,
    paid_by,
    reminders_sent,
    send_chase,
    sent_asks,
)
from reports.chase_settings import parse_credit_control
from reports.config import Config, EmailSettings, FirmSettings
from reports.delivery.email import utc_now
from reports.errors import ApprovalError, ConfigError, DeliveryError, TemplateError
from reports.periods import local_day
from reports.render.templates import Templates
from reports.report.build import build_report_data
from reports.report.model import Frames, ReportData
from reports.sandbox import Sizes
from reports.sources import provider
from reports.sources.base import Role
from reports.store.sent import SentRecord
from tests.delivery.mail import Inbox
from tests.helpers import ROOT

DAY = dt.date(2026, 10, 31)
STEPS = {
    "steps": [
        {"days": -3, "template": "reminder-before"},
        {"days": 7, "template": "overdue-1"},
        {"days": 21, "template": "overdue-2"},
        {"days": 45, "template": "final"},
    ],
    "minimum": 10.0,
}
FIRM = FirmSettings(name="Demo & Co", email="accounts@demo.example")


def settings(**credit_control: object) -> Config:
    chase = parse_credit_control({**STEPS, **credit_control}, "test")
    return Config(firm=FIRM, email=EmailSettings(), credit_control=chase)


@pytest.fixture(scope="module")
def frames() -> Frames:
    sizes = Sizes(mobility_cases=40, plannr_cases=5, plannr_clients=5, willsuite_cases=80)
    return sandbox_month(seed=9, sizes=sizes).fetched()


@pytest.fixture(scope="module")
def data(frames: Frames) -> ReportData:
    return build_report_data(frames, chase_period(DAY), rates=rates.embedded(), firm=FIRM)


@pytest.fixture
def drafted(data: ReportData, tmp_path: Path) -> tuple[Path, ChaseDraft]:
    out = tmp_path / "output"
    return out, build_chase(DAY, settings(), out, data)


def outbox(out: Path) -> list[email.message.EmailMessage]:
    return [
        email.message_from_bytes(path.read_bytes(), policy=email.policy.default)  # type: ignore[misc]
        for path in sorted((chase_folder(out, DAY) / "outbox").glob("*.eml"))
    ]


def test_the_draft_asks_each_client_for_what_its_statement_says_is_overdue(
    data: ReportData, drafted: tuple[Path, ChaseDraft]
) -> None:
    _, draft = drafted
    assert draft.reminders, "the sandbox has invoices overdue on the day"
    statements = {s.key: s for s in data.statements}
    templates = set()
    for reminder in draft.reminders:
        templates.add(reminder.template)
        for account in reminder.accounts:
            statement = statements[account.client_key]
            assert reminder.to == statement.email
            assert account.reference == statement.payment_reference
            assert account.owed.replace(",", "").lstrip("£") == f"{statement.balance:.2f}"
            owed = statement.invoices.filter(statement.invoices["outstanding"] > 0)
            numbers = set(owed["invoice_number"].to_list())
            assert {invoice.invoice_number for invoice in account.invoices} <= numbers
            for invoice in account.invoices:
                assert invoice.days_overdue >= invoice.step_days
                assert invoice.outstanding in reminder.body
        assert reminder.subject.startswith(
            {
                "reminder-before": "Invoices from Demo & Co",
                "overdue-1": "Payment reminder",
                "overdue-2": "Payment reminder",  # no earlier step was sent: not "Second"
                "final": "Final reminder",
            }[reminder.template]
        )
    # One message per address, and the readable draft holds each.
    assert len({r.to for r in draft.reminders}) == len(draft.reminders)
    readable = (draft.folder / "reminders.md").read_text()
    assert all(reminder.subject in readable for reminder in draft.reminders)
    assert len(templates) > 1


def test_approved_reminders_go_once_whatever_is_run_again(
    data: ReportData, drafted: tuple[Path, ChaseDraft]
) -> None:
    out, draft = drafted
    config = settings()
    with pytest.raises(ApprovalError, match="not approved"):
        send_chase(out, DAY, config)
    assert approve_chase(out, DAY, "Jo Partner") == len(draft.reminders)
    first = send_chase(out, DAY, config)
    assert len(first.sent) == len(draft.reminders) and first.complete
    messages = outbox(out)
    assert len(messages) == len(draft.reminders)
    assert all(m["Date"] and m["Message-ID"] for m in messages)
    assert messages[0]["From"].addresses[0].display_name == "Demo & Co"
    # The month's list of what was asked, by the day each went (today, in the UK).
    listed = reminders_sent(out, dt.date(2000, 1, 1), dt.date(2100, 1, 1))
    assert listed.height == sum(len(r.asks()) for r in draft.reminders)
    assert set(listed["state"]) == {"sent"} and listed["client"].str.len_chars().min() > 0
    assert set(listed["template"]) == {r.template for r in draft.reminders}
    assert reminders_sent(out, dt.date(2000, 1, 1), dt.date(2000, 1, 31)).height == 0
    # The same day again: nothing new.
    again = send_chase(out, DAY, config)
    assert again.sent == [] and len(again.already_sent) == len(draft.reminders)
    # Drafted again that day: every step asked for is sent, so nothing is due; the record
    # of what was sent outlives the redraft.
    redraft = build_chase(DAY, config, out, data)
    assert redraft.reminders == ()
    assert len(sent_asks(out)) == sum(len(r.asks()) for r in draft.reminders)
    # A week later, each invoice moves to its next step only.
    later = build_chase(DAY + dt.timedelta(days=7), config, out, data)
    for reminder in later.reminders:
        for account in reminder.accounts:
            for invoice in account.invoices:
                assert (
                    f"{account.client_key}|{invoice.invoice_number}",
                    invoice.step_days,
                ) not in sent_asks(out)


def test_a_draft_changed_after_approval_is_refused(drafted: tuple[Path, ChaseDraft]) -> None:
    out, _ = drafted
    approve_chase(out, DAY, "Jo Partner")
    path = chase_folder(out, DAY) / DRAFT
    path.write_text(path.read_text().replace("Demo & Co", "Demo and Co"))
    with pytest.raises(ApprovalError, match="changed after they were approved"):
        send_chase(out, DAY, settings())


def test_nothing_for_an_excluded_client_or_below_the_minimum(
    data: ReportData, drafted: tuple[Path, ChaseDraft], tmp_path: Path
) -> None:
    _, draft = drafted
    first = draft.reminders[0].accounts[0].client_key
    excluded = build_chase(DAY, settings(exclude=[first]), tmp_path / "a", data)
    assert first not in {a.client_key for r in excluded.reminders for a in r.accounts}
    none = build_chase(DAY, settings(minimum=10**9), tmp_path / "b", data)
    assert none.reminders == ()


def test_interest_is_stated_to_business_clients_only(
    data: ReportData, drafted: tuple[Path, ChaseDraft], tmp_path: Path
) -> None:
    _, draft = drafted
    business = draft.reminders[0].accounts[0].client_key
    config = settings(interest=True, base_rate=4.0, business_clients=[business])
    stated = build_chase(DAY, config, tmp_path / "out", data)
    for reminder in stated.reminders:
        for account in reminder.accounts:
            claims = [i.interest for i in account.invoices if i.days_overdue > 0]
            if account.client_key == business:
                assert account.interest and all(claims)
                assert "Late Payment of Commercial Debts" in reminder.body
            else:
                assert not account.interest and not any(claims)


def test_a_template_with_an_unknown_placeholder_is_a_clear_error(
    data: ReportData, tmp_path: Path
) -> None:
    own = tmp_path / "templates" / "email"
    own.mkdir(parents=True)
    (own / "overdue-1.md").write_text("Subject: Pay {{ acounts }}\n\nPlease pay.\n")
    with pytest.raises(
        TemplateError, match="unknown placeholder 'acounts'; did you mean 'accounts'"
    ):
        build_chase(DAY, settings(), tmp_path / "out", data, Templates(own.parent))


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ({"steps": []}, "steps must list at least one step"),
        ({"steps": [{"days": 7, "template": "a"}, {"days": 3, "template": "b"}]}, "in order"),
        ({"steps": [{"day": 7, "template": "a"}]}, "did you mean 'days'"),
        ({**STEPS, "minimun": 5}, "did you mean 'minimum'"),
        ({**STEPS, "interest": True}, "needs base_rate"),
        ({**STEPS, "minimum": float("nan")}, "minimum must be a number"),
        ({**STEPS, "minimum": float("inf")}, "minimum must be a number"),
        ({**STEPS, "base_rate": {"2026-1": 4.0}}, "is not a half-year"),
        (
            {"steps": [{"days": 7, "template": "a", "cc": "not an address"}]},
            "cc must be one plain email address",
        ),
    ],
)
def test_credit_control_settings_are_checked(table: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        parse_credit_control(table, "reports.toml")


def test_a_day_after_today_is_refused(data: ReportData, tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="after today"):
        build_chase(DAY, settings(), tmp_path, data, on=DAY - dt.timedelta(days=1))


#: `send_chase` in a process of its own, so that the SMTP server can kill it mid-run.
SENDER = """
import datetime as dt, json, sys
from pathlib import Path
from reports.chase import send_chase
from reports.chase_settings import parse_credit_control
from reports.delivery.email import utc_now
from reports.periods import local_day
from reports.config import Config, EmailSettings, FirmSettings, SmtpSettings

out, port = Path(sys.argv[1]), int(sys.argv[2])
smtp = SmtpSettings(host="127.0.0.1", port=port, security="none", sender="reports@firm.example")
chase = parse_credit_control(json.loads(sys.argv[3]), "test")
config = Config(firm=FirmSettings(name="Demo & Co"), email=EmailSettings(), smtp=smtp,
                credit_control=chase)
send_chase(out, dt.date(2026, 10, 31), config)
"""


def test_a_sender_killed_mid_run_sends_no_reminder_twice(  # type: ignore[no-untyped-def]
    data: ReportData, drafted: tuple[Path, ChaseDraft], smtp_server
) -> None:
    out, draft = drafted
    assert len(draft.reminders) >= 3
    approve_chase(out, DAY, "Jo Partner")
    inbox = Inbox(kill=("DATA", 2))  # the server has the second; its sender dies
    smtp = smtp_server(inbox)
    process = subprocess.Popen(
        [sys.executable, "-c", SENDER, str(out), str(smtp.port), json.dumps(STEPS)],
        cwd=ROOT,
        stderr=subprocess.PIPE,
    )
    inbox.pid = process.pid
    with contextlib.suppress(ChildProcessError):
        process.wait(timeout=300)  # a loaded machine takes its time to start Python
    assert inbox.pid is None, f"the sender was not killed: {process.stderr.read()!r}"
    config = Config(
        firm=FIRM,
        email=EmailSettings(),
        smtp=smtp,
        credit_control=settings().credit_control,
    )
    rest = send_chase(out, DAY, config)
    assert len(rest.uncertain) == 1 and not rest.complete
    # Each address got its reminder once; the uncertain one is not sent again.
    to = [str(m["To"]) for m in inbox.messages]
    assert sorted(to) == sorted({r.to for r in draft.reminders})
    assert send_chase(out, DAY, config).sent == []
    # A redraft asks nothing of the message that may have gone.
    (uncertain,) = SentRecord(chase_folder(out, DAY)).uncertain()
    assert build_chase(DAY, config, out, data).reminders == ()
    # Not on a later day: what was paid since would be asked for.
    next_day = local_day(utc_now()) + dt.timedelta(days=1)
    build_chase(DAY, config, out, data, on=next_day)
    approve_chase(out, DAY, "Jo Partner")
    with pytest.raises(DeliveryError, match=r"went on .* sent again only that day"):
        send_chase(
            out,
            DAY,
            config,
            lambda: dt.datetime.combine(next_day, dt.time(12), dt.UTC),
            resend=(uncertain.key,),
        )
    build_chase(DAY, config, out, data)
    # Once checked that it did not arrive, the operator sends it again, by its key, once,
    # as it was kept (the day's new draft approved first); its invoices listed once.
    approve_chase(out, DAY, "Jo Partner")
    asked = reminders_sent(out, DAY, dt.date(2100, 1, 1)).height
    kept = (chase_folder(out, DAY) / uncertain.eml).read_bytes()
    resent = send_chase(out, DAY, config, resend=(uncertain.key,))
    assert resent.sent == [uncertain.to] and resent.complete
    assert [str(m["To"]) for m in inbox.messages].count(uncertain.to) == 2
    assert inbox.messages[-1]["Message-ID"] == email.message_from_bytes(kept)["Message-ID"]
    assert reminders_sent(out, DAY, dt.date(2100, 1, 1)).height == asked
    assert send_chase(out, DAY, config).sent == []
    with pytest.raises(DeliveryError, match=f"--resend {uncertain.key}: no uncertain"):
        send_chase(out, DAY, config, resend=(uncertain.key,))


def test_the_demo_settings_chase(tmp_path: Path) -> None:
    shutil.copy(ROOT / "demo" / "reports.toml", tmp_path / "reports.toml")
    from reports.app import load_config

    config = load_config(tmp_path / "reports.toml", environ={})
    assert config.credit_control is not None
    assert [step.template for step in config.credit_control.schedule.steps] == [
        "reminder-before",
        "overdue-1",
        "overdue-2",
        "final",
    ]


def test_a_step_copies_in_its_cc_by_header_and_envelope(  # type: ignore[no-untyped-def]
    data: ReportData, tmp_path: Path, smtp_server
) -> None:
    steps = [dict(step) for step in STEPS["steps"]]  # type: ignore[union-attr]
    for step in steps:
        if step["template"] == "final":
            step["cc"] = "partner@firm.example"
    inbox = Inbox()
    smtp = smtp_server(inbox)
    config = Config(
        firm=FIRM,
        email=EmailSettings(),
        smtp=smtp,
        credit_control=parse_credit_control({**STEPS, "steps": steps}, "test"),
    )
    out = tmp_path / "out"
    draft = build_chase(DAY, config, out, data)
    finals = {r.to for r in draft.reminders if r.template == "final"}
    assert finals, "the sandbox has invoices at the final step"
    approve_chase(out, DAY, "Jo Partner")
    assert send_chase(out, DAY, config).complete
    for message, recipients in zip(inbox.messages, inbox.recipients, strict=True):
        if str(message["To"]) in finals:
            assert str(message["Cc"]) == "partner@firm.example"
            assert recipients == [str(message["To"]), "partner@firm.example"]
        else:
            assert message["Cc"] is None and recipients == [str(message["To"])]


def test_a_ledger_line_cut_short_by_a_crash_is_passed_over_and_ended(
    drafted: tuple[Path, ChaseDraft],
) -> None:
    out, draft = drafted
    approve_chase(out, DAY, "Jo Partner")
    ledger = chase_folder(out, DAY) / "sent" / "asked.jsonl"
    ledger.parent.mkdir(parents=True)
    ledger.write_text('{"message": "abc", "asks": ["x|1')  # a crash mid-line
    assert sent_asks(out) == set()
    sent = send_chase(out, DAY, settings())
    assert len(sent.sent) == len(draft.reminders)
    lines = ledger.read_text().splitlines()
    assert lines[0] == '{"message": "abc", "asks": ["x|1' and len(lines) == 1 + len(sent.sent)
    assert len(sent_asks(out)) == sum(len(r.asks()) for r in draft.reminders)


def test_a_draft_of_another_day_is_not_sent(drafted: tuple[Path, ChaseDraft]) -> None:
    """Something may have been paid since the day it was drafted from that day's data."""
    out, _ = drafted
    approve_chase(out, DAY, "Jo Partner")
    tomorrow = dt.datetime.now(dt.UTC) + dt.timedelta(days=1)
    with pytest.raises(ApprovalError, match="draft them again today"):
        send_chase(out, DAY, settings(), clock=lambda: tomorrow)


def test_a_damaged_draft_is_one_line(drafted: tuple[Path, ChaseDraft]) -> None:
    out, _ = drafted
    (chase_folder(out, DAY) / DRAFT).write_text('{"reminders": [')
    with pytest.raises(ApprovalError, match=r"cannot be read .* draft the day again"):
        approve_chase(out, DAY, "Jo Partner")


def test_a_client_key_in_exclude_that_is_no_clients_is_refused(
    data: ReportData, drafted: tuple[Path, ChaseDraft], tmp_path: Path
) -> None:
    _, draft = drafted
    key = draft.reminders[0].accounts[0].client_key
    with pytest.raises(ConfigError, match=f"exclude: '{key[:-2]}' is no client's key; did you"):
        build_chase(DAY, settings(exclude=[key[:-2]]), tmp_path / "out", data)


def test_interest_by_the_half_year_each_debt_fell_due_in(
    data: ReportData, drafted: tuple[Path, ChaseDraft], tmp_path: Path
) -> None:
    _, draft = drafted
    business = next(
        a
        for r in draft.reminders
        for a in r.accounts
        if any(i.days_overdue > 0 for i in a.invoices)
    )
    halves = {"2024-H1", "2024-H2", "2025-H1", "2025-H2", "2026-H1", "2026-H2"}
    rates = dict.fromkeys(sorted(halves), 5.0) | {"2026-H2": 4.0}
    config = settings(interest=True, base_rate=rates, business_clients=[business.client_key])
    stated = build_chase(DAY, config, tmp_path / "out", data)
    account = next(
        a for r in stated.reminders for a in r.accounts if a.client_key == business.client_key
    )
    assert all(i.interest for i in account.invoices if i.days_overdue > 0)
    with pytest.raises(ConfigError, match="base_rate has no rate for 20"):
        build_chase(
            DAY,
            settings(
                interest=True, base_rate={"2030-H1": 4.0}, business_clients=[business.client_key]
            ),
            tmp_path / "other",
            data,
        )


def test_an_invoice_paid_since_the_day_chased_for_is_not_asked_for(
    frames: Frames, data: ReportData, drafted: tuple[Path, ChaseDraft], tmp_path: Path
) -> None:
    """Drafted on 6 December for 31 October: what the data fetched on the 6th says was paid
    meanwhile is not asked for."""
    _, draft = drafted
    asked = draft.reminders[0].accounts[0].invoices[0].invoice_number
    schema = provider(Role.INVOICES)
    assert schema is not None
    key = (schema.source, schema.entity)
    invoices = frames[key]
    paid_late = invoices.with_columns(
        paid_at=pl.when(pl.col("invoice_number") == asked)
        .then(pl.lit(dt.datetime(2026, 11, 20, 10, tzinfo=dt.UTC)).cast(invoices.schema["paid_at"]))
        .otherwise(pl.col("paid_at"))
    )
    later = {**frames, key: paid_late}
    assert asked in paid_by(later, dt.date(2026, 12, 6))
    assert asked not in paid_by(later, DAY)
    again = build_chase(
        DAY, settings(), tmp_path / "out", data, paid=paid_by(later, dt.date(2026, 12, 6))
    )
    numbers = {i.invoice_number for r in again.reminders for a in r.accounts for i in a.invoices}
    assert asked not in numbers
