"""The month's two stamped documents as its draft rendered them without their stamp, kept
beside them (`OUT/YYYY-MM/approval/`): the monthly PDF as laid out, ready for a stamp to be
drawn over its pages (`monthly.pdf`, `render.pdf.write_monthly_pdf`), and the web page with
a placeholder where the stamp's words go (`web.html`).

An approval changes the stamp and nothing else, so with these it computes and lays out
nothing again: it swaps its stamp into the web page, and draws it over the PDF's pages
(`render.pdf.stamp_monthly_pdf`; `reports.monthly.approve_month`). Both files are the
month's, digested in its manifest like every other: an approval takes them only once the
month's files are as reviewed, and where they are missing (a month drafted before they were
kept) it rebuilds from the snapshot instead.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from markupsafe import escape

from reports.output import atomic_write
from reports.render.pdf import write_stamped_pdf
from reports.render.templates import Templates
from reports.render.web import RecordUrls, write_monthly_html
from reports.report.model import Approval, ReportData, Stamp
from reports.store.month_folder import MonthFolder
from reports.text import isolate_direction

#: Where the stamp's words go: text no template, record or name would hold, and that
#: escaping leaves as it is. A new one (a new way of keeping) makes old kept files unusable,
#: and an approval then rebuilds the month instead.
PLACEHOLDER = "reports-approval-stamp-7f3c2a91"


@dataclass(frozen=True)
class _Placeholder(Stamp):
    """An approved stamp whose words are the placeholder: the documents are laid out as
    approved (no watermark), their stamp to be filled in by the approval."""

    @property
    def label(self) -> str:
        return PLACEHOLDER


PLACEHOLDER_STAMP = _Placeholder(Approval.APPROVED)


#: What of the stamp the placeholder stands for: a template printing anything else of it
#: (a firm's printing `stamp.by`, `stamp.at`, or telling `stamp.approval`s apart) gets
#: words no swap could fill in.
SWAPPABLE = frozenset({"label", "is_draft"})


class _Watched:
    """The placeholder stamp, noting each part of it that a template read."""

    def __init__(self) -> None:
        self.read: set[str] = set()

    def __getattr__(self, name: str) -> object:
        self.read.add(name)
        return getattr(PLACEHOLDER_STAMP, name)


def keep(
    data: ReportData,
    folder: MonthFolder,
    templates: Templates,
    urls: RecordUrls | None,
    context: Mapping[str, object],
) -> bool:
    """Write the web page into `folder`'s `approval/` with the placeholder for a stamp;
    `context` is the PDF's (`monthly_context(data)`), as the draft's page had it. Nothing
    is kept (False) where the templates print more of the stamp than its words: the
    approval then rebuilds the month from its snapshot. The PDF is kept by
    `write_monthly_pdf` (`MonthFolder.laid_out_pdf`)."""
    watched = _Watched()
    stampless = {**context, "stamp": watched}
    page = write_monthly_html(data, folder.kept_page, templates, urls, stampless)
    if watched.read - SWAPPABLE:
        page.unlink()
        folder.laid_out_pdf.unlink(missing_ok=True)
        folder.approval.rmdir()
        return False
    return True


@dataclass(frozen=True)
class Kept:
    """The month's two documents as its draft kept them: the PDF laid out without a stamp,
    the page with the placeholder."""

    laid_out_pdf: bytes
    web_html: str

    def page(self, stamp: Stamp) -> str:
        """The page with `stamp`'s words where the placeholder is, as the templates print
        text (escaped, bidi controls isolated)."""
        return self.web_html.replace(PLACEHOLDER, str(escape(isolate_direction(stamp.label))))


def load(folder: MonthFolder) -> Kept | None:
    """The documents kept in `folder`; None where either is missing or unreadable, or the
    page holds no placeholder (kept another way, by another version)."""
    try:
        kept = Kept(
            folder.laid_out_pdf.read_bytes(),
            folder.kept_page.read_text(encoding="utf-8"),
        )
    except (OSError, UnicodeDecodeError):
        return None
    if PLACEHOLDER not in kept.web_html:
        return None
    return kept


def write_pdf(kept: Kept, stamp: Stamp, path: Path, templates: Templates) -> Path:
    """The monthly PDF: the one `kept` laid out, with `stamp` drawn over its pages."""
    return write_stamped_pdf(kept.laid_out_pdf, stamp, path, templates)


def write_page(kept: Kept, stamp: Stamp, path: Path) -> Path:
    """The web page, stamped. Not checked again for addresses outside it
    (`write_monthly_html` checked the kept page): the stamp's words are escaped text."""
    html = kept.page(stamp)
    return atomic_write(path, lambda target: target.write_text(html, encoding="utf-8"))
