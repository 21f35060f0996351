"""What a source is given to add its part to the month's report, and what it gives back:
`reports.contribution`, named here too for the report's own modules."""

from __future__ import annotations

from reports.contribution import Contribution, ReportContext

__all__ = ["Contribution", "ReportContext"]
