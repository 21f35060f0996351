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

The statement's template is measured apart too: today's (benchmarks/baseline/, the
template as it was before statements had their own style sheet, commit f084970: the
monthly report's whole style sheet, a flex letterhead, tables laid out automatically)
against the new one (templates/statement.html with statement.css), each statement rendered
by `render_pdf` as PDF/A-3b with tags from each template in turn, one statement a document,
serially in this process; the target is the new at least twice the baseline's statements per
second. Each is rendered as it is in use: the baseline's page links its style sheet, which
WeasyPrint parses for every statement; the new page is given statement.css parsed once a
thread (`write_statements`). The parse is about a tenth of a statement; the rest grows with
the page's elements (about 2,000 Python calls in WeasyPrint a table cell, whatever its style).
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pypdf import PdfReader

from reports import fetch_frames, rates
from reports.render.pdf import (
    ARCHIVAL,
    PLAIN,
    STATEMENT_STYLESHEET,
    PdfProfile,
    readable_files,
    render_pdf,
    statement_context,
    write_monthly_pdf,
    write_statements,
)
from reports.render.templates import Templates
from reports.report import build_report_data
from reports.sandbox import Sandbox, Sizes


class InProcess(Executor):
    """Runs each task at once, in this process: the serial baseline behind the same interface."""

    def submit(self, fn: Any, /, *args: Any, **kwargs: Any) -> Future:
        future: Future = Future()
        future.set_result(fn(*args, **kwargs))
        return future


def archival_cost(htmls: list[str], templates: Templates) -> dict[PdfProfile, float]:
    """Seconds to render every statement in `htmls` as each profile, serially in this
    process, the two profiles taking turns statement by statement."""
    base_url = templates.base_url("statement.html")
    readable = readable_files(templates, None)
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

#: Today's statement template, kept as the baseline: commit f084970's statement.html, the
#: report.css it linked and the stamp.html it included.
BASELINE_TEMPLATES = Path(__file__).resolve().parent / "baseline"


@dataclass(frozen=True)
class TemplateCost:
    """Seconds to render the same statements from each template: elapsed, and this
    process's CPU time (what a shared machine's load changes least)."""

    baseline_wall: float
    new_wall: float
    baseline_cpu: float
    new_cpu: float


def template_cost(
    data: Any, statements: list[Any], baseline: Templates, new: Templates
) -> TemplateCost:
    """Seconds to render every statement from the `baseline` and the `new` templates, as
    PDF/A-3b with tags, serially in this process, the two taking turns statement by
    statement so that a change in the machine's load falls on both."""
    runs = []
    # The baseline links its style sheet; the new one is given its own, parsed once.
    for templates, extra, sheets in (
        (baseline, {"stamp": data.stamp}, ()),
        (new, {}, SHEETS),
    ):
        # The baseline's template still prints the draft stamp, as statements did then.
        htmls = [
            templates.render("statement.html", **statement_context(data, s), **extra)
            for s in statements
        ]
        base_url = templates.base_url("statement.html")
        readable = readable_files(templates, None)
        # fonts and caches set up
        render_pdf(htmls[0], base_url, readable=readable, stylesheets=sheets)
        runs.append((htmls, base_url, readable, sheets))
    wall, cpu = [0.0, 0.0], [0.0, 0.0]
    for number in range(len(statements)):
        for which, (htmls, base_url, readable, sheets) in enumerate(runs):
            started, started_cpu = time.perf_counter(), time.process_time()
            render_pdf(htmls[number], base_url, readable=readable, stylesheets=sheets)
            wall[which] += time.perf_counter() - started
            cpu[which] += time.process_time() - started_cpu
    return TemplateCost(wall[0], wall[1], cpu[0], cpu[1])


def print_template_cost(cost: TemplateCost, count: int) -> None:
    print("The statement's template, serially, the same statements (PDF/A-3b, tagged):")
    for name, wall, cpu, how in (
        ("today's (f084970):", cost.baseline_wall, cost.baseline_cpu, "report.css linked"),
        ("new:", cost.new_wall, cost.new_cpu, "statement.css given, parsed once"),
    ):
        print(
            f"  {name:23s} {wall:6.2f} s, {count / wall:6.1f} statements/s;"
            f" CPU {cpu:6.2f} s, {count / cpu:6.1f} statements/s   ({how})"
        )
    print(
        f"  new / today's throughput = {cost.baseline_wall / cost.new_wall:.2f}x elapsed,"
        f" {cost.baseline_cpu / cost.new_cpu:.2f}x CPU (target >= 2x)"
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
    sizes = Sizes(mobility_cases=300, plannr_cases=50, plannr_clients=50, willsuite_cases=1200)
    with Sandbox(sizes=sizes) as server:
        frames = fetch_frames(server.config())
    data = build_report_data(frames, "2026-10", rates=rates.embedded(), firm="Sandbox & Co")
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
        profiles = archival_cost(htmls, templates)
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
