"""The `reports` command line: a thin layer over the library.

Each command parses its options, makes one library call, and prints what came of it;
`ReportsError`s become one line on stderr and exit status 1 (`friendly_errors`).
"""

from __future__ import annotations

import datetime as dt
import errno
import functools
import os
import signal
import sys
import time
import zipfile
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import IO, Any, TypeVar

import click
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)

from reports import __version__
from reports.app import load_config
from reports.config import Config
from reports.delivery.email import Delivery
from reports.errors import ConfigError, OutputError, PeriodError, ReportsError
from reports.http import ProgressCallback
from reports.output import ensure_month_writable, ensure_writable, write_parquet
from reports.periods import Month
from reports.report.model import Stamp
from reports.sources import REGISTRY
from reports.store.month_folder import MonthFolder
from reports.text import printable

F = TypeVar("F", bound=Callable[..., Any])
stderr = Console(stderr=True)


class OneLineError(click.ClickException):
    """An expected failure as the user sees it: `error: ...` on one line, exit status 1."""

    exit_code = 1

    def show(self, file: IO[Any] | None = None) -> None:
        click.echo(f"error: {printable(self.message)}", err=True)


def friendly_errors(command: F) -> F:
    """Failures become one line on stderr and exit status 1, never a traceback.

    Control characters in the message (a CR or an escape sequence inside a vendor's name)
    are shown escaped, so one error is one line of a cron log and cannot forge another. An
    unexpected exception is a bug: it is named in one line too, and `REPORTS_DEBUG=1` shows
    its traceback.
    """

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except ReportsError as error:
            raise OneLineError(str(error)) from None
        except KeyboardInterrupt:
            click.echo("interrupted", err=True)
            sys.exit(130)
        except (click.exceptions.Exit, click.ClickException, SystemExit):
            raise
        except OSError as error:
            if error.errno not in _CANNOT_WRITE:
                raise _unexpected(error) from None
            where = f" {error.filename}" if error.filename else ""
            raise OneLineError(
                f"cannot write{where}: {error.strerror}; make it writable (or free disk "
                "space) and run again"
            ) from None
        except Exception as error:
            raise _unexpected(error) from None

    return wrapper  # type: ignore[return-value]


#: What the file system says when a folder is read-only or the disk is full: the user's to
#: fix, not a bug.
_CANNOT_WRITE = {errno.EACCES, errno.EPERM, errno.EROFS, errno.ENOSPC, errno.EDQUOT}


def _unexpected(error: Exception) -> Exception:
    """A bug, named in one line; `REPORTS_DEBUG=1` shows its traceback instead."""
    if os.environ.get("REPORTS_DEBUG"):
        return error
    return OneLineError(
        f"unexpected {type(error).__name__}: {error} "
        "(a bug in reports; REPORTS_DEBUG=1 shows where)"
    )


def one_run_at_a_time(command: F) -> F:
    """The command holds its `--out` folder while it runs (`reports.store.lock`): a second
    run refuses at once, naming this one. A lock left by a run that died is taken over, and
    a month folder that a run stopped while publishing left aside is put back, each said in
    a line."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from reports.store.lock import output_lock
        from reports.store.publish import recover

        out: Path = kwargs["out"]
        with output_lock(out, command.__name__) as lock:
            if lock.taken_over:
                click.echo(f"note: {printable(lock.taken_over)}", err=True)
            for folder in recover(out):
                click.echo(f"note: put back {folder}, which a stopped run left aside", err=True)
            return command(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


class MonthType(click.ParamType):
    """`--month YYYY-MM` as a `Month`; anything else is a one-line error before any work."""

    name = "YYYY-MM"

    def convert(
        self, value: Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> Month:
        if isinstance(value, Month):
            return value
        try:
            return Month.parse(value)
        except PeriodError as error:
            raise OneLineError(str(error)) from None


@contextmanager
def progress_bars() -> Iterator[ProgressCallback | None]:
    """A rich progress bar per fetch stage on a terminal; nothing when output is piped."""
    if not stderr.is_terminal:
        yield None
        return
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=stderr, transient=False) as progress:
        tasks: dict[str, TaskID] = {}

        def update(label: str, done: int, total: int) -> None:
            if label not in tasks:
                tasks[label] = progress.add_task(label, total=total)
            progress.update(tasks[label], completed=done, total=total)

        yield update


# Options several commands share, defined once.
month_option = click.option(
    "--month", required=True, type=MonthType(), help="The month to report, YYYY-MM."
)
to_date_option = click.option(
    "--to-date",
    is_flag=True,
    help="The month in progress from its first day to today (the firm's UK day), as a "
    "month-to-date report: it says so on every page, is named apart (OUT/YYYY-MM-to-DD/, "
    "report-YYYY-MM-to-DD.pdf) and can be read but not approved or sent. Without it the "
    "month in progress is refused.",
)
#: approve and email take --to-date to refuse it by name: a month to date is never sent.
to_date_refused_option = click.option(
    "--to-date",
    is_flag=True,
    help="The month in progress to today (see reports monthly --to-date): refused, as a "
    "month-to-date report is for reading, never approved or sent.",
)
config_option = click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Settings file. Default: ./reports.toml if it exists, plus REPORTS_* variables.",
)
firm_option = click.option(
    "--firm",
    default="",
    help="The firm's name on documents and emails, instead of [firm] name in the settings.",
)


def _report_currency(ctx: click.Context, param: click.Parameter, value: str) -> str:
    """An ISO 4217 code the ECB publishes a rate for, upper-cased; else a usage error."""
    from reports import rates as ecb
    from reports.errors import RatesError
    from reports.money import minor_units

    code = value.strip().upper()
    try:
        minor_units(code)
        known = ecb.load().currencies
    except (ValueError, RatesError) as error:
        raise click.BadParameter(printable(str(error))) from None
    if code not in known:
        raise click.BadParameter(
            f"{printable(code)!r}: the ECB publishes no rate for it; choose one of {' '.join(known)}"
        )
    return code


currency_option = click.option(
    "--currency",
    default="GBP",
    show_default=True,
    callback=_report_currency,
    help="Report currency (ISO 4217, one the ECB publishes).",
)
sandbox_option = click.option(
    "--sandbox",
    "--demo",
    "sandbox",
    is_flag=True,
    help="Start the built-in sandbox in this process and use it instead of the configured "
    "sources (no account needed; the firm and other settings still come from --config). "
    "--demo is the same.",
)


def _workbook_template(
    ctx: click.Context, param: click.Parameter, value: Path | None
) -> Path | None:
    """A firm's template must be an .xlsx workbook: said before any fetch, not after it."""
    if value is not None and (value.suffix.lower() != ".xlsx" or not zipfile.is_zipfile(value)):
        raise click.BadParameter(f"{printable(str(value))} is not an .xlsx workbook")
    return value


template_option = click.option(
    "--template",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    callback=_workbook_template,
    help="The firm's own .xlsx to fill (cover sheet, logo, styles).",
)
out_option = click.option(
    "--out",
    default=Path("output"),
    show_default=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Output folder: the month's files go into OUT/YYYY-MM/.",
)
templates_option = click.option(
    "--templates",
    "templates_dir",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="A folder with the firm's own copies of the PDF and email templates (missing files fall back to ours).",
)
workers_option = click.option(
    "--workers",
    type=click.IntRange(min=1),
    default=None,
    help="Processes rendering statements. Default: one per core.",
)

dask_option = click.option(
    "--dask",
    "dask",
    metavar="ADDRESS",
    default=None,
    help="Render statements on the Dask cluster whose scheduler is at ADDRESS "
    "(tcp://host:8786), instead of [render] dask_scheduler or REPORTS_DASK_SCHEDULER.",
)


months_option = click.option(
    "--months",
    type=click.IntRange(min=1, max=120),
    default=12,
    show_default=True,
    help="Months of history each headline figure shows (with last year's for comparison).",
)
commentary_option = click.option(
    "--commentary",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="The firm's Markdown commentary for the month, with {{ figure }} placeholders. "
    "Default: OUT/commentary/YYYY-MM.md if it exists, else automatic observations.",
)


def options(*decorators: Callable[[F], F]) -> Callable[[F], F]:
    """Several click options as one decorator, listed in `--help` in the order given."""

    def apply(function: F) -> F:
        for decorator in reversed(decorators):
            function = decorator(function)
        return function

    return apply


month_and_config = options(month_option, config_option)


class DayType(click.ParamType):
    """A day, YYYY-MM-DD, as a `datetime.date`; anything else is a one-line error."""

    name = "YYYY-MM-DD"

    def convert(
        self, value: Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> dt.date:
        if isinstance(value, dt.date):
            return value
        try:
            return dt.date.fromisoformat(str(value))
        except ValueError:
            raise OneLineError(f"{value!r} is not a day: give it as YYYY-MM-DD") from None


#: approve and email: the month, or with --chase a day's payment reminders instead.
month_or_chase = options(
    click.option(
        "--month",
        type=MonthType(),
        help="The month to approve or send, YYYY-MM (or --chase DAY instead).",
    ),
    click.option(
        "--chase",
        "chase_day",
        type=DayType(),
        help="The payment reminders drafted by reports chase --as-of DAY (YYYY-MM-DD), "
        "instead of a month.",
    ),
    config_option,
)


def _month_or_chase(month: Month | None, chase_day: dt.date | None) -> Month | None:
    """The month asked for; None with --chase. Exactly one of the two is given."""
    if (month is None) == (chase_day is None):
        raise OneLineError("give --month YYYY-MM or --chase YYYY-MM-DD (one of them)")
    return month


#: What the commands that fetch and render one part of the report (excel, pdf) share.
rendering_options = options(
    currency_option, firm_option, sandbox_option, months_option, commentary_option
)


def report_delivery(
    delivery: Delivery, config: Config, month: Month | None, chase_day: dt.date | None = None
) -> None:
    """What was sent (of `month`, or of the reminders of `chase_day`), each message not sent
    and why, and one summary line; exit status 1 when any message was not sent or may not
    have arrived (after the rest were sent)."""
    from reports.delivery.email import day, describe_changes

    where = (
        f"via {config.smtp.host}" if config.smtp else f"into {delivery.outbox} (no SMTP configured)"
    )
    for not_sent in delivery.skipped:
        click.echo(f"not sent: {printable(not_sent.detail)}", err=True)
    for reason in delivery.refused:
        click.echo(f"refused: {printable(reason)}", err=True)
    for message in delivery.uncertain:
        clients = ", ".join(sorted({i.client or i.attachment for i in message.items}))
        click.echo(
            f"uncertain: {message.key} to {printable(message.to)} ({printable(clients)}), handed "
            f"over on {day(message.started_at)} with no answer recorded: it may have arrived. "
            + (
                f"If it did not, reports email --month {month} --resend {message.key}"
                if month is not None
                else f"If it did not, reports email --chase {chase_day} --resend {message.key}"
            ),
            err=True,
        )
    if delivery.changed and month is not None:
        click.echo(f"note: {printable(describe_changes(delivery.changed, month))}", err=True)
    if delivery.monthly_note:
        click.echo(f"note: {delivery.monthly_note}", err=True)
    click.echo(f"email {where}: {delivery.summary()}")
    if not delivery.complete:
        sys.exit(1)


def report_changes(folder: Path, month: Month) -> None:
    """After a rebuild: which statements now differ from those sent, if any were."""
    from reports.delivery.email import changes_since_sent, describe_changes

    changed = changes_since_sent(folder)
    if changed:
        click.echo(f"note: {printable(describe_changes(changed, month))}", err=True)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="reports")
def main() -> None:
    """Turn a firm's case systems into its monthly numbers, exact to the penny.

    Sources are configured by environment variables or reports.toml (see README).
    """


#: Entity names in the order `reports fetch` writes them: each source's, first seen first.
ENTITIES = tuple(dict.fromkeys(name for source in REGISTRY.values() for name in source.entities))


@main.command()
@click.option(
    "--source",
    "sources",
    multiple=True,
    type=click.Choice(tuple(REGISTRY)),
    help="Fetch only this source (repeatable). Default: every configured source.",
)
@config_option
@click.option(
    "--out",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder for the Parquet files (<source>_<entity>.parquet).",
)
@sandbox_option
@friendly_errors
def fetch(sources: tuple[str, ...], config_path: Path | None, out: Path, sandbox: bool) -> None:
    """Fetch every entity of the configured sources and write each as Parquet."""
    from reports.fetch import fetch_frames

    ensure_writable(out)
    with sources_config(config_path, sandbox) as config, progress_bars() as on_progress:
        config = config.only(sources) if sources else config
        frames = fetch_frames(config, on_progress=on_progress)
    # Written only once every source has been fetched: a failure above leaves no files.
    for entity in ENTITIES:
        for source in config.sources:
            frame = frames.get((source, entity))
            if frame is not None:
                path = write_parquet(frame, out / f"{source}_{entity}.parquet")
                click.echo(f"{path}  {frame.height} rows")


@contextmanager
def sources_config(config_path: Path | None, sandbox: bool) -> Iterator[Config]:
    """The settings, reading the configured sources, or with `sandbox` the embedded
    sandbox's, served meanwhile (the firm, email and other settings stay the file's)."""
    config = load_config(config_path)
    if not sandbox:
        yield config
        return
    from reports.sandbox import Sandbox

    with Sandbox() as server:
        yield server.demo(config)


@main.command()
@month_and_config
@to_date_option
@out_option
@template_option
@rendering_options
@friendly_errors
@one_run_at_a_time
def excel(
    month: Month,
    to_date: bool,
    config_path: Path | None,
    out: Path,
    template: Path | None,
    currency: str,
    firm: str,
    sandbox: bool,
    months: int,
    commentary: Path | None,
) -> None:
    """Fetch, compute and write the month's Excel workbook, OUT/YYYY-MM/report-YYYY-MM.xlsx,
    as reports monthly builds it; the rest of the month's folder stays as it is."""
    from reports.monthly import run_monthly
    from reports.monthly_options import MonthlyOptions

    month = month.reporting(to_date)
    ensure_writable(out)
    ensure_month_writable(MonthFolder.of(out, month).path)
    options = MonthlyOptions.current(
        pdf=False,
        web=False,
        statements=False,
        firm=firm,
        currency=currency,
        history_months=months,
        commentary=commentary,
        template=template,
    )
    with sources_config(config_path, sandbox) as config, progress_bars() as on_progress:
        result = run_monthly(month, config, out, options, on_progress=on_progress)
    click.echo(f"{result.workbook}")


@main.command()
@month_and_config
@to_date_option
@out_option
@templates_option
@workers_option
@dask_option
@rendering_options
@friendly_errors
@one_run_at_a_time
def pdf(
    month: Month,
    to_date: bool,
    config_path: Path | None,
    out: Path,
    templates_dir: Path | None,
    workers: int | None,
    dask: str | None,
    currency: str,
    firm: str,
    sandbox: bool,
    months: int,
    commentary: Path | None,
) -> None:
    """Fetch, compute and write the month's PDF report and one statement per client into
    OUT/YYYY-MM/ (built aside, and moved in only when all of it is written), with the
    monthly email's opening (briefing.txt) and the figures sent (figures.json), as reports
    monthly builds them; the rest of the month's folder stays as it is."""
    from reports.monthly import run_monthly
    from reports.monthly_options import MonthlyOptions
    from reports.render.templates import Templates

    month = month.reporting(to_date)
    Templates(templates_dir)  # a bad templates folder fails before any fetch
    ensure_writable(out)
    ensure_month_writable(MonthFolder.of(out, month).path)
    options = MonthlyOptions.current(
        workbook=False,
        web=False,
        firm=firm,
        currency=currency,
        history_months=months,
        commentary=commentary,
        templates_dir=templates_dir,
        workers=workers,
        dask=dask,
    )
    with sources_config(config_path, sandbox) as config, progress_bars() as on_progress:
        result = run_monthly(month, config, out, options, on_progress=on_progress)
    click.echo(result.report)
    click.echo(f"{MonthFolder.at(result.folder).statements}  {result.statements} statements")


@main.command()
@month_or_chase
@to_date_refused_option
@out_option
@templates_option
@firm_option
@sandbox_option
@click.option(
    "--resend",
    multiple=True,
    metavar="KEY",
    help="Send again the uncertain message KEY (one that may or may not have arrived, as "
    "reports email and reports status list them), once you have checked it did not. "
    "Repeatable.",
)
@click.option(
    "--corrections",
    is_flag=True,
    help="Also send each statement that differs from the one sent (a rebuild after "
    "sending), once, as a corrected statement naming the one it replaces.",
)
@friendly_errors
@one_run_at_a_time
def email(
    month: Month | None,
    chase_day: dt.date | None,
    to_date: bool,
    config_path: Path | None,
    out: Path,
    templates_dir: Path | None,
    firm: str,
    sandbox: bool,
    resend: tuple[str, ...],
    corrections: bool,
) -> None:
    """Send each address its clients' statements in one message and the monthly report to
    its readers (SMTP), or write the messages into OUT/YYYY-MM/outbox/ when no SMTP server
    is configured. Only an approved month is sent (reports approve), and only while its
    files are as approved. Every message is recorded in OUT/YYYY-MM/sent/ before it is
    handed over: safe to rerun, nothing is sent twice. Exits 1 when any message was not
    sent or may not have arrived, after sending the rest."""
    from reports.delivery.email import deliver_month
    from reports.monthly import require_sendable
    from reports.render.templates import Templates

    month = _month_or_chase(month, chase_day)
    if month is None:
        assert chase_day is not None
        _send_reminders(out, chase_day, load_config(config_path), resend)
        return
    require_sendable(month, to_date)
    folder = MonthFolder.of(out, month).path
    with sources_config(config_path, sandbox) as config:
        delivery = deliver_month(
            folder,
            month,
            config,
            Templates(templates_dir),
            firm,
            resend=resend,
            corrections=corrections,
        )
    report_delivery(delivery, config, month)


@main.command()
@month_and_config
@out_option
@friendly_errors
def status(month: Month, config_path: Path | None, out: Path) -> None:
    """Print, per client, what of the month was sent, when and to whom, and what is pending,
    uncertain, or changed since it was sent; then the monthly report's readers."""
    from reports.delivery.status import month_status

    config = load_config(config_path)
    for line in month_status(MonthFolder.of(out, month).path, month, config).lines():
        click.echo(printable(line))


@main.command()
@month_and_config
@to_date_option
@out_option
@sandbox_option
@click.option(
    "--email",
    "send_email",
    is_flag=True,
    help="Then send statements and the report (see `reports email`).",
)
@click.option(
    "--allow-partial",
    is_flag=True,
    help="Report even if a source fails; every output says which is missing.",
)
@click.option(
    "--from-snapshot", is_flag=True, help="Rebuild from OUT/YYYY-MM/data/ with no network."
)
@click.option(
    "--full",
    is_flag=True,
    help="Read every source in full, even where this month's snapshot allows reading only changes.",
)
@firm_option
@currency_option
@months_option
@commentary_option
@template_option
@templates_option
@workers_option
@dask_option
@friendly_errors
@one_run_at_a_time
def monthly(
    month: Month,
    to_date: bool,
    config_path: Path | None,
    out: Path,
    sandbox: bool,
    send_email: bool,
    allow_partial: bool,
    from_snapshot: bool,
    full: bool,
    firm: str,
    currency: str,
    months: int,
    commentary: Path | None,
    template: Path | None,
    templates_dir: Path | None,
    workers: int | None,
    dask: str | None,
) -> None:
    """Fetch every source, compute, and write the month's workbook, PDF report and client
    statements into OUT/YYYY-MM/, with the data they came from in data/."""
    from reports.monthly import run_monthly
    from reports.monthly_options import MonthlyOptions

    month = month.reporting(to_date)
    ensure_writable(out)
    ensure_month_writable(MonthFolder.of(out, month).path)
    options = MonthlyOptions.current(
        firm=firm,
        currency=currency,
        allow_partial=allow_partial,
        from_snapshot=from_snapshot,
        incremental=not full,
        email=send_email,
        template=template,
        templates_dir=templates_dir,
        workers=workers,
        history_months=months,
        commentary=commentary,
        dask=dask,
    )
    with ExitStack() as stack:
        config = stack.enter_context(sources_config(config_path, sandbox))
        on_progress = stack.enter_context(progress_bars())
        result = run_monthly(
            month,
            config,
            out,
            options,
            on_progress=on_progress,
            on_stage=lambda name: click.echo(f"{name}...", err=True) if name != "done" else None,
        )
    for missing in result.data.missing_sources:
        click.echo(f"warning: {missing} failed; the report says it is incomplete", err=True)
    if result.data.empty_month_note:
        click.echo(f"note: {result.data.empty_month_note}", err=True)
    if result.data.quality.height:
        click.echo(
            f"note: {result.data.quality.height} records flagged in Data quality, each with "
            "what was done about it",
            err=True,
        )
    click.echo(f"{result.workbook}")
    click.echo(f"{result.report}")
    click.echo(f"{result.page}  the web report; every month: {out / 'index.html'}")
    written = MonthFolder.at(result.folder)
    click.echo(f"{written.statements}  {result.statements} statements")
    click.echo(f"{written.data}  the fetched frames, the rates and {written.manifest.name}")
    _say_stamp(result.data.stamp, month)
    report_changes(result.folder, month)
    if result.delivery is not None:
        report_delivery(result.delivery, config, month)


def _say_stamp(stamp: Stamp, month: Month) -> None:
    if month.is_to_date:
        click.echo(f"{month.label}: for reading, never approved or sent", err=True)
    elif stamp.is_draft:
        click.echo(f"draft: look it over, then reports approve --month {month} --by NAME", err=True)
    else:
        click.echo(stamp.label)


@main.command()
@month_or_chase
@to_date_refused_option
@out_option
@click.option(
    "--by",
    required=True,
    help="Who approves the month (recorded in its manifest and on the firm's documents).",
)
@firm_option
@templates_option
@workers_option
@sandbox_option
@friendly_errors
@one_run_at_a_time
def approve(
    month: Month | None,
    chase_day: dt.date | None,
    to_date: bool,
    config_path: Path | None,
    out: Path,
    by: str,
    firm: str,
    templates_dir: Path | None,
    workers: int | None,
    sandbox: bool,
) -> None:
    """Approve the month's draft for sending: render its PDF report and web page again
    from OUT/YYYY-MM/data/ stamped as approved by BY, keep every other file as it was
    reviewed (statements and the workbook carry no stamp; a file changed since the draft
    is refused), and record who, when and every file's SHA-256 in
    OUT/YYYY-MM/manifest.json. `reports email` sends only an approved month whose files
    still match. Give the same --config, --firm and --templates as reports monthly: other
    settings than the draft's are refused, naming each. The PDF report renders in a process
    of its own meanwhile; --workers 1 renders it in this one."""
    from reports.monthly import approve_month, require_sendable

    month = _month_or_chase(month, chase_day)
    if month is None:
        from reports.chase import approve_chase
        from reports.store.chase_folder import ChaseFolder

        assert chase_day is not None
        count = approve_chase(out, chase_day, by)
        readable = ChaseFolder.of(out, chase_day).readable
        click.echo(f"{readable}  {count} reminders approved by {by}")
        return
    require_sendable(month, to_date)
    ensure_month_writable(MonthFolder.of(out, month).path)

    with sources_config(config_path, sandbox) as config:
        result = approve_month(
            month,
            config,
            out,
            by,
            firm=firm,
            templates_dir=templates_dir,
            workers=workers,
            on_stage=lambda name: click.echo(f"{name}...", err=True) if name != "done" else None,
        )
    click.echo(f"{MonthFolder.at(result.folder).manifest}  {result.stamp.label}")
    report_changes(result.folder, month)


def _send_reminders(out: Path, day: dt.date, config: Config, resend: tuple[str, ...]) -> None:
    """Send the approved reminders of `day`; say what went, and exit 1 as `email` does."""
    from reports.chase import send_chase

    report_delivery(send_chase(out, day, config, resend=resend), config, None, chase_day=day)


@main.command()
@click.option(
    "--as-of",
    "as_of",
    type=DayType(),
    help="The day to chase on, YYYY-MM-DD. Default: today (the firm's UK day).",
)
@config_option
@out_option
@templates_option
@firm_option
@sandbox_option
@friendly_errors
@one_run_at_a_time
def chase(
    as_of: dt.date | None,
    config_path: Path | None,
    out: Path,
    templates_dir: Path | None,
    firm: str,
    sandbox: bool,
) -> None:
    """Draft the payment reminders due on --as-of by the [credit_control] schedule, from
    the invoices unpaid that day (fetched now), into OUT/chase/YYYY-MM-DD/: reminders.md
    to read, reminders.json to send. Each step of each invoice is asked for once, never
    after payment, never of an excluded client or below the minimum. Then reports approve
    --chase DAY --by NAME and reports email --chase DAY; with [delivery] approval = "auto"
    they are sent at once. Safe to rerun: what was sent is not asked again."""
    from reports.chase import build_chase, chase_data, require_chase
    from reports.periods import today
    from reports.render.templates import Templates
    from reports.store.chase_folder import ChaseFolder

    day = as_of or today()
    templates = Templates(templates_dir)
    require_chase(day, load_config(config_path), templates)
    with sources_config(config_path, sandbox) as config, progress_bars() as on_progress:
        data, paid = chase_data(day, config, firm=firm, on_progress=on_progress)
        draft = build_chase(day, config, out, data, templates, paid=paid)
    for item in draft.skipped:
        click.echo(f"not sent: {printable(item.detail)}", err=True)
    readable = ChaseFolder(draft.folder).readable
    click.echo(f"{readable}  {len(draft.reminders)} reminders drafted")
    if config.delivery.approval == "auto":
        _send_reminders(out, day, config, ())
    elif draft.reminders:
        click.echo(f"draft: read it, then reports approve --chase {day} --by NAME", err=True)


@main.command()
@click.option(
    "--from", "first", required=True, type=MonthType(), help="The first month shown, YYYY-MM."
)
@click.option("--to", "last", required=True, type=MonthType(), help="The last month, YYYY-MM.")
@config_option
@out_option
@currency_option
@sandbox_option
@friendly_errors
@one_run_at_a_time
def trends(
    first: Month, last: Month, config_path: Path | None, out: Path, currency: str, sandbox: bool
) -> None:
    """Fetch every source and write each headline figure month by month, from --from to
    --to, with year to date, last year and targets, into OUT/trends-FROM-to-TO.xlsx."""
    from reports.monthly import write_trends
    from reports.monthly_options import MonthlyOptions

    ensure_writable(out)
    options = MonthlyOptions.current(currency=currency)
    with sources_config(config_path, sandbox) as config, progress_bars() as on_progress:
        path = write_trends(first, last, config, out, options, on_progress=on_progress)
    click.echo(path)


@main.command()
@click.option(
    "--port", default=8765, show_default=True, help="Port on 127.0.0.1 (0 picks a free one)."
)
@click.option("--seed", default=1, show_default=True, help="Same seed, same data.")
@click.option(
    "--latency-ms",
    default=0.0,
    show_default=True,
    help="Milliseconds from each request's arrival to its answer, the server's own work included.",
)
@click.option(
    "--cases",
    default=300,
    show_default=True,
    help="Cases each vendor API holds (and half as many clients where clients are apart).",
)
@click.option(
    "--hostile",
    multiple=True,
    metavar="NAME",
    help="Also serve this scenario of hostile or malformed records (repeatable); "
    "`reports sandbox --hostile list` names them.",
)
@click.option(
    "--faults",
    default="",
    metavar="NAME,NAME",
    help="Inject these transient faults, comma-separated; `--faults list` names them.",
)
@click.option(
    "--fault-rate",
    type=click.FloatRange(0, 1),
    default=0.1,
    show_default=True,
    help="Share of requests that get one of --faults.",
)
@click.option("--fault-seed", default=1, show_default=True, help="Same seed, same faults.")
@friendly_errors
def sandbox(
    port: int,
    seed: int,
    latency_ms: float,
    cases: int,
    hostile: tuple[str, ...],
    faults: str,
    fault_rate: float,
    fault_seed: int,
) -> None:
    """Serve the three vendor APIs on loopback with generated data, until Ctrl-C."""
    # Imported here, not at start-up: no other command loads the fake APIs.
    from reports.sandbox import Sandbox, Sizes
    from reports.sandbox.faults import FAULTS
    from reports.sandbox.hostile import SCENARIOS

    if "list" in hostile or faults.strip() == "list":
        click.echo("hostile scenarios: " + ", ".join(sorted(SCENARIOS)))
        click.echo("faults: " + ", ".join(FAULTS))
        return
    try:
        server = Sandbox(
            port=port,
            seed=seed,
            latency_ms=latency_ms,
            sizes=Sizes.of(cases),
            hostile=hostile,
            faults=[name.strip() for name in faults.split(",") if name.strip()],
            fault_rate=fault_rate,
            fault_seed=fault_seed,
        )
    except OSError as error:
        raise OutputError(
            f"cannot listen on 127.0.0.1:{port}: {error.strerror}; try another --port"
        ) from None
    except ValueError as error:  # an unknown fault name
        raise ConfigError(str(error)) from None
    # SIGINT from another process (or a shell that started us in the background, where it
    # is ignored by default) and SIGTERM stop it as Ctrl-C does: set before it says it
    # listens, so that a signal sent on that line is never lost.
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, signal.default_int_handler)
    # Served from a thread before it says it listens: a signal that comes while the settings
    # are printed then stops a server that is running (shutting down one whose loop has not
    # started would wait for ever).
    server.start()
    try:
        click.echo(f"sandbox listening on {server.url} (seed {seed}); use these settings:")
        for name, value in server.environment().items():
            click.echo(f"export {name}={value}")
        sys.stdout.flush()
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        server.stop()
        served = sum(server.requests.values())
        click.echo(f"sandbox stopped after {served:,} requests", err=True)


@main.group()
def rates() -> None:
    """ECB euro reference rates used for currency conversion."""


@rates.command("info")
@friendly_errors
def rates_info() -> None:
    """Show which rates are in use and what they cover."""
    from reports import rates as ecb

    loaded = ecb.load()
    click.echo(f"source: {loaded.source}")
    click.echo(f"dates: {loaded.first_date} to {loaded.last_date}")
    click.echo(f"currencies ({len(loaded.currencies)}): {' '.join(loaded.currencies)}")


@rates.command("update")
@click.option(
    "--from",
    "origin",
    required=True,
    help="The ECB history (eurofxref-hist.zip or .csv) as a file path or an http(s) URL.",
)
@friendly_errors
def rates_update(origin: str) -> None:
    """Install a newer ECB rate history, checked before it replaces the one in use."""
    from reports import rates as ecb

    target, parsed = ecb.install(origin)
    click.echo(
        f"installed {target}: {parsed.first_date} to {parsed.last_date}, {len(parsed.currencies)} currencies"
    )
