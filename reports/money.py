"""Exact money parsing: decimal strings, JSON numbers and integer minor units to `Decimal`.

Binary floats never carry money here: JSON is decoded with `parse_float=Decimal`
(see `reports.http`), and these helpers refuse floats outright.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

import polars as pl

#: Every money column uses this type. Scale 4 holds every ISO 4217 currency exactly
#: (the most minor units any currency has is 4: CLF, UYW), so one type serves all sources.
MONEY = pl.Decimal(38, 4)
MONEY_SCALE = 4

# ISO 4217 minor units, for the currencies that differ from the common 2.
_MINOR_UNITS_EXCEPTIONS: dict[str, int] = {
    **dict.fromkeys(
        [
            "BIF",
            "CLP",
            "DJF",
            "GNF",
            "ISK",
            "JPY",
            "KMF",
            "KRW",
            "PYG",
            "RWF",
            "UGX",
            "UYI",
            "VND",
            "VUV",
            "XAF",
            "XOF",
            "XPF",
        ],
        0,
    ),
    **dict.fromkeys(["BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"], 3),
    **dict.fromkeys(["CLF", "UYW"], 4),
}


#: ISO 4217's codes: those in use (its list one, less XXX "no currency" and XTS "testing"),
#: and withdrawn ones (list three) that old records and the ECB's history still carry.
ISO_4217 = frozenset(
    [
        "AED",
        "AFN",
        "ALL",
        "AMD",
        "AOA",
        "ARS",
        "AUD",
        "AWG",
        "AZN",
        "BAM",
        "BBD",
        "BDT",
        "BGN",
        "BHD",
        "BIF",
        "BMD",
        "BND",
        "BOB",
        "BOV",
        "BRL",
        "BSD",
        "BTN",
        "BWP",
        "BYN",
        "BZD",
        "CAD",
        "CDF",
        "CHE",
        "CHF",
        "CHW",
        "CLF",
        "CLP",
        "CNY",
        "COP",
        "COU",
        "CRC",
        "CUP",
        "CVE",
        "CZK",
        "DJF",
        "DKK",
        "DOP",
        "DZD",
        "EGP",
        "ERN",
        "ETB",
        "EUR",
        "FJD",
        "FKP",
        "GBP",
        "GEL",
        "GHS",
        "GIP",
        "GMD",
        "GNF",
        "GTQ",
        "GYD",
        "HKD",
        "HNL",
        "HTG",
        "HUF",
        "IDR",
        "ILS",
        "INR",
        "IQD",
        "IRR",
        "ISK",
        "JMD",
        "JOD",
        "JPY",
        "KES",
        "KGS",
        "KHR",
        "KMF",
        "KPW",
        "KRW",
        "KWD",
        "KYD",
        "KZT",
        "LAK",
        "LBP",
        "LKR",
        "LRD",
        "LSL",
        "LYD",
        "MAD",
        "MDL",
        "MGA",
        "MKD",
        "MMK",
        "MNT",
        "MOP",
        "MRU",
        "MUR",
        "MVR",
        "MWK",
        "MXN",
        "MXV",
        "MYR",
        "MZN",
        "NAD",
        "NGN",
        "NIO",
        "NOK",
        "NPR",
        "NZD",
        "OMR",
        "PAB",
        "PEN",
        "PGK",
        "PHP",
        "PKR",
        "PLN",
        "PYG",
        "QAR",
        "RON",
        "RSD",
        "RUB",
        "RWF",
        "SAR",
        "SBD",
        "SCR",
        "SDG",
        "SEK",
        "SGD",
        "SHP",
        "SLE",
        "SOS",
        "SRD",
        "SSP",
        "STN",
        "SVC",
        "SYP",
        "SZL",
        "THB",
        "TJS",
        "TMT",
        "TND",
        "TOP",
        "TRY",
        "TTD",
        "TWD",
        "TZS",
        "UAH",
        "UGX",
        "USD",
        "USN",
        "UYI",
        "UYU",
        "UYW",
        "UZS",
        "VED",
        "VES",
        "VND",
        "VUV",
        "WST",
        "XAF",
        "XAG",
        "XAU",
        "XBA",
        "XBB",
        "XBC",
        "XBD",
        "XCD",
        "XCG",
        "XDR",
        "XOF",
        "XPD",
        "XPF",
        "XPT",
        "XSU",
        "XUA",
        "YER",
        "ZAR",
        "ZMW",
        "ZWG",
        "ANG",
        "ATS",
        "BEF",
        "BYR",
        "CUC",
        "CYP",
        "DEM",
        "EEK",
        "ESP",
        "FIM",
        "FRF",
        "GRD",
        "HRK",
        "IEP",
        "ITL",
        "LTL",
        "LUF",
        "LVL",
        "MRO",
        "MTL",
        "NLG",
        "PTE",
        "ROL",
        "SIT",
        "SKK",
        "SLL",
        "STD",
        "TRL",
        "VEF",
        "ZMK",
        "ZWL",
    ]
)


def currency_code(raw: object) -> str | None:
    """A currency code as typed into a frame: surrounding spaces stripped and upper-cased
    (`" eur"` is `EUR`), None for an empty one; anything that is not then an ISO 4217 code is
    a ValueError that shows it escaped (`'EUR\\u200b'`), so an invisible character is seen."""
    if not isinstance(raw, str):
        raise ValueError(f"currency code expected, got {raw!r}")
    code = raw.strip().upper()
    if not code:
        return None
    if code not in ISO_4217:
        raise ValueError(f"{raw!r} is not an ISO 4217 currency code; correct it in its system")
    return code


#: Symbols printed before an amount; every other currency is shown by its ISO code after it.
SYMBOLS = {"GBP": "£", "EUR": "€", "USD": "$"}


#: The largest amount, in any currency, that we report: Excel keeps 15 significant digits, and
#: an amount under 10**12 with up to 3 decimals (every ISO 4217 currency but CLF and UYW)
#: needs at most 15 of them, so the recalculated workbook shows exactly what the PDF does.
#: A larger amount in an API record is a `DataError` naming the record.
AMOUNT_BOUND = Decimal(10) ** 12


def check_bound(amount: Decimal | None, what: str = "amount") -> Decimal | None:
    """`amount`, or a ValueError if it is outside +-`AMOUNT_BOUND`."""
    if amount is not None and abs(amount) >= AMOUNT_BOUND:
        raise ValueError(
            f"{what} {amount} is beyond the largest amount reported exactly "
            f"(under {AMOUNT_BOUND:,f}); correct the record in its system"
        )
    return amount


def minor_unit_expr(currency: pl.Expr) -> pl.Expr:
    """The size of each row's currency's minor unit in units of 10**-MONEY_SCALE, as Int128:
    100 for pennies, 10,000 for whole yen, 10 for Bahraini fils."""
    sizes = {code: 10 ** (MONEY_SCALE - digits) for code, digits in _MINOR_UNITS_EXCEPTIONS.items()}
    default = 10 ** (MONEY_SCALE - 2)
    return (
        currency.str.to_uppercase()
        .replace_strict(sizes, default=default, return_dtype=pl.Int128)
        .fill_null(default)
    )


def minor_units(currency: str) -> int:
    """Number of decimal places of `currency` per ISO 4217 (2 unless listed otherwise)."""
    code = currency.strip().upper()
    if len(code) != 3 or not code.isalpha():
        raise ValueError(f"not an ISO 4217 currency code: {currency!r}")
    return _MINOR_UNITS_EXCEPTIONS.get(code, 2)


def to_decimal(value: object, what: str = "amount") -> Decimal | None:
    """Parse an API money value (decimal string, int or `Decimal`) exactly; `None` stays `None`.

    Refuses floats and anything with more decimal places than `MONEY` holds, so that no
    value is ever rounded on the way in.
    """
    if value is None or value == "":
        return None
    if isinstance(value, bool | float):
        raise ValueError(f"{what}: refusing binary float {value!r}; decode JSON with Decimal")
    try:
        number = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except InvalidOperation:
        raise ValueError(f"{what}: not a decimal number: {value!r}") from None
    if not number.is_finite():
        raise ValueError(f"{what}: not a finite number: {value!r}")
    exponent = number.as_tuple().exponent
    assert isinstance(exponent, int)
    if -exponent > MONEY_SCALE and number != number.quantize(Decimal(1).scaleb(-MONEY_SCALE)):
        raise ValueError(f"{what}: {value!r} has more than {MONEY_SCALE} decimal places")
    return number


def from_minor_units(amount: object, currency: str, what: str = "amount") -> Decimal | None:
    """Integer minor units (pennies) to major units, exactly: ("4000", "GBP") -> Decimal("40.00")."""
    if amount is None or amount == "":
        return None
    if isinstance(amount, bool | float):
        raise ValueError(f"{what}: minor units must be an integer, got {amount!r}")
    text = str(amount).strip()
    if not text.lstrip("-").isdigit():
        raise ValueError(f"{what}: minor units must be an integer, got {amount!r}")
    return check_bound(Decimal(text).scaleb(-minor_units(currency)), what)


def to_minor_units(amount: Decimal, currency: str, what: str = "amount") -> int:
    """Major units to integer minor units, refusing any value that is not a whole number of them."""
    if not isinstance(amount, Decimal | int) or isinstance(amount, bool):
        raise ValueError(f"{what}: give a Decimal, not {type(amount).__name__}")
    scaled = Decimal(amount).scaleb(minor_units(currency))
    if scaled != scaled.to_integral_value():
        raise ValueError(
            f"{what}: {amount} {currency} is not a whole number of minor units "
            f"({minor_units(currency)} decimal places)"
        )
    return int(scaled)


def total(column: pl.Series) -> Decimal:
    """The exact sum of a money column; 0 for an empty one (Polars gives None or 0 by type)."""
    result = column.sum()
    return Decimal(result) if result is not None else Decimal(0)
