"""Plannr CRM (UK financial advisers): everything the project knows about it.

settings   `[plannr]`, `REPORTS_PLANNR_*`
frames     its cases, client accounts and incomes
reader     its API, read into those frames (`source`, the `Source`), and writes
"""

from reports.sources.plannr.frames import (
    CASE_SUMMARY,
    PLANNR_CASES,
    PLANNR_CLIENTS,
    PLANNR_INCOMES,
)
from reports.sources.plannr.reader import (
    AMOUNT_TYPES,
    CASE_INCLUDES,
    EMPLOYMENT_INCOME_TYPES,
    FREQUENCIES,
    INCOME_INCLUDES,
    INCOME_TYPES,
    PAGE_SIZE,
    REQUESTS_PER_MINUTE,
    SOURCE,
    CaseDraft,
    IncomeDraft,
    PlannrSource,
    client_incomes,
    connect,
    create_case,
    create_client_income,
    list_cases,
    list_clients,
    read_page,
    refresh_access_token,
    source,
)
from reports.sources.plannr.settings import (
    PLANNR_DEFAULT_URL,
    SPEC,
    PlannrSettings,
)

__all__ = [
    "AMOUNT_TYPES",
    "CASE_INCLUDES",
    "CASE_SUMMARY",
    "EMPLOYMENT_INCOME_TYPES",
    "FREQUENCIES",
    "INCOME_INCLUDES",
    "INCOME_TYPES",
    "PAGE_SIZE",
    "PLANNR_CASES",
    "PLANNR_CLIENTS",
    "PLANNR_DEFAULT_URL",
    "PLANNR_INCOMES",
    "REQUESTS_PER_MINUTE",
    "SOURCE",
    "SPEC",
    "CaseDraft",
    "IncomeDraft",
    "PlannrSettings",
    "PlannrSource",
    "client_incomes",
    "connect",
    "create_case",
    "create_client_income",
    "list_cases",
    "list_clients",
    "read_page",
    "refresh_access_token",
    "source",
]
