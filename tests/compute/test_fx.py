"""Currency conversion at ECB rates: hand-worked values, coverage errors, round trips."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reports import rates as ecb
from reports.compute.fx import EcbRates, RatesError, convert, reconcile_platform_conversion
from reports.money import MONEY, minor_units
from reports.sources.mobility import MOBILITY_EXPENSES

D = Decimal
# ECB rates of Friday 2026-05-08, from the embedded history: GBP 0.8641, JPY 184.37, USD 1.1761
FRIDAY = dt.date(2026, 5, 8)


def money(rows: list[tuple[str | None, str, dt.date | None]]) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "amount": [D(a) if a is not None else None for a, _, _ in rows],
            "currency_code": [c for _, c, _ in rows],
            "incurred_at": [d for _, _, d in rows],
        },
        schema={"amount": MONEY, "currency_code": pl.String, "incurred_at": pl.Date},
    )


@pytest.fixture(scope="module")
def rates() -> EcbRates:
    return ecb.embedded()


def test_embedded_rates_are_exact_decimals(rates: EcbRates) -> None:
    friday = rates.table.filter(rate_date=FRIDAY)
    assert dict(friday.select("currency", "per_eur").rows())["GBP"] == D("0.8641")
    assert dict(friday.select("currency", "per_eur").rows())["EUR"] == D(1)
    assert rates.first_date == dt.date(1999, 1, 4)
    assert {"GBP", "USD", "JPY", "CHF", "EUR"} <= set(rates.currencies)


def test_hand_worked_conversions(rates: EcbRates) -> None:
    sunday = dt.date(2026, 5, 10)
    frame = money(
        [
            ("250.00", "EUR", sunday),  # 250 x 0.8641 = 216.025 -> 216.03 (half up)
            ("15000", "JPY", dt.date(2026, 5, 9)),  # 15000 x 0.8641 / 184.37 = 70.3032 -> 70.30
            ("-10.00", "USD", sunday),  # -7.3472 -> -7.35
            ("100.00", "GBP", sunday),  # already GBP: no rate
            (None, "USD", sunday),
        ]
    )
    out = convert(frame, rates=rates)
    assert out["report_amount"].to_list() == [
        D("216.03"),
        D("70.30"),
        D("-7.35"),
        D("100.00"),
        None,
    ]
    assert out["report_currency"].to_list() == ["GBP", "GBP", "GBP", "GBP", None]
    assert out["fx_rate_date"].to_list() == [FRIDAY, FRIDAY, FRIDAY, None, None]
    assert out["fx_source_per_eur"].to_list()[:3] == [D(1), D("184.37"), D("1.1761")]
    assert out["fx_target_per_eur"].to_list()[0] == D("0.8641")
    assert out.columns[:3] == frame.columns


def test_into_a_currency_without_minor_units(rates: EcbRates) -> None:
    out = convert(money([("100.00", "GBP", FRIDAY)]), to="JPY", rates=rates)
    # 100 x 184.37 / 0.8641 = 21336.65... -> 21337 yen
    assert out["report_amount"].to_list() == [D(21337)]


def test_timestamps_are_read_as_uk_dates(rates: EcbRates) -> None:
    # 2026-05-08 23:30 UTC is already Saturday in the UK: still Friday's rates.
    frame = pl.DataFrame(
        {
            "amount": [D("10")],
            "currency_code": ["EUR"],
            "at": [dt.datetime(2026, 5, 8, 23, 30, tzinfo=dt.UTC)],
        },
        schema={"amount": MONEY, "currency_code": pl.String, "at": pl.Datetime("us", "UTC")},
    )
    out = convert(frame, on="at", rates=rates)
    assert out["fx_rate_date"].to_list() == [FRIDAY]


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ([("1.000", "KWD", FRIDAY)], "no rate for KWD"),
        ([("1.00", "CYP", FRIDAY)], "published no CYP"),
        ([("1.00", "USD", dt.date(1998, 12, 31))], "no ECB rate within 7 days before 1998-12-31"),
        ([("1.00", "USD", dt.date(2027, 6, 1))], "reports rates update"),
        ([("1.00", "USD", None)], "no date"),
    ],
)
def test_uncovered_currency_or_date_is_a_clear_error(
    rows: list, message: str, rates: EcbRates
) -> None:
    with pytest.raises(RatesError, match=message):
        convert(money(rows), rates=rates)


def test_report_currency_must_be_published(rates: EcbRates) -> None:
    with pytest.raises(RatesError, match="report currency KWD"):
        convert(money([("1", "GBP", FRIDAY)]), to="KWD", rates=rates)


def test_rates_from_a_user_file(tmp_path) -> None:
    file = tmp_path / "rates.csv"
    file.write_text("Date,USD,GBP,\n2026-05-08,1.2,0.8,\n2026-05-07,N/A,0.9,\n")
    rates = ecb.read_file(file)
    out = convert(money([("12.00", "USD", FRIDAY)]), rates=rates)
    assert out["report_amount"].to_list() == [D("8.00")]
    with pytest.raises(RatesError, match="published no USD"):
        convert(money([("12.00", "USD", dt.date(2026, 5, 7))]), rates=rates)
    bad = tmp_path / "bad.csv"
    bad.write_text("Date,USD\n2026-05-08,lots\n")
    with pytest.raises(RatesError, match="unreadable rate"):
        ecb.read_file(bad)


def test_reconcile_with_the_platforms_own_conversion(rates: EcbRates) -> None:
    expenses = MOBILITY_EXPENSES.build(
        [
            {
                "id": 1,
                "amount": "250.00",
                "currency_code": "EUR",
                "converted_amount": "216.00",
                "converted_amount_currency_code": "GBP",
                "incurred_at": "2026-05-08",
            },
            {
                "id": 2,
                "amount": "250.00",
                "currency_code": "EUR",
                "converted_amount": "250.00",
                "converted_amount_currency_code": "EUR",
                "incurred_at": "2026-05-08",
            },
        ]
    )
    out = reconcile_platform_conversion(convert(expenses, rates=rates))
    assert out["id"].to_list() == ["1"]
    assert out["platform_difference"].to_list() == [D("-0.03")]


# Pairs whose target minor unit is worth no more than the source's: there and back lands
# within one minor unit of the source. (JPY -> GBP -> JPY cannot: a penny is ~2 yen.)
PAIRS = [
    ("GBP", "USD"),
    ("EUR", "GBP"),
    ("GBP", "JPY"),
    ("USD", "EUR"),
    ("CHF", "GBP"),
    ("GBP", "SEK"),
]


@settings(max_examples=60, deadline=None)
@given(
    st.integers(min_value=-(10**11), max_value=10**11),
    st.sampled_from(PAIRS),
    st.dates(dt.date(2005, 1, 1), dt.date(2026, 10, 30)),
)
def test_there_and_back_within_one_minor_unit(
    minor: int, pair: tuple[str, str], day: dt.date
) -> None:
    rates = ecb.embedded()
    source, target = pair
    amount = D(minor).scaleb(-2)
    there = convert(money([(str(amount), source, day)]), to=target, rates=rates)
    back = convert(
        there.select(
            pl.col("report_amount").alias("amount"),
            pl.lit(target).alias("currency_code"),
            "incurred_at",
        ),
        to=source,
        rates=rates,
    )
    assert abs(back["report_amount"][0] - amount) <= D("0.01")
    assert not any(dtype.is_float() for dtype in there.schema.dtypes())


def test_the_largest_amounts_at_the_most_extreme_rates_stay_exact(rates: EcbRates) -> None:
    """Why Int64 cannot always do: an amount just under AMOUNT_BOUND (10^12) is 10^16
    ten-thousandths; times the largest ECB rate in millionths (TRL, 1,912,400 per euro on
    2004-12-09: 1.9 x 10^12) it is 1.9 x 10^28, past Int64's 9.2 x 10^18 and far inside
    Int128's 1.7 x 10^38. Such a frame is converted in Int128."""
    day = dt.date(2004, 12, 9)
    largest = "999999999999.9999"
    per_eur = dict(rates.table.filter(rate_date=day).select("currency", "per_eur").rows())
    for source, target in [("EUR", "TRL"), ("TRL", "EUR"), ("TRL", "JPY"), ("JPY", "TRL")]:
        for amount in (largest, "-" + largest):
            frame = money([(amount, source, day)])
            out = convert(frame, rates=rates, to=target)
            exact = D(amount) * per_eur[target] / per_eur[source]
            unit = D(1).scaleb(-minor_units(target))
            expected = exact.quantize(unit, rounding="ROUND_HALF_UP")
            assert out["report_amount"][0] == expected, (source, target, amount)


def _by_the_rule(rates: EcbRates, amount: Decimal, source: str, day: dt.date, to: str) -> Decimal:
    """One conversion the plain way: the last publication on or before `day`, in Decimal."""
    published = rates.table.filter(pl.col("rate_date") <= day)["rate_date"].max()
    per_eur = dict(rates.table.filter(rate_date=published).select("currency", "per_eur").rows())
    exact = amount if source.upper() == to else amount * per_eur[to] / per_eur[source.upper()]
    return exact.quantize(D(1).scaleb(-minor_units(to)), rounding="ROUND_HALF_UP")


@pytest.mark.parametrize("with_a_huge_amount", [False, True], ids=["int64", "int128"])
@pytest.mark.parametrize("with_empty_amounts", [False, True], ids=["all-priced", "some-empty"])
def test_every_row_is_converted_by_the_rule_in_either_integer_width(
    rates: EcbRates, with_a_huge_amount: bool, with_empty_amounts: bool
) -> None:
    """Rows of many currencies (in any case), days and signs, with or without some empty
    amounts, each converted as the Decimal rule says. One amount near AMOUNT_BOUND makes
    the frame too wide for Int64 (`_integer_type`): the other rows must come out the same."""
    import random

    rng = random.Random(7)
    spellings = ["USD", "usd", "JPY", "EUR", "Eur", "GBP", "gbp", "CHF", "SEK", "PLN"]
    empty = 0.05 if with_empty_amounts else 0.0
    rows: list[tuple[str | None, str, dt.date | None]] = [
        (
            None if rng.random() < empty else str(D(rng.randrange(-(10**9), 10**9)).scaleb(-4)),
            rng.choice(spellings),
            dt.date(2019, 1, 1) + dt.timedelta(days=rng.randrange(2500)),
        )
        for _ in range(400)
    ]
    if with_a_huge_amount:
        rows.append(("999999999999.9999", "JPY", FRIDAY))
    for to in ("GBP", "JPY"):
        out = convert(money(rows), rates=rates, to=to)
        for (amount, source, day), got, rate_day in zip(
            rows, out["report_amount"], out["fx_rate_date"], strict=True
        ):
            assert day is not None
            want = None if amount is None else _by_the_rule(rates, D(amount), source, day, to)
            assert got == want, (amount, source, day, to)
            # A rate is shown only where one was used.
            assert (rate_day is None) == (amount is None or source.upper() == to)


def test_int64_is_used_only_where_the_widest_value_fits() -> None:
    from reports.compute.fx import INT64_MAX, _integer_type

    table = pl.DataFrame({"_target_units": [10**8], "_source_units": [10**12]})
    fits = (INT64_MAX - 10**12) // (2 * 10**8)
    assert _integer_type(fits, table, 2) == pl.Int64
    assert _integer_type(fits + 1, table, 2) == pl.Int128
    assert _integer_type(None, table, 2) == pl.Int64
