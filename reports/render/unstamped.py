"""The month's two stamped documents as its draft rendered them, with a placeholder where
the approval's stamp goes, kept beside them (`OUT/YYYY-MM/approval/`): the monthly PDF's
HTML (`monthly.html`) and the web page (`web.html`).

An approval changes the stamp and nothing else, so with these it computes nothing again:
it swaps its stamp in, writes the web page, and renders the PDF from the HTML
(`reports.monthly.approve_month`). Both files are the month's, digested in its manifest
like every other: an approval takes them only once the month's files are as reviewed, and
where they are missing (a month drafted before they were kept) it rebuilds from the
snapshot instead.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from markupsafe import escape

from reports.output import atomic_write
from reports.render.pdf import html_to_pdf, readable_files
from reports.render.templates import Templates
from reports.render.web import RecordUrls, write_monthly_html
from reports.report.model import Approval, ReportData, Stamp
from reports.text import isolate_direction

#: Under the month's folder.
KEPT_FOLDER = "approval"
PDF_HTML = f"{KEPT_FOLDER}/monthly.html"
WEB_HTML = f"{KEPT_FOLDER}/web.html"
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
    folder: Path,
    templates: Templates,
    urls: RecordUrls | None,
    context: Mapping[str, object],
) -> bool:
    """Write both documents into `folder/approval/` with the placeholder for a stamp;
    `context` is the PDF's (`monthly_context(data)`), as the draft's documents had it.
    Nothing is kept (False) where the templates print more of the stamp than its words:
    the approval then rebuilds the month from its snapshot."""
    watched = _Watched()
    stampless = {**context, "stamp": watched}
    html = templates.render("monthly.html", **stampless)
    if watched.read - SWAPPABLE:
        return False
    page = write_monthly_html(data, folder / WEB_HTML, templates, urls, stampless)
    if watched.read - SWAPPABLE:
        page.unlink()
        return False
    atomic_write(folder / PDF_HTML, lambda path: path.write_text(html, encoding="utf-8"))
    return True


@dataclass(frozen=True)
class Kept:
    """The month's two documents as its draft kept them, with the placeholder."""

    pdf_html: str
    web_html: str

    def stamped(self, stamp: Stamp) -> Kept:
        """Both with `stamp`'s words where the placeholder is, as the templates print text
        (escaped, bidi controls isolated)."""
        words = str(escape(isolate_direction(stamp.label)))
        return Kept(
            self.pdf_html.replace(PLACEHOLDER, words), self.web_html.replace(PLACEHOLDER, words)
        )


def load(folder: Path) -> Kept | None:
    """The documents kept in `folder`; None where either is missing or unreadable, or
    holds no placeholder (kept another way, by another version)."""
    try:
        kept = Kept(
            (folder / PDF_HTML).read_text(encoding="utf-8"),
            (folder / WEB_HTML).read_text(encoding="utf-8"),
        )
    except (OSError, UnicodeDecodeError):
        return None
    if PLACEHOLDER not in kept.pdf_html or PLACEHOLDER not in kept.web_html:
        return None
    return kept


def write_pdf(html: str, path: Path, templates: Templates, logo: Path | None) -> Path:
    """The monthly PDF from its HTML (`Kept.pdf_html`, stamped), as `write_monthly_pdf`
    renders it: reading only the templates and the firm's `logo`."""
    readable = readable_files(templates, logo)
    base_url = templates.base_url("monthly.html")
    what = "the monthly report (its templates or logo)"
    return Path(html_to_pdf(html, base_url, path, readable, what))


def write_page(html: str, path: Path) -> Path:
    """The web page (`Kept.web_html`, stamped). Not checked again for addresses outside
    it (`write_monthly_html` checked the kept page): the stamp's words are escaped text."""
    return atomic_write(path, lambda target: target.write_text(html, encoding="utf-8"))
