"""Publishing a month in one step (`reports.store.publish`): the new version switched in
whole by an exchange of folders, or by renames where the filesystem cannot swap, with what
a stopped run left aside put back; the messages sent and their record kept byte for byte."""

from __future__ import annotations

import errno
import os
import subprocess
import sys
from pathlib import Path

import pytest

from reports.errors import OutputError
from reports.store import publish as store
from reports.store.publish import building, carry_over, exchange, publish, recover


def write(folder: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text, encoding="utf-8")


def contents(folder: Path) -> dict[str, str]:
    return {
        path.relative_to(folder).as_posix(): path.read_text(encoding="utf-8")
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def dead_pid() -> int:
    """The pid of a process that has ended (and was reaped)."""
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


OLD = {"manifest.json": "old manifest", "report.pdf": "old report", "stale.txt": "gone after"}
NEW = {"manifest.json": "new manifest", "report.pdf": "new report"}
#: What a month keeps across rebuilds: the messages written and the record of each sent.
KEPT = {
    "outbox/a.eml": "message a",
    "outbox/sent.jsonl": '{"key": "a"}\n',
    "sent/record.jsonl": '{"event": "sent"}\n',
    "sent/2026-11-02/b.eml": "message b",
}


def test_exchange_swaps_two_folders(tmp_path: Path) -> None:
    write(tmp_path / "a", {"x": "in a"})
    write(tmp_path / "b", {"y": "in b"})
    exchange(tmp_path / "a", tmp_path / "b")
    assert contents(tmp_path / "a") == {"y": "in b"}
    assert contents(tmp_path / "b") == {"x": "in a"}


def test_a_month_is_replaced_whole_by_one_exchange(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    final = tmp_path / "2026-10"
    write(final, OLD)

    def no_rename(*args: object) -> None:
        raise AssertionError("an existing month is switched by an exchange, not renames")

    with building(final) as staging:
        assert staging.parent == tmp_path and staging.name.startswith(".2026-10.staging-")
        write(staging, NEW)
        monkeypatch.setattr(store.os, "rename", no_rename)
        publish(staging, final)
        monkeypatch.undo()
    assert contents(final) == NEW
    assert [p.name for p in tmp_path.iterdir()] == ["2026-10"]  # the old version is gone


def test_a_new_month_is_renamed_into_place(tmp_path: Path) -> None:
    final = tmp_path / "out" / "2026-10"
    with building(final) as staging:
        write(staging, NEW)
        publish(staging, final)
    assert contents(final) == NEW
    assert [p.name for p in final.parent.iterdir()] == ["2026-10"]


def test_a_failed_build_leaves_the_month_and_no_folder_it_made(tmp_path: Path) -> None:
    final = tmp_path / "2026-10"
    write(final, OLD)
    with pytest.raises(RuntimeError), building(final) as staging:
        write(staging, NEW)
        raise RuntimeError("a render failed")
    assert contents(final) == OLD
    assert [p.name for p in tmp_path.iterdir()] == ["2026-10"]
    with pytest.raises(RuntimeError), building(tmp_path / "new" / "out" / "2026-10"):
        raise RuntimeError("a render failed")
    assert not (tmp_path / "new").exists()


def test_where_folders_cannot_be_swapped_they_are_renamed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def unsupported(first: Path, second: Path) -> None:
        raise OSError(errno.EINVAL, "Invalid argument")

    monkeypatch.setattr(store, "exchange", unsupported)
    final = tmp_path / "2026-10"
    write(final, {**OLD, **KEPT})
    with building(final) as staging:
        write(staging, NEW)
        publish(staging, final)
    assert contents(final) == {**NEW, **KEPT}
    assert [p.name for p in tmp_path.iterdir()] == ["2026-10"]


def test_a_month_left_aside_by_a_stopped_run_is_put_back(tmp_path: Path) -> None:
    # Stopped between its two renames: the month aside, the new version built beside it.
    dead = dead_pid()
    write(tmp_path / f".2026-10.old-{dead}", OLD)
    write(tmp_path / f".2026-10.staging-{dead}", NEW)
    # A run still going keeps its own; leftovers of earlier versions have no pid.
    alive = os.getppid()
    write(tmp_path / f".2026-09.staging-{alive}", NEW)
    write(tmp_path / ".2026-08.pdf-staging", NEW)
    assert recover(tmp_path) == [tmp_path / "2026-10"]
    assert contents(tmp_path / "2026-10") == OLD
    assert sorted(p.name for p in tmp_path.iterdir()) == [f".2026-09.staging-{alive}", "2026-10"]


def test_the_old_version_left_after_the_switch_is_removed(tmp_path: Path) -> None:
    dead = dead_pid()
    write(tmp_path / "2026-10", NEW)
    write(tmp_path / f".2026-10.staging-{dead}", OLD)  # stopped after an exchange
    write(tmp_path / f".2026-11.old-{dead}", OLD)  # after its two renames
    write(tmp_path / "2026-11", NEW)
    with building(tmp_path / "2026-10"):
        pass
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        f".2026-11.old-{dead}",  # another month's: its own run clears it
        "2026-10",
        "2026-11",
    ]
    assert recover(tmp_path) == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["2026-10", "2026-11"]
    assert contents(tmp_path / "2026-10") == contents(tmp_path / "2026-11") == NEW


def test_what_was_sent_survives_every_republish_byte_for_byte(tmp_path: Path) -> None:
    final = tmp_path / "2026-10"
    write(final, {**OLD, **KEPT})
    before = {name: (final / name).read_bytes() for name in KEPT}
    for version in ("second", "third"):
        with building(final) as staging:
            write(staging, {"report.pdf": version})
            publish(staging, final)
        assert {name: (final / name).read_bytes() for name in KEPT} == before
        assert (final / "report.pdf").read_text() == version


def test_what_is_kept_is_linked_so_a_record_appended_meanwhile_is_in_both(
    tmp_path: Path,
) -> None:
    final = tmp_path / "2026-10"
    write(final, {**OLD, **KEPT})
    with building(final) as staging:
        carry_over(final, staging, store.KEPT)
        with (final / "sent" / "record.jsonl").open("a") as record:
            record.write('{"event": "sending"}\n')
        assert (staging / "sent" / "record.jsonl").read_text() == (
            '{"event": "sent"}\n{"event": "sending"}\n'
        )
        assert (staging / "outbox" / "a.eml").stat().st_ino == (
            final / "outbox" / "a.eml"
        ).stat().st_ino


def test_a_partial_rebuild_keeps_the_rest_of_the_month(tmp_path: Path) -> None:
    final = tmp_path / "2026-10"
    write(final, {**OLD, "data/cases.parquet": "frames", **KEPT})
    with building(final) as staging:
        write(staging, {"report.pdf": "new report"})
        carry_over(final, staging)
        publish(staging, final)
    assert contents(final) == {
        **OLD,
        "data/cases.parquet": "frames",
        **KEPT,
        "report.pdf": "new report",
    }


def test_a_month_that_cannot_be_replaced_is_left_as_it_was(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refused(first: Path, second: Path) -> None:
        raise OSError(errno.EPERM, "Operation not permitted")

    monkeypatch.setattr(store, "exchange", refused)
    final = tmp_path / "2026-10"
    write(final, OLD)
    refused_at_the_switch = pytest.raises(OutputError, match=r"^cannot put the new 2026-10 in ")
    with refused_at_the_switch, building(final) as staging:
        write(staging, NEW)
        publish(staging, final)
    assert contents(final) == OLD
    assert [p.name for p in tmp_path.iterdir()] == ["2026-10"]
