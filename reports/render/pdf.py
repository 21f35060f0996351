"""PDF reports rendered by WeasyPrint from the Jinja templates (`render.templates`): the
monthly report and one statement per client.

WeasyPrint is slow on long tables: detail stays in the workbook, PDFs show summaries. Many
statements render in parallel behind a `concurrent.futures.Executor`: processes by default,
or any other executor (a Dask distributed client's `get_executor()`, for one).
"""

from __future__ import annotations

import base64
import hashlib
import json
import mimetypes
import re
import shutil
import threading
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import Executor, ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl

from reports.errors import DataError, OutputError
from reports.output import atomic_write
from reports.render import charts
from reports.render.commentary import alert_sentence, amount, percent, signed
from reports.render.templates import Templates, day, money
from reports.report.coverage import shown_parts
from reports.report.figures import shown_figures, vat_quarter
from reports.report.model import ReportData, Statement, StatementKind

if TYPE_CHECKING:
    from reports.render.fetcher import LocalFetcher

QUALITY_ROWS_IN_PDF = 60
#: The aged receivables' clients the PDF lists, the largest; the workbook has every one.
RECEIVABLES_IN_PDF = 10
#: The month's payment reminders the PDF lists, the first sent; the workbook has every one.
REMINDERS_IN_PDF = 30


def _rows(frame: pl.DataFrame) -> list[dict[str, Any]]:
    return frame.to_dicts() if frame.height else []


def _filled(frame: pl.DataFrame) -> frozenset[str]:
    """The columns of `frame` that hold something (not null, not blank) on some row."""
    blank = pl.col(pl.String).str.strip_chars() == ""
    shown = frame.with_columns(pl.when(blank.not_()).then(pl.col(pl.String)))
    counts = shown.select(pl.all().is_not_null().any()).row(0, named=True) if frame.height else {}
    return frozenset(name for name, held in counts.items() if held)


def _common(data: ReportData) -> dict[str, Any]:
    fetched = [s.fetched_at for s in data.sources if s.fetched_at]
    return {
        # The firm's settings; `{{ firm }}` prints its name, `title` the name or a default.
        "firm": data.firm,
        "title": data.firm.name or "Monthly report",
        "logo": data.firm.logo.resolve().as_uri() if data.firm.logo else None,
        "month_label": data.month_label,
        "to_date_note": data.month.to_date_note,
        "period_start": data.period_start,
        "period_end": data.period_end,
        "report_currency": data.report_currency,
        "invoice_currency": data.invoice_currency,
        "missing_sources": data.missing_sources,
        "fetched_summary": day(min(fetched)) if fetched else "at an unknown time",
        "source_names": ", ".join(s.name for s in data.sources if s.present) or "no source",
        # The web page (render.web) links each figure to its records; the PDF does not.
        "web": False,
    }


def figures(data: ReportData) -> list[tuple[str, str]]:
    """The headline figures of the configured sources as (label, value as printed), in the
    catalogue's order."""
    shown = []
    for figure in shown_figures(data):
        value = figure.value_for(data)
        currency = figure.currency_for(data)
        shown.append((figure.label_for(data), amount(value, figure.unit, currency)))  # type: ignore[arg-type]
    return shown


def status_of(data: ReportData) -> dict[str, str]:
    """Each figure's target status as a word, by key (figures with a target only)."""
    if data.history is None:
        return {}
    return {t.key: t.status.value for t in data.history.trends if t.status is not None}


def trends(data: ReportData) -> list[dict[str, object]]:
    """Each figure's trend as the trends page prints it: caption, small chart, and the
    month, last month, last year, year to date and target, formatted."""
    if data.history is None:
        return []
    shown: list[dict[str, object]] = []
    for trend in data.history.trends:
        unit, currency = trend.figure.unit, trend.figure.currency_for(data)
        months = [f"{day:%b %y}" for day, _ in trend.months]
        values = [float(value) for _, value in trend.months]
        targets = [float(value) for value in trend.month_targets]
        shown.append(
            {
                "key": trend.key,
                "label": trend.figure.title_for(data),
                "behaviour": trend.behaviour.value,
                "chart": charts.trend_line(months, values, targets, currency),
                "value": amount(trend.value, unit, currency),
                "previous": amount(trend.previous, unit, currency),
                "change": signed(trend.change, unit, currency),
                "change_pct": percent(trend.change_pct),
                "last_year": amount(trend.last_year, unit, currency),
                "last_year_change_pct": percent(trend.last_year_change_pct),
                "ytd": amount(trend.ytd, unit, currency) if trend.ytd is not None else "",
                "ytd_last_year": amount(trend.ytd_last_year, unit, currency)
                if trend.ytd is not None
                else "",
                "target": amount(trend.target, unit, currency) if trend.target is not None else "",
                "status": trend.status.value if trend.status else "",
                "high_low": "12-month high"
                if trend.high_12
                else "12-month low"
                if trend.low_12
                else "",
            }
        )
    return shown


def _restated(data: ReportData) -> list[dict[str, str]]:
    if data.history is None:
        return []
    by_key = {t.key: t for t in data.history.trends}
    rows = []
    for month, key, _, as_sent, now, difference in data.history.restated.iter_rows():
        figure = by_key[key].figure
        unit, currency = figure.unit, figure.currency_for(data)
        rows.append(
            {
                "month": f"{month:%B %Y}",
                "label": figure.title_for(data),
                "as_sent": amount(as_sent, unit, currency),
                "now": amount(now, unit, currency),
                "difference": signed(difference, unit, currency),
            }
        )
    return rows


def monthly_context(data: ReportData) -> dict[str, object]:
    headline = data.headline
    report_currency = data.report_currency
    invoice_basis = data.vat_return.filter(basis="invoice")
    by_month = data.expenses_by_month_state
    statuses = status_of(data)
    return {
        **_common(data),
        # Draft or approved: the firm's own documents say which; statements do not.
        "stamp": data.stamp,
        "generated_at": day(data.generated_at),
        "sources": [
            {
                "name": s.name,
                "fetched": day(s.fetched_at) if s.present else "MISSING",
                "rows": s.rows,
            }
            for s in data.sources
        ],
        "headline": headline,
        "figures": figures(data),
        "figure_keys": [figure.key for figure in shown_figures(data)],
        "statuses": [statuses.get(figure.key, "") for figure in shown_figures(data)],
        # Which sections show: those of the configured sources (`report.coverage`).
        "shows": shown_parts(data),
        "has_targets": bool(statuses),
        "alerts": [alert_sentence(alert) for alert in data.alerts],
        "commentary": data.commentary,
        "trends": trends(data),
        "trend_months": len(data.history.months) if data.history else 0,
        "year_start": data.history.year_start.label if data.history else "",
        "restated": _restated(data),
        "expenses_by_currency": _rows(data.expenses_by_currency),
        "expenses_left_out": _rows(data.expenses_left_out.head(QUALITY_ROWS_IN_PDF)),
        "expenses_left_out_count": data.expenses_left_out.height,
        "vat_quarter": vat_quarter(data),
        "empty_month_note": data.empty_month_note,
        "vat_return": _rows(data.vat_return),
        "aged_debt": _rows(data.aged_debt),
        "client_book": _client_book(data),
        "receivables": _receivables(data),
        "reminders": _reminders(data),
        "quality": _rows(data.quality.head(QUALITY_ROWS_IN_PDF)),
        "has_previous": data.has_previous,
        "changes": _rows(data.changes.head(QUALITY_ROWS_IN_PDF)),
        "changes_count": data.changes.height,
        "quality_count": data.quality.height,
        "charts": {
            "expenses": charts.stacked_bars(
                data.expenses_by_month_currency,
                "month",
                "currency_code",
                "report_amount",
                f"Expenses by month and currency, in {report_currency}",
                report_currency,
            ),
            "invoicing": charts.bars(
                [m.strftime("%b %y") for m in by_month["month"]],
                {
                    "Invoiced": [float(v) for v in by_month["invoiced_amount"]],
                    "To be invoiced": [float(v) for v in by_month["to_be_invoiced_amount"]],
                    "Awaiting approval": [float(v) for v in by_month["awaiting_approval_amount"]],
                },
                "Expenses by month incurred (rejected ones left out)",
                report_currency,
            ),
            "vat": charts.bars(
                [f"{d:%b %y}" for d in invoice_basis["period_start"]],
                {
                    "Box 1 (VAT)": [float(v) for v in invoice_basis["box1_vat_due_on_sales"]],
                    "Box 6 (net sales)": [
                        float(v) for v in invoice_basis["box6_total_sales_ex_vat"]
                    ],
                },
                "VAT by quarter, invoice basis",
                data.invoice_currency,
            ),
            "aged_debt": charts.bars(
                data.aged_debt["age_bucket"].to_list(),
                {"Outstanding": [float(v) for v in data.aged_debt["amount"]]},
                "Outstanding debt by days past due",
                data.invoice_currency,
            ),
        },
    }


def _receivables(data: ReportData) -> dict[str, object] | None:
    """The aged receivables as the PDF lays them out (None without them): the largest
    `RECEIVABLES_IN_PDF` clients, how many more the workbook lists, and every client's
    totals by band."""
    owed = data.receivables
    if owed is None:
        return None
    return {
        "rows": _rows(owed.summary.head(RECEIVABLES_IN_PDF)),
        "clients": owed.summary.height,
        "more": max(owed.summary.height - RECEIVABLES_IN_PDF, 0),
        "invoices": owed.detail.height,
        "band_totals": owed.band_totals,
        "total": owed.total,
    }


def _reminders(data: ReportData) -> dict[str, object] | None:
    """The month's payment reminders as the PDF lays them out (None where nobody is
    chased): the first `REMINDERS_IN_PDF` sent, and how many more the workbook lists."""
    reminders = data.reminders
    if reminders is None:
        return None
    month = reminders.month
    return {
        "rows": _rows(month.head(REMINDERS_IN_PDF)),
        "count": month.height,
        "clients": month["key"].n_unique(),
        "more": max(month.height - REMINDERS_IN_PDF, 0),
        "uncertain": month.filter(state="uncertain").height,
        "unrecorded": month["asked"].null_count(),
    }


def _client_book(data: ReportData) -> dict[str, object] | None:
    """The Client book's tables as the PDF and the web page lay them out (None without one):
    its lists cut to `QUALITY_ROWS_IN_PDF` rows, the workbook's Client book sheet has all."""
    book = data.client_book
    if book is None:
        return None
    return {
        "source": book.source,
        "ending_by": book.ending_by,
        "bands": _rows(book.bands),
        "clients": book.clients.height,
        "net_annual": book.net_annual,
        "gross_annual": book.gross_annual,
        "recorded": _rows(book.recorded.head(QUALITY_ROWS_IN_PDF)),
        "recorded_count": book.recorded.height,
        "ending": _rows(book.ending.head(QUALITY_ROWS_IN_PDF)),
        "ending_count": book.ending.height,
        "without_income": _rows(book.without_income.head(QUALITY_ROWS_IN_PDF)),
        "without_income_count": book.without_income.height,
    }


def statement_context(data: ReportData, statement: Statement) -> dict[str, object]:
    """What a client's statement shows. No draft or approval stamp: approval is the
    firm's review, not the client's business, and a statement reads the same before and
    after it, so that approving a month renders none again (`write_statements` reuses the
    draft's file)."""
    activity = statement.activity
    return {
        **_common(data),
        "document_title": statement.kind.heading,
        "expenses_only": statement.kind is StatementKind.EXPENSES,
        "account": statement.kind is StatementKind.ACCOUNT
        and (activity is not None or statement.invoices.height > 0),
        "standing": statement.standing,
        "balance": statement.balance,
        "credit": statement.credit,
        "activity": activity,
        "activity_rows": _rows(activity.rows) if activity is not None else [],
        # A client whose account is its one case has that case in the letterhead already,
        # as its reference: a table of that one row would only repeat it.
        "cases": []
        if statement.cases.height == 1 and statement.cases["reference"][0] == statement.reference
        else _rows(statement.cases),
        # A column empty on every row is one the client's source does not have: not printed.
        "case_columns": _filled(statement.cases),
        "invoice_columns": _filled(statement.invoices),
        "expense_columns": _filled(statement.expenses),
        "rejected_columns": _filled(statement.rejected_expenses),
        "client": statement.client,
        "client_key": statement.key,
        "reference": statement.reference,
        "payment_reference": statement.payment_reference,
        "client_address": statement.address,
        "expenses": _rows(statement.expenses),
        "rejected_expenses": _rows(statement.rejected_expenses),
        "invoices": _rows(statement.invoices),
        "totals": statement.totals,
        "empty_month_note": data.empty_month_note,
    }


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


def data_uri(path: Path) -> str:
    """A file as a `data:` address: a picture that travels inside its page."""
    kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    return f"data:{kind};base64,{base64.b64encode(path.read_bytes()).decode()}"


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


def html_to_pdf(
    html: str,
    base_url: str,
    path: str | Path,
    readable: Iterable[Path] = (),
    what: str = "the document",
    profile: PdfProfile = ARCHIVAL,
) -> str:
    """Render one HTML document to `path` (atomically, as `profile`), reading only the files
    in or under `readable` (`readable_files`) and `data:` addresses. A top-level function:
    executors pickle it."""
    from reports.render.fetcher import LocalFetcher

    target = Path(path)
    allowed = tuple(readable)
    atomic_write(
        target,
        lambda temporary: _render(html, base_url, LocalFetcher(allowed), what, temporary, profile),
    )
    return str(target)


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
) -> Path:
    """The monthly report's PDF; `context` is `monthly_context(data)` where the caller has
    it already (its charts take most of the time: the web page shares them)."""
    templates = templates or Templates()
    html = templates.render("monthly.html", **(context or monthly_context(data)))
    readable = readable_files(templates, data.firm.logo)
    base_url = templates.base_url("monthly.html")
    return Path(
        html_to_pdf(html, base_url, path, readable, "the monthly report (its templates or logo)")
    )


_UNSAFE = re.compile(r"[^a-z0-9]+")


def safe_file_name(client: str, key: str, suffix: str = ".pdf", tag_length: int = 16) -> str:
    """A file name from a client's name that cannot leave its folder, unique by `key`.

    The client's name and key are there for people; uniqueness comes from a hash of the
    exact key (case, slashes and all), so `ACME` and `acme`, or `12/34` and `12-34`, never
    share a file.
    """
    ascii_name = unicodedata.normalize("NFKD", client).encode("ascii", "ignore").decode().lower()
    slug = _UNSAFE.sub("-", ascii_name).strip("-")[:60] or "client"
    readable = _UNSAFE.sub("-", key.lower()).strip("-")[-24:] or "client"
    digest = hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()[:tag_length]
    return f"statement-{slug}-{digest}-{readable}{suffix}"


def statement_file_names(statements: Iterable[Statement]) -> dict[str, str]:
    """Each statement's key to its own file name; two statements with one key are an error,
    and two keys whose names collide (a hash prefix shared) get the full hash instead."""
    names: dict[str, str] = {}
    taken: dict[str, str] = {}
    for statement in statements:
        if statement.key in names:
            raise DataError(
                f"two statements for one client key {statement.key!r}: refusing to write "
                "either, as one client could be sent the other's"
            )
        name = safe_file_name(statement.client, statement.key)
        if name.lower() in taken:
            name = safe_file_name(statement.client, statement.key, tag_length=64)
            if name.lower() in taken:
                raise DataError(
                    f"statement file names of {statement.key!r} and {taken[name.lower()]!r} collide"
                )
        names[statement.key] = name
        taken[name.lower()] = statement.key  # case-insensitive file systems too
    return names


#: Characters no file name may hold on the systems clients open attachments on (Windows
#: is the strictest), and those that show nothing or reorder what is shown.
_NOT_IN_FILE_NAMES = re.compile(
    r'[\x00-\x1f\x7f<>:"/\\|?*\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]'
)


def attachment_names(statements: Iterable[Statement], month: str) -> dict[str, str]:
    """Each statement's key to the name its PDF is attached under, as a client would expect
    it: `Statement - Acme Ltd - 2026-10.pdf`. Two clients whose names would give one file
    name (whatever the case) get their own reference in it, and a hash of their key too if
    the references alike (`ACME` and `acme`).

    A name is at most 255 bytes of UTF-8, the longest a file name may be on most disks: a
    long client name or reference is shortened to fit, between characters and ending `…`;
    the hash, the month and `.pdf` are kept whole, so names stay distinct."""
    chosen = list(statements)
    most = 255
    around = len(f"Statement -  - {month}.pdf".encode())

    def clean(text: str, bad: str) -> str:
        # A lone surrogate cannot be written as UTF-8: it becomes "?", then `bad`.
        text = unicodedata.normalize("NFC", text).encode("utf-8", "replace").decode("utf-8")
        return " ".join(_NOT_IN_FILE_NAMES.sub(bad, text).split()).strip(". ")

    def fit(text: str, room: int) -> str:
        data = text.encode("utf-8")
        if len(data) <= room:
            return text
        # Cut on a byte, then drop the part of a character the cut left.
        return data[: room - 3].decode("utf-8", "ignore").rstrip(". ") + "…"

    def name(statement: Statement, tag: str | None = None, digest: str = "") -> str:
        tagged = " ".join(part for part in (fit(clean(tag or "", "-"), 64), digest) if part)
        suffix = f" ({tagged})" if tagged else ""
        room = most - around - len(suffix.encode("utf-8"))
        client = fit(clean(statement.client, " ")[:80].rstrip(". "), room) or "client"
        return f"Statement - {client}{suffix} - {month}.pdf"

    first = [name(s) for s in chosen]
    shared = {n.casefold() for n in first if [f.casefold() for f in first].count(n.casefold()) > 1}
    names: dict[str, str] = {}
    taken: set[str] = set()
    for statement, plain in zip(chosen, first, strict=True):
        candidates = [plain] if plain.casefold() not in shared else []
        digest = hashlib.sha256(statement.key.encode("utf-8", "surrogatepass")).hexdigest()[:8]
        candidates += [
            name(statement, statement.reference),
            name(statement, statement.reference or statement.key, digest),
        ]
        picked = next((c for c in candidates if c.casefold() not in taken), None)
        if picked is None:
            raise DataError(
                f"statement attachment names of {statement.key!r} and another client collide"
            )
        names[statement.key] = picked
        taken.add(picked.casefold())
    return names


def file_digest(path: str | Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


@dataclass(frozen=True)
class RenderedStatement:
    key: str
    client: str
    email: str | None
    path: str
    #: What the client owes, as printed ("£0.00" for nothing); None where the source holds
    #: no invoice balances, so that no message claims a balance.
    outstanding: str | None
    #: The name the PDF is attached to its email under (`attachment_names`).
    attachment: str
    #: The client's own reference, as its system has it (shown on the statement).
    reference: str | None
    #: What the client quotes when paying (`Statement.payment_reference`): bank-safe.
    payment_reference: str
    #: The client's postcode where its system holds one (a statement password may use it).
    postcode: str | None = None
    #: A digest of everything the PDF shows (`content_digest`): a rerun whose statement has
    #: the same one reuses the file instead of rendering it again.
    content_digest: str = ""
    #: Whether this run reused the file an earlier run rendered.
    reused: bool = False
    #: Where the account stands (`Standing`: owed, settled, in credit); None on an expenses
    #: statement. The email says as much, and asks for payment only where something is owed.
    standing: str | None = None


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
    file and that file's SHA-256 as written."""
    index = folder / "statements.json" if folder is not None else None
    if index is None or not index.exists():
        return {}
    try:
        entries = json.loads(index.read_text(encoding="utf-8"))
        return {
            e["key"]: (e["content_digest"], folder / e["path"], e["sha256"])
            for e in entries
            if e.get("content_digest")
        }
    except (OSError, ValueError, KeyError, TypeError):
        return {}


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
    written: dict[str, str] = {}
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
            written[key] = str(target)
            if on_progress is not None:
                on_progress("statements", len(written), len(jobs))
    finally:
        if own_pool and pool is not None:
            pool.shutdown()
    paths = [written.get(s.key) or str((out / names[s.key]).resolve()) for s in chosen]
    rendered = [
        RenderedStatement(
            s.key,
            s.client,
            s.email,
            path,
            None
            if s.totals.outstanding is None
            else money(s.totals.outstanding, data.invoice_currency),
            attachments[s.key],
            s.reference,
            s.payment_reference,
            s.postcode,
            digests[s.key],
            s.key in reused,
            None if s.standing is None else s.standing.value,
        )
        for s, path in zip(chosen, paths, strict=True)
    ]
    # The digest binds each client's key to the bytes rendered for it: delivery checks it
    # before attaching, so no client is ever sent a file built for another.
    manifest = [
        {k: v for k, v in r.__dict__.items() if k != "reused"}
        | {"path": Path(r.path).name, "sha256": file_digest(r.path)}
        for r in rendered
    ]
    atomic_write(
        out / "statements.json",
        lambda t: t.write_text(json.dumps(manifest, indent=2, ensure_ascii=False)),
    )
    return rendered
