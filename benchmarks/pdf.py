"""Statements per second, rendered one after another and in parallel, and the monthly report.

    python benchmarks/pdf.py [--statements 200] [--workers N] [--template-only]

The statements are 200 one-page ones (a WillSuite customer each, from a sandbox with
enough cases); serial is a loop in this process, parallel a process pool of --workers
(default: one per core). The baseline is the same statements rendered serially as plain
WeasyPrint documents, each setting up its own fonts (how `write_statements` rendered them
before it kept one font configuration per thread, and before they were PDF/A-3b and
tagged). What PDF/A-3b and tags cost is measured apart: the same statements rendered
serially by `render_pdf` with WeasyPrint's plain output and with ours, one after the other
for each statement, so that a change in the machine's load falls on both. The monthly
report is the sandbox's October 2026.

The statement is measured apart too, three ways: today's (the statement.html and
statement.css of commit 0c5fda3, kept in benchmarks/baseline/, rendered as `render_pdf` did
then), the new template rendered as then (what the template alone gains), and the new
template rendered by `render_pdf` now (`reports.render.statement_html`: WeasyPrint's default
styles without those of notes, and the standard library's HTML parser for plain HTML); each
statement one document, PDF/A-3b with tags, serially in
this process, given its statement.css parsed once (as `write_statements` does). The target is
the new at least twice today's statements per second. The statements carry the sandbox
firm's whole letterhead (logo, address, numbers, bank details), as a firm's do. What a
statement costs grows with its table cells and lines of text (about 2,000 Python calls in
WeasyPrint each, whatever their style), not with its style sheet's rules; and with what
WeasyPrint lays out once more for each page, its margin boxes, and draws once a cell.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pypdf import PdfReader

from reports import fetch_frames, rates
from reports.render.fetcher import LocalFetcher
from reports.render.pdf import (
    ARCHIVAL,
    PLAIN,
    STATEMENT_STYLESHEET,
    PdfProfile,
    _font_config,
    _stylesheet,
    readable_files,
    render_pdf,
    write_monthly_pdf,
    write_statements,
)
from reports.render.templates import Templates
from reports.render.views import statement_context
from reports.report import build_report_data
from reports.sandbox import Sandbox, Sizes


class InProcess(Executor):
    """Runs each task at once, in this process: the serial baseline behind the same interface."""

    def submit(self, fn: Any, /, *args: Any, **kwargs: Any) -> Future:
        future: Future = Future()
        future.set_result(fn(*args, **kwargs))
        return future


def archival_cost(
    htmls: list[str], templates: Templates, logo: Path | None
) -> dict[PdfProfile, float]:
    """Seconds to render every statement in `htmls` as each profile, serially in this
    process, the two profiles taking turns statement by statement."""
    base_url = templates.base_url("statement.html")
    readable = readable_files(templates, logo)
    seconds = dict.fromkeys((PLAIN, ARCHIVAL), 0.0)
    for profile in seconds:  # the first document of each sets up fonts and caches
        render_pdf(htmls[0], base_url, readable=readable, profile=profile, stylesheets=SHEETS)
    for html in htmls:
        for profile in seconds:
            started = time.perf_counter()
            render_pdf(html, base_url, readable=readable, profile=profile, stylesheets=SHEETS)
            seconds[profile] += time.perf_counter() - started
    return seconds


#: The statement's style sheet, which the page does not link: `write_statements` gives it.
SHEETS = (STATEMENT_STYLESHEET,)

#: Today's statement template, kept as the baseline: commit 0c5fda3's statement.html and
#: statement.css.
BASELINE_TEMPLATES = Path(__file__).resolve().parent / "baseline"


def render_as_today(html: str, base_url: str, readable: tuple[Path, ...]) -> bytes:
    """`render_pdf` of a statement as it was in commit 0c5fda3: parsed by tinyhtml5, with
    WeasyPrint's whole default style sheet (`reports.render.statement_html` leaves out its
    rules for notes, and reads plain HTML with the standard library's parser)."""
    from weasyprint import HTML

    fetcher = LocalFetcher(readable)
    sheet = _stylesheet(STATEMENT_STYLESHEET, base_url, fetcher)
    document = HTML(string=html, base_url=base_url, url_fetcher=fetcher)
    return bytes(
        document.write_pdf(font_config=_font_config(), stylesheets=[sheet], **ARCHIVAL.options())
    )


#: How a statement is rendered: (html, base_url, readable) to PDF bytes.
Renderer = Callable[[str, str, tuple[Path, ...]], bytes]

#: The three ways a statement is rendered, in the order measured and printed.
WAYS = (
    ("today's (0c5fda3):", "today's template, today's renderer"),
    ("new template alone:", "the new template, today's renderer"),
    ("new:", "the new template, the new renderer"),
)


@dataclass(frozen=True)
class TemplateCost:
    """Seconds to render the same statements each of the `WAYS`: elapsed, and this
    process's CPU time (what a shared machine's load changes least)."""

    wall: tuple[float, ...]
    cpu: tuple[float, ...]


def template_cost(
    data: Any, statements: list[Any], baseline: Templates, new: Templates
) -> TemplateCost:
    """Seconds to render every statement each of the `WAYS` (today's template and renderer,
    the new template with today's renderer, the new template and renderer), as PDF/A-3b with
    tags, serially in this process, the three taking turns statement by statement so that a
    change in the machine's load falls on each. Each is given its statement.css parsed once."""
    runs: list[tuple[Renderer, list[str], str, tuple[Path, ...]]] = []
    ways: tuple[tuple[Templates, Renderer], ...] = (
        (baseline, render_as_today),
        (new, render_as_today),
        (new, render_new),
    )
    for templates, render in ways:
        htmls = [
            templates.render("statement.html", **statement_context(data, s)) for s in statements
        ]
        base_url = templates.base_url("statement.html")
        readable = readable_files(templates, data.firm.logo)
        render(htmls[0], base_url, readable)  # fonts and caches set up
        runs.append((render, htmls, base_url, readable))
    wall, cpu = [0.0] * len(runs), [0.0] * len(runs)
    for number in range(len(statements)):
        for which, (render, htmls, base_url, readable) in enumerate(runs):
            started, started_cpu = time.perf_counter(), time.process_time()
            render(htmls[number], base_url, readable)
            wall[which] += time.perf_counter() - started
            cpu[which] += time.process_time() - started_cpu
    return TemplateCost(tuple(wall), tuple(cpu))


def render_new(html: str, base_url: str, readable: tuple[Path, ...]) -> bytes:
    """A statement as `write_statements` renders it now."""
    return render_pdf(html, base_url, readable=readable, stylesheets=SHEETS)


def print_template_cost(cost: TemplateCost, count: int) -> None:
    print("The statement, serially, the same statements (PDF/A-3b, tagged, statement.css given):")
    for (name, how), wall, cpu in zip(WAYS, cost.wall, cost.cpu, strict=True):
        print(
            f"  {name:23s} {wall:6.2f} s, {count / wall:6.1f} statements/s;"
            f" CPU {cpu:6.2f} s, {count / cpu:6.1f} statements/s   ({how})"
        )
    for which, what in ((1, "new template alone"), (2, "new")):
        print(
            f"  {what} / today's throughput = {cost.wall[0] / cost.wall[which]:.2f}x elapsed,"
            f" {cost.cpu[0] / cost.cpu[which]:.2f}x CPU" + (" (target >= 2x)" if which == 2 else "")
        )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--statements", type=int, default=200)
    parser.add_argument("--workers", type=int, default=os.cpu_count())
    parser.add_argument(
        "--template-only", action="store_true", help="measure only the statement's template"
    )
    args = parser.parse_args()
    # Enough WillSuite cases for the statements asked for (about one in six has one), and
    # no more: the smallest run is a test's (tests/test_benchmarks.py).
    sizes = Sizes(
        mobility_cases=10,
        plannr_cases=5,
        plannr_clients=5,
        willsuite_cases=max(60, 6 * args.statements),
    )
    with Sandbox(sizes=sizes) as server:
        frames = fetch_frames(server.config())
        firm = server.firm_settings()
    data = build_report_data(frames, "2026-10", rates=rates.embedded(), firm=firm)
    one_page = [s for s in data.statements if s.source == "willsuite"][: args.statements]
    if len(one_page) < args.statements:
        raise SystemExit(f"only {len(one_page)} statements available")
    if args.template_only:
        cost = template_cost(data, one_page, Templates(BASELINE_TEMPLATES), Templates())
        print_template_cost(cost, len(one_page))
        return
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder)
        from weasyprint import HTML

        templates = Templates()
        base_url = templates.base_url("statement.html")
        HTML(string="<p>warm</p>").write_pdf(out / "warm.pdf")  # imports, not rendering
        started = time.perf_counter()
        for number, statement in enumerate(one_page):
            html = templates.render("statement.html", **statement_context(data, statement))
            HTML(string=html, base_url=base_url).write_pdf(
                out / f"baseline-{number}.pdf", stylesheets=[base_url + STATEMENT_STYLESHEET]
            )
        baseline_s = time.perf_counter() - started
        started = time.perf_counter()
        serial = write_statements(data, out / "serial", executor=InProcess(), statements=one_page)
        serial_s = time.perf_counter() - started
        with ProcessPoolExecutor(max_workers=args.workers) as pool:
            started = time.perf_counter()
            write_statements(data, out / "parallel", executor=pool, statements=one_page)
            parallel_s = time.perf_counter() - started
        pages = {len(PdfReader(r.path).pages) for r in serial}
        started = time.perf_counter()
        report = write_monthly_pdf(data, out / "report.pdf")
        monthly_s = time.perf_counter() - started
        monthly_pages = len(PdfReader(report).pages)
        htmls = [
            templates.render("statement.html", **statement_context(data, statement))
            for statement in one_page
        ]
        profiles = archival_cost(htmls, templates, data.firm.logo)
        cost = template_cost(data, one_page, Templates(BASELINE_TEMPLATES), templates)
    print(f"{len(one_page)} statements of {sorted(pages)} page(s) each:")
    print(
        f"  baseline, serial:       {baseline_s:6.2f} s, {len(one_page) / baseline_s:6.1f} statements/s"
        "   (plain WeasyPrint, fonts set up per document)"
    )
    print(
        f"  serial:                 {serial_s:6.2f} s, {len(one_page) / serial_s:6.1f} statements/s"
    )
    print(
        f"  ours serial / baseline serial throughput = {baseline_s / serial_s:.2f}x (target >= 3x)"
    )
    print(
        f"  parallel ({args.workers} processes): {parallel_s:6.2f} s, {len(one_page) / parallel_s:6.1f} statements/s"
        f"   parallel / serial throughput = {serial_s / parallel_s:.2f}x"
    )
    plain_s, archival_s = profiles[PLAIN], profiles[ARCHIVAL]
    print("PDF/A-3b and tags, serial, the same statements (render_pdf, fonts kept):")
    print(
        f"  without (plain):        {plain_s:6.2f} s, {len(one_page) / plain_s:6.1f} statements/s"
    )
    print(
        f"  with (PDF/A-3b, tagged): {archival_s:5.2f} s, {len(one_page) / archival_s:6.1f} statements/s"
    )
    print(f"  with / without throughput = {plain_s / archival_s:.2f}x")
    print_template_cost(cost, len(one_page))
    print(f"monthly report ({monthly_pages} pages, 4 charts, PDF/A-3b, tagged): {monthly_s:.2f} s")


if __name__ == "__main__":
    main()
