"""Time and peak memory of VAT totals and currency conversion, ours against plain Python;
and of a report's 12 months of history against the one-month report.

    python benchmarks/compute.py [--expenses 1000000] [--invoices 200000] [--cases 3000]

Each measurement runs in a fresh process with its input (and the parsed ECB rates) built
before the clock starts; peak memory is the process's peak resident set size during the
computation above what it held when the computation started (see measure.py). Linux only. The plain
Python versions do the same work the obvious way: a loop over dicts with `Decimal`.
"""

from __future__ import annotations

import argparse
import bisect
import datetime as dt
import random
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from zoneinfo import ZoneInfo

import polars as pl
from measure import isolated

from reports import rates
from reports.compute.fx import EcbRates, convert
from reports.compute.vat import Basis, invoice_lines, vat_by_period, vat_return, vat_totals
from reports.periods import Period

CURRENCIES = ["EUR", "GBP", "USD", "CHF", "JPY", "SEK", "NOK", "DKK", "PLN", "CZK", "AUD", "CAD"]
START = dt.date(2021, 1, 1)
DAYS = (dt.date(2026, 10, 30) - START).days


def make_expenses(count: int) -> pl.DataFrame:
    rng = random.Random(1)
    return pl.DataFrame(
        {
            "amount": [Decimal(rng.randrange(100, 5_000_000)).scaleb(-2) for _ in range(count)],
            "currency_code": [rng.choice(CURRENCIES) for _ in range(count)],
            "incurred_at": [START + dt.timedelta(days=rng.randrange(DAYS)) for _ in range(count)],
        },
        schema={"amount": pl.Decimal(38, 4), "currency_code": pl.String, "incurred_at": pl.Date},
    )


def make_invoices(count: int) -> tuple[pl.DataFrame, pl.DataFrame]:
    from reports.sources.willsuite import WILLSUITE_INVOICE_ITEMS, WILLSUITE_INVOICES

    rng = random.Random(2)
    invoices, items = [], []
    for number in range(count):
        day = START + dt.timedelta(days=rng.randrange(DAYS))
        invoices.append(
            {
                "id": f"i{number}",
                "invoice_number": str(number),
                "date_created": f"{day} 00:00:00",
                "date_due": f"{day} 00:00:00",
                "date_paid": f"{day} 00:00:00" if number % 2 else None,
                "subtotal": 0,
                "vat_amount": 0,
                "total": 0,
            }
        )
        for line in range(rng.randrange(1, 5)):
            net = Decimal(rng.randrange(100, 100_000)).scaleb(-2)
            has_vat = rng.random() < 0.8
            vat = (
                (net * Decimal("0.2")).quantize(Decimal("0.01"), ROUND_HALF_UP)
                if has_vat
                else Decimal(0)
            )
            items.append(
                {
                    "id": f"i{number}-{line}",
                    "case_invoice_id": f"i{number}",
                    "quantity": 1,
                    "rate": net,
                    "subtotal": net,
                    "vat_amount": vat,
                    "amount": net + vat,
                    "has_vat": has_vat,
                    "status": "cancelled" if rng.random() < 0.03 else None,
                }
            )
    return WILLSUITE_INVOICES.build(invoices), WILLSUITE_INVOICE_ITEMS.build(items)


# ------------------------------------------------------------------------- inputs
# Each side gets its data and the parsed ECB rates before the clock starts.


def frame_input(count: int) -> tuple[pl.DataFrame, EcbRates]:
    return make_expenses(count), rates.embedded()


def dict_input(count: int) -> tuple[list[dict], EcbRates]:
    return make_expenses(count).to_dicts(), rates.embedded()


def invoice_frames(count: int) -> tuple[pl.DataFrame, pl.DataFrame]:
    return make_invoices(count)


def invoice_dicts(count: int) -> tuple[list[dict], list[dict]]:
    invoices, items = make_invoices(count)
    return invoices.to_dicts(), items.to_dicts()


# ------------------------------------------------------------------------- ours


def ours_convert(data: tuple[pl.DataFrame, EcbRates]) -> object:
    expenses, rates = data
    return convert(expenses, to="GBP", rates=rates)["report_amount"].sum()


def ours_vat(data: tuple[pl.DataFrame, pl.DataFrame]) -> object:
    """VAT totals straight from the invoices and items (`vat_totals`)."""
    return vat_return(vat_totals(*data, Basis.INVOICE, Period.QUARTER))[
        "box1_vat_due_on_sales"
    ].sum()


def ours_vat_via_lines(data: tuple[pl.DataFrame, pl.DataFrame]) -> object:
    """The same totals the way the monthly report gets them: from every invoice line with its
    recomputed figures (`invoice_lines`), which the report shows and checks anyway."""
    lines = invoice_lines(*data)
    return vat_return(vat_by_period(lines, Basis.INVOICE, Period.QUARTER))[
        "box1_vat_due_on_sales"
    ].sum()


# ------------------------------------------------------------------------- plain Python


def python_convert(data: tuple[list[dict], EcbRates]) -> object:
    rows, rates = data
    per_eur = {(d, c): r for d, c, r in rates.table.iter_rows()}
    days = sorted({d for d, _ in per_eur})
    total = Decimal(0)
    for row in rows:
        day = days[bisect.bisect_right(days, row["incurred_at"]) - 1]
        if row["currency_code"] == "GBP":
            value = row["amount"]
        else:
            value = row["amount"] * per_eur[day, "GBP"] / per_eur[day, row["currency_code"]]
        row["report_amount"] = value.quantize(Decimal("0.01"), ROUND_HALF_UP)
        total += row["report_amount"]
    return total


def python_vat(data: tuple[list[dict], list[dict]]) -> object:
    invoices, items = data
    uk = ZoneInfo("Europe/London")
    dates = {i["id"]: i["issued_at"].astimezone(uk).date() for i in invoices}
    boxes: dict[tuple[dt.date, Decimal], list[Decimal]] = defaultdict(
        lambda: [Decimal(0), Decimal(0)]
    )
    for item in items:
        if item["status"] == "cancelled":
            continue
        day = dates[item["invoice_id"]]
        quarter = dt.date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
        rate = Decimal("0.2") if item["has_vat"] else Decimal(0)
        net = (item["quantity"] * item["rate"]).quantize(Decimal("0.01"), ROUND_HALF_UP)
        boxes[quarter, rate][0] += net
        boxes[quarter, rate][1] += item["vat_amount"]
    return sum((vat for _, vat in boxes.values()), Decimal(0))


def sandbox_frames(cases: int) -> object:
    """The sandbox's records at `cases` cases a system, fetched over loopback."""
    from reports.fetch import fetch_frames
    from reports.sandbox import Sandbox, Sizes

    with Sandbox(sizes=Sizes.of(cases), plannr_rate_limit=10**9) as server:
        return fetch_frames(server.config()), rates.embedded()


def one_month(data: tuple[Any, EcbRates]) -> object:
    from reports.report import build_report_data

    frames, ecb = data
    return build_report_data(frames, "2026-10", rates=ecb).headline.invoiced_total


def twelve_months(data: tuple[Any, EcbRates]) -> object:
    from reports.report import build_history

    frames, ecb = data
    return build_history(frames, "2026-10", 12, rates=ecb).trend("invoiced_total").value


def history_against_one_month(cases: int) -> None:
    """12 months of history (with the 12 before, for last year) against the month's
    whole report, on the same records, each in a fresh process."""
    month_s, month_mb, month_result = isolated(sandbox_frames, one_month, cases)
    history_s, history_mb, history_result = isolated(sandbox_frames, twelve_months, cases)
    assert Decimal(month_result) == Decimal(history_result), (month_result, history_result)
    print(f"12 months of history over the sandbox at {cases:,} cases a system:")
    print(f"  {'the month report (baseline):':<35} {month_s:7.2f} s, peak +{month_mb:7.1f} MiB")
    print(f"  {'build_history, 12 months:':<35} {history_s:7.2f} s, peak +{history_mb:7.1f} MiB")
    print(f"  history / one month: time {history_s / month_s:.2f}x (target <= 2x)")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--expenses", type=int, default=1_000_000)
    parser.add_argument("--invoices", type=int, default=200_000)
    parser.add_argument("--cases", type=int, default=3_000, help="sandbox cases a system")
    args = parser.parse_args()
    history_against_one_month(args.cases)
    for name, unit, size, ours, plain, also in [
        (
            "currency conversion",
            "expenses",
            args.expenses,
            (frame_input, ours_convert),
            (dict_input, python_convert),
            None,
        ),
        (
            "VAT totals by quarter",
            "invoices",
            args.invoices,
            (invoice_frames, ours_vat),
            (invoice_dicts, python_vat),
            ("ours through the invoice lines:", (invoice_frames, ours_vat_via_lines)),
        ),
    ]:
        ours_s, ours_mb, ours_result = isolated(*ours, size)
        plain_s, plain_mb, plain_result = isolated(*plain, size)
        assert Decimal(ours_result) == Decimal(plain_result), (ours_result, plain_result)
        print(f"{name} over {size:,} {unit} (both give {Decimal(plain_result):,}):")
        print(f"  {'ours (Polars, exact):':<35} {ours_s:7.2f} s, peak +{ours_mb:7.1f} MiB")
        print(f"  plain Python loop with Decimal:     {plain_s:7.2f} s, peak +{plain_mb:7.1f} MiB")
        print(
            f"  plain / ours: time {plain_s / ours_s:.1f}x"
            + (" (target >= 20x)" if also is None else "")
            + f"; ours / plain: peak memory {ours_mb / max(plain_mb, 0.1):.2f}x (target <= 2x)"
        )
        if also is not None:
            label, measured = also
            also_s, also_mb, also_result = isolated(*measured, size)
            assert Decimal(also_result) == Decimal(plain_result), (also_result, plain_result)
            print(
                f"  {label:<35} {also_s:7.2f} s, peak +{also_mb:7.1f} MiB "
                f"(time {plain_s / also_s:.1f}x, memory {also_mb / max(plain_mb, 0.1):.2f}x)"
            )


if __name__ == "__main__":
    main()
