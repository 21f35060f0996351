"""Time and peak memory of the statements' account activity (`compute.activity`) against
what the statements computed before it: each invoice's position at the month's end and
what its lines had paid the day before the month.

    python benchmarks/activity.py [--invoices 200000]

The invoices span two years, a third of them paid as a whole on their `date_paid`, some in
part by their lines' own `paid_at`, a few credit notes; a client has three invoices on
average. Each side runs in a fresh process with its input built before the clock starts
(see measure.py). Linux only.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
from decimal import Decimal

import polars as pl
from measure import isolated

from reports.compute import activity, invoicing, vat
from reports.periods import Month

MONTH = Month.parse("2026-10")
FIRST = dt.date(2024, 11, 1)
DAYS = (MONTH.end - FIRST).days + 1


def make_ledger(count: int) -> tuple[pl.DataFrame, pl.DataFrame]:
    from reports.sources.willsuite import WILLSUITE_INVOICE_ITEMS, WILLSUITE_INVOICES

    rng = random.Random(3)
    invoices, items = [], []
    for number in range(count):
        day = FIRST + dt.timedelta(days=rng.randrange(DAYS))
        credit = rng.random() < 0.02
        amounts = [
            Decimal(rng.randrange(5_000, 90_000)).scaleb(-2) for _ in range(rng.randrange(1, 5))
        ]
        if credit:
            amounts = [-amounts[0]]
        settled = day + dt.timedelta(days=rng.randrange(3, 60))
        whole = not credit and rng.random() < 0.7 and settled <= MONTH.end
        invoices.append(
            {
                "id": f"i{number}",
                "customer_case_id": f"c{number // 3}",
                "invoice_number": f"N{number}",
                "date_created": f"{day} 00:00:00",
                "date_due": f"{day + dt.timedelta(days=30)} 00:00:00",
                "date_paid": f"{settled} 00:00:00" if whole else None,
                "subtotal": sum(amounts),
                "vat_amount": 0,
                "total": sum(amounts),
                "status": "Paid" if whole else "Not Paid",
            }
        )
        for line, gross in enumerate(amounts):
            deposit = day + dt.timedelta(days=rng.randrange(1, 40))
            part = not whole and not credit and rng.random() < 0.2 and deposit <= MONTH.end
            items.append(
                {
                    "id": f"i{number}-{line}",
                    "case_invoice_id": f"i{number}",
                    "quantity": 1,
                    "rate": gross,
                    "subtotal": gross,
                    "vat_amount": 0,
                    "amount": gross,
                    "has_vat": False,
                    "paid_at": f"{settled if whole else deposit} 12:00:00"
                    if whole or part
                    else None,
                }
            )
    frame = WILLSUITE_INVOICES.build(invoices)
    return frame, vat.invoice_lines(frame, WILLSUITE_INVOICE_ITEMS.build(items))


def before(data: tuple[pl.DataFrame, pl.DataFrame]) -> object:
    """The statements' positions as they were: at the month's end, and paid the day before."""
    invoices, lines = data
    owed = invoicing.line_payments(lines, MONTH.end)
    earlier = invoicing.line_payments(lines, MONTH.start - dt.timedelta(days=1))
    positions = invoicing.invoice_positions(invoices, MONTH.end, owed).join(
        earlier, on="id", how="left", suffix="_before"
    )
    return positions["outstanding"].sum()


def ours(data: tuple[pl.DataFrame, pl.DataFrame]) -> object:
    invoices, lines = data
    found = activity.account_activity(invoices, lines, MONTH.start, MONTH.end)
    return found.after["outstanding"].sum()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--invoices", type=int, default=200_000)
    args = parser.parse_args()
    base_s, base_mb, base_result = isolated(make_ledger, before, args.invoices)
    ours_s, ours_mb, ours_result = isolated(make_ledger, ours, args.invoices)
    # Both owe the same on every invoice, open credit notes (negative) included.
    assert Decimal(base_result) == Decimal(ours_result), (base_result, ours_result)
    print(f"statements' account activity over {args.invoices:,} invoices, {MONTH.label}:")
    print(f"  {'positions at the end (baseline):':<38} {base_s:7.2f} s, peak +{base_mb:7.1f} MiB")
    print(
        f"  {'activity, each day that changes one:':<38} {ours_s:7.2f} s, peak +{ours_mb:7.1f} MiB"
    )
    print(
        f"  ours / baseline: time {ours_s / base_s:.2f}x, "
        f"peak memory {ours_mb / max(base_mb, 0.1):.2f}x"
    )


if __name__ == "__main__":
    main()
