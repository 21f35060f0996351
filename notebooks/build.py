"""Writes the notebooks in this folder from the cells below: `python notebooks/build.py`.

The notebooks are committed without outputs; the test suite executes them as they are.
"""

from __future__ import annotations

from pathlib import Path

import nbformat

HERE = Path(__file__).parent

SOURCES = """\
import os
import reports
from reports.sandbox import Sandbox

# Real sources when REPORTS_* variables or reports.toml configure them; the sandbox otherwise.
config = reports.load_config()
if not config.sources:
    sandbox = Sandbox().start()
    config = sandbox.config()
MONTH = os.environ.get("REPORTS_NOTEBOOK_MONTH", "2026-10")
print("sources:", ", ".join(config.sources), "| month:", MONTH)"""

MONTHLY = [
    (
        "markdown",
        "# Monthly analysis\n\nLoads every frame for a month, shows the headline figures and a few charts, "
        "and drills into one client. It runs against the built-in sandbox unless real sources are configured.",
    ),
    ("code", SOURCES),
    (
        "code",
        """\
import polars as pl
from reports.report_data import build_report_data

frames = reports.fetch_frames(config)
data = build_report_data(frames, MONTH, firm="Notebook")
pl.DataFrame({"figure": list(data.headline), "value": [str(v) for v in data.headline.values()]})""",
    ),
    ("markdown", "## Expenses by currency, converted at ECB rates"),
    ("code", "data.expenses_by_currency"),
    (
        "code",
        """\
import matplotlib.pyplot as plt

monthly = data.expenses_by_month_currency.group_by("month").agg(pl.col("report_amount").sum()).sort("month")
fig, ax = plt.subplots(figsize=(8, 3))
ax.bar([m.strftime("%b %y") for m in monthly["month"]], [float(v) for v in monthly["report_amount"]])
ax.set_title(f"Expenses by month, {data.report_currency} (drawing only: figures stay exact)")
plt.show()""",
    ),
    ("markdown", "## Invoiced and not yet invoiced, by month"),
    ("code", "data.invoicing_by_month"),
    ("markdown", "## Drill into one client"),
    (
        "code",
        """\
statement = max(data.statements, key=lambda s: s.totals["expenses"] + s.totals["outstanding"])
print(statement.client, {k: str(v) for k, v in statement.totals.items()})
statement.expenses if statement.expenses.height else statement.invoices""",
    ),
    (
        "code",
        """\
assert data.expenses["report_amount"].sum() == data.headline["expenses_converted"]
assert not any(dtype.is_float() for dtype in data.expenses.schema.dtypes())""",
    ),
]

VAT = [
    (
        "markdown",
        "# VAT review\n\nVAT by quarter on the invoice and cash bases, boxes 1 and 6, and every invoice "
        "whose header disagrees with its lines.",
    ),
    ("code", SOURCES),
    (
        "code",
        """\
import polars as pl
from reports.compute import vat
from reports.compute.periods import Period

invoices = reports.fetch_invoices(config)
items = reports.fetch_invoice_items(config)
lines = vat.invoice_lines(invoices, items)
pl.concat([vat.vat_return(vat.vat_by_period(lines, basis, Period.QUARTER, stagger=1)) for basis in vat.Basis])""",
    ),
    ("markdown", "## By VAT rate"),
    ("code", "vat.vat_by_period(lines, vat.Basis.INVOICE, Period.QUARTER)"),
    ("markdown", "## Invoices whose header disagrees with their lines"),
    (
        "code",
        """\
checked = vat.check_invoices(invoices, items)
inconsistent = checked.filter(~pl.col("consistent")).select(
    "invoice_number", "subtotal", "vat_amount", "total", "recomputed_subtotal", "recomputed_vat", "issues"
)
print(f"{inconsistent.height} of {checked.height} invoices disagree with their lines")
inconsistent""",
    ),
    (
        "code",
        """\
by_period = vat.vat_by_period(lines, vat.Basis.INVOICE, Period.YEAR)
live = lines.filter(~pl.col("cancelled"))
assert by_period["vat"].sum() == live["vat_amount"].sum()""",
    ),
]


def write(name: str, cells: list[tuple[str, str]]) -> None:
    notebook = nbformat.v4.new_notebook()
    notebook.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    notebook.cells = [
        nbformat.v4.new_markdown_cell(text)
        if kind == "markdown"
        else nbformat.v4.new_code_cell(text)
        for kind, text in cells
    ]
    for index, cell in enumerate(notebook.cells):
        cell["id"] = f"{name.split('.')[0]}-{index}"
    nbformat.write(notebook, HERE / name)


if __name__ == "__main__":
    write("monthly_analysis.ipynb", MONTHLY)
    write("vat_review.ipynb", VAT)
