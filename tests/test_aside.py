"""Work done in a forked process while this one goes on: what it writes is there once it
is waited for, what it raised is raised here as one line, and a block that fails first
stops it."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from reports.aside import aside
from reports.errors import ApiError, OutputError, ReportsError, TemplateError


def test_what_the_work_writes_is_there_once_the_block_ends(tmp_path: Path) -> None:
    target = tmp_path / "report.pdf"
    with aside(lambda: target.write_text(str(os.getpid())), "writing"):
        pass
    assert target.read_text() != str(os.getpid())  # another process wrote it


def test_without_fork_the_work_is_done_here_first(tmp_path: Path) -> None:
    target = tmp_path / "report.pdf"
    with aside(lambda: target.write_text(str(os.getpid())), "writing", fork=False):
        assert target.read_text() == str(os.getpid())


def test_what_the_work_raised_is_raised_here() -> None:
    def broken() -> None:
        raise TemplateError("monthly.html refers to https://example.invalid/x.png: refused")

    with pytest.raises(TemplateError) as raised, aside(broken, "rendering"):
        pass
    assert str(raised.value) == "monthly.html refers to https://example.invalid/x.png: refused"


def test_an_error_that_cannot_cross_keeps_its_message() -> None:
    def refused() -> None:
        raise ApiError("willsuite", "GET", "/cases", 404, "no such case")

    with pytest.raises(ReportsError) as raised, aside(refused, "rendering"):
        pass
    assert str(raised.value) == "willsuite: GET /cases failed with HTTP 404: no such case"


def test_work_that_dies_is_one_line() -> None:
    with pytest.raises(OutputError) as raised, aside(lambda: os._exit(3), "rendering the PDF"):
        pass
    assert str(raised.value) == (
        "rendering the PDF stopped (its process ended with exit code 3): run again"
    )


def test_a_block_that_fails_first_stops_the_work(tmp_path: Path) -> None:
    target = tmp_path / "late.txt"

    def slow() -> None:
        time.sleep(5)
        target.write_text("too late")

    started = time.perf_counter()
    with pytest.raises(ValueError, match="the web page failed"), aside(slow, "rendering"):
        raise ValueError("the web page failed")
    assert time.perf_counter() - started < 4
    assert not target.exists()
