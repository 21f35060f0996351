"""VAT: recomputation, header checks, HMRC rounding rules on half pennies, periods and boxes."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal, localcontext

import polars as pl
import pytest
from helpers import doc_blocks
from hypothesis import given, settings
from hypothesis import strategies as st

from reports.compute.units import Rounding, divide, divide_int
from reports.compute.vat import (
    Basis,
    VatRounding,
    check_invoices,
    invoice_lines,
    vat_by_period,
    vat_return,
    vat_totals,
)
from reports.errors import DataError
from reports.periods import Period
from reports.sources.willsuite import (
    WILLSUITE_INVOICE_ITEMS,
    WILLSUITE_INVOICES,
    LineInput,
    draft_invoice,
)

D = Decimal
_ids = itertools.count(1)


def invoice(
    number: str, created: str, *, paid: str | None = None, due: str | None = None, **header: object
) -> dict:
    return {
        "id": f"inv-{number}",
        "invoice_number": number,
        "customer_case_id": "case-1",
        "recipients_name": "Mrs D. Jhonson",
        "status": "Paid" if paid else "Not Paid",
        "date_created": f"{created} 00:00:00",
        "date_due": f"{due or created} 00:00:00",
        "date_paid": f"{paid} 00:00:00" if paid else None,
        **header,
    }


def item(
    invoice_number: str,
    net: str,
    vat: str,
    *,
    quantity: int = 1,
    rate: str | None = None,
    has_vat: bool = True,
    status: str | None = None,
) -> dict:
    return {
        "id": f"item-{next(_ids)}",
        "case_invoice_id": f"inv-{invoice_number}",
        "customer_case_id": "case-1",
        "description": "line",
        "quantity": quantity,
        "rate": D(rate) if rate else D(net) / quantity,
        "subtotal": D(net),
        "vat_amount": D(vat),
        "amount": D(net) + D(vat),
        "has_vat": has_vat,
        "status": status,
    }


def frames(invoices: list[dict], items: list[dict]) -> tuple[pl.DataFrame, pl.DataFrame]:
    return WILLSUITE_INVOICES.build(invoices), WILLSUITE_INVOICE_ITEMS.build(items)


def test_integer_rounding_rules_on_exact_halves() -> None:
    cases = [
        (5, 10),
        (15, 10),
        (25, 10),
        (-5, 10),
        (-15, 10),
        (4, 10),
        (6, 10),
        (19, 10),
        (-19, 10),
        (0, 10),
    ]
    half_up = [1, 2, 3, -1, -2, 0, 1, 2, -2, 0]
    down = [0, 1, 2, 0, -1, 0, 0, 1, -1, 0]
    frame = pl.DataFrame({"n": [n for n, _ in cases]}, schema={"n": pl.Int128})
    assert (
        frame.select(divide(pl.col("n"), 10, Rounding.HALF_UP).alias("n"))["n"].to_list() == half_up
    )
    assert frame.select(divide(pl.col("n"), 10, Rounding.DOWN).alias("n"))["n"].to_list() == down
    assert [divide_int(n, d, Rounding.HALF_UP) for n, d in cases] == half_up
    assert [divide_int(n, d, Rounding.DOWN) for n, d in cases] == down


@given(st.integers(-(10**20), 10**20), st.integers(1, 10**9), st.sampled_from(list(Rounding)))
def test_polars_and_python_rounding_agree_with_decimal(n: int, d: int, rounding: Rounding) -> None:
    with localcontext(prec=80):  # enough digits that Decimal's own division is exact here
        expected = int((D(n) / D(d)).quantize(D(1), rounding=rounding.decimal_mode))
    python = divide_int(n, d, rounding)
    polars = pl.DataFrame({"n": [n]}, schema={"n": pl.Int128}).select(
        divide(pl.col("n"), d, rounding).alias("n")
    )["n"][0]
    assert python == polars == expected


def test_half_penny_vat_under_each_rule() -> None:
    # Two lines of £0.10 at 5%: each line's VAT is exactly half a penny.
    invoices, items = frames(
        [invoice("A", "2026-05-01", subtotal=D("0.20"), vat_amount=D("0.01"), total=D("0.21"))],
        [item("A", "0.10", "0.01"), item("A", "0.10", "0.00")],
    )
    results = {
        rule: check_invoices(invoices, items, vat_rate=D("0.05"), rounding=rule).row(0, named=True)[
            "recomputed_vat"
        ]
        for rule in VatRounding
    }
    assert results == {
        VatRounding.LINE_HALF_UP: D("0.02"),  # 0.5p + 0.5p, each up
        # each line truncated to 0.1p (0.5p), then the invoice's 1.0p rounded down to 1p;
        # rounding each line down to the penny (0p) is not a rule HMRC allows
        VatRounding.LINE_DOWN: D("0.01"),
        VatRounding.INVOICE_DOWN: D("0.01"),  # 1p exactly on the total
    }
    # 17.5% of £0.20 is 3.5p
    lines = invoice_lines(
        *frames([invoice("B", "2026-05-01")], [item("B", "0.20", "0.04")]), vat_rate=D("0.175")
    )
    assert lines["vat_p"].to_list() == [4]
    assert lines["vat_tenths"].to_list() == [35]  # 3.5p truncated to 0.1p is 3.5p


def test_line_down_truncates_lines_to_a_tenth_of_a_penny_and_the_invoice_to_a_penny() -> None:
    # Three lines of £0.33 at 17.5%: 5.775p each. Truncated to 0.1p: 5.7p each, 17.1p in all,
    # rounded down to 17p. Rounding each line down to the penny would give 15p (not allowed).
    invoices, items = frames(
        [invoice("C", "2026-05-01", subtotal=D("0.99"), vat_amount=D("0.17"), total=D("1.16"))],
        [item("C", "0.33", "0.06"), item("C", "0.33", "0.06"), item("C", "0.33", "0.05")],
    )
    checked = check_invoices(
        invoices, items, vat_rate=D("0.175"), rounding=VatRounding.LINE_DOWN
    ).row(0, named=True)
    assert checked["recomputed_vat"] == D("0.17")
    assert checked["consistent"], checked["issues"]  # 6p, 6p and 5p are each within a penny
    lines = invoice_lines(invoices, items, vat_rate=D("0.175"), rounding=VatRounding.LINE_DOWN)
    assert lines["vat_tenths"].to_list() == [57, 57, 57]
    invoice_down = check_invoices(
        invoices, items, vat_rate=D("0.175"), rounding=VatRounding.INVOICE_DOWN
    ).row(0, named=True)
    assert invoice_down["recomputed_vat"] == D("0.17")  # 17.325p down


def test_line_net_is_quantity_times_rate_to_the_penny() -> None:
    # 3 x £0.165 = £0.495: half up to £0.50
    invoices, items = frames(
        [invoice("Q", "2026-05-01")], [item("Q", "0.50", "0.10", quantity=3, rate="0.165")]
    )
    assert invoice_lines(invoices, items)["net_p"].to_list() == [50]


def test_documented_create_answer_is_flagged_not_corrected() -> None:
    created = doc_blocks("willsuite-case-invoices.txt")[3]  # subtotal 0, VAT 20, total 120
    documented_items = doc_blocks("willsuite-case-invoices.txt")[2][:1]  # 5 x 20, amount 120
    invoices = WILLSUITE_INVOICES.build([created])
    items = WILLSUITE_INVOICE_ITEMS.build(
        [
            {
                "id": "i1",
                "case_invoice_id": created["id"],
                "description": documented_items[0]["description"],
                "quantity": 5,
                "rate": D(20),
                "subtotal": D(100),
                "vat_amount": D(20),
                "amount": D(120),
                "has_vat": True,
            }
        ]
    )
    row = check_invoices(invoices, items).row(0, named=True)
    assert row["subtotal"] == D(0)  # kept as stated
    assert (row["recomputed_subtotal"], row["recomputed_vat"], row["recomputed_total"]) == (
        D(100),
        D(20),
        D(120),
    )
    assert row["subtotal_difference"] == D(-100)
    assert row["vat_difference"] == row["total_difference"] == D(0)
    assert row["issues"] == "header subtotal 0.00 but lines give 100.00"
    assert row["consistent"] is False


def test_documented_invoice_is_consistent() -> None:
    answer = doc_blocks("willsuite-case-invoices.txt")[0]
    invoices = WILLSUITE_INVOICES.build(
        [{**i, "customer_case_id": i["customer_case_id"]} for i in answer]
    )
    items = WILLSUITE_INVOICE_ITEMS.build(answer[0]["items"])
    row = check_invoices(invoices, items).row(0, named=True)
    assert row["consistent"] is True
    assert row["issues"] is None
    assert row["recomputed_total"] == D(360)


def test_cancelled_items_are_left_out_and_shown_apart() -> None:
    invoices, items = frames(
        [invoice("C", "2026-05-01", subtotal=D("150"), vat_amount=D("30"), total=D("180"))],
        [item("C", "150", "30"), item("C", "82", "0", has_vat=False, status="cancelled")],
    )
    row = check_invoices(invoices, items).row(0, named=True)
    assert row["consistent"] is True
    assert (row["live_lines"], row["cancelled_lines"]) == (1, 1)
    assert (row["cancelled_subtotal"], row["cancelled_vat"]) == (D(82), D(0))
    lines = invoice_lines(invoices, items)
    return_ = vat_return(vat_by_period(lines))
    assert return_["box6_total_sales_ex_vat"].to_list() == [D(150)]


def test_a_line_that_contradicts_itself_is_counted() -> None:
    invoices, items = frames(
        [invoice("L", "2026-05-01", subtotal=D("100"), vat_amount=D("21"), total=D("121"))],
        [item("L", "100", "21")],
    )
    row = check_invoices(invoices, items).row(0, named=True)
    assert row["issues"] == (
        "header VAT 21.00 but lines give 20.00; header total 121.00 but lines give 120.00; "
        "1 lines disagree with their own figures"
    )


def vat_fixture() -> tuple[pl.DataFrame, pl.DataFrame]:
    # UK dates. 2026-04-01 00:00 BST is 2026-03-31 23:00 UTC: it must land in April.
    return frames(
        [
            invoice("J", "2026-01-15", paid="2026-04-02"),
            invoice("M", "2026-03-31", paid="2026-03-31"),
            invoice("A", "2026-04-01"),
            invoice("S", "2026-09-30", paid="2026-10-01"),
        ],
        [
            item("J", "100.00", "20.00"),
            item("J", "7.00", "0.00", has_vat=False),
            item("M", "250.00", "50.00"),
            item("A", "300.00", "60.00"),
            item("S", "0.99", "0.20"),
        ],
    )


def boxes(basis: Basis, period: Period, stagger: int = 1) -> list[tuple[dt.date, Decimal, Decimal]]:
    lines = invoice_lines(*vat_fixture())
    table = vat_return(vat_by_period(lines, basis, period, stagger))
    return list(
        zip(
            table["period_start"],
            table["box1_vat_due_on_sales"],
            table["box6_total_sales_ex_vat"],
            strict=True,
        )
    )


def test_invoice_basis_quarters_by_stagger() -> None:
    assert boxes(Basis.INVOICE, Period.QUARTER, 1) == [
        (dt.date(2026, 1, 1), D("70.00"), D("357.00")),
        (dt.date(2026, 4, 1), D("60.00"), D("300.00")),
        (dt.date(2026, 7, 1), D("0.20"), D("0.99")),
    ]
    assert boxes(Basis.INVOICE, Period.QUARTER, 2) == [
        (dt.date(2025, 11, 1), D("20.00"), D("107.00")),  # Nov-Jan
        (dt.date(2026, 2, 1), D("110.00"), D("550.00")),  # Feb-Apr
        (dt.date(2026, 8, 1), D("0.20"), D("0.99")),
    ]
    assert boxes(Basis.INVOICE, Period.QUARTER, 3) == [
        (dt.date(2025, 12, 1), D("20.00"), D("107.00")),  # Dec-Feb
        (dt.date(2026, 3, 1), D("110.00"), D("550.00")),  # Mar-May
        (dt.date(2026, 9, 1), D("0.20"), D("0.99")),
    ]


def test_cash_basis_counts_payments_only() -> None:
    assert boxes(Basis.CASH, Period.MONTH) == [
        (dt.date(2026, 3, 1), D("50.00"), D("250.00")),
        (dt.date(2026, 4, 1), D("20.00"), D("107.00")),
        (dt.date(2026, 10, 1), D("0.20"), D("0.99")),
    ]
    assert boxes(Basis.CASH, Period.YEAR) == [(dt.date(2026, 1, 1), D("70.20"), D("357.99"))]


def test_vat_by_rate_and_whole_pounds() -> None:
    lines = invoice_lines(*vat_fixture())
    by_rate = vat_by_period(lines, Basis.INVOICE, Period.YEAR)
    assert by_rate.select("vat_rate", "net_sales", "vat").rows() == [
        (D("0"), D("7.00"), D("0")),
        (D("0.20"), D("650.99"), D("130.20")),
    ]
    assert vat_return(by_rate)["box6_whole_pounds"].to_list() == [657]


def test_draft_invoice_is_consistent_and_valid() -> None:
    draft = draft_invoice(
        invoice_number="INV-7",
        sender_id="9b5c02d1-a587-4b0b-b83c-a8889f038f85",
        date_created=dt.datetime(2026, 5, 1, 9),
        date_due=dt.datetime(2026, 5, 31, 9),
        lines=[
            LineInput("1h Meetings", 5, D("20.00")),
            LineInput("OPG fee", 1, D("82.00"), has_vat=False),
            LineInput("Copy", 1, D("0.10")),
        ],
        vat_percent=D(5),
    )
    assert (draft.sub_total, draft.vat_amount, draft.total) == (D("182.10"), D("5.01"), D("187.11"))
    assert [line.amount for line in draft.items] == [D("105.00"), D("82.00"), D("0.11")]
    assert draft.payload()["total"] == D("187.11")
    for rule in (VatRounding.LINE_DOWN, VatRounding.INVOICE_DOWN):
        with pytest.raises(ValueError, match="LINE_HALF_UP"):
            draft_invoice(
                invoice_number="X",
                sender_id="9b5c02d1-a587-4b0b-b83c-a8889f038f85",
                date_created=dt.datetime(2026, 1, 1),
                date_due=dt.datetime(2026, 1, 2),
                lines=[],
                rounding=rule,
            )


pennies = st.integers(min_value=0, max_value=10_000_000)


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.tuples(
            pennies,
            st.booleans(),
            st.booleans(),
            st.dates(dt.date(2025, 1, 1), dt.date(2027, 12, 31)),
        ),
        min_size=1,
        max_size=30,
    ),
    st.sampled_from(list(Period)),
    st.integers(1, 3),
    st.sampled_from(list(Basis)),
)
def test_period_totals_are_the_exact_sum_of_lines(
    lines: list, period: Period, stagger: int, basis: Basis
) -> None:
    invoices, items = [], []
    for index, (net_p, has_vat, cancelled, day) in enumerate(lines):
        number = f"P{index}"
        net = D(net_p).scaleb(-2)
        vat = (net * D("0.2")).quantize(D("0.01")) if has_vat else D(0)
        invoices.append(
            invoice(number, day.isoformat(), paid=day.isoformat() if index % 2 else None)
        )
        items.append(
            item(
                number,
                str(net),
                str(vat),
                has_vat=has_vat,
                status="cancelled" if cancelled else None,
            )
        )
    invoice_frame, item_frame = frames(invoices, items)
    table = vat_return(
        vat_by_period(invoice_lines(invoice_frame, item_frame), basis, period, stagger)
    )
    counted = [
        (D(str(i["subtotal"])), D(str(i["vat_amount"])))
        for index, i in enumerate(items)
        if i["status"] is None and (basis is Basis.INVOICE or index % 2)
    ]
    assert table["box6_total_sales_ex_vat"].sum() == sum((n for n, _ in counted), D(0))
    assert table["box1_vat_due_on_sales"].sum() == sum((v for _, v in counted), D(0))
    assert not any(dtype.is_float() for dtype in table.schema.dtypes())


def mixed_invoices(count: int) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Invoices of one to four lines across two years: paid, unpaid and undated ones, lines
    paid on their own day, cancelled, voided, unknown and blank statuses, VAT and none."""
    import random

    rng = random.Random(11)
    invoices, items = [], []
    for number in range(count):
        day = dt.date(2025, 1, 1) + dt.timedelta(days=rng.randrange(730))
        paid = (day + dt.timedelta(days=rng.randrange(60))).isoformat() if number % 3 else None
        header = invoice(str(number), day.isoformat(), paid=paid)
        if number % 17 == 0:
            header["date_created"] = None
        invoices.append(header)
        for _ in range(rng.randrange(1, 5)):
            net = D(rng.randrange(1, 100_000)).scaleb(-2)
            has_vat = rng.random() < 0.7
            line = item(
                str(number),
                str(net),
                str((net * D("0.2")).quantize(D("0.01"))) if has_vat else "0.00",
                has_vat=has_vat,
                status=rng.choice([None] * 8 + ["cancelled", "Void", "on hold", ""]),
            )
            if rng.random() < 0.2:
                line["paid_at"] = f"{day + dt.timedelta(days=rng.randrange(90))} 12:00:00"
            if number % 23 == 0:  # an item of an invoice we do not have, or of none
                line["case_invoice_id"] = None if number % 2 else f"gone-{number % 3}"
            items.append(line)
    return frames(invoices, items)


def test_vat_totals_are_vat_by_period_of_the_lines() -> None:
    invoices, items = mixed_invoices(300)
    lines = invoice_lines(invoices, items)
    for basis, period, stagger in itertools.product(Basis, Period, (1, 2, 3)):
        expected = vat_by_period(lines, basis, period, stagger)
        assert expected.height > 3
        assert vat_totals(invoices, items, basis, period, stagger).equals(expected), (
            basis,
            period,
            stagger,
        )


def test_vat_totals_refuse_what_invoice_lines_refuse() -> None:
    invoices, items = mixed_invoices(5)
    finer = items.with_columns(
        vat_amount=pl.when(pl.int_range(pl.len()) == 2)
        .then(pl.col("vat_amount") + D("0.001"))
        .otherwise(pl.col("vat_amount"))
    )
    with pytest.raises(ValueError, match=r"vat_amount: .* not a whole number of units") as got:
        vat_totals(invoices, finer)
    with pytest.raises(ValueError, match="vat_amount") as want:
        invoice_lines(invoices, finer)
    assert str(got.value) == str(want.value)
    with pytest.raises(DataError, match=r"invoice item .* comes 2 times"):
        vat_totals(invoices, pl.concat([items, items.head(1)]))
