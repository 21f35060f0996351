"""What each message carries: `Date`, a `Message-ID` at the sender's domain, `From` in the
firm's name, `Reply-To` where set, a text part and an HTML part made from one Markdown
template (no Markdown markers left in either), and its PDFs; one message per address.

The month here is built by hand (small real PDFs and the files `reports pdf` writes
beside them), so these tests need no sandbox; `test_spam_score.py` sends a whole one."""

from __future__ import annotations

import dataclasses
import datetime as dt
import email
import email.policy
import hashlib
import io
import json
from email.message import EmailMessage
from email.utils import parsedate_to_datetime
from html.parser import HTMLParser
from pathlib import Path

import pytest
import xlsxwriter
from pypdf import PdfWriter

from reports.app import load_config
from reports.approval import write_manifest
from reports.config import Config, EmailSettings, FirmSettings
from reports.delivery.email import deliver, deliver_month
from reports.errors import ConfigError
from reports.periods import Month
from reports.render.email_body import render_body
from reports.render.messages import plan_messages
from reports.render.templates import Templates
from reports.report.model import Stamp

FIRM = FirmSettings(
    name="Demo & Co",
    address=("12 Example Street", "London"),
    email="accounts@firm.example",
    phone="020 7946 0000",
)
SENDER = "reports@firm.example"
BRIEFING = """Alerts (1)
- Alert: Over 90 days past due is £19,148.00, above £10,000.00.

Commentary
**October 2026 in brief.** We invoiced £4,019.00 this month
(+395.6% on September), a [record](https://firm.example/oct) for October.

Headline figures
- Invoiced this month: £4,019.00 (+395.6% on September 2026)
"""
#: Each client: its name, own address (None: configured), outstanding, reference.
CLIENTS = {
    "willsuite-1": ("Sofia Taylor", "sofia@example.co.uk", "£408.00", "TAYLO001"),
    # A name mostly outside ASCII: the email module would send its text part in base64.
    "willsuite-2": (
        "Ελληνική Εταιρεία Συμβουλευτικών Υπηρεσιών Α.Ε.",
        "ee@example.gr",
        "£0.00",
        None,
    ),
    "mobility-1": ("Acme Holdings Ltd", None, "£1,250.00", "PO-77"),
    "mobility-2": ("Acme Trading Ltd", None, None, None),
    "mobility-3": ("*Bold* [x](https://evil.example) <b>Corp</b>", "evil@example.com", None, None),
}
ADDRESSES = {"Acme Holdings Ltd": "ap@acme.example", "Acme Trading Ltd": "ap@acme.example"}


def pdf(text: str) -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    writer.add_metadata({"/Title": text})
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def write_month(root: Path, briefing: str = BRIEFING) -> Path:
    """A month's folder as `reports pdf` leaves it: the monthly PDF, its briefing, and a
    statement per client with `statements.json`."""
    folder = root / "2026-10"
    (folder / "statements").mkdir(parents=True)
    (folder / "report-2026-10.pdf").write_bytes(pdf("report"))
    (folder / "briefing.txt").write_text(briefing, encoding="utf-8")
    entries = []
    for key, (client, address, outstanding, reference) in CLIENTS.items():
        content = pdf(key)
        (folder / "statements" / f"{key}.pdf").write_bytes(content)
        entries.append(
            {
                "key": key,
                "client": client,
                "email": address,
                "path": f"{key}.pdf",
                "outstanding": outstanding,
                "attachment": f"Statement - {key} - 2026-10.pdf",
                "reference": reference,
                "sha256": hashlib.sha256(content).hexdigest(),
            }
        )
    (folder / "statements" / "statements.json").write_text(json.dumps(entries), encoding="utf-8")
    return folder


def settings(reply_to: str | None = None) -> EmailSettings:
    return EmailSettings(
        monthly_to=("partners@firm.example",), client_addresses=ADDRESSES, reply_to=reply_to
    )


def sent(folder: Path, reply_to: str | None = None) -> dict[str, EmailMessage]:
    """Every message of the month, as written into the outbox, by its recipient."""
    plan = plan_messages(folder, "October 2026", settings(reply_to), firm=FIRM)
    deliver(plan.messages, folder, None, sender=SENDER, sender_name=FIRM.name, reply_to=reply_to)
    return read_outbox(folder)


def read_outbox(folder: Path) -> dict[str, EmailMessage]:
    messages = {}
    for path in (folder / "outbox").glob("*.eml"):
        message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        messages[str(message["To"])] = message
    return messages


def parts(message: EmailMessage) -> tuple[str, ...]:
    text = message.get_body(("plain",))
    html = message.get_body(("html",))
    assert isinstance(text, EmailMessage) and isinstance(html, EmailMessage)
    # The message's lines end in CRLF, as SMTP has them.
    return tuple(str(part.get_content()).replace("\r\n", "\n") for part in (text, html))


def test_every_message_has_a_date_its_own_id_the_firms_name_and_the_reply_to(
    tmp_path: Path,
) -> None:
    before = dt.datetime.now(dt.UTC).replace(microsecond=0)
    messages = sent(write_month(tmp_path), reply_to="accounts@firm.example")
    assert len(messages) == 5  # 2 own addresses, 1 for two companies, 1 odd name, partners
    ids = set()
    for message in messages.values():
        assert before <= parsedate_to_datetime(str(message["Date"])) <= dt.datetime.now(dt.UTC)
        assert str(message["Message-ID"]).endswith("@firm.example>")
        ids.add(str(message["Message-ID"]))
        (sender,) = message["From"].addresses
        assert (sender.display_name, sender.addr_spec) == ("Demo & Co", SENDER)
        assert str(message["Reply-To"]) == "accounts@firm.example"
        assert message["MIME-Version"] == "1.0"
    assert len(ids) == len(messages)


def test_no_reply_to_unless_one_is_set(tmp_path: Path) -> None:
    messages = sent(write_month(tmp_path))
    assert messages and all("Reply-To" not in message for message in messages.values())


def test_a_message_is_its_text_and_html_as_alternatives_then_its_pdfs(tmp_path: Path) -> None:
    messages = sent(write_month(tmp_path))
    for message in messages.values():
        assert message.get_content_type() == "multipart/mixed"
        first, *attached = message.iter_parts()
        assert first.get_content_type() == "multipart/alternative"
        assert [p.get_content_type() for p in first.iter_parts()] == ["text/plain", "text/html"]
        assert attached and all(a.get_content_type() == "application/pdf" for a in attached)
        assert all(a.get_content().startswith(b"%PDF") for a in attached)
        for part in message.walk():
            # Base64 text reads to spam filters as text disguised.
            if part.get_content_maintype() == "text":
                assert part["Content-Transfer-Encoding"] in ("7bit", "quoted-printable")


def test_one_message_per_address_carries_each_of_its_statements(tmp_path: Path) -> None:
    message = sent(write_month(tmp_path))["ap@acme.example"]
    names = [a.get_filename() for a in message.iter_attachments()]
    assert names == ["Statement - mobility-1 - 2026-10.pdf", "Statement - mobility-2 - 2026-10.pdf"]
    assert str(message["Subject"]) == "Your statements from Demo & Co for October 2026"
    text, html = parts(message)
    flowed = " ".join(text.split())
    assert "- Acme Holdings Ltd (payment reference PO-77): £1,250.00 due at the end" in flowed
    assert "- Acme Trading Ltd: expenses statement, not a request for payment" in flowed
    assert html.count("<li") == 2 and "<strong>Acme Holdings Ltd</strong>" in html


def test_the_monthly_briefing_is_bold_in_html_and_plain_in_text(tmp_path: Path) -> None:
    message = sent(write_month(tmp_path))["partners@firm.example"]
    assert str(message["Subject"]) == "Monthly report for October 2026 from Demo & Co (1 alert)"
    text, html = parts(message)
    assert "**" not in text and "October 2026 in brief. We invoiced £4,019.00" in text
    assert "a record (https://firm.example/oct) for October" in text
    assert "- Alert: Over 90 days past due is £19,148.00" in text
    assert "<strong>October 2026 in brief.</strong>" in html and "**" not in html
    assert '<a href="https://firm.example/oct"' in html
    # Each part's title stands above it, not run into the firm's words.
    assert "Commentary\n\nOctober 2026 in brief." in text
    assert ">Commentary</h3>" in html


def test_a_statement_message_shows_no_markdown(tmp_path: Path) -> None:
    message = sent(write_month(tmp_path))["sofia@example.co.uk"]
    text, html = parts(message)
    assert "**" not in text and "\\" not in text
    assert text.startswith("Dear Sofia Taylor,\n\nPlease find attached your statement")
    flowed = " ".join(text.split())
    assert "The amount due at the end of the month is £408.00." in flowed
    assert "please quote TAYLO001 as the payment reference" in flowed
    assert "Kind regards,\nDemo & Co\n12 Example Street\nLondon\n020 7946 0000\n" in text
    assert "<strong>£408.00</strong>" in html and "<strong>TAYLO001</strong>" in html
    assert "Kind regards,<br />\nDemo &amp; Co<br />" in html
    assert all(len(line) <= 72 for line in text.splitlines())


def test_a_clients_name_is_printed_as_its_characters_never_as_markup(tmp_path: Path) -> None:
    message = sent(write_month(tmp_path))["evil@example.com"]
    text, html = parts(message)
    name = "*Bold* [x](https://evil.example) <b>Corp</b>"
    assert f"Dear {name}," in text
    assert "Dear *Bold* [x](https://evil.example) &lt;b&gt;Corp&lt;/b&gt;," in html
    assert "<em>" not in html and 'evil.example"' not in html and "<b>" not in html


class _Checker(HTMLParser):
    """Every element that must close does, in order; no external resource is named."""

    VOID = frozenset({"meta", "br", "hr", "img", "link", "input"})

    def __init__(self) -> None:
        super().__init__()
        self.open: list[str] = []
        self.tags: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        assert not {name for name, _ in attrs} & {"src", "srcset", "background"}
        if tag not in self.VOID:
            self.open.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)

    def handle_endtag(self, tag: str) -> None:
        assert self.open and self.open.pop() == tag, (tag, self.open)


def test_the_html_part_is_a_small_valid_document_that_loads_nothing(tmp_path: Path) -> None:
    for message in sent(write_month(tmp_path)).values():
        _, html = parts(message)
        assert html.startswith('<!DOCTYPE html>\n<html lang="en">')
        assert '<meta charset="utf-8">' in html
        subject = str(message["Subject"]).replace("&", "&amp;")
        assert f"<title>{subject}</title>" in html
        checker = _Checker()
        checker.feed(html)
        checker.close()
        assert checker.open == []
        assert not checker.tags & {"img", "link", "script", "style", "iframe", "object"}
        assert "<p style=" in html and len(html) < 10_000


def test_markdown_becomes_plain_text() -> None:
    body = render_body(
        "**Hello** _there_",
        "Intro with *emphasis*, `code`, a [link](https://firm.example/a) and "
        "<https://firm.example/b>, long enough that the paragraph must be wrapped at "
        "seventy-two characters.\n\n"
        "# A heading\n\n"
        "- one\n- two, *bold*\n  - nested\n\n"
        "3. third\n4. fourth\n\n"
        "> quoted\n\n"
        "Line one\\\nLine two ![a chart](https://firm.example/c.png)\n",
    )
    assert body.subject == "Hello there"
    assert body.text == (
        "Intro with emphasis, code, a link (https://firm.example/a) and\n"
        "https://firm.example/b, long enough that the paragraph must be wrapped\n"
        "at seventy-two characters.\n\n"
        "A heading\n\n"
        "- one\n- two, bold\n  - nested\n\n"
        "3. third\n4. fourth\n\n"
        "> quoted\n\n"
        "Line one\nLine two a chart\n"
    )
    assert "<img" not in body.html and "c.png" not in body.html
    assert "<em>emphasis</em>" in body.html and "<h1 style=" in body.html


def test_a_firms_own_text_template_still_serves_both_parts(tmp_path: Path) -> None:
    """A firm's `email/statement.txt` of before the templates were Markdown: its text is
    the text part, and, escaped, the HTML part."""
    own = tmp_path / "templates" / "email"
    own.mkdir(parents=True)
    (own / "statement.txt").write_text(
        "Subject: Statement for {{ client }}\n\nHi {{ client }}, **as is** <b>here</b>.\n",
        encoding="utf-8",
    )
    folder = write_month(tmp_path)
    plan = plan_messages(
        folder, "October 2026", settings(), Templates(tmp_path / "templates"), firm=FIRM
    )
    message = next(m for m in plan.messages if m.to == "sofia@example.co.uk")
    assert message.subject == "Statement for Sofia Taylor"
    assert message.body == "Hi Sofia Taylor, **as is** <b>here</b>.\n"
    assert "Hi Sofia Taylor, **as is** &lt;b&gt;here&lt;/b&gt;." in message.html
    monthly = next(m for m in plan.messages if m.kind == "monthly")
    assert "<strong>October 2026 in brief.</strong>" in monthly.html  # ours still


def test_reply_to_is_read_from_the_settings_and_checked(tmp_path: Path) -> None:
    environ = {"REPORTS_EMAIL_REPLY_TO": "accounts@firm.example"}
    assert load_config(environ=environ).email.reply_to == "accounts@firm.example"
    toml = tmp_path / "reports.toml"
    toml.write_text('[email]\nreply_to = "team@firm.example"\n', encoding="utf-8")
    assert load_config(toml, environ={}).email.reply_to == "team@firm.example"
    assert load_config(environ={}).email.reply_to is None
    for wrong in ("not an address", "a@firm.example, b@firm.example", "Team <a@firm.example>"):
        with pytest.raises(ConfigError, match=r"^REPORTS_EMAIL_REPLY_TO \(or \[email\] reply_to"):
            load_config(environ={"REPORTS_EMAIL_REPLY_TO": wrong})


def test_sending_the_approved_month_sets_the_configured_reply_to(tmp_path: Path) -> None:
    folder = write_month(tmp_path)
    at = dt.datetime(2026, 11, 2, 9, tzinfo=dt.UTC)
    write_manifest(folder, "2026-10", Stamp.approved("Jo Partner", at), "manual")
    config = Config(email=settings("accounts@firm.example"), firm=FIRM)
    delivery = deliver_month(folder, Month.parse("2026-10"), config)
    assert len(delivery.sent) == 5
    messages = read_outbox(folder)
    assert {str(m["Reply-To"]) for m in messages.values()} == {"accounts@firm.example"}


@pytest.mark.parametrize(
    ("standing", "outstanding", "said", "not_said"),
    [
        ("owed", "£408.00", "The amount due at the end of the month is £408.00.", "Nothing"),
        ("settled", "£0.00", "Nothing is owed at the end of the month.", "quote"),
        ("in credit", "-£120.00", "Your account is in credit", "quote"),
        (None, None, "your expenses statement for October 2026: a record", "quote"),
    ],
)
def test_a_statement_email_asks_for_payment_only_where_something_is_owed(
    tmp_path: Path, standing: str | None, outstanding: str | None, said: str, not_said: str
) -> None:
    from reports.config import FirmSettings
    from reports.render.messages import Addressed, Attachment, compose
    from reports.render.templates import Templates

    pdf = tmp_path / "s.pdf"
    pdf.write_bytes(b"%PDF-1.7")
    attachment = Attachment(
        pdf, "s.pdf", "x-1", "Sofia Taylor", "d", None, outstanding, "TAYLO001", standing
    )
    (message,) = compose(
        [Addressed("sofia@example.co.uk", attachment)],
        "statement",
        "2026-10",
        "October 2026",
        Templates(),
        FirmSettings(name="Demo & Co"),
    )
    flowed = " ".join(message.body.split())
    assert said in flowed and not_said not in flowed


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def write_workbook(folder: Path) -> bytes:
    """The month's workbook beside its PDF, as `reports monthly` leaves it (a small real one)."""
    path = folder / "report-2026-10.xlsx"
    book = xlsxwriter.Workbook(str(path))
    book.add_worksheet("Summary").write(0, 0, "Invoiced")
    book.close()
    return path.read_bytes()


def test_the_monthly_message_carries_the_workbook_beside_the_pdf(tmp_path: Path) -> None:
    folder = write_month(tmp_path)
    workbook = write_workbook(folder)
    message = sent(folder)["partners@firm.example"]
    attached = [
        (a.get_filename(), a.get_content_type(), a.get_content())
        for a in message.iter_attachments()
    ]
    assert [(name, kind) for name, kind, _ in attached] == [
        ("report-2026-10.pdf", "application/pdf"),
        ("report-2026-10.xlsx", XLSX),
    ]
    assert attached[1][2] == workbook
    text, html = parts(message)
    said = "is attached, with its workbook (report-2026-10.xlsx) to sort and filter."
    assert said in " ".join(text.split()) and said in " ".join(html.split())
    # Clients' statements stay PDFs alone.
    statement = sent(folder)["sofia@example.co.uk"]
    assert [a.get_content_type() for a in statement.iter_attachments()] == ["application/pdf"]


def test_attach_workbook_false_sends_the_pdf_alone(tmp_path: Path) -> None:
    folder = write_month(tmp_path)
    write_workbook(folder)
    without = dataclasses.replace(settings(), attach_workbook=False)
    plan = plan_messages(folder, "October 2026", without, firm=FIRM)
    (monthly,) = [m for m in plan.messages if m.kind == "monthly"]
    assert [a.name for a in monthly.attachments] == ["report-2026-10.pdf"]
    assert "workbook" not in monthly.body


def test_a_month_with_no_workbook_still_sends_its_pdf(tmp_path: Path) -> None:
    """A month rendered by `reports pdf` alone has no workbook to attach."""
    plan = plan_messages(write_month(tmp_path), "October 2026", settings(), firm=FIRM)
    (monthly,) = [m for m in plan.messages if m.kind == "monthly"]
    assert [a.name for a in monthly.attachments] == ["report-2026-10.pdf"]
    assert "The monthly report for October 2026 is attached." in monthly.body


def test_attach_workbook_is_read_from_the_settings_and_checked(tmp_path: Path) -> None:
    assert load_config(environ={}).email.attach_workbook is True
    toml = tmp_path / "reports.toml"
    toml.write_text("[email]\nattach_workbook = false\n", encoding="utf-8")
    assert load_config(toml, environ={}).email.attach_workbook is False
    environ = {"REPORTS_EMAIL_ATTACH_WORKBOOK": "yes"}
    assert load_config(toml, environ=environ).email.attach_workbook is True
    with pytest.raises(ConfigError, match=r"^REPORTS_EMAIL_ATTACH_WORKBOOK \(or \[email\]"):
        load_config(environ={"REPORTS_EMAIL_ATTACH_WORKBOOK": "sometimes"})


def test_a_reader_who_had_the_report_is_not_sent_the_workbook_alone(tmp_path: Path) -> None:
    """A month sent before workbooks were attached: a rerun sends no second message."""
    folder = write_month(tmp_path)
    at = dt.datetime(2026, 11, 2, 9, tzinfo=dt.UTC)
    write_manifest(folder, "2026-10", Stamp.approved("Jo Partner", at), "manual")
    first = deliver_month(folder, Month.parse("2026-10"), Config(email=settings(), firm=FIRM))
    assert "partners@firm.example" in first.sent
    write_workbook(folder)  # the workbook appears after the report went out
    write_manifest(folder, "2026-10", Stamp.approved("Jo Partner", at), "manual")
    again = deliver_month(folder, Month.parse("2026-10"), Config(email=settings(), firm=FIRM))
    assert again.sent == [] and again.complete
