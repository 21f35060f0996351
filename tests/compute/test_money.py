from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from reports.money import (
    AMOUNT_BOUND,
    from_minor_units,
    minor_units,
    to_decimal,
    to_minor_units,
)


def test_iso_4217_minor_units() -> None:
    assert minor_units("GBP") == 2
    assert minor_units("jpy") == 0
    assert minor_units("KWD") == 3
    assert minor_units("CLF") == 4
    with pytest.raises(ValueError, match="ISO 4217"):
        minor_units("POUNDS")


def test_minor_units_to_major_exactly() -> None:
    assert from_minor_units("4000", "GBP") == Decimal("40.00")
    assert from_minor_units(15099, "GBP") == Decimal("150.99")
    assert from_minor_units("4000", "JPY") == Decimal("4000")
    assert from_minor_units("-1", "KWD") == Decimal("-0.001")
    assert from_minor_units(None, "GBP") is None
    with pytest.raises(ValueError, match="integer"):
        from_minor_units("40.5", "GBP")
    with pytest.raises(ValueError, match="integer"):
        from_minor_units(40.0, "GBP")


def test_to_minor_units_refuses_fractions_of_a_penny() -> None:
    assert to_minor_units(Decimal("50000.00"), "GBP") == 5_000_000
    assert to_minor_units(Decimal("1500"), "JPY") == 1500
    with pytest.raises(ValueError, match="whole number of minor units"):
        to_minor_units(Decimal("0.005"), "GBP")
    with pytest.raises(ValueError, match="Decimal"):
        to_minor_units(0.1, "GBP")  # type: ignore[arg-type]


def test_to_decimal_is_exact_and_refuses_floats() -> None:
    assert to_decimal("250.00") == Decimal("250.00")
    assert to_decimal(Decimal("0.1")) == Decimal("0.1")
    assert to_decimal(360) == Decimal(360)
    assert to_decimal(None) is None
    with pytest.raises(ValueError, match="binary float"):
        to_decimal(0.1)
    with pytest.raises(ValueError, match="more than 4 decimal places"):
        to_decimal("1.23456")
    with pytest.raises(ValueError, match="not a decimal"):
        to_decimal("12,50")


@given(
    st.integers(min_value=-(10**14), max_value=10**14),
    st.sampled_from(["GBP", "JPY", "KWD", "EUR"]),
)
def test_minor_units_round_trip(pennies: int, currency: str) -> None:
    if abs(pennies) >= AMOUNT_BOUND.scaleb(minor_units(currency)):
        with pytest.raises(ValueError, match="largest amount reported exactly"):
            from_minor_units(pennies, currency)
        return
    major = from_minor_units(pennies, currency)
    assert major is not None
    assert to_minor_units(major, currency) == pennies
