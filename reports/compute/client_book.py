"""The client book: what the CRM's income records (a client's fact-find: salary, dividends,
pensions) tell an adviser about the clients. They are the clients' incomes, never the
firm's, so they are in no headline figure; this is where the report shows them.

- Each client's recurring incomes a year, in the report currency, recorded net of tax and
  recorded gross apart (they are different incomes, never one before and after tax), and
  the band each sum falls in (`Band`): a client is banded twice, once by its net incomes
  and once by its gross ones, and "none recorded" in a kind it has no recurring income of.
- The incomes recorded (created in the CRM) in the month, by their UK date.
- The recurring incomes ending after the month's end and within `ENDING_WITHIN_DAYS` of
  it, by client: a prompt for a review (retirement, the end of a contract).
- The clients with no income on file at all: an incomplete fact-find.

The rules are in docs/calculations.md, "Client book".
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

import polars as pl

from reports.compute.incomes import PER_YEAR
from reports.money import MONEY, total
from reports.periods import local_date

#: Incomes ending this many days after the month's end or sooner are listed for a review.
ENDING_WITHIN_DAYS = 90


class Band(StrEnum):
    """A client's recurring incomes of one kind (net or gross) a year, in the report
    currency. Each bound belongs to the band above it: 50,000 is in 50,000 to under 100,000."""

    UNDER_30K = "under 30,000"
    FROM_30K = "30,000 to under 50,000"
    FROM_50K = "50,000 to under 100,000"
    FROM_100K = "100,000 to under 150,000"
    FROM_150K = "150,000 and over"
    NONE = "none recorded"


#: Each band's lower bound, highest first, as `band_of` tries them.
LOWER_BOUNDS: tuple[tuple[Band, Decimal], ...] = (
    (Band.FROM_150K, Decimal(150_000)),
    (Band.FROM_100K, Decimal(100_000)),
    (Band.FROM_50K, Decimal(50_000)),
    (Band.FROM_30K, Decimal(30_000)),
)

#: One row per client (`ClientBook.clients`).
CLIENTS = pl.Schema(
    {
        "client_id": pl.String(),
        "client": pl.String(),
        "email": pl.String(),
        "incomes_on_file": pl.Int64(),
        "net_incomes": pl.Int64(),
        "net_annual": MONEY,
        "net_band": pl.String(),
        "gross_incomes": pl.Int64(),
        "gross_annual": MONEY,
        "gross_band": pl.String(),
        "recorded_this_month": pl.Int64(),
        "ending_soon": pl.Int64(),
        "next_ending": pl.Date(),
        "next_review": pl.Date(),
    }
)
#: One row per band, `Band` order (`ClientBook.bands`).
BANDS = pl.Schema(
    {
        "band": pl.String(),
        "net_clients": pl.Int64(),
        "net_annual": MONEY,
        "gross_clients": pl.Int64(),
        "gross_annual": MONEY,
    }
)
#: The incomes listed (`ClientBook.recorded`, `ClientBook.ending`).
LISTED = pl.Schema(
    {
        "client_id": pl.String(),
        "client": pl.String(),
        "id": pl.String(),
        "name": pl.String(),
        "type": pl.String(),
        "frequency": pl.String(),
        "amount_type": pl.String(),
        "amount": MONEY,
        "amount_currency": pl.String(),
        "recorded_on": pl.Date(),
        "end_date": pl.Date(),
    }
)


@dataclass(frozen=True)
class ClientBook:
    """The month's client book (see the module's docstring); amounts in `currency`."""

    currency: str
    #: The system the incomes come from, as the report names it (its title).
    source: str
    #: `CLIENTS`: every client account, by name.
    clients: pl.DataFrame
    #: `BANDS`: how many clients, and their incomes a year, in each band, net and gross apart.
    bands: pl.DataFrame
    #: `LISTED`: the incomes recorded in the month, by client.
    recorded: pl.DataFrame
    #: `LISTED`: the recurring incomes ending after the month's end, by `ending_by`, by client.
    ending: pl.DataFrame
    ending_by: dt.date
    #: `CLIENTS` rows of the clients with no income on file.
    without_income: pl.DataFrame

    @property
    def net_annual(self) -> Decimal:
        """Every client's recurring incomes recorded net of tax, a year (never with gross)."""
        return total(self.clients["net_annual"])

    @property
    def gross_annual(self) -> Decimal:
        """Every client's recurring incomes recorded gross, a year (never with net)."""
        return total(self.clients["gross_annual"])


def band_of(annual: pl.Expr) -> pl.Expr:
    """The `Band` of a sum of incomes a year (null: none recorded)."""
    # Tried highest first: the first bound the sum reaches is its band.
    band = pl.lit(Band.UNDER_30K.value)
    for name, bound in reversed(LOWER_BOUNDS):
        band = pl.when(annual >= pl.lit(bound, MONEY)).then(pl.lit(name.value)).otherwise(band)
    return pl.when(annual.is_null()).then(pl.lit(Band.NONE.value)).otherwise(band)


def client_book(
    clients: pl.DataFrame,
    incomes: pl.DataFrame,
    annualised: pl.DataFrame,
    start: dt.date,
    end: dt.date,
    currency: str,
    source: str = "the CRM",
) -> ClientBook:
    """The client book of the month `start` to `end`.

    `clients` are the CRM's client accounts, `incomes` every income on file (settled: each
    counted once), `annualised` those active in the month with `report_annual_amount` in
    `currency` (`incomes.annualise_incomes`, then `settle.convert_incomes`); `source` names
    the system they come from.
    """
    ending_by = end + dt.timedelta(days=ENDING_WITHIN_DAYS)
    names = clients.unique("id", keep="first", maintain_order=True).select(
        client_id="id",
        client=pl.coalesce("name", "id"),
        email="email",
        next_review=local_date("next_review_date"),
    )
    listed = incomes.join(names.select("client_id", "client"), on="client_id", how="left")
    listed = listed.with_columns(
        client=pl.coalesce("client", "account_name", "client_id"),
        recorded_on=local_date("created_at"),
    ).select(list(LISTED))
    recorded = listed.filter(pl.col("recorded_on").is_between(start, end)).sort(
        "client", "client_id", "recorded_on", "id"
    )
    ending = listed.filter(
        pl.col("frequency").is_in(list(PER_YEAR))
        & (pl.col("end_date") > end)
        & (pl.col("end_date") <= ending_by)
    ).sort("client", "client_id", "end_date", "id")

    recurring = annualised.filter("recurring")

    def kind(amount_type: str) -> pl.DataFrame:
        return (
            recurring.filter(amount_type=amount_type)
            .group_by("client_id")
            .agg(
                pl.len().cast(pl.Int64).alias(f"{amount_type}_incomes"),
                pl.col("report_annual_amount").sum().cast(MONEY).alias(f"{amount_type}_annual"),
            )
        )

    on_file = incomes.group_by("client_id").agg(incomes_on_file=pl.len().cast(pl.Int64))
    in_month = recorded.group_by("client_id").agg(recorded_this_month=pl.len().cast(pl.Int64))
    soon = ending.group_by("client_id").agg(
        ending_soon=pl.len().cast(pl.Int64), next_ending=pl.col("end_date").min()
    )
    book = names
    for part in (on_file, kind("net"), kind("gross"), in_month, soon):
        book = book.join(part, on="client_id", how="left")
    counts = ["incomes_on_file", "net_incomes", "gross_incomes", "recorded_this_month"]
    book = (
        book.with_columns(
            pl.col(counts).fill_null(0),
            pl.col("ending_soon").fill_null(0),
            net_band=band_of(pl.col("net_annual")),
            gross_band=band_of(pl.col("gross_annual")),
        )
        .select(list(CLIENTS))
        .cast(dict(CLIENTS))  # type: ignore[arg-type]
        .sort("client", "client_id")
    )
    return ClientBook(
        currency=currency,
        source=source,
        clients=book,
        bands=bands(book),
        recorded=recorded,
        ending=ending,
        ending_by=ending_by,
        without_income=book.filter(pl.col("incomes_on_file") == 0),
    )


def bands(book: pl.DataFrame) -> pl.DataFrame:
    """`BANDS` from a `CLIENTS` frame: every band, empty ones included, in `Band` order."""
    order = pl.DataFrame({"band": [band.value for band in Band]})

    def counted(amount_type: str) -> pl.DataFrame:
        return book.group_by(band=f"{amount_type}_band").agg(
            pl.len().cast(pl.Int64).alias(f"{amount_type}_clients"),
            pl.col(f"{amount_type}_annual").sum().cast(MONEY).alias(f"{amount_type}_annual"),
        )

    table = order.join(counted("net"), on="band", how="left").join(
        counted("gross"), on="band", how="left"
    )
    return table.with_columns(
        pl.col("net_clients", "gross_clients").fill_null(0),
        pl.col("net_annual", "gross_annual").fill_null(pl.lit(0, MONEY)),
    ).select(list(BANDS))
