"""reports: a firm's case systems in, its monthly numbers out, exact to the penny.

    config ─> sources/ (one per vendor, a `Source` each) ─> fetch ─> typed frames
          ─> compute/ (pure) ─> report/ (ReportData) ─> render/ (workbook, PDFs) ─> delivery/

`run_monthly` does all of it for one month; each step is also a function of its own.
"""

from reports.app import load_config
from reports.config import Config
from reports.errors import (
    ApiError,
    ConfigError,
    DataError,
    DeliveryError,
    IncompleteDataError,
    OutputError,
    PeriodError,
    RatesError,
    ReportsError,
    SnapshotError,
    SourceError,
    TemplateError,
    TransientApiError,
    ValidationError,
)
from reports.fetch import (
    cases_across_sources,
    fetch_cases,
    fetch_clients,
    fetch_expenses,
    fetch_frames,
    fetch_incomes,
    fetch_invoice_items,
    fetch_invoices,
    fetch_managers,
    fetch_services,
    fetch_tasks,
)
from reports.periods import Month

__version__ = "0.1.0"

__all__ = [
    "ApiError",
    "Config",
    "ConfigError",
    "DataError",
    "DeliveryError",
    "IncompleteDataError",
    "Month",
    "OutputError",
    "PeriodError",
    "RatesError",
    "ReportsError",
    "SnapshotError",
    "SourceError",
    "TemplateError",
    "TransientApiError",
    "ValidationError",
    "cases_across_sources",
    "fetch_cases",
    "fetch_clients",
    "fetch_expenses",
    "fetch_frames",
    "fetch_incomes",
    "fetch_invoice_items",
    "fetch_invoices",
    "fetch_managers",
    "fetch_services",
    "fetch_tasks",
    "load_config",
]
