"""The global-mobility (relocation) case platform: everything the project knows about it.

settings   `[mobility]`, `REPORTS_MOBILITY_*`
frames     its cases, services, tasks, managers and expenses
reader     its API, read into those frames (`source`, the `Source`)
report     its clients' statements and its own data-quality checks
"""

from reports.sources.mobility.frames import (
    CASE_SUMMARY,
    MOBILITY_CASE_MANAGERS,
    MOBILITY_CASES,
    MOBILITY_EXPENSES,
    MOBILITY_SERVICES,
    MOBILITY_TASK_MANAGERS,
    MOBILITY_TASKS,
)
from reports.sources.mobility.reader import (
    SOURCE,
    MobilitySource,
    case_detail,
    case_expenses,
    connect,
    list_cases,
    list_tasks,
    manager_rows,
    read_page,
    source,
)
from reports.sources.mobility.settings import (
    SPEC,
    MobilitySettings,
)

__all__ = [
    "CASE_SUMMARY",
    "MOBILITY_CASES",
    "MOBILITY_CASE_MANAGERS",
    "MOBILITY_EXPENSES",
    "MOBILITY_SERVICES",
    "MOBILITY_TASKS",
    "MOBILITY_TASK_MANAGERS",
    "SOURCE",
    "SPEC",
    "MobilitySettings",
    "MobilitySource",
    "case_detail",
    "case_expenses",
    "connect",
    "list_cases",
    "list_tasks",
    "manager_rows",
    "read_page",
    "source",
]
