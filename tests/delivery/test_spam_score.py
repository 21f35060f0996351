"""Every kind of message a month sends scores below 1.0 with SpamAssassin's local rules
(Debian's `spamassassin`, no network test): a client's statement, a message carrying
several, the monthly report with its briefing, a correction, and a payment reminder of each
step, as the demo writes them into the outbox. SpamAssassin is a system package:
scripts/system-deps.sh installs it, and this test fails, not skips, where it is missing, so
that CI cannot pass without it."""

from __future__ import annotations

import datetime as dt
import mailbox
import shutil
import subprocess
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import pytest
from factories import sandbox_month

from reports.app import load_config
from reports.chase import approve_chase, build_chase, send_chase
from reports.config import Config
from reports.delivery.email import deliver
from reports.render.commentary import read_commentary, write_briefing
from reports.render.excel import write_workbook
from reports.render.messages import compose, plan_messages, statement_items
from reports.render.pdf import write_monthly_pdf, write_statements
from reports.render.templates import Templates
from reports.sandbox import Sizes
from reports.store.sent import SentRecord
from tests.helpers import ROOT

#: A message scoring this or more is not good enough, though far below SpamAssassin's 5.0
#: for spam: a receiving server's own rules, or a network test, add to it.
LIMIT = Decimal("1.0")
#: Local tests only; nothing learnt from the messages, and their full-precision scores.
OPTIONS = [
    "-L",
    "-t",
    "--mbox",
    "--cf=bayes_auto_learn 0",
    "--cf=add_header all Rules _TESTSSCORES(,)_",
]


@pytest.fixture(scope="module")
def spamassassin() -> str:
    found = shutil.which("spamassassin")
    if found is None:
        pytest.fail(
            "SpamAssassin is not installed: run scripts/system-deps.sh (make test does)",
            pytrace=False,
        )
    return found


@pytest.fixture(scope="module")
def outbox(spamassassin: str, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A month as the demo sends it, smaller: its targets, alerts and commentary, the
    sandbox's firm, and its messages written into the outbox."""
    demo = load_config(ROOT / "demo" / "reports.toml", environ={})
    sizes = Sizes(mobility_cases=40, plannr_cases=5, plannr_clients=5, willsuite_cases=60)
    month = sandbox_month(seed=9, sizes=sizes)
    firm = month.firm
    data = month.report(
        "2026-10",
        firm=firm,
        history_months=12,
        targets=demo.targets,
        alert_rules=demo.alerts,
    )
    commentary = ROOT / "demo" / "commentary" / "2026-10.md"
    data = replace(data, commentary=read_commentary(commentary, data))
    folder = tmp_path_factory.mktemp("spam") / "2026-10"
    folder.mkdir()
    write_monthly_pdf(data, folder / "report-2026-10.pdf")
    # Attached beside the PDF to the monthly report's readers ([email] attach_workbook).
    write_workbook(data, folder / "report-2026-10.xlsx")
    write_briefing(data, folder)
    willsuite = [s for s in data.statements if s.source == "willsuite"][:3]
    mobility = [s for s in data.statements if s.source == "mobility"][:3]
    write_statements(data, folder / "statements", statements=[*willsuite, *mobility])
    # Two of the companies share an address: one message carries both statements.
    settings = month.email
    shared = {s.client: "accounts@group.example" for s in mobility[:2]}
    settings = replace(settings, client_addresses={**settings.client_addresses, **shared})
    plan = plan_messages(folder, data.month_label, settings, firm=firm)
    items, _ = statement_items(folder, settings, firm)
    replaces = {items[0].attachment.client_key or "": "02 Nov 2026"}
    correction = compose(
        items[:1], "correction", "2026-10", data.month_label, Templates(), firm, replaces
    )
    messages = [*plan.messages, *correction]
    assert {m.kind for m in messages} == {"statement", "monthly", "correction"}
    assert max(len(m.attachments) for m in messages) == 2
    delivery = deliver(messages, folder, None, sender_name=firm.name, reply_to=firm.email)
    assert len(delivery.sent) == len(messages) == 7
    # Payment reminders, one of each step drafted, as reports chase sends them on the
    # month's last day (before the due date, overdue, and the final one).
    chase = Config(firm=firm, email=settings, credit_control=demo.credit_control)
    chased = folder.parent / "chase"
    draft = build_chase(dt.date(2026, 10, 31), chase, chased, data)
    approve_chase(chased, dt.date(2026, 10, 31), "Jo Partner")
    send_chase(chased, dt.date(2026, 10, 31), chase)
    firsts = {r.template: r for r in reversed(draft.reminders)}
    assert {"reminder-before", "overdue-1", "final"} <= set(firsts)
    for reminder in firsts.values():
        key = next(m.key for m in SentRecord(draft.folder).messages.values() if m.to == reminder.to)
        shutil.copy(draft.folder / "outbox" / f"{key}.eml", folder / "outbox")
    return folder / "outbox"


def scores(spamassassin: str, outbox: Path, home: Path) -> list[tuple[Decimal, str]]:
    """Each message's score, and what it is and which rules fired (SpamAssassin's report)."""
    box = b"".join(
        b"From reports@localhost Mon Nov  2 06:00:00 2026\n"
        + path.read_bytes().replace(b"\r\n", b"\n").replace(b"\nFrom ", b"\n>From ")
        + b"\n"
        for path in sorted(outbox.glob("*.eml"))
    )
    # One SpamAssassin for every message (it takes seconds to start); its preferences file
    # goes into `home`, never the user's.
    result = subprocess.run(
        [spamassassin, *OPTIONS],
        input=box,
        capture_output=True,
        env={"HOME": str(home), "PATH": "/usr/bin:/bin"},
        timeout=300,
        check=True,
    )
    (home / "scored.mbox").write_bytes(result.stdout)
    found = []
    for message in mailbox.mbox(home / "scored.mbox"):
        rules = " ".join(str(message["X-Spam-Rules"]).split())
        score = sum(
            (Decimal(rule.partition("=")[2]) for rule in rules.split(",") if rule), Decimal(0)
        )
        text = message.as_string()
        report = text[text.find(" pts rule name") :].split("\n\n")[0]
        found.append((score, f"{message['Subject']} to {message['To']}: {score}\n{report}"))
    assert len(found) == len(list(outbox.glob("*.eml"))), result.stderr.decode()
    return found


def test_every_kind_of_message_scores_below_one(
    spamassassin: str, outbox: Path, tmp_path: Path
) -> None:
    scored = scores(spamassassin, outbox, tmp_path)
    for _, said in scored:
        print(said, end="\n\n")  # shown with -s: every score, and the rules that fired
    too_high = [said for score, said in scored if score >= LIMIT]
    assert too_high == [], "\n\n".join(too_high)
