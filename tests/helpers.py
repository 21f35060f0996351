"""What the tests share: the vendors' documented examples, the command line as a user runs it
(in a process of its own, or in this one where the process itself is not what is tested),
LibreOffice to recalculate workbooks, and PDF text extraction."""

from __future__ import annotations

import contextlib
import csv
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import traceback
from pathlib import Path
from typing import Any

from click.testing import CliRunner
from pypdf import PdfReader

ROOT = Path(__file__).resolve().parents[1]
API_DOCS = Path(os.environ.get("REPORTS_API_DOCS", ROOT.parent / "shared" / "api-docs"))


def doc_blocks(name: str) -> list[Any]:
    """Every top-level JSON example in a vendor doc, in order.

    A block starts on a line that begins (in column 0) with `{` or `[`. The mobility doc's
    task examples have a trailing comma after `"name": "Task Owner"` (a doc typo): we drop
    commas that stand right before a closing bracket, and only for doc fixtures; the
    connectors themselves parse real responses strictly.
    """
    path = API_DOCS / name
    if not path.is_file():
        raise FileNotFoundError(
            f"vendor doc {path} not found: clone beside ../shared or set REPORTS_API_DOCS"
        )
    text = path.read_text(encoding="utf-8")
    blocks: list[Any] = []
    position = 0
    for match in re.finditer(r"^[\[{]", text, flags=re.MULTILINE):
        if match.start() < position:
            continue
        end = _block_end(text, match.start())
        chunk = text[match.start() : end]
        try:
            blocks.append(json.loads(chunk))
        except json.JSONDecodeError:
            blocks.append(json.loads(re.sub(r",(\s*[}\]])", r"\1", chunk)))
        position = end
    return blocks


def _block_end(text: str, start: int) -> int:
    depth, in_string, escaped = 0, False, False
    for index in range(start, len(text)):
        char = text[index]
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "{[":
            depth += 1
        elif char in "}]":
            depth -= 1
            if depth == 0:
                return index + 1
    raise ValueError(f"unbalanced JSON block at {start}")


def unstub(value: Any) -> Any:
    """Replace the docs' schema stubs (`{"example": v, "description": ...}`) by `v`."""
    if isinstance(value, dict):
        if set(value) == {"example", "description"}:
            return value["example"]
        return {key: unstub(item) for key, item in value.items()}
    if isinstance(value, list):
        return [unstub(item) for item in value]
    return value


def run(
    args: list[str], env: dict[str, str] | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("REPORTS_")}
    return subprocess.run(
        [sys.executable, "-m", "reports", *args],
        capture_output=True,
        text=True,
        env={**clean, **(env or {})},
        cwd=cwd,
        timeout=300,
    )


def invoke(
    args: list[str], env: dict[str, str] | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    """`run`, in this process: the same settings (none of the machine's `REPORTS_*`, `env`
    added), folder, output and exit status, without the second or two each new process
    spends importing. An exception the command let through is written to stderr as Python
    would have printed it, so that a test asserting there is no traceback still sees one.
    Signals, locks held by another process and `python -m reports` itself need `run`."""
    from reports.cli import main

    cleared: dict[str, str | None] = {k: None for k in os.environ if k.startswith("REPORTS_")}
    with contextlib.chdir(cwd) if cwd is not None else contextlib.nullcontext():
        result = CliRunner().invoke(main, args, env={**cleared, **(env or {})})
    stderr = result.stderr
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        stderr += "".join(traceback.format_exception(result.exception))
    return subprocess.CompletedProcess(args, result.exit_code, result.stdout, stderr)


#: A LibreOffice profile setting that recalculates every formula of an .xlsx on loading, so
#: that what the tests read is LibreOffice's own result, never the result the file caches.
ALWAYS_RECALCULATE = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" oor:op="fuse"><value>0</value></prop></item>
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="ODFRecalcMode" oor:op="fuse"><value>0</value></prop></item>
</oor:items>
"""


def libreoffice_profile(folder: Path) -> str:
    """A LibreOffice profile of its own (parallel or leftover instances never collide) that
    recalculates every workbook it opens."""
    if os.environ.get("REPORTS_TEST_FAST") == "1":
        raise RuntimeError("this test opens LibreOffice: it needs the libreoffice marker")
    user = folder / "profile" / "user"
    user.mkdir(parents=True)
    (user / "registrymodifications.xcu").write_text(ALWAYS_RECALCULATE, encoding="utf-8")
    return (folder / "profile").as_uri()


#: LibreOffice's sheets of each workbook read, by the workbook's digest: the same file read
#: by several tests of a module is opened once (a start of LibreOffice costs seconds).
_RECALCULATED: dict[str, dict[str, list[list[str]]]] = {}


def recalculated_sheets(workbook: Path) -> dict[str, list[list[str]]]:
    """Open `workbook` in LibreOffice, recalculate every formula, and read each sheet as CSV
    (a copy of its first reading when the same bytes were read before)."""
    digest = recalculate_together(workbook)[0]
    return {name: [list(row) for row in rows] for name, rows in _RECALCULATED[digest].items()}


def recalculate_together(*workbooks: Path) -> list[str]:
    """Recalculate the `workbooks` not read before in one start of LibreOffice (a start
    costs seconds, each more workbook a fraction of one), for `recalculated_sheets` to
    read them from; their digests, in order."""
    digests = [hashlib.sha256(workbook.read_bytes()).hexdigest() for workbook in workbooks]
    unread = {digest: workbook for digest, workbook in zip(digests, workbooks, strict=True)}
    for digest in _RECALCULATED.keys() & unread.keys():
        del unread[digest]
    if unread:
        _RECALCULATED.update(_recalculate(unread))
    return digests


def _recalculate(workbooks: dict[str, Path]) -> dict[str, dict[str, list[list[str]]]]:
    soffice = shutil.which("soffice")
    if soffice is None:
        raise RuntimeError("LibreOffice is missing: run scripts/system-deps.sh (make test does)")
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder)
        profile = libreoffice_profile(out)
        # Each under a name of its own: LibreOffice names each sheet's CSV after its file.
        named = {f"book{index}": digest for index, digest in enumerate(workbooks)}
        for name, digest in named.items():
            shutil.copyfile(workbooks[digest], out / f"{name}.xlsx")
        subprocess.run(
            [
                soffice,
                f"-env:UserInstallation={profile}",
                "--headless",
                "--norestore",
                "--convert-to",
                # UTF-8, comma, double quotes, every sheet to its own file (-1), formulas as values
                "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,-1",
                "--outdir",
                str(out / "csv"),
                *(str(out / f"{name}.xlsx") for name in named),
            ],
            check=True,
            capture_output=True,
            timeout=180,
        )
        read: dict[str, dict[str, list[list[str]]]] = {}
        for name, digest in named.items():
            sheets = {}
            for file in (out / "csv").glob(f"{name}-*.csv"):
                with file.open(encoding="utf-8", newline="") as handle:
                    sheets[file.stem.removeprefix(f"{name}-")] = list(csv.reader(handle))
            if not sheets:
                raise RuntimeError(f"LibreOffice wrote no sheets for {workbooks[digest]}")
            read[digest] = sheets
    return read


def pdf_pages(path: Path) -> list[str]:
    """The text of each page of a PDF, as a reader's copy and paste would give it."""
    return [page.extract_text() for page in PdfReader(path).pages]


def libreoffice_pdf(workbook: Path, folder: Path, pages: str | None = None) -> Path:
    """`workbook` printed to PDF by LibreOffice (recalculated first), as a user would; only
    `pages` ("1-2") when given, which is much faster on a large workbook."""
    target = "pdf"
    if pages:
        target += f':calc_pdf_Export:{{"PageRange":{{"type":"string","value":"{pages}"}}}}'
    soffice = shutil.which("soffice")
    if soffice is None:
        raise RuntimeError("LibreOffice is missing: run scripts/system-deps.sh (make test does)")
    with tempfile.TemporaryDirectory() as scratch:
        subprocess.run(
            [
                soffice,
                f"-env:UserInstallation={libreoffice_profile(Path(scratch))}",
                "--headless",
                "--norestore",
                "--convert-to",
                target,
                "--outdir",
                str(folder),
                str(workbook),
            ],
            check=True,
            capture_output=True,
            timeout=180,
        )
    return folder / f"{workbook.stem}.pdf"
