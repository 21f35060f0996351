"""What one run of the month's pipeline (`monthly.run_monthly`) is asked for: which outputs,
how, and the two things it would otherwise read from the machine, the ECB rates in use and
the clock. Every command that reports a month (`reports monthly`, `excel`, `pdf`,
`trends`) builds its data through that one pipeline and differs only in these options, so
one month shows the same figures whichever command wrote it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reports import periods
from reports import rates as ecb
from reports.compute.fx import EcbRates
from reports.periods import Month, local_day
from reports.report.model import Stamp


@dataclass(frozen=True)
class MonthlyOptions:
    """One run's options. The outputs default to the month's whole report; a command
    asking for some of them gets those written and the rest of the month's folder kept as
    it was (`whole`)."""

    #: The ECB rates amounts are converted at (a rebuild from the snapshot takes the
    #: snapshot's own).
    rates: EcbRates
    #: When the run is (timezone-aware): what "today" is for the month's end and for a
    #: month in progress, when the report says it was generated, an automatic approval's time.
    now: dt.datetime
    workbook: bool = True
    pdf: bool = True
    web: bool = True
    statements: bool = True
    #: The first month of a Trends workbook (`OUT/trends-FROM-to-MONTH.xlsx`), each figure
    #: month by month to the run's; None: no such workbook.
    trends_from: Month | None = None
    firm: str = ""
    currency: str = "GBP"
    allow_partial: bool = False
    from_snapshot: bool = False
    incremental: bool = True
    email: bool = False
    template: Path | None = None
    templates_dir: Path | None = None
    workers: int | None = None
    history_months: int = 12
    commentary: Path | None = None
    stamp: Stamp | None = None
    expect_figures: Mapping[str, object] | None = None
    dask: str | None = None

    def __post_init__(self) -> None:
        if self.now.tzinfo is None:
            raise ValueError("MonthlyOptions.now must be timezone-aware")

    @classmethod
    def current(cls, **options: Any) -> MonthlyOptions:
        """`options` for a run now, at the rates in use (`rates.load()`): what a command
        passes in, read once at its edge."""
        return cls(rates=ecb.load(), now=periods.now(), **options)

    @property
    def whole(self) -> bool:
        """Whether the run writes the month's whole report (workbook, PDF, web page and
        statements): only such a run saves the month's snapshot, records its manifest,
        writes the index of months and may send it."""
        return self.workbook and self.pdf and self.web and self.statements

    @property
    def month_documents(self) -> bool:
        """Whether the run writes anything into the month's folder (a run for Trends alone
        does not)."""
        return self.workbook or self.pdf or self.web or self.statements

    @property
    def today(self) -> dt.date:
        """The firm's day at `now`."""
        return local_day(self.now)
