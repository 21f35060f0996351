"""A month's folder, `OUT/YYYY-MM/` (or `OUT/YYYY-MM-to-DD/` for a month to date): the one
place that names what is in it. Every other module asks a `MonthFolder` for a path, and
reads and writes the folder's JSON files through the store's records (`approval_manifest`,
`snapshot_manifest`, `statement_index`, `figures_sent`, `sent`).

The names are those the folder has always had: a month written by an earlier version reads
the same. A chase day's folder is `chase_folder`'s.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

#: The approval manifest: draft or approved, and every file's SHA-256.
MANIFEST = "manifest.json"
#: The fetched frames (Parquet), the rates and the snapshot's own manifest.
DATA = "data"
#: The ECB rates the month was converted with, in its snapshot.
RATES = "ecb_rates.parquet"
#: The firm's commentary the month was built with, kept in its snapshot.
SAVED_COMMENTARY = "commentary.md"
#: The client statements (PDF) and their index.
STATEMENTS = "statements"
STATEMENT_INDEX = "statements.json"
#: The headline figures the month's report sent, for later months' "restated".
FIGURES = "figures.json"
#: The charts the month's documents show, drawn once and kept for the approval.
CHARTS = "charts.json"
#: The monthly email's opening.
BRIEFING = "briefing.txt"
#: Messages written and not sent (the `file` transport), and the record of what was sent.
OUTBOX = "outbox"
SENT = "sent"
#: The draft's two stamped documents without their stamp, kept for its approval
#: (`reports.render.unstamped`): the monthly PDF as laid out, the web page with a
#: placeholder for the stamp's words.
APPROVAL = "approval"
LAID_OUT_PDF = "monthly.pdf"
KEPT_PAGE = "web.html"
#: What outlives every rebuild of the month: the messages and their record.
KEPT = (OUTBOX, SENT)


def report_name(month: object, suffix: str) -> str:
    """The name of the month's report with `suffix` (`.pdf`, `.xlsx`, `.html`):
    `report-2026-10.pdf`, or `report-2026-12-to-06.pdf` for a month to date."""
    return f"report-{month}{suffix}"


def snapshot_manifest_in(data: Path) -> Path:
    """The manifest of the snapshot in the folder `data` (a month's `data/`)."""
    return Path(data) / MANIFEST


def snapshot_frame_in(data: Path, name: str) -> Path:
    """The Parquet file of the frame `name` (`SOURCE_ENTITY`) in the snapshot `data`."""
    return Path(data) / f"{name}.parquet"


def snapshot_rates_in(data: Path) -> Path:
    return Path(data) / RATES


def outbox_in(folder: Path) -> Path:
    """The outbox of a folder messages are sent from: a month's, or a chase day's."""
    return Path(folder) / OUTBOX


def statement_index_in(statements: Path) -> Path:
    """The index of the statements in the folder `statements` (a month's `statements/`, or
    a folder they were written into alone)."""
    return Path(statements) / STATEMENT_INDEX


@dataclass(frozen=True)
class MonthFolder:
    """The folder at `path` of the month labelled `label` (`2026-10`, `2026-12-to-06`):
    the label names its reports, and stays the month's in a staging folder beside it."""

    path: Path
    label: str

    @classmethod
    def of(cls, out: Path, month: object) -> MonthFolder:
        """The folder of `month` (a `Month`, or its label) in the output folder `out`."""
        return cls(Path(out) / str(month), str(month))

    @classmethod
    def at(cls, path: Path | str) -> MonthFolder:
        """The month folder at `path`, labelled by its name (not a staging folder)."""
        return cls(Path(path), Path(path).name)

    def staged(self, staging: Path) -> MonthFolder:
        """The same month's files in `staging`, its next version being built."""
        return MonthFolder(Path(staging), self.label)

    @property
    def manifest(self) -> Path:
        return self.path / MANIFEST

    @property
    def data(self) -> Path:
        return self.path / DATA

    @property
    def snapshot_manifest(self) -> Path:
        return snapshot_manifest_in(self.data)

    @property
    def saved_commentary(self) -> Path:
        return self.data / SAVED_COMMENTARY

    @property
    def statements(self) -> Path:
        return self.path / STATEMENTS

    @property
    def statement_index(self) -> Path:
        return statement_index_in(self.statements)

    @property
    def figures(self) -> Path:
        return self.path / FIGURES

    @property
    def charts(self) -> Path:
        return self.path / CHARTS

    @property
    def briefing(self) -> Path:
        return self.path / BRIEFING

    @property
    def outbox(self) -> Path:
        return outbox_in(self.path)

    @property
    def sent(self) -> Path:
        return self.path / SENT

    @property
    def report_pdf(self) -> Path:
        return self.path / report_name(self.label, ".pdf")

    @property
    def report_xlsx(self) -> Path:
        return self.path / report_name(self.label, ".xlsx")

    @property
    def report_html(self) -> Path:
        return self.path / report_name(self.label, ".html")

    @property
    def approval(self) -> Path:
        return self.path / APPROVAL

    @property
    def laid_out_pdf(self) -> Path:
        return self.approval / LAID_OUT_PDF

    @property
    def kept_page(self) -> Path:
        return self.approval / KEPT_PAGE

    def under(self, path: Path) -> str:
        """`path`'s name under the folder, as the approval manifest lists it."""
        return Path(path).relative_to(self.path).as_posix()

    def report_pdfs(self) -> list[Path]:
        """Every monthly report PDF in the folder, by name (a folder holds its month's)."""
        return sorted(self.path.glob(report_name("*", ".pdf")))

    def digested(self) -> Iterator[tuple[str, Path]]:
        """Each file the approval digests, by its path under the folder: all but the
        manifest, the messages and their record, and hidden files."""
        for path in sorted(self.path.rglob("*")):
            relative = path.relative_to(self.path)
            if not path.is_file() or relative.parts[0] in KEPT or str(relative) == MANIFEST:
                continue
            if any(part.startswith(".") for part in relative.parts):
                continue
            yield relative.as_posix(), path
