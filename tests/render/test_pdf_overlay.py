"""The monthly report's stamp drawn over a PDF laid out without one (`render.pdf_overlay`,
`render.pdf.stamp_monthly_pdf`), on PDFs WeasyPrint renders here, read back by tools that
are not ours: the document's own bytes come first, unchanged; every page, of each size,
shows the stamp; qpdf finds nothing wrong; the tags and the PDF/A-3b metadata are the
document's."""

from __future__ import annotations

import datetime as dt
import io
import subprocess
from pathlib import Path

import pytest
from pypdf import PdfReader

from reports.errors import OutputError
from reports.render.pdf import render_pdf, stamp_monthly_pdf
from reports.render.pdf_overlay import Stampable, prepare
from reports.render.templates import Templates
from reports.report.model import Stamp
from tests.render.test_pdf_archive import tool

DOCUMENT = """<!doctype html><html lang="en-GB"><head><meta charset="utf-8">
<title>Overlay &amp; Co: monthly report</title><meta name="author" content="Overlay &amp; Co">
<style>@page wide { size: A4 landscape } .wide { page: wide }</style></head><body>
<h1>Portrait</h1><p>First page.</p>
<section class="wide"><h2>Landscape</h2><p>Second page.</p></section>
<section style="break-before: page"><h2>Portrait again</h2><p>Third page.</p></section>
</body></html>"""
APPROVED = Stamp.approved("Jo Partner", dt.datetime(2026, 11, 3, 12, 0, tzinfo=dt.UTC))


@pytest.fixture(scope="module")
def laid_out() -> bytes:
    return prepare(render_pdf(DOCUMENT, "file:///nowhere/"))


@pytest.fixture(scope="module")
def approved(laid_out: bytes) -> bytes:
    return stamp_monthly_pdf(laid_out, APPROVED, Templates())


def pages(pdf: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]


def test_every_page_of_each_size_shows_the_stamp_after_the_document_s_own_bytes(
    laid_out: bytes, approved: bytes
) -> None:
    assert approved.startswith(laid_out)
    assert Stampable.read(laid_out).sizes == ((595.3, 841.9), (841.9, 595.3))
    texts = pages(approved)
    assert len(texts) == 3
    for text, own in zip(texts, ("First page.", "Second page.", "Third page."), strict=True):
        assert "Approved by Jo Partner on 03 Nov 2026 12:00" in text and own in text
    assert not any("Approved" in text for text in pages(laid_out))
    draft = pages(stamp_monthly_pdf(laid_out, Stamp.draft(), Templates()))
    assert all("Draft: not approved for sending" in t and "DRAFT" in t for t in draft)


def test_the_same_stamp_gives_the_same_bytes(laid_out: bytes, approved: bytes) -> None:
    assert stamp_monthly_pdf(laid_out, APPROVED, Templates()) == approved


def test_qpdf_finds_nothing_wrong_with_the_update(approved: bytes, tmp_path: Path) -> None:
    path = tmp_path / "approved.pdf"
    path.write_bytes(approved)
    done = subprocess.run(
        [tool("qpdf"), "--check", str(path)], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "warning" not in (done.stdout + done.stderr).lower()
    info = subprocess.run(
        [tool("pdfinfo"), str(path)], capture_output=True, text=True, check=True, timeout=60
    ).stdout
    assert "Tagged:          yes" in info
    assert "Title:           Overlay & Co: monthly report" in info
    assert "Author:          Overlay & Co" in info


def test_the_tags_and_the_metadata_stay_the_document_s(laid_out: bytes, approved: bytes) -> None:
    before, after = PdfReader(io.BytesIO(laid_out)), PdfReader(io.BytesIO(approved))
    assert after.trailer["/ID"][0] == before.trailer["/ID"][0]
    tree = "/StructTreeRoot"
    assert after.root_object.raw_get(tree).idnum == before.root_object.raw_get(tree).idnum
    assert after.root_object["/MarkInfo"] == before.root_object["/MarkInfo"]
    xmp = after.xmp_metadata
    assert xmp is not None and xmp.pdfaid_part == "3" and xmp.pdfaid_conformance == "B"
    # The stamp is page decoration, outside the structure tree: marked as an artifact.
    for page in after.pages:
        content = page.get_contents()
        assert content is not None
        assert b"/Artifact <</Type /Pagination /Subtype /Header>> BDC" in content.get_data()


def test_a_pdf_not_prepared_or_a_stamp_without_a_page_of_its_size_is_refused(
    laid_out: bytes,
) -> None:
    with pytest.raises(OutputError, match="was not prepared for a stamp"):
        Stampable.read(render_pdf(DOCUMENT, "file:///nowhere/"))
    portrait_only = render_pdf("<p>A stamp</p>", "file:///nowhere/")
    with pytest.raises(OutputError, match=r"the stamp has no page of 841\.9 x 595\.3 points"):
        Stampable.read(laid_out).stamped(portrait_only)
