"""One module per vendor system: HTTP calls in, typed frames out."""

from __future__ import annotations

ENTITIES_BY_SOURCE: dict[str, tuple[str, ...]] = {
    "mobility": ("cases", "services", "tasks", "case_managers", "task_managers", "expenses"),
    "plannr": ("cases", "clients", "incomes"),
    "willsuite": ("cases", "invoices", "invoice_items"),
}
