"""A month's folder replaced by its new version in one step: a reader sees the old month
whole or the new month whole, never a manifest naming a file that is not there.

The new version is built completely beside the folder (`building`), its manifest last, then
switched into place (`publish`): Linux swaps the two folders in one `renameat2` with
`RENAME_EXCHANGE`, and the old version, now where the new one was built, is removed. Where
the filesystem cannot swap, the old folder is renamed aside and the new one into place, and
a run stopped between the two renames leaves the old one aside, put back by the next run
(`recover`).

What outlives every rebuild, the messages sent and their record (`outbox/`, `sent/`), is
hard-linked into the new version just before the switch: both versions share each file, so
a record appended to meanwhile is appended to in both, and a crash at any point loses none
of it.

`REPORTS_PAUSE_BEFORE=publish` (before the switch) or `=cleanup` (after it, before the old
version is removed) makes a run stop there for a while: a test hook, so that a test can kill
a run at that point.
"""

from __future__ import annotations

import ctypes
import errno
import functools
import os
import re
import shutil
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from reports.errors import OutputError
from reports.store.month_folder import KEPT

#: The test hook: the point (`publish`, `cleanup`) at which to pause.
PAUSE_VARIABLE = "REPORTS_PAUSE_BEFORE"
PAUSE_SECONDS = 60.0

_AT_FDCWD = -100
_RENAME_EXCHANGE = 2
#: What a run leaves beside a folder while it works: `.NAME.staging-PID` (the new version,
#: or after the switch the old one) and `.NAME.old-PID` (the old one, renamed aside).
#: Without a PID, the staging folders of versions before these.
_LEFTOVER = re.compile(r"^\.(?P<name>.+)\.(?P<kind>staging|pdf-staging|old)(?:-(?P<pid>\d+))?$")


@contextmanager
def building(final: Path) -> Iterator[Path]:
    """A new, empty folder beside `final` to build its next version in, unique to this
    process, and removed when the block ends, whatever happens (after `publish` it holds the
    old version). Whatever a stopped run left beside `final` is cleared first (`recover`);
    a folder made for the staging folder alone is removed again with it."""
    made = [folder for folder in final.parents if not folder.exists()]
    recover(final.parent, final.name)
    staging = final.with_name(f".{final.name}.staging-{os.getpid()}")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    try:
        yield staging
    finally:
        shutil.rmtree(staging, ignore_errors=True)
        for folder in made:
            try:
                folder.rmdir()
            except OSError:
                break


def publish(staging: Path, final: Path) -> None:
    """Put the folder `staging` in the place of `final` in one step, after hard-linking
    into it what `final` keeps across rebuilds (`KEPT`); the old version is removed."""
    if final.is_dir():
        carry_over(final, staging, KEPT)
    _pause("publish")
    try:
        if not final.exists():
            os.rename(staging, final)
            return
        try:
            exchange(staging, final)
            old = staging
        except OSError as error:
            if error.errno not in (errno.EINVAL, errno.ENOSYS, errno.ENOTSUP):
                raise
            old = final.with_name(f".{final.name}.old-{os.getpid()}")
            os.rename(final, old)
            try:
                os.rename(staging, final)
            except OSError:
                os.rename(old, final)
                raise
    except OSError as error:
        raise OutputError(
            f"cannot put the new {final.name} in place of {final} ({error.strerror}): it is "
            "as it was; make it writable and run again"
        ) from None
    _pause("cleanup")
    shutil.rmtree(old, ignore_errors=True)  # what is left is cleared by the next run


def carry_over(final: Path, staging: Path, names: Iterable[str] | None = None) -> None:
    """Hard-link into `staging` what `final` holds under each of `names`, at the same paths,
    replacing what is there; with no `names`, every entry of `final` that `staging` lacks
    (a command that rebuilds only part of the month keeps the rest)."""
    if not final.is_dir():
        return
    if names is None:
        names = [entry.name for entry in final.iterdir() if not (staging / entry.name).exists()]
    for name in names:
        source = final / name
        if source.is_dir() and not source.is_symlink():
            link_tree(source, staging / name)
        elif source.exists() or source.is_symlink():
            _link(source, staging / name)


def link_tree(source: Path, target: Path) -> None:
    """Every file under `source` hard-linked at the same path under `target` (folders made),
    so both names share its content: an append through one is an append through the other."""
    for folder, _, files in os.walk(source):
        relative = Path(folder).relative_to(source)
        (target / relative).mkdir(parents=True, exist_ok=True)
        for name in files:
            _link(Path(folder) / name, target / relative / name)


def _link(source: Path, target: Path) -> None:
    """`target` as another name of `source`'s file; a copy where the filesystem has no hard
    links (nothing appends to it meanwhile: the run holds the folder's lock)."""
    target.unlink(missing_ok=True)
    try:
        os.link(source, target, follow_symlinks=False)
    except OSError as error:
        if error.errno not in (errno.EPERM, errno.EXDEV, errno.ENOTSUP, errno.EMLINK):
            raise
        shutil.copy2(source, target, follow_symlinks=False)


def exchange(first: Path, second: Path) -> None:
    """Swap two paths in one step (Linux `renameat2` with `RENAME_EXCHANGE`); an `OSError`
    with `ENOSYS` where there is no such call, or `EINVAL` where the filesystem cannot."""
    renameat2 = _renameat2()
    if renameat2 is None:
        raise OSError(errno.ENOSYS, "renameat2 is not available", str(first))
    if renameat2(_AT_FDCWD, os.fsencode(first), _AT_FDCWD, os.fsencode(second), _RENAME_EXCHANGE):
        code = ctypes.get_errno()
        raise OSError(code, os.strerror(code), str(first), None, str(second))


@functools.cache
def _renameat2() -> Callable[[int, bytes, int, bytes, int], int] | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        function = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):  # a C library from before glibc 2.28
        return None
    function.argtypes = [
        ctypes.c_int,
        ctypes.c_char_p,
        ctypes.c_int,
        ctypes.c_char_p,
        ctypes.c_uint,
    ]
    function.restype = ctypes.c_int
    return function


def recover(out: Path, name: str | None = None) -> list[Path]:
    """Clear what runs that were stopped left in `out` (beside the folder `name`, or beside
    every folder): a folder renamed aside whose place is empty is put back; staging folders
    and old versions are removed. A run still alive keeps its own. Returns the folders put
    back."""
    if not out.is_dir():
        return []
    leftovers = []
    for entry in out.iterdir():
        found = _LEFTOVER.match(entry.name)
        if not found or (name is not None and found["name"] != name):
            continue
        pid = int(found["pid"]) if found["pid"] else None
        if pid is not None and _alive(pid):
            continue
        leftovers.append((entry, found["name"], found["kind"]))
    restored = []
    for entry, folder, kind in sorted(leftovers, key=_newest_first):
        if kind == "old" and not (out / folder).exists():
            os.rename(entry, out / folder)
            restored.append(out / folder)
        else:
            shutil.rmtree(entry, ignore_errors=True)
    return restored


def _newest_first(leftover: tuple[Path, str, str]) -> float:
    try:
        return -leftover[0].stat().st_mtime
    except OSError:
        return 0.0


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _pause(point: str) -> None:
    """The test hook: stop here a while when `REPORTS_PAUSE_BEFORE` names this point."""
    if os.environ.get(PAUSE_VARIABLE) == point:
        print(f"paused before {point} ({PAUSE_VARIABLE})", file=sys.stderr, flush=True)
        time.sleep(PAUSE_SECONDS)
