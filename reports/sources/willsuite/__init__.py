"""WillSuite (UK will writing): everything the project knows about it.

settings   `[willsuite]`, `REPORTS_WILLSUITE_*`
frames     its cases, invoices and line items
reader     its API, read into those frames (`source`, the `Source`), and writes
report     its clients' statements
"""

from reports.sources.willsuite.frames import (
    CASE_SUMMARY,
    WILLSUITE_CASES,
    WILLSUITE_CURRENCY,
    WILLSUITE_INVOICE_ITEMS,
    WILLSUITE_INVOICES,
    WILLSUITE_ZONE,
)
from reports.sources.willsuite.reader import (
    PAGE_SIZE,
    PENNY,
    SINCE_MARGIN,
    SOURCE,
    TIMESTAMP_FORMAT,
    InvoiceDraft,
    InvoiceLine,
    LineInput,
    WillSuiteSource,
    case_invoices,
    connect,
    create_invoice,
    draft_invoice,
    format_timestamp,
    invoice_records,
    item_records,
    list_cases,
    merge_changes,
    read_page,
    source,
    update_invoice,
)
from reports.sources.willsuite.settings import (
    SPEC,
    WILLSUITE_DEFAULT_URL,
    WillSuiteSettings,
)

__all__ = [
    "CASE_SUMMARY",
    "PAGE_SIZE",
    "PENNY",
    "SINCE_MARGIN",
    "SOURCE",
    "SPEC",
    "TIMESTAMP_FORMAT",
    "WILLSUITE_CASES",
    "WILLSUITE_CURRENCY",
    "WILLSUITE_DEFAULT_URL",
    "WILLSUITE_INVOICES",
    "WILLSUITE_INVOICE_ITEMS",
    "WILLSUITE_ZONE",
    "InvoiceDraft",
    "InvoiceLine",
    "LineInput",
    "WillSuiteSettings",
    "WillSuiteSource",
    "case_invoices",
    "connect",
    "create_invoice",
    "draft_invoice",
    "format_timestamp",
    "invoice_records",
    "item_records",
    "list_cases",
    "merge_changes",
    "read_page",
    "source",
    "update_invoice",
]
