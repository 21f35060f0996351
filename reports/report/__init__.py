"""One month's report: what it shows (`model`), how it is assembled from fetched frames
(`build`), and the catalogue of its headline figures (`figures`) that every renderer lays
out the same way."""

from reports.report.build import build_report_data
from reports.report.model import Frames, Headline, ReportData, SourceInfo, Statement

__all__ = ["Frames", "Headline", "ReportData", "SourceInfo", "Statement", "build_report_data"]
