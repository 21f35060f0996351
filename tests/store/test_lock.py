"""One run at a time per output folder (`reports.store.lock`): a second run refuses in one
line naming the first; a lock left by a run that was killed is taken over, and said; a
folder made for the lock alone is removed again."""

from __future__ import annotations

import datetime as dt
import fcntl
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from reports.errors import LockError
from reports.store.lock import LOCK_FILE, output_lock
from tests.helpers import run


def started(at: dt.datetime) -> str:
    return f"{at:%d %b %Y %H:%M:%S} UTC"


def test_a_second_run_refuses_in_one_line_naming_the_first(tmp_path: Path) -> None:
    out = tmp_path / "output"
    with output_lock(out, "monthly") as lock:
        named = f"reports monthly (pid {os.getpid()}, started {started(lock.holder.started)})"
        result = run(["email", "--month", "2026-10", "--out", str(out)], cwd=tmp_path)
        assert result.returncode == 1
        assert result.stderr.splitlines() == [
            f"error: {out} is in use by {named}: wait for it to finish and run again"
        ]
        with (
            pytest.raises(LockError, match=r"in use by reports monthly \(pid") as refused,
            output_lock(out, "approve"),
        ):
            pass
        assert refused.value.pid == os.getpid()
        assert lock.taken_over is None
    assert not out.exists()  # made for the lock, it goes with the lock's file


def test_a_folder_made_for_the_lock_alone_is_removed(tmp_path: Path) -> None:
    with output_lock(tmp_path / "new" / "output", "email"):
        assert (tmp_path / "new" / "output" / LOCK_FILE).exists()
    assert list(tmp_path.iterdir()) == []
    result = run(["approve", "--month", "2026-10", "--by", "Jo"], cwd=tmp_path)
    assert result.returncode == 1 and "holds no report" in result.stderr
    assert list(tmp_path.iterdir()) == []


#: Holds the lock as `reports monthly` would, with a forked child (as the statements' pool
#: has) living on, then waits to be killed.
HOLDER = """
import multiprocessing, sys, time
from pathlib import Path
from reports.store.lock import output_lock

def linger(running):
    running.set()  # by now the fork's hooks have run in this child
    time.sleep(120)

if __name__ == "__main__":
    with output_lock(Path(sys.argv[1]), "monthly") as lock:
        context = multiprocessing.get_context("fork")
        running = context.Event()
        child = context.Process(target=linger, args=(running,))
        child.start()
        running.wait(30)
        print(lock.holder.started.isoformat(), child.pid, flush=True)
        time.sleep(120)
"""


def test_a_lock_left_by_a_killed_run_is_taken_over_and_said(tmp_path: Path) -> None:
    out = tmp_path / "output"
    holder = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(HOLDER), str(out)],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout is not None
    at, child = holder.stdout.readline().split()
    try:
        holder.send_signal(signal.SIGKILL)
        holder.wait(timeout=30)
        # The killed run's worker lives on, yet holds no lock.
        left = (
            f"reports monthly (pid {holder.pid}, started {started(dt.datetime.fromisoformat(at))})"
        )
        with output_lock(out, "email") as lock:
            assert (
                lock.taken_over == f"took over the lock left by {left}, which is no longer running"
            )
        with output_lock(out, "email") as lock:
            assert lock.taken_over is None
    finally:
        os.kill(int(child), signal.SIGKILL)


def test_a_lock_file_deleted_as_it_is_locked_is_opened_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The holder lets go (deleting its file) between this run's opening the file and
    # locking it: locking the deleted file would let a third run lock a new one meanwhile.
    holder = output_lock(tmp_path, "monthly")
    holder.__enter__()
    locked = []

    def flock_as_the_holder_lets_go(descriptor: int, operation: int) -> None:
        if not locked:
            holder.__exit__(None, None, None)
        locked.append(descriptor)
        real_flock(descriptor, operation)

    real_flock = fcntl.flock
    monkeypatch.setattr(fcntl, "flock", flock_as_the_holder_lets_go)
    with output_lock(tmp_path, "email") as lock:
        assert len(locked) == 2 and lock.taken_over is None
        with (
            pytest.raises(LockError, match=r"in use by reports email \(pid"),
            output_lock(tmp_path, "approve"),
        ):
            pass
