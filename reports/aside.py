"""Work done in a forked process while this one goes on, on another core: an approval
renders the monthly PDF there while it writes the web page (`reports.monthly`).

A fork, not a pool: the work is a closure over what this process has built (the report's
data, its drawn charts), which a fork inherits and a pool would have to pickle. What the
work raised is raised here once it is waited for, as it was raised (a `ReportsError` is
the command line's one line), or, where it cannot cross between processes, its message in
a `ReportsError` or `RuntimeError`.
"""

from __future__ import annotations

import multiprocessing
import pickle
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from multiprocessing.connection import Connection

from reports.errors import OutputError, ReportsError


@contextmanager
def aside(work: Callable[[], object], what: str, *, fork: bool = True) -> Iterator[None]:
    """`work` in a forked process while the block runs; leaving the block waits for it and
    raises what it raised (`what` names it where its process died). With `fork` false, or
    where processes cannot be forked, `work` runs here, before the block."""
    if not fork or "fork" not in multiprocessing.get_all_start_methods():
        work()
        yield
        return
    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)
    process = context.Process(target=_run, args=(work, sender), daemon=True)
    process.start()
    sender.close()
    try:
        yield
    except BaseException:
        process.terminate()  # its result is not wanted: this block failed first
        process.join()
        raise
    try:
        outcome = receiver.recv()
    except EOFError:  # it died without a word (killed, out of memory)
        process.join()
        code = process.exitcode or 0
        ended = f"signal {-code}" if code < 0 else f"exit code {code}"
        outcome = OutputError(f"{what} stopped (its process ended with {ended}): run again")
    finally:
        receiver.close()
        process.join()
    if outcome is not None:
        raise outcome


def _run(work: Callable[[], object], sender: Connection) -> None:
    try:
        work()
        outcome: BaseException | None = None
    except BaseException as error:
        outcome = _portable(error)
    sender.send(outcome)
    sender.close()


def _portable(error: BaseException) -> BaseException:
    """`error` as it can cross to the waiting process: itself where it pickles and back,
    else its message in a `ReportsError` (the command line prints that) or `RuntimeError`."""
    try:
        pickle.loads(pickle.dumps(error))
    except Exception:
        if isinstance(error, ReportsError):
            return ReportsError(str(error))
        return RuntimeError(f"{type(error).__name__}: {error}")
    return error
