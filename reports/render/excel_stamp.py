"""The workbook's approval, written by `reports approve` without building the workbook
again: the one cell of the Summary that says "Draft: not approved for sending" is
rewritten to say who approved the month and when, in a copy of the draft's file.

The sheet's XML is edited in place of a spreadsheet library: loading and saving the
workbook whole would take seconds on a large month and drop what openpyxl cannot read
back (xlsxwriter's charts). Every other part of the file is copied as it was.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

from lxml import etree

from reports.errors import ApprovalError
from reports.output import atomic_write

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELATIONSHIPS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PACKAGE_RELATIONSHIPS = "http://schemas.openxmlformats.org/package/2006/relationships"
SUMMARY = "Summary"


def stamp_workbook(draft: Path, target: Path, cell: str, heading: str, label: str) -> Path:
    """Write to `target` (atomically) the workbook `draft` with `label` as the text of its
    Summary's `cell` (`B5`), that cell's style kept. The cell must be in the row that column
    A heads `heading` (`Approval`): a workbook built before the Summary said its approval
    has another figure there, and is an `ApprovalError`, as is one with no Summary."""
    with zipfile.ZipFile(draft) as archive:
        part = _summary_part(archive, draft)
        sheet = etree.fromstring(archive.read(part))
        found = sheet.find(f".//{{{MAIN}}}c[@r='{cell}']")
        row = cell.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
        if found is None or _text(archive, sheet, f"A{row}") != heading:
            raise ApprovalError(
                f"{draft.name} has no approval cell ({SUMMARY}!{cell}): rerun reports monthly "
                f"for {draft.parent.name}, look it over, then approve it",
                path=str(draft),
            )
        for child in list(found):
            found.remove(child)
        found.set("t", "inlineStr")  # the text in the cell: no shared-strings table to edit
        text = etree.SubElement(etree.SubElement(found, f"{{{MAIN}}}is"), f"{{{MAIN}}}t")
        text.text = label
        stamped = etree.tostring(sheet, xml_declaration=True, encoding="UTF-8", standalone=True)

        def write(temporary: Path) -> None:
            with zipfile.ZipFile(temporary, "w", zipfile.ZIP_DEFLATED) as copy:
                for info in archive.infolist():
                    copy.writestr(info, stamped if info.filename == part else archive.read(info))

        return atomic_write(target, write)


def _text(archive: zipfile.ZipFile, sheet: etree._Element, cell: str) -> str | None:
    """The text of the sheet's `cell`, written in it or in the shared-strings table."""
    found = sheet.find(f".//{{{MAIN}}}c[@r='{cell}']")
    if found is None:
        return None
    if found.get("t") == "s":
        index = int(found.findtext(f"{{{MAIN}}}v") or -1)
        shared = etree.fromstring(archive.read("xl/sharedStrings.xml"))
        items = shared.findall(f"{{{MAIN}}}si")
        found = items[index] if 0 <= index < len(items) else None
        if found is None:
            return None
    return "".join(found.itertext(f"{{{MAIN}}}t"))


def _summary_part(archive: zipfile.ZipFile, draft: Path) -> str:
    """The name of the Summary sheet's part in the package (`xl/worksheets/sheet1.xml`)."""
    book = etree.fromstring(archive.read("xl/workbook.xml"))
    links = etree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    targets = {
        rel.get("Id"): rel.get("Target", "")
        for rel in links.iter(f"{{{PACKAGE_RELATIONSHIPS}}}Relationship")
    }
    for sheet in book.iter(f"{{{MAIN}}}sheet"):
        if sheet.get("name") == SUMMARY:
            target = targets[sheet.get(f"{{{RELATIONSHIPS}}}id")]
            return target.lstrip("/") if target.startswith("/") else f"xl/{target}"
    raise ApprovalError(
        f"{draft.name} has no {SUMMARY} sheet: rerun reports monthly for {draft.parent.name}, "
        "look it over, then approve it",
        path=str(draft),
    )
