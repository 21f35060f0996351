"""Statements and the monthly report are archive-grade PDFs: PDF/A-3b, tagged, with their
title, author, subject and language, read back by tools that are not ours (qpdf's check,
Poppler's pdfinfo, pypdf's XMP reader). veraPDF, the reference PDF/A validator, is not in
Debian and is not run here: these check what PDF/A-3b asks that they can see."""

from __future__ import annotations

import io
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from factories import sandbox_month
from pypdf import PdfReader
from pypdf.generic import BooleanObject

from reports.config import FirmSettings
from reports.render.pdf import (
    PLAIN,
    STATEMENT_STYLESHEET,
    render_pdf,
    write_monthly_pdf,
    write_statements,
)
from reports.render.templates import Templates
from reports.render.views import statement_context
from reports.report import ReportData
from reports.report.model import Statement
from reports.sandbox import Sizes

FIRM = "Archive & Co"


def tool(name: str) -> str:
    """A validator's path: a missing one fails the test, as a check not run passes nothing."""
    found = shutil.which(name)
    if found is None:
        pytest.fail(
            f"{name} is not installed: run scripts/system-deps.sh (make test does)",
            pytrace=False,
        )
    return found


@pytest.fixture(scope="module")
def data() -> ReportData:
    sizes = Sizes(mobility_cases=40, plannr_cases=20, plannr_clients=20, willsuite_cases=40)
    return sandbox_month(seed=5, sizes=sizes).report("2026-10", firm=FIRM)


def one_statement(data: ReportData) -> Statement:
    """A WillSuite client's: a letterhead, an account summary and a table of invoices."""
    return next(s for s in data.statements if s.source == "willsuite" and s.invoices.height)


@pytest.fixture(scope="module")
def statement(data: ReportData, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("statements")
    (done,) = write_statements(data, folder, statements=[one_statement(data)])
    return Path(done.path)


@pytest.fixture(scope="module")
def report(data: ReportData, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_monthly_pdf(data, tmp_path_factory.mktemp("report") / "report.pdf")


@pytest.fixture(params=["statement", "report"])
def pdf(request: pytest.FixtureRequest) -> Path:
    """Each of the two kinds of PDF a month writes."""
    path: Path = request.getfixturevalue(request.param)
    return path


def expected(data: ReportData, pdf: Path) -> dict[str, str]:
    """The title, author and subject each kind of PDF declares."""
    if pdf.name == "report.pdf":
        return {
            "Title": f"{FIRM}: monthly report, October 2026",
            "Author": FIRM,
            "Subject": "Monthly report, October 2026",
        }
    client = one_statement(data).client
    return {
        "Title": f"Statement for {client}, October 2026",
        "Author": FIRM,
        "Subject": f"Statement for {client}, October 2026",
    }


def pdfinfo(pdf: Path) -> dict[str, str]:
    done = subprocess.run(
        [tool("pdfinfo"), "-isodates", str(pdf)],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    fields = (line.split(":", 1) for line in done.stdout.splitlines() if ":" in line)
    return {name.strip(): value.strip() for name, value in fields}


def test_qpdf_finds_nothing_wrong(pdf: Path) -> None:
    done = subprocess.run(
        [tool("qpdf"), "--check", str(pdf)], capture_output=True, text=True, timeout=60
    )
    # 0 is clean; 3 is "warnings", which a clean file has none of either.
    assert done.returncode == 0, done.stdout + done.stderr
    assert "No syntax or stream encoding errors found" in done.stdout
    assert "warning" not in (done.stdout + done.stderr).lower()


def test_pdfinfo_reads_tags_title_author_subject_and_the_period_end(
    data: ReportData, pdf: Path
) -> None:
    info = pdfinfo(pdf)
    assert info["Tagged"] == "yes"
    assert info["Metadata Stream"] == "yes"
    for name, value in expected(data, pdf).items():
        assert info[name] == value
    # The period's last day, not the clock: two renders of one statement are one file.
    assert info["CreationDate"] == "2026-10-31T00:00:00Z"


def test_the_xmp_metadata_declares_pdf_a_3b_and_matches_the_info(
    data: ReportData, pdf: Path
) -> None:
    reader = PdfReader(pdf)
    xmp = reader.xmp_metadata
    assert xmp is not None
    assert xmp.pdfaid_part == "3" and xmp.pdfaid_conformance == "B"
    want = expected(data, pdf)
    # PDF/A: each Info entry and its XMP property say the same.
    assert xmp.dc_title == {"x-default": want["Title"]}
    assert xmp.dc_creator == [want["Author"]]
    assert xmp.dc_description == {"x-default": want["Subject"]}
    info = reader.metadata
    assert info is not None
    assert xmp.pdf_producer == info["/Producer"]
    assert xmp.xmp_create_date is not None
    assert xmp.xmp_create_date.isoformat() == "2026-10-31T00:00:00"
    assert info["/CreationDate"] == "D:20261031000000+00'00"


def fonts(resources: Any, seen: set[int]) -> Iterator[Any]:
    """Every font `resources` (a resource dictionary) names, and those of the forms (a
    chart, a logo) it draws. pypdf types its objects loosely: they are read as `Any`."""
    for font in resources.get("/Font", {}).values():
        yield font.get_object()
    for xobject in resources.get("/XObject", {}).values():
        form: Any = xobject.get_object()
        if id(form) not in seen and form.get("/Subtype") == "/Form" and "/Resources" in form:
            seen.add(id(form))
            yield from fonts(form["/Resources"].get_object(), seen)


def test_every_font_is_embedded(pdf: Path) -> None:
    found = 0
    for page in PdfReader(pdf).pages:
        resources: Any = page["/Resources"]
        for font in fonts(resources.get_object(), set()):
            if font["/Subtype"] == "/Type3":  # drawn by the file's own procedures
                continue
            described = (
                font["/DescendantFonts"][0].get_object() if font["/Subtype"] == "/Type0" else font
            )
            descriptor = described["/FontDescriptor"].get_object()
            assert {"/FontFile", "/FontFile2", "/FontFile3"} & set(descriptor), font["/BaseFont"]
            found += 1
    assert found  # the text is in a font, so there is one to check


def test_the_catalog_is_marked_structured_and_in_british_english(pdf: Path) -> None:
    catalog: Any = PdfReader(pdf).trailer["/Root"]
    assert catalog["/MarkInfo"]["/Marked"] == BooleanObject(True)
    tree = catalog["/StructTreeRoot"].get_object()
    assert tree["/K"]  # a structure tree with something in it
    assert catalog["/Lang"] == "en-GB"
    assert catalog["/OutputIntents"][0]["/S"] == "/GTS_PDFA1"  # sRGB, as PDF/A asks


def test_a_statement_renders_to_the_same_bytes_twice(data: ReportData) -> None:
    templates = Templates()
    html = templates.render("statement.html", **statement_context(data, one_statement(data)))
    readable = tuple(templates.folders)
    base, sheets = templates.base_url("statement.html"), (STATEMENT_STYLESHEET,)
    first = render_pdf(html, base, readable=readable, stylesheets=sheets)
    second = render_pdf(html, base, readable=readable, stylesheets=sheets)
    assert first == second
    # The archival profile is what makes it archival: WeasyPrint's plain output is not.
    plain = render_pdf(html, base, readable=readable, profile=PLAIN, stylesheets=sheets)
    assert PdfReader(io.BytesIO(plain)).xmp_metadata is None
    plain_catalog: Any = PdfReader(io.BytesIO(plain)).trailer["/Root"]
    assert "/StructTreeRoot" not in plain_catalog


def test_a_firm_without_a_name_declares_no_empty_author(data: ReportData, tmp_path: Path) -> None:
    nameless = replace(data, firm=FirmSettings())
    (done,) = write_statements(nameless, tmp_path, statements=[one_statement(data)])
    info = pdfinfo(Path(done.path))
    assert "Author" not in info and info["Tagged"] == "yes"
    xmp = PdfReader(done.path).xmp_metadata
    assert xmp is not None and xmp.pdfaid_part == "3" and not xmp.dc_creator
