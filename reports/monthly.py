"""The month's whole report in one call: fetch → build → render → publish → deliver.

Everything is built in a staging folder and switched into `OUT/YYYY-MM/` in one step only
once all of it succeeded (`reports.store.publish`), so a failure leaves the previous report
(and the email ledger in `outbox/`) untouched. The fetched frames, the ECB rates and a
manifest go into `data/`, from which `from_snapshot=True` rebuilds the same report with no
network.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import shutil
import time
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import Executor, ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from itertools import pairwise
from pathlib import Path

from reports import archive, draft_firm, draft_settings, periods, snapshot
from reports.approval import (
    Manifest,
    digests,
    read_manifest,
    write_manifest,
)
from reports.aside import aside
from reports.chase import reminders_sent
from reports.config import Config
from reports.delivery.email import Delivery, deliver_month
from reports.errors import ApprovalError, ConfigError, PeriodError
from reports.fetch import fetch_all
from reports.http import ProgressCallback
from reports.monthly_options import MonthlyOptions
from reports.periods import Month, local_day
from reports.render import chart_cache, unstamped
from reports.render.archive_page import write_archive_page
from reports.render.chart_cache import ChartCache
from reports.render.commentary import observations, read_commentary, write_briefing
from reports.render.excel import (
    APPROVAL_CELL,
    APPROVAL_HEADING,
    write_trends_workbook,
    write_workbook,
)
from reports.render.excel_stamp import stamp_workbook
from reports.render.pdf import prepare_fonts, write_monthly_pdf, write_statements
from reports.render.templates import Templates
from reports.render.views import monthly_context
from reports.render.web import write_monthly_html
from reports.report import ReportData, build_report_data
from reports.report.model import Stamp
from reports.report.reminders import month_reminders
from reports.store.month_folder import MonthFolder
from reports.store.publish import building, carry_over, publish
from reports.store.statement_index import read_statement_index


@dataclass
class MonthlyResult:
    """What one run wrote and sent: the month's folder and its files, the report's data,
    how long each stage took, and the email delivery (None without `email`)."""

    folder: Path
    workbook: Path
    report: Path
    #: The month's web page, `report-YYYY-MM.html`.
    page: Path
    statements: int
    data: ReportData
    timings: dict[str, float] = field(default_factory=dict)
    delivery: Delivery | None = None
    #: The Trends workbook, where the run was asked for one (`MonthlyOptions.trends_from`).
    trends: Path | None = None


#: Where a firm keeps its monthly commentary, under the output folder: `YYYY-MM.md`.
COMMENTARY_FOLDER = "commentary"


def settings_fingerprint(config: Config) -> dict[str, object]:
    """What the snapshot keeps of the settings that shape what the documents say beyond
    the records (each [firm] field, the targets, alerts and record links), one by one: an
    approval rebuilds the month and must be given the same ones (`approve_month`), and
    its refusal names those that differ. The firm's name, kept apart as `firm`, is the one
    the draft shows (`--firm` included)."""
    return draft_settings.stored(draft_settings.config_settings(config))


def snapshot_config(config: Config, manifest: Mapping[str, object], where: Path) -> Config:
    """`config` as a rebuild from a month's snapshot (`manifest`, read from `where`) takes
    it: where the settings name no firm, with the whole firm the draft was built with
    (the sandbox's, for the demo), as the snapshot keeps it; else as it is."""
    if config.firm.name:
        return config
    drafted = draft_firm.restored(manifest, where)
    return config if drafted is None else dataclasses.replace(config, firm=drafted)


def commentary_path(
    out: Path, month: Month, given: Path | None, from_snapshot: bool = False
) -> Path | None:
    """The commentary file to use: `given` (`--commentary`), else `OUT/commentary/YYYY-MM.md`
    where there is one, else the one the month's snapshot was built with; a rebuild from
    the snapshot takes the snapshot's first."""
    if given is not None:
        return given
    default = out / COMMENTARY_FOLDER / f"{month}.md"
    saved = MonthFolder.of(out, month).saved_commentary
    for path in (saved, default) if from_snapshot else (default, saved):
        if path.exists():
            return path
    return None


def with_reminders(data: ReportData, config: Config, out: Path) -> ReportData:
    """`data` with the payment reminders sent by its month's end, as the chase ledgers in
    `out` say when it is built, where `[credit_control]` is configured and a source holds
    invoices; as it is otherwise."""
    if config.credit_control is None or data.receivables is None:
        return data
    sent = reminders_sent(out, dt.date.min, data.month.end)
    steps = {step.days: step.template for step in config.credit_control.schedule.steps}
    shown = month_reminders(sent, data.month, data.statements, data.receivables, steps)
    return dataclasses.replace(data, reminders=shown)


def with_commentary(data: ReportData, out: Path | None, commentary: Path | None) -> ReportData:
    """`data` with the firm's commentary (`commentary`, else `OUT/commentary/YYYY-MM.md`
    if there is one) or, without one, automatic observations."""
    path = commentary
    if path is None and out is not None:
        default = out / COMMENTARY_FOLDER / f"{data.month}.md"
        path = default if default.exists() else None
    written = read_commentary(path, data) if path is not None else observations(data)
    return dataclasses.replace(data, commentary=written)


@contextmanager
def statement_executor(
    scheduler: str | None, workers: int | None, connect_seconds: float = 10.0
) -> Iterator[tuple[Executor, bool]]:
    """Where statements render, and whether it is another machine: a Dask cluster's
    workers when `scheduler` names one (`[render] dask_scheduler`, `--dask`), else a
    process pool of `workers` here. Dask reruns a task whose worker died; the tasks return
    the PDFs and this process writes them, so none is lost or written twice."""
    if not scheduler:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            yield pool, False
        return
    try:
        from distributed import Client
    except ImportError:
        raise ConfigError(
            f"statements are to render on the Dask cluster at {scheduler}: install "
            "dask[distributed] into this environment (and the workers')"
        ) from None
    try:
        client = Client(scheduler, timeout=f"{connect_seconds}s")
    except OSError as error:
        raise ConfigError(
            f"cannot reach the Dask scheduler at {scheduler} ({error}): check [render] "
            "dask_scheduler, REPORTS_DASK_SCHEDULER or --dask"
        ) from None
    with client, client.get_executor() as pool:
        yield pool, True


def run_monthly(
    month: Month,
    config: Config,
    out: Path,
    options: MonthlyOptions,
    *,
    on_progress: ProgressCallback | None = None,
    on_stage: Callable[[str], None] | None = None,
) -> MonthlyResult:
    """Write `month`'s report, as `options` ask, into `out/YYYY-MM/`: by default its whole
    report (workbook, PDF report, web page and client statements, with the data they came
    from in `data/`); with `options.email`, send them (SMTP, or the outbox). Every command
    that reports a month comes through here, so a month's figures are the same whichever
    wrote them; a run of some outputs writes those and keeps the rest of the month's folder
    as it was (its snapshot and manifest too).

    The firm is `config.firm`, named `options.firm` if that is given (`--firm`). Sources
    come from `config`, converted at `options.rates`; `from_snapshot` rebuilds from `data/`
    instead, and a rerun in the same month reads only what changed where a source allows
    (`incremental`). A failing source stops the run unless `allow_partial`. Errors are
    `ReportsError`s.

    Each figure carries `history_months` of history, compared with what earlier reports in
    `out` sent, and with the month before where its snapshot is in `out`; the first pages
    carry the firm's `commentary` (see `commentary_path`).

    The documents are a draft (`stamp`), or approved automatically where `[delivery]
    approval = "auto"`; the month's manifest records which, with every file's digest.
    `email` sends only a month that is not a draft (`approve_month` approves one).
    `expect_figures` (an approval's rebuild) refuses to write anything if the figures
    are not those the draft showed.

    `month` must have ended by `options.now`, or be a month to date (`Month.to`): that one
    is written into a folder of its own (`OUT/YYYY-MM-to-DD/`), always as a draft, and is
    never sent. `on_progress` follows the fetch and the statements, `on_stage` each stage.
    """
    today = options.today
    month.require_reportable(today)
    stamp = options.stamp
    if month.is_to_date and (options.email or (stamp is not None and not stamp.is_draft)):
        require_sendable(month, on=today)  # the one-line refusal, before anything is fetched
    if options.email and not options.whole:
        raise ValueError("only a run of the month's whole report sends it")
    templates = Templates(options.templates_dir)
    # A month to date is read, never approved: not even by `[delivery] approval = "auto"`.
    automatic = config.delivery.automatic and not month.is_to_date
    if stamp is None:
        stamp = Stamp.automatic(options.now) if automatic else Stamp.draft()
    final = MonthFolder.of(out, month)
    timings: dict[str, float] = {}
    firm, currency = options.firm, options.currency

    def stage(name: str) -> None:
        timings[name] = time.perf_counter()
        if on_stage:
            on_stage(name)

    if options.from_snapshot:
        if not snapshot.exists(final.data):
            snapshot.load(final.data)  # the one-line error saying what to do, before any stage
        stage("read")
        fetched, manifest = snapshot.load(final.data)
        config = snapshot_config(config, manifest.kept, final.snapshot_manifest)
        firm = firm or config.firm.name or str(manifest.kept.get("firm", ""))
        currency = str(manifest.kept.get("report_currency", currency))
    else:
        stage("fetch")
        earlier = None
        if options.incremental and snapshot.exists(final.data):
            earlier = snapshot.load(final.data)[0]
        fetched = fetch_all(
            config,
            month,
            options.rates,
            allow_partial=options.allow_partial,
            previous=earlier,
            on_progress=on_progress,
        )

    stage("compute")
    commentary = commentary_path(out, month, options.commentary, options.from_snapshot)
    data = _computed(
        fetched,
        month,
        config,
        out,
        firm=firm,
        currency=currency,
        history_months=options.history_months,
        commentary=commentary,
        stamp=stamp,
        expect_figures=options.expect_figures,
        now=options.now,
    )
    trends = None
    if options.trends_from is not None:
        stage("trends")
        trends = write_trends_workbook(data, out / f"trends-{options.trends_from}-to-{month}.xlsx")
    rendered = 0
    if options.month_documents:
        rendered = _write_month(
            data, fetched, final, config, options, templates, commentary, stamp, stage, on_progress
        )
    if options.whole:
        write_archive_page(out, templates)
    delivery = None
    if options.email:
        stage("email")
        if stamp.is_draft:
            raise ApprovalError(
                f"{month} is a draft: it was written to {final.path}, and nothing was sent. "
                f"Look it over ({final.report_html.name}), then run reports approve --month "
                f"{month} --by NAME and reports email --month {month}; or set [delivery] "
                'approval = "auto" for unattended runs'
            )
        delivery = deliver_month(final.path, month, config, templates, data.firm.name)
    stage("done")
    durations = {a: timings[b] - timings[a] for a, b in pairwise(timings)}
    return MonthlyResult(
        final.path,
        final.report_xlsx,
        final.report_pdf,
        final.report_html,
        rendered,
        data,
        durations,
        delivery,
        trends,
    )


def _write_month(
    data: ReportData,
    fetched: snapshot.Snapshot,
    final: MonthFolder,
    config: Config,
    options: MonthlyOptions,
    templates: Templates,
    commentary: Path | None,
    stamp: Stamp,
    stage: Callable[[str], None],
    on_progress: ProgressCallback | None,
) -> int:
    """Write the month's documents that `options` ask for into a staging folder and switch
    it in whole; a run of some of them keeps the rest of the folder as it was. How many
    statements were written."""
    whole = options.whole
    rendered = []
    with building(final.path) as staging_path:
        staging = final.staged(staging_path)
        if whole:
            stage("snapshot")
        if whole and not options.from_snapshot:
            extra: dict[str, object] = {
                "firm": data.firm.name,
                "report_currency": data.report_currency,
                "templates": templates.fingerprint(),
                "history_months": options.history_months,
                "settings": settings_fingerprint(config),
                draft_firm.KEY: draft_firm.kept(data.firm),
                "commentary": "firm"
                if data.commentary and data.commentary.by_firm
                else "automatic",
            }
            snapshot.save(fetched, staging.data, extra)
            if commentary is not None and data.commentary and data.commentary.by_firm:
                shutil.copyfile(commentary, staging.saved_commentary)
        if whole or options.pdf:
            archive.write_figures(data, staging.path)
            write_briefing(data, staging.path)
        if options.workbook:
            stage("excel")
            write_workbook(data, staging.report_xlsx, options.template)
        if options.pdf or options.web:
            stage("pdf")
            with chart_cache.using(ChartCache()) as drawn:
                shown = monthly_context(data)  # drawn once, for the PDF and the web page
            if whole:
                chart_cache.save(drawn, staging.path)  # for the approval, which draws none again
            if options.pdf:
                # As laid out, for the approval, which then lays out none.
                laid_out = staging.laid_out_pdf if whole else None
                write_monthly_pdf(data, staging.report_pdf, templates, shown, unstamped=laid_out)
            if options.web:
                stage("html")
                write_monthly_html(data, staging.report_html, templates, config.record_urls, shown)
            if whole:
                # For the approval, which then only swaps its stamp in.
                unstamped.keep(data, staging, templates, config.record_urls, shown)
        if options.statements:
            stage("statements")
            scheduler = options.dask or config.dask_scheduler
            with statement_executor(scheduler, options.workers) as (pool, remote):
                rendered = write_statements(
                    data,
                    staging.statements,
                    templates,
                    pool,
                    reuse_from=final.statements,
                    ship_templates=remote,
                    on_progress=on_progress,
                )
        stage("publish")
        if options.from_snapshot or not whole:  # what is not written stays the month's
            carry_over(final.path, staging.path)
        if whole:
            # Last, over the whole new month: a reader never sees a manifest naming a file
            # that is not there.
            automatic = config.delivery.automatic and not data.month.is_to_date
            write_manifest(staging.path, str(data.month), stamp, "auto" if automatic else "manual")
        publish(staging.path, final.path)
    return len(rendered)


def _computed(
    fetched: snapshot.Snapshot,
    month: Month,
    config: Config,
    out: Path,
    *,
    firm: str,
    currency: str,
    history_months: int,
    commentary: Path | None,
    stamp: Stamp,
    expect_figures: Mapping[str, object] | None,
    now: dt.datetime | None = None,
) -> ReportData:
    """The month's report data from `fetched`, compared with the month before where its
    snapshot is in `out`, with its `commentary` and `stamp`, built at `now` (the clock's
    reading when not given); an `ApprovalError` if `expect_figures` are given and the
    figures are not those."""
    previous_folder = MonthFolder.of(out, month.previous).data
    previous = (
        snapshot.load(previous_folder)[0].frames if snapshot.exists(previous_folder) else None
    )
    data = build_report_data(
        fetched.frames,
        month,
        # A month to date ends on the day it was built: what ends after it has not yet.
        today=month.end if month.is_to_date else (local_day(now) if now else None),
        generated_at=now,
        rates=fetched.rates,
        firm=config.firm.named(firm),
        report_currency=currency,
        fetched_at=fetched.fetched_at,
        missing_sources=fetched.missing,
        previous_frames=previous,
        history_months=history_months,
        targets=config.targets,
        alert_rules=config.alerts,
        sent=archive.sent_figures(out, month, history_months),
    )
    data = with_reminders(data, config, out)
    data = dataclasses.replace(with_commentary(data, None, commentary), stamp=stamp)
    if expect_figures is not None and archive.figures_of(data) != expect_figures:
        changed = sorted(
            key
            for key, value in archive.figures_of(data).items()
            if expect_figures.get(key) != value
        )
        raise ApprovalError(
            f"{month} rebuilt from its snapshot no longer shows the draft's figures "
            f"({', '.join(changed) or 'a figure is missing'}): rerun reports monthly, look "
            "it over, then approve it"
        )
    return data


def approve_month(
    month: Month,
    config: Config,
    out: Path,
    by: str,
    *,
    firm: str = "",
    templates_dir: Path | None = None,
    workers: int | None = None,
    on_progress: ProgressCallback | None = None,
    on_stage: Callable[[str], None] | None = None,
) -> ApprovedMonth:
    """Approve `month`'s documents as `by`: write again the two that carry the approval's
    stamp (the monthly PDF and the web page), and record who, when and every file's digest
    in its manifest. They are the draft's as it kept them (`reports.render.unstamped`),
    with this stamp where its placeholder was: nothing is computed or drawn again. A draft
    that kept none (built by an earlier version) is rebuilt from the month's snapshot,
    with the draft's charts (`charts.json`). Everything else is the draft's file as it was
    reviewed, kept as it is: the statements (they carry no stamp), the workbook (nor does
    it), the figures and the snapshot. The PDF renders in a process of its own while this
    one writes the web page, unless `workers` is 1. No statement is rendered, so
    `on_progress` (of the statements, as `run_monthly` takes it) goes unused.

    A rebuild must show the draft's figures, from the same settings (the firm named
    `firm` if that is given, as `--firm` of reports monthly) and templates, and every
    file kept must be as the draft's manifest has it; an `ApprovalError` names what
    differs otherwise, before anything is written; as does a month that cannot be sent
    (`require_sendable`)."""
    require_sendable(month)
    by = " ".join(by.split())
    if not by:
        raise ApprovalError("--by must name who approves the month")
    month_folder = MonthFolder.of(out, month)
    folder = month_folder.path
    reviewed = read_manifest(folder)
    if reviewed is None or not snapshot.exists(month_folder.data):
        raise ApprovalError(
            f"{folder} holds no report built by reports monthly: run reports monthly "
            f"--month {month} first, look it over, then approve it"
        )
    timings: dict[str, float] = {}

    def stage(name: str) -> None:
        timings[name] = time.perf_counter()
        if on_stage:
            on_stage(name)

    saved = snapshot.read_manifest(month_folder.data)
    config = snapshot_config(config, saved, month_folder.snapshot_manifest)
    templates = Templates(templates_dir)
    history_months = int(str(saved.get("history_months", 12)))
    firm = firm or config.firm.name or str(saved.get("firm", ""))
    _require_drafted_settings(month, config, saved, folder, firm, templates, history_months)
    default_commentary = out / COMMENTARY_FOLDER / f"{month}.md"
    if saved.get("commentary") == "automatic" and default_commentary.exists():
        raise ApprovalError(
            f"{default_commentary} was written after {month}'s draft, which has automatic "
            "observations instead: rerun reports monthly to make a draft with it, then "
            "approve that"
        )
    rendered = (month_folder.report_pdf, month_folder.report_html)
    _require_as_reviewed(folder, reviewed, rendered=tuple(map(month_folder.under, rendered)))
    stamp = Stamp.approved(by, dt.datetime.now(dt.UTC))
    kept = unstamped.load(month_folder)
    if kept is not None:
        stage("read")
        documents = _kept_documents(kept, stamp, templates)
        statements = _statements_of(folder)
    else:  # drafted before its documents were kept: rebuilt from the snapshot
        stage("compute")
        figures = archive.read_figures(folder)
        data = _computed(
            snapshot.load(month_folder.data)[0],
            month,
            config,
            out,
            firm=firm,
            currency=str(saved.get("report_currency", "GBP")),
            history_months=history_months,
            commentary=commentary_path(out, month, None, from_snapshot=True),
            stamp=stamp,
            expect_figures=dict(figures) if figures is not None else None,
        )
        documents = _rebuilt_documents(data, folder, templates, config)
        statements = len(data.statements)
    with building(folder) as staging_path:
        staging = month_folder.staged(staging_path)
        stage("pdf")
        prepare_fonts()  # before the fork: the process rendering the PDF inherits them
        with aside(
            lambda: documents.pdf(staging.report_pdf),
            "rendering the monthly PDF",
            fork=workers != 1,
        ):
            stage("html")
            documents.page(staging.report_html)
            # Meanwhile, the charts of OUT/index.html (of the months as they are: the page
            # is written again once the approval is in place, with these). Those the
            # month's documents show too are the draft's.
            with chart_cache.using(ChartCache(known=chart_cache.load(folder))) as index_charts:
                write_archive_page(out, templates)
        stage("publish")
        # The workbook as reviewed, its Summary's one approval cell saying who approved it.
        stamp_workbook(
            month_folder.report_xlsx,
            staging.report_xlsx,
            APPROVAL_CELL,
            APPROVAL_HEADING,
            stamp.label,
        )
        carry_over(folder, staging_path)  # the rest, as it was reviewed
        write_manifest(
            staging_path, str(month), stamp, "auto" if config.delivery.automatic else "manual"
        )
        publish(staging_path, folder)
    stage("index")
    with chart_cache.using(ChartCache(known=index_charts.shown)):
        write_archive_page(out, templates)
    stage("done")
    return ApprovedMonth(
        folder,
        month_folder.report_pdf,
        month_folder.report_html,
        stamp,
        statements,
        {a: timings[b] - timings[a] for a, b in pairwise(timings)},
    )


@dataclass(frozen=True)
class ApprovedMonth:
    """What an approval wrote: the month's folder, its two stamped documents, the stamp,
    how many statements the month holds (none rendered), and each stage's seconds."""

    folder: Path
    report: Path
    #: The month's web page, `report-YYYY-MM.html`.
    page: Path
    stamp: Stamp
    statements: int
    timings: dict[str, float]


@dataclass(frozen=True)
class _Documents:
    """How an approval writes its two stamped documents, each given its path."""

    pdf: Callable[[Path], object]
    page: Callable[[Path], object]


def _kept_documents(kept: unstamped.Kept, stamp: Stamp, templates: Templates) -> _Documents:
    """The draft's documents as it kept them, with `stamp`: its words swapped into the
    page, and drawn over the PDF's pages as they were laid out."""
    return _Documents(
        pdf=lambda path: unstamped.write_pdf(kept, stamp, path, templates),
        page=lambda path: unstamped.write_page(kept, stamp, path),
    )


def _rebuilt_documents(
    data: ReportData, folder: Path, templates: Templates, config: Config
) -> _Documents:
    """The documents of `data` (rebuilt from the snapshot, stamped), with the draft's
    charts as reviewed (`charts.json`): the approval changes the stamp alone."""
    with chart_cache.using(ChartCache(known=chart_cache.load(folder))):
        shown = monthly_context(data)
    return _Documents(
        pdf=lambda path: write_monthly_pdf(data, path, templates, shown),
        page=lambda path: write_monthly_html(data, path, templates, config.record_urls, shown),
    )


def _statements_of(folder: Path) -> int:
    """How many statements the month holds, as its `statements.json` lists them."""
    index = MonthFolder.at(folder).statement_index
    return len(read_statement_index(index)) if index.is_file() else 0


def require_sendable(month: Month, to_date: bool = False, on: dt.date | None = None) -> None:
    """Nothing if `month` can be approved and sent on the day `on` (the firm's day now, by
    default): a whole month that has ended. A month to date (`to_date`, `--to-date`) or
    the month in progress is an `ApprovalError` saying why: its figures stop before the
    month's end, and records are still coming."""
    now = on or periods.today()
    whole = month.whole
    if to_date or month.is_to_date:
        raise ApprovalError(
            f"a month-to-date report of {whole} cannot be approved or sent: it is for reading "
            f"while the month is in progress, its figures stopping short of {whole.end:%d %b %Y}; "
            f"report, approve and send {whole} once it has ended"
        )
    month.require_begun(now)
    if month.in_progress(now):
        raise ApprovalError(
            f"{month} is still in progress (today is {now.day} {now:%b %Y}): a month is "
            f"approved and sent once it has ended, after {month.end:%d %b %Y}; reports "
            f"monthly --month {month} --to-date builds one to read meanwhile"
        )


def _require_drafted_settings(
    month: Month,
    config: Config,
    saved: Mapping[str, object],
    folder: Path,
    firm: str,
    templates: Templates,
    history_months: int,
) -> None:
    """Nothing if the approval's settings are those `month`'s draft was built with (its
    snapshot's manifest, `saved`); an `ApprovalError` naming each that differs."""
    drafted = draft_settings.drafted_settings(saved, MonthFolder.at(folder).snapshot_manifest)
    if drafted is not None:
        now = draft_settings.run_settings(
            firm,
            str(saved["report_currency"]),  # a rebuild from the snapshot takes the draft's
            templates.fingerprint(),
            history_months,
        ) + draft_settings.config_settings(config)
        draft_settings.require_same_settings(str(month), drafted, now)
        return
    # A snapshot from before each setting was kept: one hash of them all.
    if saved.get("templates") not in (None, templates.fingerprint()):
        raise ApprovalError(
            f"the templates differ from those {month}'s draft was built with: approve "
            "with the same --templates as reports monthly, or rerun it"
        )
    if saved.get("settings") not in (None, draft_settings.legacy_fingerprint(config)):
        raise ApprovalError(
            f"the firm, targets, alerts or record links of these settings differ from "
            f"those {month}'s draft was built with: approve with the same --config as "
            "reports monthly, or rerun it"
        )


def _require_as_reviewed(folder: Path, reviewed: Manifest, rendered: tuple[str, ...]) -> None:
    """Nothing if every file of the month that the approval keeps (all but `rendered`)
    is as its manifest (`reviewed`) has it: the approval is of what was reviewed. An
    `ApprovalError` naming a file changed, gone or added since, otherwise."""
    now = {name: digest for name, digest in digests(folder).items() if name not in rendered}
    then = {name: digest for name, digest in reviewed.files.items() if name not in rendered}
    differing = sorted(name for name in now.keys() | then.keys() if now.get(name) != then.get(name))
    if not differing:
        return
    name = differing[0]
    what = "is gone" if name not in now else "was added" if name not in then else "changed"
    others = f" (and {len(differing) - 1} more)" if len(differing) > 1 else ""
    raise ApprovalError(
        f"{name} of {folder.name} {what} since its draft was built{others}: nothing was "
        f"approved. Rerun reports monthly --month {folder.name}, look it over, then approve it",
        path=str(folder / name),
    )


def write_trends(
    first: Month,
    last: Month,
    config: Config,
    out: Path,
    options: MonthlyOptions,
    *,
    on_progress: ProgressCallback | None = None,
) -> Path:
    """Write the Trends of the months `first` to `last` into
    `OUT/trends-FIRST-to-LAST.xlsx`, from `last`'s report as the month's pipeline builds it
    (`run_monthly`, with `options`' rates, clock and currency), writing nothing else."""
    if first > last:
        raise PeriodError(f"--from {first} is after --to {last}: give the earlier month first")
    now = options.today
    last.require_begun(now)
    if last.in_progress(now):
        raise PeriodError(
            f"--to {last} is still in progress (today is {now.day} {now:%b %Y}): trends show "
            f"whole months; end them at --to {last.previous}"
        )
    history_months = (last.year - first.year) * 12 + last.number - first.number + 1
    asked = dataclasses.replace(
        options,
        workbook=False,
        pdf=False,
        web=False,
        statements=False,
        email=False,
        trends_from=first,
        history_months=history_months,
    )
    written = run_monthly(last, config, out, asked, on_progress=on_progress).trends
    assert written is not None  # asked for with `trends_from`
    return written
