"""Writing a 100,000-row expenses sheet: our formatted table against Polars' own writer.

    python benchmarks/excel.py [--rows 100000] [--memory-rows 1000000]

Ours: `reports.render.excel.write_sheets` with its default writer (xlsxwriter in
constant_memory mode; typed cells, a currency number format per row, an Excel table with
filters and a totals row), and with openpyxl (the writer used to fill a firm's template).
Baseline: `polars.DataFrame.write_excel` (xlsxwriter) on the same frame, with its defaults.
Then ours alone on `--memory-rows` rows, for its peak memory (Polars' writer holds every
cell in memory: about 4 KiB a row, so it is not run at that size).
Each runs in a fresh process; see measure.py for how time and peak memory are taken.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import tempfile
from decimal import Decimal
from pathlib import Path

import polars as pl
from measure import isolated

from reports import rates
from reports.compute.fx import convert
from reports.compute.invoicing import expense_state
from reports.render.excel import Sheet, expense_columns, write_sheets
from reports.sources.mobility import MOBILITY_EXPENSES

CURRENCIES = ["EUR", "GBP", "USD", "CHF", "JPY", "SEK", "NOK", "PLN"]


def expenses(rows: int) -> pl.DataFrame:
    rng = random.Random(3)
    start = dt.date(2024, 1, 1)
    records = []
    for number in range(rows):
        currency = rng.choice(CURRENCIES)
        amount = Decimal(rng.randrange(100, 500_000)).scaleb(0 if currency == "JPY" else -2)
        records.append(
            {
                "id": number,
                "expat_case_id": 590 + number % 2000,
                "client_name": f"Client {number % 40}",
                "title": rng.choice(["Visa Fees", "Flight", "Hotel", "Removal van"]),
                "amount": str(amount),
                "currency_code": currency,
                "converted_amount": str(amount),
                "converted_amount_currency_code": currency,
                "incurred_at": str(start + dt.timedelta(days=rng.randrange(1000))),
                "status": "pending",
                "invoice_id": 7000 + number if number % 3 else None,
            }
        )
    frame = convert(MOBILITY_EXPENSES.build(records), to="GBP", rates=rates.embedded())
    return frame.with_columns(
        invoiced=pl.col("invoice_id").is_not_null(),
        state=expense_state(),  # as the report's
    )


def prepare(rows: int) -> tuple[pl.DataFrame, Path]:
    return expenses(rows), Path(tempfile.mkdtemp()) / "out.xlsx"


def ours(data: tuple[pl.DataFrame, Path]) -> int:
    frame, path = data
    write_sheets([Sheet("Expenses", "Expenses", frame, expense_columns("GBP"))], path)
    return path.stat().st_size


def ours_openpyxl(data: tuple[pl.DataFrame, Path]) -> int:
    frame, path = data
    sheet = Sheet("Expenses", "Expenses", frame, expense_columns("GBP"))
    write_sheets([sheet], path, writer="openpyxl")
    return path.stat().st_size


def polars_writer(data: tuple[pl.DataFrame, Path]) -> int:
    frame, path = data
    columns = [column.field for column in expense_columns("GBP")]
    frame.select(columns).write_excel(path, worksheet="Expenses")
    return path.stat().st_size


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--memory-rows", type=int, default=1_000_000)
    args = parser.parse_args()
    ours_s, ours_mb, ours_bytes = isolated(prepare, ours, args.rows)
    base_s, base_mb, base_bytes = isolated(prepare, polars_writer, args.rows)
    open_s, open_mb, open_bytes = isolated(prepare, ours_openpyxl, args.rows)
    print(f"expenses sheet, {args.rows:,} rows x {len(expense_columns('GBP'))} columns:")
    for label, seconds, mib, size in [
        ("ours (xlsxwriter constant_memory)", ours_s, ours_mb, ours_bytes),
        ("ours with openpyxl (template path)", open_s, open_mb, open_bytes),
        ("polars.DataFrame.write_excel", base_s, base_mb, base_bytes),
    ]:
        print(f"  {label:35} {seconds:6.2f} s, peak +{mib:7.1f} MiB, {int(size):,} bytes")
    print(
        f"  ours / polars: time {ours_s / base_s:.2f}x (target <= 0.80x), "
        f"peak memory {ours_mb / max(base_mb, 0.1):.2f}x"
    )
    print(f"  openpyxl path / polars: time {open_s / base_s:.2f}x")
    if args.memory_rows:
        big_s, big_mb, big_bytes = isolated(prepare, ours, args.memory_rows)
        print(
            f"ours on {args.memory_rows:,} rows: {big_s:6.2f} s, peak +{big_mb:.1f} MiB "
            f"(target < 100 MiB), {int(big_bytes):,} bytes"
        )


if __name__ == "__main__":
    main()
