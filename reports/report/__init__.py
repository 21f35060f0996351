"""One month's report: what it shows (`model`), how it is assembled from fetched frames
(`build`), the catalogue of its headline figures (`figures`) that every renderer lays
out the same way, and each figure's months before it (`history`)."""

from reports.report.build import build_report_data
from reports.report.history import History, Trend, build_history
from reports.report.model import Frames, Headline, ReportData, SourceInfo, Statement

__all__ = [
    "Frames",
    "Headline",
    "History",
    "ReportData",
    "SourceInfo",
    "Statement",
    "Trend",
    "build_history",
    "build_report_data",
]
