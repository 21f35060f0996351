"""VAT on invoices: recomputed from the lines, checked against the headers, and
summed by period on the invoice (accrual) or cash basis for the VAT return's boxes 1 and 6.

Rules (HMRC VAT Notice 700, section 17.5 "Rounding of amounts of VAT", and VATREC12010):

- `VatRounding.LINE_HALF_UP` (the default): VAT on each line to the nearest penny, a half
  penny up; the invoice's VAT is the sum of its lines.
- `LINE_DOWN`: VAT on each line truncated to a tenth of a penny (0.1p); the invoice's VAT,
  the sum of those, is then rounded down to a whole penny. HMRC allows rounding down to the
  penny only for the invoice's total VAT, never line by line.
- `INVOICE_DOWN`: the VAT of the whole invoice worked out exactly and rounded down to a
  whole penny.

A line's net is quantity x rate, to the penny, half up. Cancelled items are left out of
every total and reported apart. Only `LINE_HALF_UP` fixes a line's VAT to a whole penny;
under the other two rules a line's stated VAT agrees when it is within a penny of the exact
figure.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from enum import StrEnum

import polars as pl

from reports.compute.units import Rounding, divide, from_units, quantize, to_minor_units, to_units
from reports.errors import DataError
from reports.money import MONEY, MONEY_SCALE
from reports.periods import Period, local_date, period_bounds

STANDARD_RATE = Decimal("0.20")
#: The words an item's `status` may use for a cancelled item, compared without case:
#: the invoicing source's reference may not name the word, so every common spelling is accepted. Any
#: other status is unknown: the line is left out of every total and the report flags it.
CANCELLED_STATUSES = ("cancelled", "canceled", "void", "voided")
_status = pl.col("status").str.strip_chars().str.to_lowercase()
PENNY_DIGITS = 2
RATE_DIGITS = 6


class VatRounding(StrEnum):
    LINE_HALF_UP = "line_half_up"
    LINE_DOWN = "line_down"
    INVOICE_DOWN = "invoice_down"


class Basis(StrEnum):
    #: By invoice date: VAT is due for the period the invoice was issued in.
    INVOICE = "invoice"
    #: By payment date (HMRC's cash accounting scheme): only what has been paid counts.
    CASH = "cash"


def invoice_lines(
    invoices: pl.DataFrame,
    items: pl.DataFrame,
    vat_rate: Decimal = STANDARD_RATE,
    rounding: VatRounding = VatRounding.LINE_HALF_UP,
) -> pl.DataFrame:
    """One row per invoice line with its stated and recomputed net, VAT and gross in pennies.

    `vat_rate` is the rate of lines with `has_vat` (the invoice source does not return it per line).
    Columns ending `_p` are whole pennies (Int128); `invoice_date` and `paid_date` are UK dates.
    `vat_p` is the line's VAT to the nearest penny (half up), `vat_tenths` the same truncated
    to a tenth of a penny (the `LINE_DOWN` rule), and `vat_numerator` the exact VAT in
    millionths of a penny. An invoice id or item id that comes twice is a `DataError`
    (settle duplicates first with `quality.unique_records`).
    """
    require_unique(invoices, "id", "invoice")
    require_unique(items, "id", "invoice item")
    rate_units = int(quantize(vat_rate, RATE_DIGITS, Rounding.HALF_UP).scaleb(RATE_DIGITS))
    lines = items
    for column in ("subtotal", "vat_amount", "amount"):
        lines = to_minor_units(lines, column, PENNY_DIGITS, f"stated_{column}_p")
    headers = invoices.select(
        pl.col("id").alias("invoice_id"),
        "invoice_number",
        "client_name",
        local_date("issued_at").alias("invoice_date"),
        local_date("paid_at").alias("invoice_paid_date"),
    )
    net_e8 = to_units(pl.col("quantity")) * to_units(pl.col("rate"))
    lines = lines.join(headers, on="invoice_id", how="left").with_columns(
        cancelled=_status.is_in(CANCELLED_STATUSES).fill_null(False),
        unknown_status=(_status.is_not_null() & _status.is_in(CANCELLED_STATUSES).not_()).fill_null(
            False
        ),
        vat_rate=_line_rate(vat_rate),
        net_p=divide(net_e8, 10 ** (2 * MONEY_SCALE - PENNY_DIGITS), Rounding.HALF_UP),
        paid_date=pl.coalesce(local_date("paid_at"), pl.col("invoice_paid_date")),
    )
    vat_numerator = (
        pl.when(pl.col("has_vat")).then(pl.col("net_p") * rate_units).otherwise(0).cast(pl.Int128)
    )
    lines = lines.with_columns(
        vat_numerator=vat_numerator,
        vat_p=divide(vat_numerator, 10**RATE_DIGITS, Rounding.HALF_UP),
        vat_tenths=divide(vat_numerator, 10 ** (RATE_DIGITS - 1), Rounding.DOWN),
    ).with_columns(gross_p=pl.col("net_p") + pl.col("vat_p"))
    return lines.drop("invoice_paid_date")


def _line_rate(vat_rate: Decimal) -> pl.Expr:
    """The VAT rate of each line: `vat_rate` where it `has_vat`, else 0."""
    return pl.when(pl.col("has_vat")).then(pl.lit(vat_rate, MONEY)).otherwise(pl.lit(0, MONEY))


def require_unique(frame: pl.DataFrame, key: str, entity: str) -> None:
    """A `DataError` naming the first `key` value that `frame` holds more than once."""
    # Sorted hashes with no two alike prove every value distinct, in a fraction of the
    # memory of a set of the values; equal neighbours (a repeat, or two values sharing a
    # hash) are settled exactly by grouping.
    hashes = frame[key].hash()
    hashes.sort(in_place=True)
    if not (hashes.slice(1) == hashes.slice(0, max(len(hashes) - 1, 0))).any():
        return
    repeated = frame.group_by(key).agg(copies=pl.len()).filter(pl.col("copies") > 1)
    if repeated.height:
        first = repeated.row(0, named=True)
        raise DataError(
            f"{entity} {first[key]} comes {first['copies']} times; joining on it would "
            "count its figures more than once (settle duplicates with quality.unique_records)"
        )


def check_invoices(
    invoices: pl.DataFrame,
    items: pl.DataFrame,
    vat_rate: Decimal = STANDARD_RATE,
    rounding: VatRounding = VatRounding.LINE_HALF_UP,
) -> pl.DataFrame:
    """Each invoice's header beside the net, VAT and gross recomputed from its live lines.

    Header values are kept as stated. `*_difference` is header minus recomputed; `issues`
    says in words what disagrees (null when nothing does). Cancelled lines are totalled
    apart in `cancelled_*` and never counted.
    """
    return check_lines(invoices, invoice_lines(invoices, items, vat_rate, rounding), rounding)


#: The integer sums `check_lines` works in, per invoice, dropped from what it returns.
_PER_INVOICE_SUMS = (
    "net_p",
    "line_vat_p",
    "line_vat_tenths",
    "vat_numerator",
    "cancelled_net_p",
    "cancelled_vat_p",
)


def check_lines(
    invoices: pl.DataFrame, lines: pl.DataFrame, rounding: VatRounding = VatRounding.LINE_HALF_UP
) -> pl.DataFrame:
    """`check_invoices()` from lines already built by `invoice_lines()` with the same rounding."""
    live = pl.col("cancelled").not_() & pl.col("unknown_status").not_()
    if rounding is VatRounding.LINE_HALF_UP:
        line_vat_off = pl.col("stated_vat_amount_p") != pl.col("vat_p")
    else:  # no whole-penny line VAT is fixed: within a penny of the exact figure agrees
        line_vat_off = (
            pl.col("stated_vat_amount_p") * 10**RATE_DIGITS - pl.col("vat_numerator")
        ).abs() >= 10**RATE_DIGITS
    per_invoice = lines.group_by("invoice_id").agg(
        live_lines=live.sum(),
        cancelled_lines=pl.col("cancelled").sum(),
        net_p=pl.col("net_p").filter(live).sum(),
        line_vat_p=pl.col("vat_p").filter(live).sum(),
        line_vat_tenths=pl.col("vat_tenths").filter(live).sum(),
        vat_numerator=pl.col("vat_numerator").filter(live).sum(),
        cancelled_net_p=pl.col("stated_subtotal_p").filter(pl.col("cancelled")).sum(),
        cancelled_vat_p=pl.col("stated_vat_amount_p").filter(pl.col("cancelled")).sum(),
        lines_off=(
            live
            & (
                (pl.col("stated_subtotal_p") != pl.col("net_p"))
                | line_vat_off
                | (
                    pl.col("stated_amount_p")
                    != pl.col("stated_subtotal_p") + pl.col("stated_vat_amount_p")
                )
            )
        ).sum(),
    )
    if rounding is VatRounding.INVOICE_DOWN:
        vat = divide(pl.col("vat_numerator"), 10**RATE_DIGITS, Rounding.DOWN)
    elif rounding is VatRounding.LINE_DOWN:
        vat = divide(pl.col("line_vat_tenths"), 10, Rounding.DOWN)
    else:
        vat = pl.col("line_vat_p")
    checked = invoices.select(
        "id",
        "invoice_number",
        "case_id",
        "client_name",
        "status",
        "issued_at",
        "paid_at",
        "subtotal",
        "vat_amount",
        "total",
        "currency",
    ).join(per_invoice.rename({"invoice_id": "id"}), on="id", how="left")
    zero = pl.lit(0, pl.Int128)
    checked = checked.with_columns(
        pl.col(c).fill_null(0) for c in ("live_lines", "cancelled_lines", "lines_off")
    ).with_columns(pl.col(c).fill_null(zero) for c in _PER_INVOICE_SUMS)
    checked = checked.with_columns(_vat_p=vat.fill_null(zero)).with_columns(
        recomputed_subtotal=from_units(pl.col("net_p"), PENNY_DIGITS),
        recomputed_vat=from_units(pl.col("_vat_p"), PENNY_DIGITS),
        recomputed_total=from_units(pl.col("net_p") + pl.col("_vat_p"), PENNY_DIGITS),
        cancelled_subtotal=from_units(pl.col("cancelled_net_p"), PENNY_DIGITS),
        cancelled_vat=from_units(pl.col("cancelled_vat_p"), PENNY_DIGITS),
    )
    checked = checked.with_columns(
        subtotal_difference=(pl.col("subtotal") - pl.col("recomputed_subtotal")).cast(MONEY),
        vat_difference=(pl.col("vat_amount") - pl.col("recomputed_vat")).cast(MONEY),
        total_difference=(pl.col("total") - pl.col("recomputed_total")).cast(MONEY),
    )
    issue: list[pl.Expr] = []
    for header, label, stated in (
        ("subtotal", "subtotal", "subtotal"),
        ("vat", "VAT", "vat_amount"),
        ("total", "total", "total"),
    ):
        lines_give = pl.col(f"recomputed_{header}").cast(pl.Decimal(38, PENNY_DIGITS))
        issue.append(
            pl.when(pl.col(stated).is_null())
            .then(pl.format(f"header {label} missing (lines give {{}})", lines_give))
            .when(pl.col(f"{header}_difference") != 0)
            .then(
                pl.format(
                    f"header {label} {{}} but lines give {{}}",
                    pl.col(stated).cast(pl.Decimal(38, PENNY_DIGITS)),
                    lines_give,
                )
            )
        )
    issue.append(
        pl.when(pl.col("lines_off") > 0).then(
            pl.format("{} lines disagree with their own figures", pl.col("lines_off"))
        )
    )
    checked = checked.with_columns(issues=pl.concat_str(issue, separator="; ", ignore_nulls=True))
    checked = checked.with_columns(
        issues=pl.when(pl.col("issues") == "").then(None).otherwise(pl.col("issues")),
    ).with_columns(consistent=pl.col("issues").is_null())
    return checked.drop(*_PER_INVOICE_SUMS, "_vat_p")


def vat_by_period(
    lines: pl.DataFrame,
    basis: Basis = Basis.INVOICE,
    period: Period = Period.QUARTER,
    stagger: int = 1,
    until: dt.date | None = None,
) -> pl.DataFrame:
    """VAT and net sales per period and VAT rate, from `invoice_lines()` output.

    Figures are the lines' stated values (what the invoices charged); on the cash basis a
    line counts when paid (its `paid_at`, else its invoice's), unpaid lines not
    at all. Cancelled lines never count. With `until`, only lines dated (by the basis) on or
    before it count: a report's quarter is the quarter to the report's last day, whenever
    it is run. `vat_totals()` gives the same from the invoices and items without building
    the lines.
    """
    live = counted_lines(lines, basis, until).lazy()
    return _totals(
        live.select("invoice_id", "vat_rate", "subtotal", "vat_amount", _day="vat_date"),
        basis,
        period,
        stagger,
    )


def counted_lines(
    lines: pl.DataFrame, basis: Basis = Basis.INVOICE, until: dt.date | None = None
) -> pl.DataFrame:
    """The lines of `invoice_lines()` output that VAT counts on `basis`, each with the day
    it counts on (`vat_date`): not cancelled, of a known status, dated by the basis on or
    before `until`. `vat_by_period` adds these up; a VAT audit listing shows them."""
    date_column = "invoice_date" if basis is Basis.INVOICE else "paid_date"
    live = lines.filter(pl.col("cancelled").not_() & pl.col("unknown_status").not_())
    if until is not None:
        live = live.filter(pl.col(date_column) <= until)
    return live.with_columns(vat_date=pl.col(date_column))


def vat_totals(
    invoices: pl.DataFrame,
    items: pl.DataFrame,
    basis: Basis = Basis.INVOICE,
    period: Period = Period.QUARTER,
    stagger: int = 1,
    vat_rate: Decimal = STANDARD_RATE,
) -> pl.DataFrame:
    """`vat_by_period(invoice_lines(invoices, items, vat_rate), basis, period, stagger)`,
    worked out without building the lines: the same refusals (repeated ids, amounts finer
    than a penny), then one streaming query over the few columns the totals need, in about
    a third of the memory and half the time (benchmarks/compute.py)."""
    require_unique(invoices, "id", "invoice")
    require_unique(items, "id", "invoice item")
    _require_whole_pennies(items, ("subtotal", "vat_amount", "amount"))
    headers = invoices.lazy().select(
        invoice_id="id",
        _invoice_date=local_date("issued_at"),
        _invoice_paid=local_date("paid_at"),
    )
    day = (
        pl.col("_invoice_date")
        if basis is Basis.INVOICE
        else pl.coalesce(local_date("paid_at"), pl.col("_invoice_paid"))
    )
    # A line counts only with no status: any status is cancelled or unknown (invoice_lines).
    live = items.lazy().filter(pl.col("status").is_null())
    joined = live.join(headers, on="invoice_id", how="left").select(
        "invoice_id",
        _line_rate(vat_rate).alias("vat_rate"),
        "subtotal",
        "vat_amount",
        _day=day,
    )
    return _totals(joined, basis, period, stagger)


#: Amounts checked at a time by `_require_whole_pennies`: bounds its working memory.
_SLICE_ROWS = 65_536


def _require_whole_pennies(items: pl.DataFrame, columns: Sequence[str]) -> None:
    """The error `invoice_lines()` gives for an amount finer than a penny, looked for a
    slice at a time rather than by building every amount in pennies."""
    penny = 10 ** (MONEY_SCALE - PENNY_DIGITS)
    finer = dict.fromkeys(columns, False)
    for part in items.select(columns).iter_slices(_SLICE_ROWS):
        flags = part.select(
            ((pl.col(c).cast(MONEY).to_physical() % penny) != 0).any() for c in columns
        ).row(0, named=True)
        finer = {c: finer[c] or bool(flags[c]) for c in columns}
    for column in columns:  # in invoice_lines()'s order, so the same error comes first
        if finer[column]:
            to_minor_units(items, column, PENNY_DIGITS, "_")


def _totals(live: pl.LazyFrame, basis: Basis, period: Period, stagger: int) -> pl.DataFrame:
    """Per period and rate, from live lines (`invoice_id`, `vat_rate`, `subtotal`,
    `vat_amount`, `_day`): invoices, lines, net sales and VAT; lines with no day left out."""
    start, end = period_bounds(pl.col("_day"), period, stagger)
    return (
        live.filter(pl.col("_day").is_not_null())
        .group_by(period_start=start, period_end=end, vat_rate=pl.col("vat_rate"))
        .agg(
            invoices=pl.col("invoice_id").n_unique(),
            lines=pl.len(),
            net_sales=pl.col("subtotal").sum(),
            vat=pl.col("vat_amount").sum(),
        )
        .select(
            pl.lit(str(basis)).alias("basis"),
            "period_start",
            "period_end",
            "vat_rate",
            "invoices",
            "lines",
            pl.col("net_sales").cast(MONEY),
            pl.col("vat").cast(MONEY),
        )
        .sort("period_start", "vat_rate")
        .collect(engine="streaming")
    )


def vat_return(by_period: pl.DataFrame) -> pl.DataFrame:
    """Boxes 1 (VAT due on sales) and 6 (sales excluding VAT) per period, from `vat_by_period()`.

    Box 6 is also given in whole pounds (`box6_whole_pounds`), pence dropped, as the return
    asks for it.
    """
    boxes = (
        by_period.group_by("basis", "period_start", "period_end")
        .agg(
            box1_vat_due_on_sales=pl.col("vat").sum(),
            box6_total_sales_ex_vat=pl.col("net_sales").sum(),
        )
        .sort("period_start")
    )
    return boxes.with_columns(
        box1_vat_due_on_sales=pl.col("box1_vat_due_on_sales").cast(MONEY),
        box6_total_sales_ex_vat=pl.col("box6_total_sales_ex_vat").cast(MONEY),
        box6_whole_pounds=divide(
            to_units(pl.col("box6_total_sales_ex_vat")), 10**MONEY_SCALE, Rounding.DOWN
        ).cast(pl.Int64),
    )


def line_amounts(
    lines: Sequence[tuple[int, Decimal, bool]], vat_percent: Decimal
) -> list[tuple[Decimal, Decimal]]:
    """(net, VAT) of each `(quantity, rate excluding VAT, has VAT)` line, each to the penny,
    half up (`LINE_HALF_UP`, the one rule that gives every line a whole-penny VAT)."""
    amounts = []
    for quantity, rate, has_vat in lines:
        net = quantize(quantity * rate, PENNY_DIGITS, Rounding.HALF_UP)
        vat = (
            quantize(net * vat_percent / 100, PENNY_DIGITS, Rounding.HALF_UP)
            if has_vat
            else Decimal("0.00")
        )
        amounts.append((net, vat))
    return amounts
