"""One run at a time per output folder: `output_lock(out, command)`.

Two runs on one folder (a cron job and a person) would interleave: both send every
message, or both build the same month at once. A command that writes into `OUT` holds
`flock` on `OUT/.reports.lock` while it runs, and the file names it (command, pid, start
time), so that a second run refuses at once in one line naming the first. The kernel lets
go of a flock when its process ends, however it ends, so a lock is never stale: a file that
still names a run that is gone is taken over, and the run says so (`Lock.taken_over`).

The holder deletes the file as it lets go. A run that opened the file just before then would
lock a file no longer in the folder, so after locking it checks that the path is still the
file it locked (the same inode), and opens it again if not.

A forked child (the statements' process pool) inherits the open file, and with it the lock;
each closes its copy at once, so that workers outliving a killed run cannot keep the folder
locked.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

from reports.errors import LockError, OutputError
from reports.output import ensure_writable

LOCK_FILE = ".reports.lock"
#: How long a refused run waits for the holder to have written its name (it writes it
#: straight after locking).
_NAME_WAIT_SECONDS = 1.0
#: The lock files this process holds open, closed in every forked child.
_held: set[int] = set()


def _close_held_in_child() -> None:
    for descriptor in _held:
        with suppress(OSError):
            os.close(descriptor)
    _held.clear()


os.register_at_fork(after_in_child=_close_held_in_child)


@dataclass(frozen=True)
class Holder:
    """A run as its lock names it."""

    command: str
    pid: int
    started: dt.datetime

    def __str__(self) -> str:
        return (
            f"reports {self.command} (pid {self.pid}, started "
            f"{self.started.astimezone(dt.UTC):%d %b %Y %H:%M:%S} UTC)"
        )

    def encoded(self) -> bytes:
        body = {"command": self.command, "pid": self.pid, "started": self.started.isoformat()}
        return json.dumps(body).encode()

    @classmethod
    def decoded(cls, content: bytes) -> Holder | None:
        """The holder a lock file names; None where it names none (empty, or garbled)."""
        try:
            body = json.loads(content)
            return cls(
                str(body["command"]), int(body["pid"]), dt.datetime.fromisoformat(body["started"])
            )
        except (ValueError, KeyError, TypeError):
            return None


@dataclass(frozen=True)
class Lock:
    """The output folder held by this run; `taken_over` says, in one line, whose lock it
    took over from a run that is no longer running (None when there was none)."""

    folder: Path
    holder: Holder
    taken_over: str | None = None


@contextmanager
def output_lock(out: Path, command: str) -> Iterator[Lock]:
    """Hold `out` for `reports COMMAND` until the block ends, making the folder if need be
    (and removing it again if it is left empty, as a failed run leaves no folder behind).
    A `LockError` naming the holder if another run holds it; an `OutputError` if the folder
    cannot be written."""
    ensure_writable(out)  # its one line says why not, where the folder cannot be made
    made = [folder for folder in (out, *out.parents) if not folder.exists()]
    try:
        descriptor, left = _acquire(out / LOCK_FILE)
        try:
            holder = Holder(command, os.getpid(), dt.datetime.now(dt.UTC))
            os.ftruncate(descriptor, 0)
            os.pwrite(descriptor, holder.encoded(), 0)
            yield Lock(out, holder, _taken_over(left))
        finally:
            _release(descriptor, out / LOCK_FILE)
    finally:
        for folder in made:  # deepest first; one that is not empty keeps its parents
            try:
                folder.rmdir()
            except OSError:
                break


def _acquire(path: Path) -> tuple[int, bytes]:
    """The lock file at `path`, open and locked, and what it said before (a run that died
    without letting go names itself there)."""
    for _ in range(100):
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            descriptor = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        except FileNotFoundError:
            continue  # the folder went as this run came: its maker's run just ended
        except OSError as error:
            raise _unwritable(path, error) from None
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _named_holder(descriptor)
            os.close(descriptor)
            raise _in_use(path.parent, holder) from None
        except OSError as error:
            os.close(descriptor)
            raise _unwritable(path, error) from None
        if _is_at(descriptor, path):
            _held.add(descriptor)
            return descriptor, os.pread(descriptor, 4096, 0)
        os.close(descriptor)  # the holder deleted it as it let go: the path is a new file
    raise OutputError(f"cannot lock {path}: it keeps changing; run again")


def _release(descriptor: int, path: Path) -> None:
    try:
        if _is_at(descriptor, path):
            path.unlink()
    finally:
        _held.discard(descriptor)
        os.close(descriptor)


def _is_at(descriptor: int, path: Path) -> bool:
    """Whether `path` is still the file open as `descriptor`."""
    try:
        named = os.stat(path)
    except FileNotFoundError:
        return False
    opened = os.fstat(descriptor)
    return (named.st_dev, named.st_ino) == (opened.st_dev, opened.st_ino)


def _named_holder(descriptor: int) -> Holder | None:
    """The run holding the lock, as its file names it: it may be between locking and
    writing its name, so this waits a moment for it."""
    deadline = time.monotonic() + _NAME_WAIT_SECONDS
    while True:
        holder = Holder.decoded(os.pread(descriptor, 4096, 0))
        if holder is not None or time.monotonic() > deadline:
            return holder
        time.sleep(0.02)


def _taken_over(left: bytes) -> str | None:
    if not left.strip():
        return None
    holder = Holder.decoded(left)
    if holder is None:
        return "took over a lock left by a run that is no longer running"
    return f"took over the lock left by {holder}, which is no longer running"


def _in_use(out: Path, holder: Holder | None) -> LockError:
    who = str(holder) if holder else "another run of reports"
    return LockError(
        f"{out} is in use by {who}: wait for it to finish and run again",
        pid=holder.pid if holder else None,
    )


def _unwritable(path: Path, error: OSError) -> OutputError:
    return OutputError(
        f"cannot write into {path.parent}: {error.strerror or error}; choose another --out"
    )
