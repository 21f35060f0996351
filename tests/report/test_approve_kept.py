"""An approval from the documents its draft kept (`OUT/YYYY-MM/approval/`): the stamp is
swapped into the page where the draft left a placeholder and drawn over the PDF as the
draft laid it out, nothing computed or laid out again; a draft that kept none is rebuilt from its snapshot; a kept document changed or gone
since the draft is refused, in one line, before anything is written."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import shutil
from pathlib import Path

import pytest
from helpers import ROOT, pdf_pages

from reports.app import load_config
from reports.approval import read_manifest, write_manifest
from reports.config import Config
from reports.errors import ApprovalError
from reports.monthly import approve_month, run_monthly
from reports.monthly_options import MonthlyOptions
from reports.periods import Month
from reports.render import unstamped
from reports.render.chart_cache import CHARTS_FILE
from reports.render.templates import Templates
from reports.report.model import Stamp
from reports.sandbox import Sandbox
from reports.sandbox.generate import Sizes
from reports.store.month_folder import MonthFolder
from tests.conftest import MakeSandbox

MONTH = Month.parse("2026-10")
SMALL = Sizes(mobility_cases=8, plannr_cases=4, plannr_clients=4, willsuite_cases=14)
#: Markup and a right-to-left override in a name: the stamp prints it as text, isolated.
BY = "Jo <b>Bloggs</b> & \u202eCo"
#: The kept documents' names in the month's folder, as its manifest lists them.
LAID_OUT, KEPT_PAGE = "approval/monthly.pdf", "approval/web.html"


def settings() -> Config:
    """`--config demo/reports.toml`, with nothing from the environment: the firm is the
    draft's, kept in its snapshot."""
    return load_config(ROOT / "demo" / "reports.toml", environ={})


def contents(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()
    }


@pytest.fixture(scope="module")
def draft(make_sandbox: MakeSandbox, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small month's draft, built live: the output folder."""
    server: Sandbox = make_sandbox(seed=5, sizes=SMALL)
    out = tmp_path_factory.mktemp("draft")
    run_monthly(MONTH, server.demo(settings()), out, MonthlyOptions.current(workers=1))
    return out


@pytest.fixture
def out(draft: Path, tmp_path: Path) -> Path:
    """A copy of the draft's output folder, for a test to approve or spoil."""
    shutil.copytree(draft, tmp_path / "output")
    return tmp_path / "output"


def test_the_draft_keeps_both_documents_without_their_stamp(draft: Path) -> None:
    month = draft / str(MONTH)
    kept = unstamped.load(MonthFolder.at(month))
    assert kept is not None
    # Laid out as approved: no watermark, the stamp's words to come.
    assert 'class="watermark"' not in kept.web_html
    assert Stamp.draft().label not in kept.web_html
    assert kept.web_html.count(unstamped.PLACEHOLDER) == 1
    for text in pdf_pages(MonthFolder.at(month).laid_out_pdf):
        assert "DRAFT" not in text and "Draft" not in text and "Approved by" not in text
    manifest = read_manifest(month)
    assert manifest is not None and manifest.stamp.is_draft
    assert {LAID_OUT, KEPT_PAGE} <= set(manifest.files)
    # The draft's own PDF is that one, byte for byte, with its stamp drawn over every page
    # (one layout, not two), saying Draft on each.
    report = (month / f"report-{MONTH}.pdf").read_bytes()
    assert report.startswith(kept.laid_out_pdf) and len(report) > len(kept.laid_out_pdf)
    pages = pdf_pages(month / f"report-{MONTH}.pdf")
    assert all("DRAFT" in page and Stamp.draft().label in page for page in pages)


def test_an_approval_swaps_its_stamp_into_the_kept_documents_and_computes_nothing(
    out: Path,
) -> None:
    month = out / str(MONTH)
    before = contents(month)
    approved = approve_month(MONTH, settings(), out, BY, workers=1)
    assert "read" in approved.timings and "compute" not in approved.timings
    stamp = approved.stamp
    assert stamp.by == BY
    after = contents(month)
    kept = unstamped.load(MonthFolder.at(month))
    assert kept is not None
    page = after[f"report-{MONTH}.html"].decode()
    assert page == kept.page(stamp)
    assert unstamped.PLACEHOLDER not in page and 'class="watermark"' not in page
    # The name isolated, so that its override stops at its end and the date reads as one.
    assert "Approved by \u2068Jo &lt;b&gt;Bloggs&lt;/b&gt; &amp; \u202eCo\u2069 on " in page
    # The PDF: the draft's layout, as kept, not laid out again: the approval's stamp is
    # added after its bytes. Approved on every page, the cover's included; no Draft.
    assert after[f"report-{MONTH}.pdf"].startswith(kept.laid_out_pdf)
    pages = pdf_pages(month / f"report-{MONTH}.pdf")
    assert len(pages) > 2
    for number, text in enumerate(pages, 1):
        assert "Approved by Jo <b>Bloggs</b> &" in text, number
        assert "DRAFT" not in text and "Draft" not in text and unstamped.PLACEHOLDER not in text
    # Everything else is the draft's file, byte for byte: statements, kept documents (the
    # workbook may say who approved it in its Summary).
    rendered = {f"report-{MONTH}.{kind}" for kind in ("pdf", "html", "xlsx")} | {"manifest.json"}
    assert {n: d for n, d in after.items() if n not in rendered} == {
        n: d for n, d in before.items() if n not in rendered
    }
    assert approved.statements == len([n for n in after if n.startswith("statements/")]) - 1
    manifest = read_manifest(month)
    assert manifest is not None and manifest.sendable
    # OUT/index.html's charts that the month's documents show are the draft's, not drawn
    # again (each drawn again would differ: matplotlib dates every SVG it writes).
    index = set(
        re.findall(r"data:image/svg\+xml;base64,[A-Za-z0-9+/=]+", (out / "index.html").read_text())
    )
    assert index & set(json.loads(after[CHARTS_FILE])["charts"].values())
    assert (
        manifest.files[f"report-{MONTH}.pdf"]
        == hashlib.sha256(after[f"report-{MONTH}.pdf"]).hexdigest()
    )


def test_a_draft_that_kept_no_documents_is_rebuilt_from_its_snapshot(out: Path) -> None:
    # A draft as an earlier version wrote it: no approval/ folder, nor in its manifest.
    month = out / str(MONTH)
    shutil.rmtree(MonthFolder.at(month).approval)
    write_manifest(month, str(MONTH), Stamp.draft(), "manual")
    approved = approve_month(MONTH, settings(), out, "Jo Partner", workers=1)
    assert "compute" in approved.timings and "read" not in approved.timings
    for text in pdf_pages(month / f"report-{MONTH}.pdf"):
        assert "Approved by Jo Partner on " in text and "DRAFT" not in text
    assert "Approved by Jo Partner on " in (month / f"report-{MONTH}.html").read_text()


@pytest.mark.parametrize("name", [LAID_OUT, KEPT_PAGE])
@pytest.mark.parametrize("spoil", ["changed", "is gone"])
def test_a_kept_document_changed_or_gone_since_the_draft_is_refused(
    out: Path, name: str, spoil: str
) -> None:
    path = out / str(MONTH) / name
    if spoil == "changed":  # the placeholder still there: only the digest tells
        path.write_bytes(path.read_bytes() + b"\n<!-- added after review -->\n")
    else:
        path.unlink()
    before = contents(out)
    with pytest.raises(ApprovalError) as refused:
        approve_month(MONTH, settings(), out, "Jo Partner", workers=1)
    assert str(refused.value) == (
        f"{name} of {MONTH} {spoil} since its draft was built: nothing was approved. Rerun "
        f"reports monthly --month {MONTH}, look it over, then approve it"
    )
    assert contents(out) == before


def test_the_stamp_swapped_in_reads_as_the_templates_print_it() -> None:
    templates = Templates()
    stamp = Stamp.approved(BY, dt.datetime(2026, 11, 3, 12, 0, tzinfo=dt.UTC))
    kept = unstamped.Kept(
        b"", templates.render("stamp.html", stamp=unstamped.PLACEHOLDER_STAMP, web=True)
    )
    assert kept.page(stamp) == templates.render("stamp.html", stamp=stamp, web=True)


def test_templates_printing_more_of_the_stamp_than_its_words_keep_nothing(
    make_sandbox: MakeSandbox, tmp_path: Path
) -> None:
    # A firm's stamp prints who approved on its own line: no swap of the words could fill
    # that in, so the draft keeps nothing and the approval rebuilds from the snapshot.
    firm = tmp_path / "templates"
    firm.mkdir()
    ours = (ROOT / "templates" / "stamp.html").read_text()
    firm.joinpath("stamp.html").write_text(
        ours.replace(
            "{{ stamp.label }}</p>",
            "{{ stamp.label }}</p>{% if stamp.by %}<p>Signed off: {{ stamp.by }}</p>{% endif %}",
        )
    )
    server: Sandbox = make_sandbox(seed=5, sizes=SMALL)
    out = tmp_path / "output"
    run_monthly(
        MONTH, server.demo(settings()), out, MonthlyOptions.current(workers=1, templates_dir=firm)
    )
    month = out / str(MONTH)
    assert not MonthFolder.at(month).approval.exists()
    approved = approve_month(MONTH, settings(), out, "Jo Partner", workers=1, templates_dir=firm)
    assert "compute" in approved.timings
    assert "Signed off: Jo Partner" in (month / f"report-{MONTH}.html").read_text()
