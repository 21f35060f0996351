"""The month folder's files as the store reads and writes them: the shapes on disk are those
earlier versions wrote, so an old month reads the same."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

import pytest

from reports.errors import MonthFolderError, SnapshotError
from reports.periods import Month
from reports.store.approval_manifest import (
    ApprovalManifest,
    read_approval_manifest,
    write_approval_manifest,
)
from reports.store.chase_folder import (
    ChaseApproval,
    ChaseFolder,
    read_chase_approval,
    write_chase_approval,
)
from reports.store.figures_sent import FiguresSent, read_figures_sent, write_figures_sent
from reports.store.month_folder import MonthFolder
from reports.store.snapshot_manifest import (
    RatesKept,
    SnapshotManifest,
    read_snapshot_manifest,
    read_snapshot_table,
    write_snapshot_manifest,
)
from reports.store.statement_index import (
    StatementEntry,
    index_digest,
    read_statement_index,
    record_sent_to,
    write_statement_index,
)


def test_a_month_folder_names_its_files_as_they_always_were(tmp_path: Path) -> None:
    folder = MonthFolder.of(tmp_path, Month(2026, 10))
    assert folder.path == tmp_path / "2026-10"
    named = {
        folder.manifest: "2026-10/manifest.json",
        folder.snapshot_manifest: "2026-10/data/manifest.json",
        folder.saved_commentary: "2026-10/data/commentary.md",
        folder.statement_index: "2026-10/statements/statements.json",
        folder.figures: "2026-10/figures.json",
        folder.charts: "2026-10/charts.json",
        folder.briefing: "2026-10/briefing.txt",
        folder.outbox: "2026-10/outbox",
        folder.sent: "2026-10/sent",
        folder.report_pdf: "2026-10/report-2026-10.pdf",
        folder.report_xlsx: "2026-10/report-2026-10.xlsx",
        folder.report_html: "2026-10/report-2026-10.html",
    }
    assert {path.relative_to(tmp_path).as_posix(): name for path, name in named.items()} == {
        name: name for name in named.values()
    }


def test_a_staged_month_keeps_its_label_for_its_reports(tmp_path: Path) -> None:
    staged = MonthFolder.of(tmp_path, "2026-12-to-06").staged(tmp_path / ".2026-12.staging-1")
    assert staged.report_pdf == tmp_path / ".2026-12.staging-1" / "report-2026-12-to-06.pdf"


def test_the_figures_sent_read_back_as_written(tmp_path: Path) -> None:
    sent = FiguresSent(
        "2026-10",
        "EUR",
        "GBP",
        frozenset({"plannr", "mobility"}),
        {"invoiced_net": Decimal("9788.0000"), "debtor_days": Decimal("115.6")},
        {"2026-09": {"invoiced_net": Decimal("12.50")}},
    )
    path = write_figures_sent(tmp_path / "figures.json", sent)
    assert read_figures_sent(path) == sent
    body = json.loads(path.read_text())
    assert body["figures_version"] == 1
    assert body["sources"] == ["mobility", "plannr"]
    assert body["figures"]["debtor_days"] == "115.6"


def test_figures_sent_before_currencies_sources_and_history_were_kept_read(
    tmp_path: Path,
) -> None:
    path = tmp_path / "figures.json"
    path.write_text(json.dumps({"figures_version": 1, "figures": {"invoices": "27"}}))
    sent = read_figures_sent(path)
    assert sent is not None
    assert (sent.report_currency, sent.invoice_currency) == ("GBP", "GBP")
    assert sent.sources is None
    assert sent.history == {}
    assert sent.figures == {"invoices": Decimal("27")}


@pytest.mark.parametrize(
    "content",
    [
        "{",
        "[]",
        '{"figures": {"invoices": "many"}}',
        '{"figures": 3}',
        '{"figures": {}, "history": {"2026-09": {"invoices": "x"}}}',
    ],
)
def test_damaged_figures_sent_read_as_none(tmp_path: Path, content: str) -> None:
    path = tmp_path / "figures.json"
    path.write_text(content)
    assert read_figures_sent(path) is None
    assert read_figures_sent(tmp_path / "missing.json") is None


#: An entry as a month rendered before attachments, payment references, standings and
#: digests were kept wrote it.
OLD_ENTRY = {
    "key": "plannr-7",
    "client": "Acme Ltd",
    "email": None,
    "path": "statement-acme.pdf",
    "outstanding": "£12.00",
    "reference": "A-7",
}


def test_an_old_statement_index_reads_with_each_fields_old_meaning(tmp_path: Path) -> None:
    index = tmp_path / "statements.json"
    index.write_text(json.dumps([OLD_ENTRY]), encoding="utf-8")
    (entry,) = read_statement_index(index)
    assert entry.attachment == "statement-acme.pdf"
    assert entry.payment_reference == "A-7"
    assert entry.standing == "owed"  # a balance is shown, and no standing was kept
    assert entry.sha256 is None


def test_a_statement_index_reads_back_as_written(tmp_path: Path) -> None:
    entry = StatementEntry(
        "plannr-7",
        "Acme Ltd",
        "ap@acme.example",
        "statement-acme.pdf",
        None,
        "Statement - Acme Ltd - 2026-10.pdf",
        None,
        "PLANNR7",
        standing=None,
        sha256="ab" * 32,
    )
    index = write_statement_index(tmp_path / "statements.json", [entry])
    assert read_statement_index(index) == (entry,)
    assert "sent_to" not in json.loads(index.read_text())[0]


def test_recording_where_statements_went_keeps_the_index_as_approved(tmp_path: Path) -> None:
    index = tmp_path / "statements.json"
    index.write_text(json.dumps([OLD_ENTRY]), encoding="utf-8")
    approved = index_digest(index)
    record_sent_to(index, {"plannr-7": "ap@acme.example"})
    assert json.loads(index.read_text()) == [OLD_ENTRY | {"sent_to": "ap@acme.example"}]
    assert index_digest(index) == approved


@pytest.mark.parametrize("content", ["[", "{}", '[{"client": "no key"}]', '[{"key": "k"}]'])
def test_a_damaged_statement_index_is_one_line_naming_it(tmp_path: Path, content: str) -> None:
    index = tmp_path / "2026-10" / "statements" / "statements.json"
    index.parent.mkdir(parents=True)
    index.write_text(content, encoding="utf-8")
    with pytest.raises(MonthFolderError) as raised:
        read_statement_index(index)
    message = str(raised.value)
    assert str(index) in message and "reports monthly for 2026-10" in message
    assert "\n" not in message


def test_the_approval_manifest_reads_back_as_written(tmp_path: Path) -> None:
    folder = MonthFolder.of(tmp_path, "2026-10")
    manifest = ApprovalManifest(
        "2026-10",
        "approved",
        "manual",
        "Jo Partner",
        dt.datetime(2026, 11, 3, 9, 30, tzinfo=dt.UTC),
        {"figures.json": "cd" * 32},
    )
    write_approval_manifest(folder, manifest)
    assert read_approval_manifest(folder) == manifest
    assert json.loads(folder.manifest.read_text())["manifest_version"] == 1
    assert read_approval_manifest(MonthFolder.of(tmp_path, "2026-09")) is None


def test_a_damaged_approval_manifest_is_one_line_naming_it(tmp_path: Path) -> None:
    folder = MonthFolder.of(tmp_path, "2026-10")
    folder.path.mkdir()
    folder.manifest.write_text('{"month": "2026-10"}', encoding="utf-8")
    with pytest.raises(MonthFolderError, match=r"manifest.json cannot be read .*2026-10$"):
        read_approval_manifest(folder)


def test_the_snapshot_manifest_reads_back_as_written(tmp_path: Path) -> None:
    manifest = SnapshotManifest(
        "2026-10",
        {"plannr": dt.datetime(2026, 11, 1, 8, 0, tzinfo=dt.UTC)},
        ("willsuite",),
        {"plannr_cases": 300},
        RatesKept("ECB", dt.date(1999, 1, 4), dt.date(2026, 10, 30)),
        "0.1.0",
        "2.1.0",
        {"firm": "Sandbox & Co", "history_months": 12},
    )
    path = write_snapshot_manifest(tmp_path / "manifest.json", manifest)
    assert read_snapshot_manifest(path) == manifest
    assert read_snapshot_table(path)["firm"] == "Sandbox & Co"


def test_a_snapshot_of_another_version_or_damaged_is_one_line(tmp_path: Path) -> None:
    path = tmp_path / "manifest.json"
    path.write_text('{"snapshot_version": 2}', encoding="utf-8")
    with pytest.raises(SnapshotError, match="snapshot version 2 is not readable here"):
        read_snapshot_manifest(path)
    path.write_text('{"snapshot_version": 1, "month": "2026-10"}', encoding="utf-8")
    with pytest.raises(SnapshotError, match=r"cannot be read \(KeyError"):
        read_snapshot_manifest(path)


def test_a_chase_day_names_its_files_as_they_always_were(tmp_path: Path) -> None:
    day = ChaseFolder.of(tmp_path, dt.date(2026, 11, 4))
    assert day.path == tmp_path / "chase" / "2026-11-04"
    assert [p.relative_to(day.path).as_posix() for p in (day.draft, day.approval, day.asked)] == [
        "reminders.json",
        "approval.json",
        "sent/asked.jsonl",
    ]
    day.path.mkdir(parents=True)
    assert ChaseFolder.every_day(tmp_path) == [day]


def test_a_chase_approval_reads_back_as_written_and_damaged_as_none(tmp_path: Path) -> None:
    day = ChaseFolder.of(tmp_path, dt.date(2026, 11, 4))
    approval = ChaseApproval("Jo Partner", dt.datetime(2026, 11, 4, 9, tzinfo=dt.UTC), "ef" * 32)
    write_chase_approval(day, approval)
    assert read_chase_approval(day) == approval
    assert json.loads(day.approval.read_text())["by"] == "Jo Partner"
    day.approval.write_text('{"by": "Jo Partner"', encoding="utf-8")
    assert read_chase_approval(day) is None
