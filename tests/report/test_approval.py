"""Review, approve, send, as a user runs them: `reports monthly` writes a draft, `reports
approve` stamps the firm's documents (never a client's statement) and records every file's
digest, `reports email` sends only an approved month whose files are as approved;
`[delivery] approval = "auto"` for unattended runs; statements encrypted with a password
from the client's own fields; an approval refused, naming the setting, when the settings
are not those the draft was built with."""

from __future__ import annotations

import email
import email.policy
import io
import json
import os
import shutil
from pathlib import Path

import pytest
from pypdf import PdfReader

from reports.app import load_config
from reports.approval import file_digest
from reports.draft_settings import legacy_fingerprint
from reports.monthly import approve_month
from reports.periods import Month
from reports.sandbox import Sandbox
from reports.sandbox.generate import Sizes
from tests.conftest import MakeSandbox
from tests.helpers import invoke

MONTH = "2026-10"
SMALL = Sizes(mobility_cases=8, plannr_cases=4, plannr_clients=4, willsuite_cases=14)
SETTINGS = """
[firm]
name = "Approvals & Co"
[email]
monthly_to = ["partners@firm.example"]
"""


@pytest.fixture(scope="module")
def server(make_sandbox: MakeSandbox) -> Sandbox:
    return make_sandbox(seed=3, sizes=SMALL)


def reports(
    folder: Path, server: Sandbox, *args: str, settings: str = SETTINGS
) -> tuple[int, str, str]:
    (folder / "reports.toml").write_text(settings, encoding="utf-8")
    result = invoke(
        [*args, "--month", MONTH, "--out", str(folder / "output")],
        env=server.environment(),
        cwd=folder,
    )
    assert "Traceback" not in result.stderr
    return result.returncode, result.stdout, result.stderr


def pdf_text(path: Path) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(path).pages)


def manifest(folder: Path) -> dict[str, object]:
    return json.loads((folder / "output" / MONTH / "manifest.json").read_text())


def sent(folder: Path) -> list[Path]:
    return sorted((folder / "output" / MONTH / "outbox").glob("*.eml"))


@pytest.fixture(scope="module")
def drafted(server: Sandbox, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("approval")
    code, _, stderr = reports(folder, server, "monthly", "--workers", "2")
    assert code == 0, stderr
    assert f"draft: look it over, then reports approve --month {MONTH} --by NAME" in stderr
    return folder


def test_a_month_is_built_as_a_draft_and_not_sent(drafted: Path, server: Sandbox) -> None:
    month = drafted / "output" / MONTH
    body = manifest(drafted)
    assert body["approval"] == "draft" and body["approved_by"] is None
    assert "Draft: not approved for sending" in pdf_text(month / f"report-{MONTH}.pdf")
    assert "Draft: not approved for sending" in (month / f"report-{MONTH}.html").read_text()
    # A client's statement says nothing of the firm's review.
    for statement in sorted((month / "statements").glob("*.pdf")):
        text = pdf_text(statement)
        assert "Draft" not in text and "DRAFT" not in text and "Approved" not in text
    code, _, stderr = reports(drafted, server, "email")
    assert code == 1
    assert stderr.startswith(f"error: {MONTH} is a draft, not approved: nothing was sent.")
    assert not sent(drafted)


def test_approving_stamps_every_document_and_records_its_digest(
    drafted: Path, server: Sandbox
) -> None:
    month = drafted / "output" / MONTH
    reviewed = statement_digests(month)
    code, stdout, stderr = reports(drafted, server, "approve", "--by", "Jo Partner")
    assert code == 0, stderr
    assert "Approved by Jo Partner on " in stdout
    # The statements are the files reviewed, byte for byte; the firm's documents say who
    # approved them.
    assert statement_digests(month) == reviewed
    body = manifest(drafted)
    assert body["approval"] == "approved" and body["approved_by"] == "Jo Partner"
    assert body["mode"] == "manual" and body["approved_at"]
    files = body["files"]
    assert isinstance(files, dict)
    on_disk = {
        p.relative_to(month).as_posix()
        for p in month.rglob("*")
        if p.is_file()
        and (p.name != "manifest.json" or p.relative_to(month).as_posix() == "data/manifest.json")
    }
    assert set(files) == on_disk
    assert all(file_digest(month / name) == digest for name, digest in files.items())
    report = pdf_text(month / f"report-{MONTH}.pdf")
    assert "Approved by Jo Partner on " in report and "DRAFT" not in report
    assert "Approved by Jo Partner on " in (month / f"report-{MONTH}.html").read_text()
    for statement in sorted((month / "statements").glob("*.pdf")):
        text = pdf_text(statement)
        assert "Approved by" not in text and "Draft" not in text and "DRAFT" not in text
    # What is sent is what was approved.
    code, stdout, stderr = reports(drafted, server, "email")
    messages = sent(drafted)
    assert messages, stderr
    statements = json.loads((month / "statements" / "statements.json").read_text())
    for path in messages:
        message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        if "statement" in message["Subject"].lower():  # a client's: no word of the review
            body = message.get_body().get_content()
            assert "approved" not in body.lower() and "draft" not in body.lower()
        for part in message.iter_attachments():
            content = part.get_content()
            assert hashlib_of(content) in {files[f"statements/{s['path']}"] for s in statements} | {
                files[f"report-{MONTH}.pdf"],
                files[f"report-{MONTH}.xlsx"],
            }


def hashlib_of(content: bytes) -> str:
    import hashlib

    return hashlib.sha256(content).hexdigest()


def statement_digests(month: Path) -> dict[str, str]:
    """The SHA-256 of every file under the month's statements/, by name."""
    return {p.name: hashlib_of(p.read_bytes()) for p in sorted((month / "statements").iterdir())}


def test_a_file_changed_after_approval_is_refused_by_name(drafted: Path, server: Sandbox) -> None:
    month = drafted / "output" / MONTH
    before = len(sent(drafted))
    statement = sorted((month / "statements").glob("*.pdf"))[0]
    statement.write_bytes(statement.read_bytes() + b"\n% edited after approval\n")
    shutil.rmtree(month / "sent", ignore_errors=True)  # so that everything would be sent again
    code, _, stderr = reports(drafted, server, "email")
    assert code == 1
    assert stderr.strip() == (
        f"error: statements/{statement.name} of {MONTH} changed after it was approved (its "
        f"SHA-256 differs from the one approved): nothing was sent. Approve it again with "
        f"reports approve --month {MONTH} --by NAME, or rerun reports monthly"
    )
    assert len(sent(drafted)) == before


def files_of(folder: Path) -> dict[str, tuple[str, int]]:
    """Every file under `folder` (hidden ones too), with its SHA-256 and when it was
    written: what a refused approval must leave as it was."""
    return {
        p.relative_to(folder).as_posix(): (hashlib_of(p.read_bytes()), p.stat().st_mtime_ns)
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def test_a_firm_name_changed_in_the_settings_after_the_draft_is_refused_naming_it(
    drafted: Path, server: Sandbox
) -> None:
    before = files_of(drafted / "output")
    renamed = SETTINGS.replace('name = "Approvals & Co"', 'name = "Renamed & Co"')
    code, _, stderr = reports(drafted, server, "approve", "--by", "Jo", settings=renamed)
    assert code == 1
    assert stderr.strip() == (
        f"error: the firm's name differs from the draft's (\"Approvals & Co\" in the draft of "
        f'{MONTH}, "Renamed & Co" now): approve with --firm "Approvals & Co" and the same '
        "--config as reports monthly, or rerun reports monthly"
    )
    assert files_of(drafted / "output") == before


def test_a_target_or_firm_field_changed_after_the_draft_is_refused_naming_each(
    drafted: Path, server: Sandbox
) -> None:
    before = files_of(drafted / "output")
    targets = SETTINGS + "[targets.invoiced_total]\nmonthly = 5000\n"
    code, _, stderr = reports(drafted, server, "approve", "--by", "Jo", settings=targets)
    assert code == 1
    assert stderr.strip() == (
        "error: the targets ([targets]) differ from the draft's: approve with the same "
        "--config as reports monthly, or rerun reports monthly"
    )
    numbered = targets.replace("[email]", 'vat_number = "GB 123 4567 89"\n[email]')
    code, _, stderr = reports(drafted, server, "approve", "--by", "Jo", settings=numbered)
    assert code == 1
    assert stderr.strip() == (
        f"error: [firm] vat_number differs from the draft's (nothing in the draft of {MONTH}, "
        '"GB 123 4567 89" now); the targets ([targets]) differ from the draft\'s: approve '
        "with the same --config as reports monthly, or rerun reports monthly"
    )
    assert files_of(drafted / "output") == before


def test_a_commentary_written_after_the_draft_is_not_slipped_into_its_approval(
    drafted: Path, server: Sandbox
) -> None:
    commentary = drafted / "output" / "commentary" / f"{MONTH}.md"
    commentary.parent.mkdir()
    commentary.write_text("A quiet month.\n", encoding="utf-8")
    try:
        code, _, stderr = reports(drafted, server, "approve", "--by", "Jo")
    finally:
        commentary.unlink()
    assert code == 1
    assert stderr.strip() == (
        f"error: {commentary} was written after {MONTH}'s draft, which has automatic "
        "observations instead: rerun reports monthly to make a draft with it, then approve that"
    )


def test_a_rerun_after_approval_is_a_draft_again(drafted: Path, server: Sandbox) -> None:
    code, _, stderr = reports(drafted, server, "monthly", "--workers", "2")
    assert code == 0, stderr
    assert manifest(drafted)["approval"] == "draft"
    code, _, stderr = reports(drafted, server, "email")
    assert code == 1 and "is a draft, not approved" in stderr


def test_unattended_runs_approve_and_send_automatically(server: Sandbox, tmp_path: Path) -> None:
    settings = SETTINGS + '[delivery]\napproval = "auto"\n'
    code, stdout, stderr = reports(
        tmp_path, server, "monthly", "--workers", "2", "--email", settings=settings
    )
    assert "Approved automatically (unattended run) on " in stdout
    body = manifest(tmp_path)
    assert body["approval"] == "automatic" and body["mode"] == "auto"
    assert body["approved_by"] is None
    assert sent(tmp_path), stderr
    report = tmp_path / "output" / MONTH / f"report-{MONTH}.pdf"
    assert "Approved automatically (unattended run)" in pdf_text(report)
    # Without auto, `monthly --email` writes the draft and sends nothing.
    other = tmp_path / "manual"
    other.mkdir()
    code, _, stderr = reports(other, server, "monthly", "--workers", "2", "--email")
    assert code == 1
    assert (
        stderr.strip().splitlines()[-1].startswith(f"error: {MONTH} is a draft: it was written to ")
    )
    assert (other / "output" / MONTH / f"report-{MONTH}.html").exists() and not sent(other)


def test_statements_are_encrypted_with_the_clients_own_password(
    server: Sandbox, drafted: Path, tmp_path: Path
) -> None:
    # A mobility client (no postcode in its system) is given an address, to be refused.
    drafts = json.loads((drafted / "output" / MONTH / "statements" / "statements.json").read_text())
    mobility = next(s["key"] for s in drafts if s["key"].startswith("mobility-"))
    settings = (
        SETTINGS
        + f'[email.client_addresses]\n"{mobility}" = "ap@mobility-client.example"\n'
        + '[delivery]\napproval = "auto"\nencrypt_statements = true\npassword = "{postcode}"\n'
    )
    _, stdout, stderr = reports(
        tmp_path, server, "monthly", "--workers", "2", "--email", settings=settings
    )
    month = tmp_path / "output" / MONTH
    statements = json.loads((month / "statements" / "statements.json").read_text())
    with_postcode = [s for s in statements if s.get("postcode") and s["email"]]
    without = [s for s in statements if s["key"] == mobility]
    assert with_postcode and without
    # A client with no postcode is not sent its statement, and is named.
    for entry in without:
        assert f"{entry['client']} ({entry['key']}): its statement is to be encrypted" in stderr
    opened = 0
    for path in sent(tmp_path):
        message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        for part in message.iter_attachments():
            if not part.get_filename().startswith("Statement"):
                continue
            entry = next(s for s in statements if s["attachment"] == part.get_filename())
            reader = PdfReader(io.BytesIO(part.get_content()))
            assert reader.is_encrypted
            assert reader.decrypt("wrong") == 0
            assert reader.decrypt(entry["postcode"]) != 0
            assert entry["client"] in reader.pages[0].extract_text()
            assert "opens with a password, your postcode" in message.get_body().get_content()
            opened += 1
    assert opened == len(with_postcode)
    # The passwords are written nowhere: not in the outbox's text, the ledger, the manifest
    # or what the run printed.
    written = "\n".join(
        [
            stdout,
            stderr,
            (month / "manifest.json").read_text(),
            (month / "sent" / "record.jsonl").read_text(),
        ]
        + [p.read_text(errors="replace") for p in sent(tmp_path)]
        + [p.read_text(errors="replace") for p in (month / "sent").rglob("*.eml")]
    )
    for entry in with_postcode:
        assert entry["postcode"] not in written


def test_a_password_rule_naming_an_unknown_field_is_refused(tmp_path: Path) -> None:
    (tmp_path / "reports.toml").write_text(
        '[delivery]\nencrypt_statements = true\npassword = "{birthday}"\n', encoding="utf-8"
    )
    result = invoke(["email", "--month", MONTH, "--out", str(tmp_path)], cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr.strip() == (
        "error: REPORTS_DELIVERY_PASSWORD (or [delivery] password in reports.toml): "
        "'{birthday}' must name one or more of {postcode}, {reference}, {email}, not {birthday}"
    )


QUILL = "Quill & Ink LLP"


@pytest.fixture(scope="module")
def quill(server: Sandbox, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A draft built with --firm "Quill & Ink LLP", over settings that name another firm."""
    folder = tmp_path_factory.mktemp("quill")
    code, _, stderr = reports(folder, server, "monthly", "--workers", "2", "--firm", QUILL)
    assert code == 0, stderr
    return folder


def test_a_draft_of_another_firm_name_is_not_approved_under_this_one(
    quill: Path, server: Sandbox
) -> None:
    before = files_of(quill / "output")
    code, _, stderr = reports(quill, server, "approve", "--by", "Jo Partner")
    assert code == 1
    assert stderr.strip() == (
        f"error: the firm's name differs from the draft's (\"{QUILL}\" in the draft of {MONTH}, "
        f'"Approvals & Co" now): approve with --firm "{QUILL}" and the same --config as '
        "reports monthly, or rerun reports monthly"
    )
    # --firm means what it means to reports monthly.
    code, _, stderr = reports(quill, server, "approve", "--by", "Jo", "--firm", "Quill Ltd")
    assert code == 1
    assert stderr.startswith(
        f"error: the firm's name differs from the draft's (\"{QUILL}\" in the draft of {MONTH}, "
        '"Quill Ltd" now)'
    )
    assert files_of(quill / "output") == before


def test_under_the_drafts_firm_name_it_is_approved_and_renders_no_statement(
    quill: Path, server: Sandbox, tmp_path: Path
) -> None:
    # A copy of the draft, approved in this process (as reports approve --firm does) to
    # see what it renders.
    shutil.copytree(quill / "output", tmp_path / "output")
    month = tmp_path / "output" / MONTH
    reviewed = statement_digests(month)
    told: list[tuple[str, int, int]] = []
    config = load_config(quill / "reports.toml", environ=dict(os.environ) | server.environment())
    result = approve_month(
        Month.parse(MONTH),
        config,
        tmp_path / "output",
        "Jo Partner",
        firm=QUILL,
        workers=1,
        on_progress=lambda stage, done, total: told.append((stage, done, total)),
    )
    assert json.loads((month / "manifest.json").read_text())["approved_by"] == "Jo Partner"
    assert result.statements == len(reviewed) - 1  # every statement, and statements.json
    assert [progress for progress in told if progress[0] == "statements"] == []
    assert statement_digests(month) == reviewed
    report = pdf_text(month / f"report-{MONTH}.pdf")
    assert QUILL in report and "Approvals & Co" not in report
    assert "Approved by Jo Partner on " in report
    assert "Approved by Jo Partner on " in (month / f"report-{MONTH}.html").read_text()
    for statement in sorted((month / "statements").glob("*.pdf")):
        text = pdf_text(statement)
        assert QUILL in text and "Approvals & Co" not in text
        assert "Approved by" not in text and "Draft" not in text and "DRAFT" not in text


def test_a_snapshot_from_before_settings_were_kept_one_by_one_keeps_the_old_check(
    quill: Path, server: Sandbox, tmp_path: Path
) -> None:
    # The draft's snapshot as an earlier version wrote it: one hash of the settings.
    shutil.copytree(quill / "output", tmp_path / "output")
    snapshot = tmp_path / "output" / MONTH / "data" / "manifest.json"
    saved = json.loads(snapshot.read_text())
    saved["settings"] = legacy_fingerprint(load_config(quill / "reports.toml", environ={}))
    snapshot.write_text(json.dumps(saved))
    other = SETTINGS + "[targets.invoiced_total]\nmonthly = 5000\n"
    code, _, stderr = reports(tmp_path, server, "approve", "--by", "Jo", settings=other)
    assert code == 1
    assert stderr.strip() == (
        f"error: the firm, targets, alerts or record links of these settings differ from "
        f"those {MONTH}'s draft was built with: approve with the same --config as reports "
        "monthly, or rerun it"
    )
