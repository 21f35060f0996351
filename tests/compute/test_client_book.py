"""The client book (`compute.client_book`), worked by hand: each client banded by its
recurring incomes a year, net and gross apart, each bound in the band above it; the incomes
recorded in the month by UK date; those ending within 90 days of its end; the clients with
no income on file."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D
from typing import Any

import polars as pl

from reports import rates
from reports.compute import incomes
from reports.compute.client_book import Band, ClientBook, client_book
from reports.report.settle import convert_incomes
from reports.sources.plannr.frames import PLANNR_CLIENTS, PLANNR_INCOMES

START, END = dt.date(2026, 10, 1), dt.date(2026, 10, 31)


def client(uuid: str, name: str) -> dict[str, Any]:
    return {
        "uuid": uuid,
        "name": name,
        "email": f"{uuid}@example.com",
        "next_review_date": "2027-01-15T00:00:00Z",
    }


def income(
    client_uuid: str,
    uuid: str,
    pounds: str,
    frequency: str = "annually",
    amount_type: str = "gross",
    *,
    end: str | None = None,
    created: str = "2024-01-01T12:00:00Z",
    currency: str = "GBP",
) -> dict[str, Any]:
    return {
        "client_uuid": client_uuid,
        "uuid": uuid,
        "name": uuid,
        "type": "salary",
        "amount": {"amount": str(int(D(pounds) * 100)), "currency": currency},
        "frequency": frequency,
        "amount_type": amount_type,
        "start_date": "2024-01-01",
        "end_date": end,
        "is_taxable": True,
        "created_at": created,
    }


CLIENTS = PLANNR_CLIENTS.build(
    [
        client("a", "Ann"),  # 29,999.99 gross: under 30,000
        client("b", "Bob"),  # 30,000.00 gross: 30,000 to under 50,000
        client("c", "Cat"),  # 49,999.99 gross + 60,000 net: banded once by each
        client("d", "Dan"),  # 4,166.67 a month = 50,000.04 gross: 50,000 to under 100,000
        client("e", "Eve"),  # 150,000.00 net: 150,000 and over
        client("f", "Fay"),  # one-off only: in no band, but an income on file
        client("g", "Gus"),  # nothing on file: an incomplete fact-find
        client("h", "Hal"),  # an income that ended before the month: none recorded
    ]
)
INCOMES = PLANNR_INCOMES.build(
    [
        income("a", "a1", "29999.99"),
        income("b", "b1", "30000.00"),
        income("c", "c1", "49999.99"),
        income("c", "c2", "5000.00", "monthly", "net"),
        income("d", "d1", "4166.67", "monthly"),
        income("e", "e1", "100000.00", amount_type="net", end="2026-10-31"),
        income("e", "e2", "50000.00", amount_type="net", end="2027-01-29"),
        income("f", "f1", "20000.00", "one_off", created="2026-09-30T23:30:00Z"),
        income("h", "h1", "1000.00", "monthly", end="2026-09-30", created="2026-10-31T23:30:00Z"),
        income("c", "c3", "100.00", "weekly", "net", end="2027-01-30"),
    ]
)


def book(clients: pl.DataFrame = CLIENTS, found: pl.DataFrame = INCOMES) -> ClientBook:
    annualised = convert_incomes(
        incomes.annualise_incomes(found, START, END), END, "GBP", rates.embedded()
    )
    return client_book(clients, found, annualised, START, END, "GBP")


def test_each_client_is_banded_by_its_net_and_its_gross_incomes_apart() -> None:
    clients = {row["client"]: row for row in book().clients.iter_rows(named=True)}
    banded = {name: (row["gross_band"], row["net_band"]) for name, row in clients.items()}
    assert banded == {
        "Ann": (Band.UNDER_30K, Band.NONE),
        "Bob": (Band.FROM_30K, Band.NONE),
        "Cat": (Band.FROM_30K, Band.FROM_50K),  # 49,999.99 gross; 60,000 + 5,200 net
        "Dan": (Band.FROM_50K, Band.NONE),
        "Eve": (Band.NONE, Band.FROM_150K),  # an income ending on the month's last day counts
        "Fay": (Band.NONE, Band.NONE),
        "Gus": (Band.NONE, Band.NONE),
        "Hal": (Band.NONE, Band.NONE),
    }
    assert clients["Cat"]["net_annual"] == D("65200") and clients["Cat"]["net_incomes"] == 2
    assert clients["Dan"]["gross_annual"] == D("50000.04")
    assert clients["Eve"]["net_annual"] == D("150000")
    assert [clients[name]["incomes_on_file"] for name in ("Fay", "Gus", "Hal")] == [1, 0, 1]


def test_the_bands_count_every_client_once_a_kind_and_never_add_net_to_gross() -> None:
    bands = book().bands
    assert bands["band"].to_list() == [band.value for band in Band]
    rows = {row["band"]: row for row in bands.iter_rows(named=True)}
    assert [rows[b.value]["gross_clients"] for b in Band] == [1, 2, 1, 0, 0, 4]
    assert [rows[b.value]["net_clients"] for b in Band] == [0, 0, 1, 0, 1, 6]
    assert rows[Band.FROM_30K]["gross_annual"] == D("79999.99")
    assert bands["net_clients"].sum() == bands["gross_clients"].sum() == CLIENTS.height
    assert book().net_annual == D("215200") and book().gross_annual == D("160000.02")


def test_incomes_recorded_this_month_are_by_their_uk_date() -> None:
    recorded = book().recorded
    # 30 Sep 23:30 UTC is 1 Oct 00:30 in London (BST); 31 Oct 23:30 UTC is still 31 Oct (GMT).
    assert recorded.select("client", "id", "recorded_on").rows() == [
        ("Fay", "f1", dt.date(2026, 10, 1)),
        ("Hal", "h1", dt.date(2026, 10, 31)),
    ]


def test_recurring_incomes_ending_within_90_days_of_the_month_end_are_listed_by_client() -> None:
    found = book()
    assert found.ending_by == dt.date(2027, 1, 29)
    # e1 ends on the month's last day (not after it); c3 on day 91; e2 on day 90.
    assert found.ending.select("client", "id", "end_date").rows() == [
        ("Eve", "e2", dt.date(2027, 1, 29)),
    ]
    eve = found.clients.filter(client="Eve").row(0, named=True)
    assert (eve["ending_soon"], eve["next_ending"]) == (1, dt.date(2027, 1, 29))


def test_clients_with_no_income_on_file_are_listed() -> None:
    assert book().without_income["client"].to_list() == ["Gus"]


def test_a_client_with_incomes_in_another_currency_is_banded_in_the_report_currency() -> None:
    euro = PLANNR_INCOMES.build([income("a", "x1", "40000.00", currency="EUR")])
    row = book(CLIENTS.head(1), euro).clients.row(0, named=True)
    per_eur = rates.embedded().table.filter(rate_date=dt.date(2026, 10, 30), currency="GBP")
    assert row["gross_annual"] == (D(40000) * per_eur["per_eur"][0]).quantize(D("0.01"))
    assert row["gross_band"] == Band.FROM_30K  # about £34,800 at October 2026's rate


def test_an_empty_book_has_every_band_at_zero() -> None:
    empty = book(PLANNR_CLIENTS.empty(), PLANNR_INCOMES.empty())
    assert empty.bands.height == len(Band) and empty.bands["net_clients"].sum() == 0
