"""The month's whole report in one call: fetch → build → render → publish → deliver.

Everything is built in a staging folder and moved into `OUT/YYYY-MM/` only once all of it
succeeded, so a failure leaves the previous report (and the email ledger in `outbox/`)
untouched. The fetched frames, the ECB rates and a manifest go into `data/`, from which
`from_snapshot=True` rebuilds the same report with no network.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import shutil
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from itertools import pairwise
from pathlib import Path

from reports import archive, rates, snapshot
from reports.config import Config
from reports.delivery.email import Delivery, deliver_month
from reports.errors import PeriodError
from reports.fetch import fetch_all, fetch_frames
from reports.http import ProgressCallback
from reports.output import published, remove_if_made
from reports.periods import Month
from reports.render.commentary import observations, read_commentary, write_briefing
from reports.render.excel import write_trends_workbook, write_workbook
from reports.render.pdf import write_monthly_pdf, write_statements
from reports.render.templates import Templates
from reports.report import ReportData, build_report_data


@dataclass
class MonthlyResult:
    """What one run wrote and sent: the month's folder and its files, the report's data,
    how long each stage took, and the email delivery (None without `email`)."""

    folder: Path
    workbook: Path
    report: Path
    statements: int
    data: ReportData
    timings: dict[str, float] = field(default_factory=dict)
    delivery: Delivery | None = None


#: Where a firm keeps its monthly commentary, under the output folder: `YYYY-MM.md`.
COMMENTARY_FOLDER = "commentary"


def report_data(
    month: Month,
    config: Config,
    *,
    firm: str = "",
    currency: str = "GBP",
    months: int = 12,
    out: Path | None = None,
    commentary: Path | None = None,
    on_progress: ProgressCallback | None = None,
) -> ReportData:
    """Fetch every configured source and build `month`'s report data, with `months` of
    history and its commentary, writing nothing. The firm is `config.firm`, named `firm`
    if that is given (`--firm`); `out` is where earlier months' reports are."""
    month.require_begun()
    started = dt.datetime.now(dt.UTC)
    frames = fetch_frames(config, on_progress=on_progress)
    data = build_report_data(
        frames,
        month,
        rates=rates.load(),
        firm=config.firm.named(firm),
        report_currency=currency,
        fetched_at=dict.fromkeys(config.sources, started),
        history_months=months,
        targets=config.targets,
        alert_rules=config.alerts,
        sent=archive.sent_figures(out, month, months) if out is not None else None,
    )
    return with_commentary(data, out, commentary)


def with_commentary(data: ReportData, out: Path | None, commentary: Path | None) -> ReportData:
    """`data` with the firm's commentary (`commentary`, else `OUT/commentary/YYYY-MM.md`
    if there is one) or, without one, automatic observations."""
    path = commentary
    if path is None and out is not None:
        default = out / COMMENTARY_FOLDER / f"{data.month}.md"
        path = default if default.exists() else None
    written = read_commentary(path, data) if path is not None else observations(data)
    return dataclasses.replace(data, commentary=written)


def run_monthly(
    month: Month,
    config: Config,
    out: Path,
    *,
    firm: str = "",
    currency: str = "GBP",
    allow_partial: bool = False,
    from_snapshot: bool = False,
    incremental: bool = True,
    email: bool = False,
    template: Path | None = None,
    templates_dir: Path | None = None,
    workers: int | None = None,
    months: int = 12,
    commentary: Path | None = None,
    on_progress: ProgressCallback | None = None,
    on_stage: Callable[[str], None] | None = None,
) -> MonthlyResult:
    """Write `month`'s workbook, PDF report and client statements into `out/YYYY-MM/`, with
    the data they came from in `data/`; with `email`, send them (SMTP, or the outbox).

    The firm is `config.firm`, named `firm` if that is given (`--firm`). Sources come from
    `config`; `from_snapshot` rebuilds from `data/` instead, and a rerun
    in the same month reads only what changed where a source allows (`incremental`). A
    failing source stops the run unless `allow_partial`. Errors are `ReportsError`s.

    Each figure carries `months` of history, compared with what earlier reports in `out`
    sent; the first pages carry the firm's `commentary` (see `with_commentary`).
    """
    month.require_begun()
    templates = Templates(templates_dir)
    final = out / str(month)
    data_folder = final / "data"
    timings: dict[str, float] = {}

    def stage(name: str) -> None:
        timings[name] = time.perf_counter()
        if on_stage:
            on_stage(name)

    if from_snapshot:
        if not snapshot.exists(data_folder):
            snapshot.load(data_folder)  # the one-line error saying what to do, before any stage
        stage("read")
        fetched, manifest = snapshot.load(data_folder)
        firm = firm or config.firm.name or str(manifest.get("firm", ""))
        currency = str(manifest.get("report_currency", currency))
    else:
        stage("fetch")
        earlier = None
        if incremental and snapshot.exists(data_folder):
            earlier = snapshot.load(data_folder)[0]
        fetched = fetch_all(
            config,
            month,
            rates.load(),
            allow_partial=allow_partial,
            previous=earlier,
            on_progress=on_progress,
        )
    previous_folder = out / str(month.previous) / "data"
    previous = (
        snapshot.load(previous_folder)[0].frames if snapshot.exists(previous_folder) else None
    )

    stage("compute")
    data = build_report_data(
        fetched.frames,
        month,
        rates=fetched.rates,
        firm=config.firm.named(firm),
        report_currency=currency,
        fetched_at=fetched.fetched_at,
        missing_sources=fetched.missing,
        previous_frames=previous,
        history_months=months,
        targets=config.targets,
        alert_rules=config.alerts,
        sent=archive.sent_figures(out, month, months),
    )
    data = with_commentary(data, out, commentary)
    existed = out.exists()
    staging = out / f".{month}.staging"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    try:
        stage("snapshot")
        if not from_snapshot:
            extra: dict[str, object] = {
                "firm": data.firm.name,
                "report_currency": currency,
                "templates": templates.fingerprint(),
            }
            snapshot.save(fetched, staging / "data", extra)
        archive.write_figures(data, staging)
        write_briefing(data, staging)
        stage("excel")
        workbook = write_workbook(data, staging / f"report-{month}.xlsx", template)
        stage("pdf")
        report = write_monthly_pdf(data, staging / f"report-{month}.pdf", templates)
        with ProcessPoolExecutor(max_workers=workers) as pool:
            rendered = write_statements(data, staging / "statements", templates, pool)
        stage("publish")
        published(staging, final)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
        remove_if_made(out, existed)
    delivery = None
    if email:
        stage("email")
        delivery = deliver_month(final, month, config, templates, data.firm.name)
    stage("done")
    durations = {a: timings[b] - timings[a] for a, b in pairwise(timings)}
    return MonthlyResult(
        final,
        final / workbook.name,
        final / report.name,
        len(rendered),
        data,
        durations,
        delivery,
    )


def write_trends(
    first: Month,
    last: Month,
    config: Config,
    out: Path,
    *,
    currency: str = "GBP",
    on_progress: ProgressCallback | None = None,
) -> Path:
    """Fetch every source and write the Trends of the months `first` to `last` into
    `OUT/trends-FIRST-to-LAST.xlsx`."""
    if first > last:
        raise PeriodError(f"--from {first} is after --to {last}: give the earlier month first")
    months = (last.year - first.year) * 12 + last.number - first.number + 1
    data = report_data(
        last, config, currency=currency, months=months, out=out, on_progress=on_progress
    )
    return write_trends_workbook(data, out / f"trends-{first}-to-{last}.xlsx")
