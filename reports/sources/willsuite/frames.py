"""WillSuite: every frame it gives, defined once (columns, types, meaning).

Column names are the vendor's field names in snake_case, except where WillSuite names a
thing the other sources share: those columns take our name, and their path is the vendor's
(`customer_case_id` -> `case_id`, `date_paid` -> `paid_at`).
"""

from __future__ import annotations

from typing import Any

import polars as pl

from reports.periods import local_date
from reports.schema import (
    BOOL,
    DECIMAL,
    ENUM,
    ID,
    JSON,
    TEXT,
    TIMESTAMP,
    FrameSchema,
    col,
)
from reports.schema import MONEY_KIND as MONEY

# WillSuite is a UK system: its naive timestamps (`2024-05-20 00:00:00`) are UK local time,
# as its create response shows (`2024-05-17` stored as `2024-05-16T23:00:00Z`, BST).
# Amounts are pounds as JSON numbers; we decode them as Decimal and add `currency` = GBP.
#: WillSuite writes its naive timestamps in UK local time, whatever the firm's own zone.
WILLSUITE_ZONE = "Europe/London"


#: WillSuite is UK-only: its amounts are pounds, and it sends no currency.
WILLSUITE_CURRENCY = "GBP"


def _gbp(_record: dict[str, Any]) -> str:
    return WILLSUITE_CURRENCY


def _address(record: dict[str, Any]) -> Any:
    return record.get("email") or None


WILLSUITE_CASES = FrameSchema(
    "willsuite",
    "cases",
    "Will-writing cases, `GET /cases`.",
    (
        col("id", ID, "case uuid"),
        col("ref", TEXT, "case reference"),
        col("first_names", TEXT, "customers' first names"),
        col("last_names", TEXT, "customers' last names"),
        col("full_names", TEXT, "customers' full names"),
        col("email", TEXT, 'email (WillSuite sends "" for none: read as null)', getter=_address),
        col("postcode", TEXT, "customer postcode"),
        col("notes", TEXT, "notes"),
        col("meta", JSON, "custom fields by uuid (JSON text)"),
        col("created_at", TIMESTAMP, "created, UTC", naive_zone=WILLSUITE_ZONE),
        col("updated_at", TIMESTAMP, "updated, UTC", naive_zone=WILLSUITE_ZONE),
    ),
)

WILLSUITE_INVOICES = FrameSchema(
    "willsuite",
    "invoices",
    "Invoices of every case, `GET /cases/{caseId}/invoices?show_cancelled_items=true`.",
    (
        col("id", ID, "invoice uuid"),
        col("case_id", ID, "the case the invoice was listed under (its owner)", "customer_case_id"),
        col(
            "stated_case_id",
            ID,
            "the case uuid the invoice itself names; a different one from `case_id` is flagged,"
            " never followed (the vendor's `customer_case_id` as the invoice sent it)",
        ),
        col("invoice_number", TEXT, "invoice number, unique within the case"),
        col("ref", TEXT, "reference"),
        col("notes", TEXT, "notes"),
        col("terms", TEXT, "terms"),
        col("payment_terms", TEXT, "payment terms"),
        col("issued_at", TIMESTAMP, "invoice date, UTC", "date_created", naive_zone=WILLSUITE_ZONE),
        col("due_at", TIMESTAMP, "due, UTC", "date_due", naive_zone=WILLSUITE_ZONE),
        col("sent_at", TIMESTAMP, "sent, UTC", "date_sent", naive_zone=WILLSUITE_ZONE),
        col("paid_at", TIMESTAMP, "paid, UTC", "date_paid", naive_zone=WILLSUITE_ZONE),
        col("subtotal", MONEY, "net total as the header states it"),
        col("vat_amount", MONEY, "VAT as the header states it"),
        col("total", MONEY, "gross total as the header states it"),
        col("currency", TEXT, "always GBP", getter=_gbp),
        col("client_name", TEXT, "addressee: the client", "recipients_name"),
        col("status", ENUM, "e.g. Paid, Not Paid"),
        col("mail_sent", BOOL, "emailed to the customer"),
        col("payable_online", BOOL, "payable online"),
        col("formatted_recurring_interval", TEXT, "recurrence, if any"),
    ),
)

WILLSUITE_INVOICE_ITEMS = FrameSchema(
    "willsuite",
    "invoice_items",
    "Line items of every invoice, cancelled ones included (see `status`).",
    (
        col("id", ID, "item uuid"),
        col("invoice_id", ID, "the invoice the item was listed in (its owner)", "case_invoice_id"),
        col(
            "stated_invoice_id",
            ID,
            "the invoice uuid the item itself names; a different one from `invoice_id` is"
            " flagged, never followed (the vendor's `case_invoice_id` as the item sent it)",
        ),
        col("case_id", ID, "the case of its invoice", "customer_case_id"),
        col("description", TEXT, "description"),
        col("quantity", DECIMAL, "quantity"),
        col("rate", MONEY, "unit price excluding VAT"),
        col("subtotal", MONEY, "line net"),
        col("vat_amount", MONEY, "line VAT"),
        col("amount", MONEY, "line gross, including VAT"),
        col("currency", TEXT, "always GBP", getter=_gbp),
        col("has_vat", BOOL, "VAT applies"),
        col("status", ENUM, "null, or cancelled"),
        col("paid_at", TIMESTAMP, "paid, UTC", naive_zone=WILLSUITE_ZONE),
    ),
)


#: How a case reads in the report's one shape for cases. WillSuite's never close, so it
#: gives no `closed_on` (null in the one shape): "Cases open at month end" counts only the
#: sources that record closing (`reports.report.open_cases`).
CASE_SUMMARY = {
    "case_id": pl.col("id"),
    "case_name": pl.col("ref"),
    "client": pl.col("full_names"),
    "status": pl.lit(None, pl.String),
    "opened_on": local_date("created_at"),
}
