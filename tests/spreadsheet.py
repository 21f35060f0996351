"""LibreOffice Calc, headless, as the real spreadsheet application that opens our workbooks."""

from __future__ import annotations

import csv
import shutil
import subprocess
import tempfile
from pathlib import Path


def recalculated_sheets(workbook: Path) -> dict[str, list[list[str]]]:
    """Open `workbook` in LibreOffice, recalculate every formula, and read each sheet as CSV."""
    soffice = shutil.which("soffice")
    if soffice is None:
        raise RuntimeError("LibreOffice is missing: run scripts/system-deps.sh (make test does)")
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder)
        # A profile of its own per call, so parallel or leftover instances never collide.
        profile = (out / "profile").as_uri()
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
                str(out),
                str(workbook),
            ],
            check=True,
            capture_output=True,
            timeout=180,
        )
        sheets = {}
        for file in out.glob(f"{workbook.stem}-*.csv"):
            with file.open(encoding="utf-8", newline="") as handle:
                sheets[file.stem.removeprefix(f"{workbook.stem}-")] = list(csv.reader(handle))
    if not sheets:
        raise RuntimeError(f"LibreOffice wrote no sheets for {workbook}")
    return sheets
