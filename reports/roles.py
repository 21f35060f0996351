"""What a frame is to a report (`Role`), apart from the sources that play the roles, so
that the report's catalogue of figures can say what each is made of without loading the
sources (whose settings load the catalogue)."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    """What a frame is to a report, whichever source it comes from. A source's frame in a
    role has the columns the report reads for it (docs/sources.md lists them); at most one
    source plays each role."""

    #: Expenses in their own currencies, each with its status and invoice.
    EXPENSES = "expenses"
    #: Tasks of cases, listed in the workbook.
    TASKS = "tasks"
    #: Client incomes, each with its frequency and whether recorded net or gross.
    INCOMES = "incomes"
    #: Invoices with their header figures, dates and payment.
    INVOICES = "invoices"
    #: The invoices' line items, with VAT.
    INVOICE_ITEMS = "invoice_items"
    #: Cases with an expected value, for the pipeline.
    PIPELINE = "pipeline"
