"""Run one measurement in a fresh process: wall time and peak memory of the work alone."""

from __future__ import annotations

import ctypes
import gc
import multiprocessing
import time
from collections.abc import Callable
from queue import Empty
from typing import Any


def release_free_memory() -> None:
    """Hand the C heap's free pages back to the kernel, so that work which reuses memory the
    input's construction freed counts it as growth like work that maps new memory does."""
    ctypes.CDLL("libc.so.6").malloc_trim(0)


def reset_peak() -> None:
    """Reset the kernel's peak-RSS mark (VmHWM), so building the input does not count."""
    with open("/proc/self/clear_refs", "w") as handle:
        handle.write("5")


def status_kib(field: str) -> int:
    with open("/proc/self/status") as handle:
        for line in handle:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise RuntimeError(f"no {field} in /proc/self/status")


def _child(
    prepare: Callable[[Any], Any],
    work: Callable[[Any], Any],
    argument: Any,
    queue: multiprocessing.Queue,
) -> None:
    data = prepare(argument)
    gc.collect()
    release_free_memory()
    reset_peak()
    before = status_kib("VmRSS")
    started = time.perf_counter()
    result = work(data)
    seconds = time.perf_counter() - started
    # The resident set can shrink between the reset and its reading: growth is never negative.
    queue.put((seconds, max(0.0, (status_kib("VmHWM") - before) / 1024), str(result)))


def isolated(
    prepare: Callable[[Any], Any], work: Callable[[Any], Any], argument: Any
) -> tuple[float, float, str]:
    """`work(prepare(argument))` in a fresh process: (seconds, peak MiB above the start, result).

    Both callables must be importable module-level functions (the process is spawned).
    Linux only: it reads /proc.
    """
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    process = context.Process(target=_child, args=(prepare, work, argument, queue))
    process.start()
    outcome: tuple[float, float, str] = result_of(process, queue)
    return outcome


def _call(command: Callable[..., Any], arguments: tuple[Any, ...], queue: Any) -> None:
    queue.put(command(*arguments))


def in_fresh_process(command: Callable[..., Any], *arguments: Any) -> Any:
    """`command(*arguments)` in a spawned process of its own (not a pool's: a monthly run
    renders statements in child processes), with what it returns. `command` must be an
    importable module-level function (the process is spawned)."""
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    process = context.Process(target=_call, args=(command, arguments, queue))
    process.start()
    return result_of(process, queue)


def result_of(process: Any, queue: Any) -> Any:
    """What the started `process` puts on `queue`, joined; an error if it dies first."""
    while True:  # a child that dies (out of memory, say) must not leave us waiting forever
        try:
            outcome = queue.get(timeout=1)
            break
        except Empty:
            if not process.is_alive():
                raise RuntimeError(
                    f"the measured process died with exit code {process.exitcode}"
                ) from None
    process.join()
    return outcome
