"""Review, approve, send, as a user runs them: `reports monthly` writes a draft, `reports
approve` stamps it and records every file's digest, `reports email` sends only an approved
month whose files are as approved; `[delivery] approval = "auto"` for unattended runs;
statements encrypted with a password from the client's own fields."""

from __future__ import annotations

import email
import email.policy
import io
import json
from pathlib import Path

import pytest
from pypdf import PdfReader

from reports.approval import file_digest
from reports.sandbox import Sandbox
from reports.sandbox.generate import Sizes
from tests.conftest import MakeSandbox
from tests.helpers import run

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
    result = run(
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
    statements = sorted((month / "statements").glob("*.pdf"))
    for document in (month / f"report-{MONTH}.pdf", statements[0]):
        assert "Draft: not approved for sending" in pdf_text(document)
    assert "Draft: not approved for sending" in (month / f"report-{MONTH}.html").read_text()
    code, _, stderr = reports(drafted, server, "email")
    assert code == 1
    assert stderr.startswith(f"error: {MONTH} is a draft, not approved: nothing was sent.")
    assert not sent(drafted)


def test_approving_stamps_every_document_and_records_its_digest(
    drafted: Path, server: Sandbox
) -> None:
    code, stdout, stderr = reports(drafted, server, "approve", "--by", "Jo Partner")
    assert code == 0, stderr
    assert "Approved by Jo Partner on " in stdout
    month = drafted / "output" / MONTH
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
    for document in (month / f"report-{MONTH}.pdf", *sorted((month / "statements").glob("*.pdf"))):
        text = pdf_text(document)
        assert "Approved by Jo Partner on " in text and "DRAFT" not in text
    # What is sent is what was approved.
    code, stdout, stderr = reports(drafted, server, "email")
    messages = sent(drafted)
    assert messages, stderr
    statements = json.loads((month / "statements" / "statements.json").read_text())
    for path in messages:
        message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        for part in message.iter_attachments():
            content = part.get_content()
            assert hashlib_of(content) in {files[f"statements/{s['path']}"] for s in statements} | {
                files[f"report-{MONTH}.pdf"]
            }


def hashlib_of(content: bytes) -> str:
    import hashlib

    return hashlib.sha256(content).hexdigest()


def test_a_file_changed_after_approval_is_refused_by_name(drafted: Path, server: Sandbox) -> None:
    month = drafted / "output" / MONTH
    before = len(sent(drafted))
    statement = sorted((month / "statements").glob("*.pdf"))[0]
    statement.write_bytes(statement.read_bytes() + b"\n% edited after approval\n")
    (month / "outbox" / "sent.jsonl").unlink()  # so that everything would be sent again
    code, _, stderr = reports(drafted, server, "email")
    assert code == 1
    assert stderr.strip() == (
        f"error: statements/{statement.name} of {MONTH} changed after it was approved (its "
        f"SHA-256 differs from the one approved): nothing was sent. Approve it again with "
        f"reports approve --month {MONTH} --by NAME, or rerun reports monthly"
    )
    assert len(sent(drafted)) == before


def test_approving_with_other_settings_than_the_draft_is_refused(
    drafted: Path, server: Sandbox
) -> None:
    other = SETTINGS + "[targets.invoiced_total]\nmonthly = 5000\n"
    code, _, stderr = reports(drafted, server, "approve", "--by", "Jo", settings=other)
    assert code == 1
    assert stderr.strip() == (
        f"error: the firm, targets, alerts or record links of these settings differ from "
        f"those {MONTH}'s draft was built with: approve with the same --config as reports "
        "monthly, or rerun it"
    )


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
            (month / "outbox" / "sent.jsonl").read_text(),
        ]
        + [p.read_text(errors="replace") for p in sent(tmp_path)]
    )
    for entry in with_postcode:
        assert entry["postcode"] not in written


def test_a_password_rule_naming_an_unknown_field_is_refused(tmp_path: Path) -> None:
    (tmp_path / "reports.toml").write_text(
        '[delivery]\nencrypt_statements = true\npassword = "{birthday}"\n', encoding="utf-8"
    )
    result = run(["email", "--month", MONTH, "--out", str(tmp_path)], cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr.strip() == (
        "error: REPORTS_DELIVERY_PASSWORD (or [delivery] password in reports.toml): "
        "'{birthday}' must name one or more of {postcode}, {reference}, {email}, not {birthday}"
    )
