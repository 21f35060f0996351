"""The month folder's files as the store reads and writes them: the shapes on disk are those
earlier versions wrote, so an old month reads the same."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from reports.periods import Month
from reports.store.figures_sent import FiguresSent, read_figures_sent, write_figures_sent
from reports.store.month_folder import MonthFolder


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
