"""reports: a firm's case systems in, its monthly numbers out, exact to the penny."""

from reports.config import Config, load_config
from reports.errors import (
    ApiError,
    ConfigError,
    IncompleteDataError,
    ReportsError,
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

__version__ = "0.1.0"

__all__ = [
    "ApiError",
    "Config",
    "ConfigError",
    "IncompleteDataError",
    "ReportsError",
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
