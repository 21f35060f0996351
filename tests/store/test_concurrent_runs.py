"""Runs on one output folder as a user (or cron) starts them, as real processes where two
run at once or one is killed: two at once never interleave, and a rerun killed while it
publishes leaves the month whole, old or new, and sendable as it was."""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller

from reports.approval import digests, read_manifest
from reports.sandbox import Sandbox, Sizes
from tests.conftest import MakeSandbox
from tests.delivery.mail import Inbox, free_port
from tests.helpers import invoke

MONTH = "2026-10"
#: The smallest firm with a statement to email and a monthly report.
TINY = Sizes(mobility_cases=4, plannr_cases=2, plannr_clients=2, willsuite_cases=4)
SETTINGS = """
[firm]
name = "Locks & Co"
[email]
monthly_to = ["partners@firm.example"]
"""
#: Approved as it is built, so that the month can be sent straight away.
AUTOMATIC = SETTINGS + '[delivery]\napproval = "auto"\n'


@pytest.fixture(scope="module")
def server(make_sandbox: MakeSandbox) -> Sandbox:
    return make_sandbox(seed=5, sizes=TINY)


def start(folder: Path, server: Sandbox, *args: str, **env: str) -> subprocess.Popen[str]:
    """`reports ARGS --month MONTH --out FOLDER/output` started in `folder` (whose
    reports.toml it reads), against `server`."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("REPORTS_")}
    return subprocess.Popen(
        [sys.executable, "-m", "reports", *args, "--month", MONTH, "--out", str(folder / "output")],
        env={**clean, **server.environment(), **env},
        cwd=folder,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def finish(process: subprocess.Popen[str]) -> tuple[int, str, str]:
    stdout, stderr = process.communicate(timeout=300)
    assert "Traceback" not in stderr and "a bug in reports" not in stderr, stderr
    return process.returncode, stdout, stderr


def email_here(folder: Path, server: Sandbox) -> tuple[int, str, str]:
    """`reports email` for the month, in this process: what the next run finds after one
    was killed, as `finish(start(folder, server, "email"))` would, without a process's
    start. Only the runs killed, or started at once, need processes of their own."""
    result = invoke(
        ["email", "--month", MONTH, "--out", str(folder / "output")],
        env=server.environment(),
        cwd=folder,
    )
    assert "Traceback" not in result.stderr and "a bug in reports" not in result.stderr
    return result.returncode, result.stdout, result.stderr


def whole(month: Path) -> str:
    """The month's approval, having checked that its manifest names exactly the files there
    are, each with its digest."""
    manifest = read_manifest(month)
    assert manifest is not None
    assert digests(month) == manifest.files
    return manifest.stamp.approval.value


@dataclass(frozen=True)
class Run:
    pid: int
    code: int
    stdout: str
    stderr: str


@dataclass(frozen=True)
class Raced:
    """A folder where two `reports monthly` of the month were started at once, and how each
    ended."""

    folder: Path
    runs: tuple[Run, ...]


@pytest.fixture(scope="module")
def raced(server: Sandbox, tmp_path_factory: pytest.TempPathFactory) -> Raced:
    folder = tmp_path_factory.mktemp("raced")
    (folder / "reports.toml").write_text(AUTOMATIC, encoding="utf-8")
    both = [start(folder, server, "monthly", "--workers", "1") for _ in range(2)]
    return Raced(folder, tuple(Run(process.pid, *finish(process)) for process in both))


def copy_of(raced: Raced, tmp_path: Path) -> Path:
    """A folder of the test's own with the month built."""
    shutil.copytree(raced.folder / "output", tmp_path / "output")
    (tmp_path / "reports.toml").write_text(AUTOMATIC, encoding="utf-8")
    return tmp_path


def test_two_monthly_runs_at_once_build_the_month_once(raced: Raced) -> None:
    built = [run for run in raced.runs if run.code == 0]
    refused = [run for run in raced.runs if run.code != 0]
    assert len(built) == 1 and len(refused) == 1, raced.runs
    out = raced.folder / "output"
    lines = refused[0].stderr.splitlines()
    assert len(lines) == 1
    assert re.fullmatch(
        rf"error: {re.escape(str(out))} is in use by reports monthly \(pid {built[0].pid}, "
        r"started \d\d \w\w\w \d{4} \d\d:\d\d:\d\d UTC\): wait for it to finish and run again",
        lines[0],
    )
    assert whole(out / MONTH) == "automatic"
    assert sorted(p.name for p in out.iterdir()) == [MONTH, "index.html"]


class SlowInbox(Inbox):
    """An SMTP server that takes its time over each message, as a busy one does: two runs
    started at once would both be sending meanwhile."""

    async def handle_DATA(self, server, session, envelope) -> str:  # type: ignore[no-untyped-def]
        await asyncio.sleep(1.5)
        return await super().handle_DATA(server, session, envelope)


def test_two_email_runs_at_once_send_each_message_once(
    raced: Raced, server: Sandbox, tmp_path: Path
) -> None:
    folder = copy_of(raced, tmp_path)
    inbox = SlowInbox()
    smtp = Controller(inbox, hostname="127.0.0.1", port=free_port())
    smtp.start()
    try:
        settings = f'[smtp]\nhost = "127.0.0.1"\nport = {smtp.port}\nsecurity = "none"\n'
        settings += 'from = "reports@firm.example"\n'
        (folder / "reports.toml").write_text(AUTOMATIC + settings, encoding="utf-8")
        both = [start(folder, server, "email") for _ in range(2)]
        results = [finish(process) for process in both]
    finally:
        smtp.stop()
    received = [(m["To"], m["Subject"]) for m in inbox.messages]
    assert received and len(set(received)) == len(received), results
    summaries = [
        line
        for _, stdout, _ in results
        for line in stdout.splitlines()
        if line.startswith("email ")
    ]
    sent = [int(re.search(r": sent (\d+)", line)[1]) for line in summaries]  # type: ignore[index]
    assert sum(sent) == len(received), results
    for _, stdout, stderr in results:
        assert stdout or " is in use by reports email (pid " in stderr


def paused(process: subprocess.Popen[str], point: str) -> str:
    """What `process` wrote on stderr until it paused before `point` (the test hook)."""
    assert process.stderr is not None
    seen = []
    for line in process.stderr:
        seen.append(line)
        if line.startswith(f"paused before {point} "):
            return "".join(seen)
    raise AssertionError(f"never paused before {point}:\n{''.join(seen)}")


def kill(process: subprocess.Popen[str]) -> None:
    process.send_signal(signal.SIGKILL)
    process.communicate(timeout=30)


def test_a_rerun_killed_while_publishing_leaves_the_month_whole(
    raced: Raced, server: Sandbox, tmp_path: Path
) -> None:
    folder = copy_of(raced, tmp_path)
    out, month = folder / "output", folder / "output" / MONTH
    approved = (month / "manifest.json").read_bytes()
    (folder / "reports.toml").write_text(SETTINGS, encoding="utf-8")  # the rerun: a draft
    # Killed with the new month built beside it: the approved month is still there, whole.
    rerun = start(folder, server, "monthly", "--workers", "1", REPORTS_PAUSE_BEFORE="publish")
    assert "publish...\n" in paused(rerun, "publish")
    kill(rerun)
    assert (month / "manifest.json").read_bytes() == approved
    assert whole(month) == "automatic"
    assert (out / f".{MONTH}.staging-{rerun.pid}").is_dir()
    code, stdout, stderr = email_here(folder, server)
    lines = stderr.splitlines()
    assert lines[0].startswith(
        f"note: took over the lock left by reports monthly (pid {rerun.pid},"
    )
    assert lines[0].endswith(", which is no longer running")
    assert "missing" not in stderr and re.search(r": sent [1-9]", stdout), stderr
    assert sorted(p.name for p in out.iterdir()) == [MONTH, "index.html"]
    sent = {p.relative_to(month): p.read_bytes() for p in month.rglob("*") if p.is_file()}
    sent = {name: data for name, data in sent.items() if name.parts[0] in ("outbox", "sent")}
    assert sent
    # Killed once the new month is in place, before the old one is removed: the new month
    # is there, whole, with what was sent.
    rerun = start(folder, server, "monthly", "--workers", "1", REPORTS_PAUSE_BEFORE="cleanup")
    paused(rerun, "cleanup")
    kill(rerun)
    assert whole(month) == "draft"
    assert {name: (month / name).read_bytes() for name in sent} == sent
    code, stdout, stderr = email_here(folder, server)
    assert code == 1 and "missing" not in stderr
    assert stderr.splitlines()[-1].startswith(f"error: {MONTH} is a draft, not approved")
    assert sorted(p.name for p in out.iterdir()) == [MONTH, "index.html"]
