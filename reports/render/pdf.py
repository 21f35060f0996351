"""PDF reports rendered by WeasyPrint from the Jinja templates (`render.templates`): the
monthly report and one statement per client.

WeasyPrint is slow on long tables: detail stays in the workbook, PDFs show summaries. Many
statements render in parallel behind a `concurrent.futures.Executor`: processes by default,
or any other executor (a Dask distributed client's `get_executor()`, for one).
"""

from __future__ import annotations

import hashlib
import shutil
import threading
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import Executor, ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from reports.errors import MonthFolderError, OutputError
from reports.output import atomic_write
from reports.render.file_names import attachment_names, statement_file_names
from reports.render.pdf_overlay import Stampable, prepare
from reports.render.templates import Templates, money
from reports.render.views import data_uri, monthly_context, statement_context
from reports.report.model import ReportData, Stamp, Statement
from reports.store.month_folder import statement_index_in
from reports.store.statement_index import (
    StatementEntry,
    read_statement_index,
    write_statement_index,
)

if TYPE_CHECKING:
    from reports.render.fetcher import LocalFetcher

_fonts = threading.local()


def _font_config() -> Any:
    """This thread's WeasyPrint font configuration, made once: setting one up is a fifth of
    the time of a one-page statement (benchmarks/pdf.py). One per thread, as Pango's font
    maps are not shared between threads."""
    from weasyprint.text.fonts import FontConfiguration

    if not hasattr(_fonts, "config"):
        _fonts.config = FontConfiguration()
    return _fonts.config


def prepare_fonts() -> None:
    """Set up this thread's font configuration now (`_font_config`): a process forked after
    this renders its first PDF without paying for it (an approval's monthly PDF)."""
    _font_config()


def readable_files(templates: Templates, logo: Path | None) -> tuple[Path, ...]:
    """What a document rendered from `templates` may read: its templates folders (the
    firm's and ours) and the firm's logo; nothing else (`render.fetcher`)."""
    return (*templates.folders, *([logo] if logo is not None else []))


@dataclass(frozen=True)
class PdfProfile:
    """How WeasyPrint writes a PDF: the archival standard it declares (a WeasyPrint
    `pdf_variant`, or None) and whether it carries a structure tree (tags)."""

    variant: str | None
    tagged: bool

    def options(self) -> dict[str, object]:
        """As `write_pdf` takes them."""
        return {"pdf_variant": self.variant, "pdf_tags": self.tagged}


#: Every statement and monthly report: PDF/A-3b, as they are records kept for years (HMRC
#: asks for six), with fonts embedded and an sRGB output intent; and tagged (headings,
#: tables, reading order), for clients who use screen readers. The title, author, subject,
#: language and creation date come from the template's <head>. The file identifier PDF/A
#: asks for is WeasyPrint's hash of the content, and it writes no clock time of its own,
#: so two renders of one document are the same bytes (`write_statements` reuses them).
ARCHIVAL = PdfProfile("pdf/a-3b", tagged=True)
#: WeasyPrint's plain output, what every PDF was before: only to compare (benchmarks/pdf.py).
PLAIN = PdfProfile(None, tagged=False)


#: The statement's style sheet, beside its template. The page does not link it: the
#: renderer gives it to WeasyPrint parsed (`_stylesheet`), as parsing it for every statement
#: was a tenth of a statement's time (benchmarks/pdf.py).
STATEMENT_STYLESHEET = "statement.css"

_sheets = threading.local()


def _stylesheet(name: str, base_url: str, fetcher: LocalFetcher) -> Any | None:
    """The style sheet `name` beside `base_url`, read through `fetcher` and parsed by
    WeasyPrint once in this thread (its font configuration's), then reused for as long as
    its bytes and what the fetcher may read are the same; None if it is missing, as a
    missing linked sheet is to WeasyPrint. A refused address stops it, as in `_render`."""
    from urllib.parse import urljoin

    from weasyprint import CSS
    from weasyprint.urls import ensure_url

    url = urljoin(ensure_url(base_url), name)
    try:
        text = fetcher.fetch(url).read()
    except FileNotFoundError:
        return None
    shipped = fetcher.shipped
    # What the sheet's own imports could be served: shipped files, or readable folders.
    allowed = (
        hashlib.sha256(b"".join(k.encode() + b"\0" + shipped[k] for k in sorted(shipped))).digest()
        if shipped is not None
        else fetcher.readable
    )
    key = (url, hashlib.sha256(text).digest(), allowed)
    cache: dict[Any, Any] = _sheets.__dict__.setdefault("parsed", {})
    if key not in cache:
        cache[key] = CSS(
            string=text.decode("utf-8-sig"),
            base_url=url,
            url_fetcher=fetcher,
            font_config=_font_config(),
        )
    return cache[key]


def _render(
    html: str,
    base_url: str,
    fetcher: LocalFetcher,
    what: str,
    target: Path | None = None,
    profile: PdfProfile = ARCHIVAL,
    stylesheets: tuple[str, ...] = (),
) -> bytes | None:
    """`html` as PDF (`profile`), into `target` or as bytes, reading only through
    `fetcher`, styled by the `stylesheets` beside it (`_stylesheet`) besides those it links;
    an address it refused is a `TemplateError` naming it, never a PDF without it."""
    from weasyprint import HTML

    from reports.render.fetcher import OutsideReference
    from reports.render.statement_html import statement_html

    # A statement is parsed without WeasyPrint's default styles for footnotes and notes,
    # which it has none of: fewer styles to compute, the same bytes (render.statement_html).
    parse = statement_html if STATEMENT_STYLESHEET in stylesheets else HTML
    document = parse(string=html, base_url=base_url, url_fetcher=fetcher)
    try:
        sheets = [_stylesheet(name, base_url, fetcher) for name in stylesheets]
        pdf = document.write_pdf(
            target,
            font_config=_font_config(),
            stylesheets=[sheet for sheet in sheets if sheet is not None],
            **profile.options(),
        )
    except OutsideReference:
        pdf = None
    # Also after a refusal WeasyPrint caught itself (inside an SVG picture, which it skips).
    refused = fetcher.refusal(what)
    if refused is not None:
        raise refused
    return None if pdf is None else bytes(pdf)


#: The base every shipped statement's relative links resolve against: `render_pdf` serves
#: them from the files it is given, and this host never answers (`.invalid`).
SHIPPED_BASE = "https://templates.invalid/"


def render_pdf(
    html: str,
    base_url: str,
    files: Mapping[str, bytes] | None = None,
    readable: Iterable[Path] = (),
    what: str = "the document",
    profile: PdfProfile = ARCHIVAL,
    stylesheets: tuple[str, ...] = (),
) -> bytes:
    """One HTML document as PDF bytes (`profile`: PDF/A-3b, tagged). A top-level function
    returning bytes, so that any executor can run it (processes, a Dask cluster) and only
    the caller writes files: a task run twice, after a worker died, still writes one file.
    `stylesheets` names style sheets beside the document that it does not link, parsed once
    a process (`STATEMENT_STYLESHEET` for a statement).

    It reads only `data:` addresses and the files in or under `readable`
    (`readable_files`); with `files` (the templates' files by name), the document's
    relative links are served from them instead, and no file is read at all, so a worker
    on another machine needs no copy of the templates folder."""
    from reports.render.fetcher import LocalFetcher

    if files is None:
        fetcher = LocalFetcher(readable)
    else:
        fetcher = LocalFetcher(shipped=files, base=SHIPPED_BASE)
        base_url = SHIPPED_BASE
    return bytes(
        _render(html, base_url, fetcher, what, profile=profile, stylesheets=stylesheets) or b""
    )


def write_monthly_pdf(
    data: ReportData,
    path: str | Path,
    templates: Templates | None = None,
    context: dict[str, object] | None = None,
    unstamped: Path | None = None,
) -> Path:
    """The monthly report's PDF, with `data`'s stamp drawn over every page
    (`stamp_monthly_pdf`); `context` is `monthly_context(data)` where the caller has it
    already (its charts take most of the time: the web page shares them). With
    `unstamped`, the report as laid out, ready for a stamp, is written there too: an
    approval stamps that, and lays nothing out again."""
    templates = templates or Templates()
    shown = dict(context or monthly_context(data))
    shown.pop("stamp", None)  # drawn over the pages, never laid out with them
    html = templates.render("monthly.html", **shown)
    readable = readable_files(templates, data.firm.logo)
    base_url = templates.base_url("monthly.html")
    laid_out = prepare(
        render_pdf(
            html, base_url, readable=readable, what="the monthly report (its templates or logo)"
        )
    )
    if unstamped is not None:
        atomic_write(unstamped, lambda target: target.write_bytes(laid_out))
    return write_stamped_pdf(laid_out, data.stamp, path, templates)


#: The stamp's own few words: archival, as the report they are drawn on, and outside its
#: tags (a pagination artifact, as a running header is: `render.pdf_overlay`).
_STAMP_PROFILE = PdfProfile(ARCHIVAL.variant, tagged=False)


def stamp_monthly_pdf(laid_out: bytes, stamp: Stamp, templates: Templates) -> bytes:
    """The monthly report `laid_out` (as `write_monthly_pdf` keeps it: `prepare`d) with
    `stamp` drawn over every page: the template `stamp_pdf.html` rendered at each size of
    page the report has, added as an incremental update (`render.pdf_overlay`). The
    report's own bytes stay as they are, its layout untouched."""
    stampable = Stampable.read(laid_out)
    html = templates.render("stamp_pdf.html", stamp=stamp, sizes=stampable.sizes)
    overlay = render_pdf(
        html,
        templates.base_url("stamp_pdf.html"),
        readable=templates.folders,
        what="the monthly report's stamp (its template)",
        profile=_STAMP_PROFILE,
    )
    return stampable.stamped(overlay)


def write_stamped_pdf(
    laid_out: bytes, stamp: Stamp, path: str | Path, templates: Templates
) -> Path:
    """`stamp_monthly_pdf`, written to `path` atomically."""
    pdf = stamp_monthly_pdf(laid_out, stamp, templates)
    return atomic_write(Path(path), lambda target: target.write_bytes(pdf))


def file_digest(path: str | Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


@dataclass(frozen=True)
class RenderedStatement:
    """One statement a run wrote: its entry in the month's statement index (what delivery
    reads), where its file is, and whether this run reused the file an earlier run
    rendered instead of rendering it again."""

    entry: StatementEntry
    path: Path
    reused: bool = False


def content_digest(html: str, templates: Templates, logo: Path | None) -> str:
    """What a statement shows: its HTML (its data, the firm's block; no approval stamp,
    so a draft's statement is reused as it is when the month is approved), the template
    files' fingerprint (its style sheet), the logo's bytes and the package's version (the
    renderer's own behaviour)."""
    from reports import __version__

    digest = hashlib.sha256()
    for part in (html, templates.fingerprint(), __version__):
        digest.update(part.encode("utf-8", "surrogatepass"))
        digest.update(b"\x00")
    if logo is not None:
        digest.update(logo.read_bytes())
    return digest.hexdigest()


def _reusable(folder: Path | None) -> dict[str, tuple[str, Path, str]]:
    """Each statement an earlier run wrote into `folder`: its key's content digest, its
    file and that file's SHA-256 as written. Nothing is reused from an index that cannot
    be read: each statement is rendered again."""
    if folder is None or not statement_index_in(folder).exists():
        return {}
    try:
        entries = read_statement_index(statement_index_in(folder))
    except MonthFolderError:
        return {}
    return {
        e.key: (e.content_digest, folder / e.path, e.sha256)
        for e in entries
        if e.content_digest and e.sha256
    }


def _write(target: Path, pdf: bytes) -> None:
    atomic_write(target, lambda temporary: temporary.write_bytes(pdf))


def _copy(source: Path, target: Path) -> None:
    atomic_write(target, lambda temporary: shutil.copyfile(source, temporary))


def write_statements(
    data: ReportData,
    folder: str | Path,
    templates: Templates | None = None,
    executor: Executor | None = None,
    statements: Iterable[Statement] | None = None,
    reuse_from: str | Path | None = None,
    ship_templates: bool = False,
    on_progress: Callable[[str, int, int], None] | None = None,
) -> list[RenderedStatement]:
    """One PDF per client statement in `folder`, rendered through `executor` (default: a
    process pool), plus `statements.json` listing them for delivery.

    With `reuse_from` (the folder an earlier run of the month wrote), a statement whose
    `content_digest` is unchanged, and whose file there is still as written, is copied
    from it instead of rendered again. With `ship_templates` (an executor on other
    machines, a Dask cluster's), each task carries the templates' files and the logo, and
    needs nothing from this machine's disk. `on_progress("statements", done, total)` is
    told as each one is written."""
    templates = templates or Templates()
    out = Path(folder).resolve()
    out.mkdir(parents=True, exist_ok=True)
    chosen = list(data.statements if statements is None else statements)
    base_url = templates.base_url("statement.html")
    names = statement_file_names(chosen)
    attachments = attachment_names(chosen, str(data.month))
    earlier = _reusable(Path(reuse_from) if reuse_from is not None else None)
    files = templates.files() if ship_templates else None
    readable = readable_files(templates, data.firm.logo)
    base = SHIPPED_BASE if ship_templates else base_url
    jobs: dict[str, tuple[str, Path]] = {}
    digests: dict[str, str] = {}
    reused: set[str] = set()
    for statement in chosen:
        target = (out / names[statement.key]).resolve()
        if target.parent != out:  # defence in depth: safe_file_name already prevents it
            raise OutputError(f"refusing to write outside {out}: {target}")
        context = statement_context(data, statement)
        if ship_templates and data.firm.logo is not None:  # the logo travels inside the page
            context["logo"] = data_uri(data.firm.logo)
        html = templates.render("statement.html", **context)
        digests[statement.key] = content_digest(html, templates, data.firm.logo)
        before = earlier.get(statement.key)
        if (
            before is not None
            and before[0] == digests[statement.key]
            and before[1].is_file()
            and file_digest(before[1]) == before[2]
        ):
            _copy(before[1], target)
            reused.add(statement.key)
        else:
            jobs[statement.key] = (html, target)
    own_pool = executor is None and bool(jobs)
    pool = executor or (ProcessPoolExecutor() if jobs else None)
    done = 0
    try:
        futures = {
            pool.submit(  # type: ignore[union-attr]
                render_pdf,
                html,
                base,
                files,
                readable,
                "a statement (its templates or logo)",
                ARCHIVAL,
                (STATEMENT_STYLESHEET,),
            ): key
            for key, (html, _) in jobs.items()
        }
        for future in as_completed(futures):
            key = futures[future]
            target = jobs[key][1]
            pdf = future.result()
            _write(target, pdf)
            done += 1
            if on_progress is not None:
                on_progress("statements", done, len(jobs))
    finally:
        if own_pool and pool is not None:
            pool.shutdown()
    rendered = [
        RenderedStatement(
            StatementEntry(
                key=s.key,
                client=s.client,
                email=s.email,
                path=names[s.key],
                outstanding=None
                if s.totals.outstanding is None
                else money(s.totals.outstanding, data.invoice_currency),
                attachment=attachments[s.key],
                reference=s.reference,
                payment_reference=s.payment_reference,
                postcode=s.postcode,
                content_digest=digests[s.key],
                standing=None if s.standing is None else s.standing.value,
                # The digest binds each client's key to the bytes rendered for it: delivery
                # checks it before attaching, so no client is ever sent a file built for
                # another.
                sha256=file_digest(out / names[s.key]),
            ),
            out / names[s.key],
            s.key in reused,
        )
        for s in chosen
    ]
    write_statement_index(statement_index_in(out), (r.entry for r in rendered))
    return rendered
