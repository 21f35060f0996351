"""A fourth system, written here from the test suite alone (the worked example of
docs/sources.md), is configured, fetched, reported and rendered with no change anywhere
else: its settings come from reports.toml, its cases join every source's, its clients get
statements and its check's flags reach Data quality, in the workbook and the PDFs."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from types import MappingProxyType
from typing import Any

import httpx
import openpyxl
import polars as pl
import pytest
from helpers import pdf_pages

from reports import docs, rates
from reports.app import load_config
from reports.compute import quality
from reports.config import Config, ConfigError, FirmSettings, Secret, base_url
from reports.fetch import fetch_cases, fetch_frames
from reports.http import ApiClient, Page, ProgressCallback, fetch_pages
from reports.money import MONEY, total
from reports.render.excel import write_workbook
from reports.render.pdf import write_monthly_pdf, write_statements
from reports.report import ReportData, build_report_data
from reports.report.context import Contribution, ReportContext
from reports.report.model import STATEMENT_CASES, Statement, StatementTotals
from reports.schema import DATE, ID, TEXT, FrameSchema, col
from reports.schema import MONEY_KIND as AMOUNT
from reports.sources import register, unregister
from reports.sources.base import Describe, HttpSource, SettingsSpec, SourceFrames

# ------------------------------------------------------------------ the source, in full

MATTERS = FrameSchema(
    "ledger",
    "matters",
    "Matters, `GET /matters`.",
    (
        col("id", ID, "matter id"),
        col("number", TEXT, "matter number, the client's reference"),
        col("title", TEXT, "what the matter is"),
        col("client_name", TEXT, "the client"),
        col("opened", DATE, "opened on"),
    ),
)
BILLS = FrameSchema(
    "ledger",
    "bills",
    "Bills of the matters, `GET /bills`, in pounds.",
    (
        col("id", ID, "bill id"),
        col("matter_id", ID, "the matter billed"),
        col("number", TEXT, "bill number"),
        col("issued", DATE, "issued on"),
        col("net", AMOUNT, "net of VAT, pounds"),
        col("vat", AMOUNT, "VAT, pounds"),
        col("amount", AMOUNT, "amount billed (net and VAT), pounds"),
        col("paid", AMOUNT, "amount paid to date, pounds"),
        col("paid_on", DATE, "last paid on"),
    ),
)


@dataclass(frozen=True)
class LedgerSettings:
    url: str
    token: Secret


def build_settings(values: Mapping[str, str], describe: Describe) -> LedgerSettings | None:
    if "token" not in values:
        return None
    return LedgerSettings(
        base_url(values.get("url", "https://ledger.example"), describe("url")),
        Secret(values["token"]),
    )


def read_page(body: Any) -> Page:
    """`{"data": [...], "pages": N, "count": N}`."""
    if not isinstance(body, dict) or not isinstance(body.get("data"), list):
        raise ValueError("not a ledger page")
    return Page(body["data"], body["pages"], body["count"])


class LedgerSource(HttpSource[LedgerSettings]):
    name = "ledger"
    title = "Ledger"
    entities = ("matters", "bills")
    schemas = MappingProxyType({"matters": MATTERS, "bills": BILLS})
    settings_spec = SettingsSpec(
        keys={"url": "REPORTS_LEDGER_URL", "token": "REPORTS_LEDGER_TOKEN"}, build=build_settings
    )
    case_summary = (
        "matters",
        {
            "case_id": pl.col("id"),
            "case_name": pl.col("title"),
            "client": pl.col("client_name"),
            "status": pl.lit(None, pl.String),
            "opened_on": pl.col("opened"),
            "closed_on": pl.lit(None, pl.Date),
        },
    )

    def __init__(self, transport: httpx.BaseTransport) -> None:
        self.transport = transport

    def connect(
        self, settings: LedgerSettings, config: Config, on_progress: ProgressCallback | None = None
    ) -> ApiClient:
        return ApiClient(
            self.name,
            settings.url,
            headers={"Authorization": f"Bearer {settings.token.reveal()}"},
            transport=self.transport,
            on_progress=on_progress,
        )

    def read(self, api: ApiClient, settings: LedgerSettings, wanted: set[str]) -> SourceFrames:
        def listed(path: str) -> list[dict[str, Any]]:
            return fetch_pages(api, path, read_page, page_size=2, size_param="per_page")

        schemas = {"matters": (MATTERS, "/matters"), "bills": (BILLS, "/bills")}
        return {
            name: schema.build(listed(path))
            for name, (schema, path) in schemas.items()
            if name in wanted
        }

    def contribute(self, frames: SourceFrames, context: ReportContext) -> Contribution:
        matters, bills = frames["matters"], frames["bills"]
        owed = bills.with_columns(outstanding=(pl.col("amount") - pl.col("paid")).cast(MONEY))
        statements = []
        for (matter_id,), own in owed.filter(pl.col("outstanding") > 0).group_by("matter_id"):
            matter = matters.filter(id=matter_id).row(0, named=True)
            statements.append(
                Statement(
                    key=f"ledger-{matter_id}",
                    source=self.name,
                    client=matter["client_name"],
                    email=None,
                    reference=matter["number"],
                    address=(),
                    cases=pl.DataFrame(
                        {
                            "reference": [matter["number"]],
                            "name": [matter["title"]],
                            "status": [None],
                            "opened_on": [matter["opened"]],
                        },
                        schema=STATEMENT_CASES,
                    ),
                    expenses=pl.DataFrame(),
                    rejected_expenses=pl.DataFrame(),
                    invoices=own.select(
                        pl.col("number").alias("invoice_number"),
                        pl.col("issued").alias("invoice_date"),
                        pl.col("issued").dt.offset_by("30d").alias("due_date"),
                        pl.col("net").alias("subtotal"),
                        pl.col("vat").alias("vat_amount"),
                        pl.col("amount").alias("total"),
                        pl.col("paid").alias("paid_to_date"),
                        "outstanding",
                        pl.lit("due").alias("status"),
                    ),
                    totals=StatementTotals(
                        invoiced_net=total(own["net"]),
                        invoiced_vat=total(own["vat"]),
                        invoiced=total(own["amount"]),
                        paid=total(own["paid"]),
                        invoiced_this_period=total(
                            own.filter(pl.col("issued").is_between(context.start, context.end))[
                                "amount"
                            ]
                        ),
                        paid_this_period=total(
                            own.filter(pl.col("paid_on").is_between(context.start, context.end))[
                                "paid"
                            ]
                        ),
                        outstanding=total(own["outstanding"]),
                        owed_current=total(own["outstanding"]),
                    ),
                )
            )
        overpaid = quality.flags(
            owed.filter(pl.col("outstanding") < 0),
            self.name,
            "bill",
            "number",
            "paid more than billed",
            pl.format("paid {} of {}", "paid", "amount"),
            "left off every statement",
        )
        return Contribution(statements=tuple(statements), flags=(overpaid,))


# ------------------------------------------------------------------ its vendor, faked

RECORDS = {
    "/matters": [
        {
            "id": 1,
            "number": "M-001",
            "title": "Lease renewal",
            "client_name": "Harbour Cafe Ltd",
            "opened": "2026-10-02",
        },
        {
            "id": 2,
            "number": "M-002",
            "title": "Probate",
            "client_name": "Estate of A. Finch",
            "opened": "2026-09-14",
        },
        {
            "id": 3,
            "number": "M-003",
            "title": "Trademark",
            "client_name": "Quill & Co",
            "opened": "2026-10-20",
        },
    ],
    "/bills": [
        {
            "id": 10,
            "matter_id": 1,
            "number": "B-10",
            "issued": "2026-10-09",
            "net": "1041.67",
            "vat": "208.33",
            "amount": "1250.00",
            "paid": "0.00",
            "paid_on": None,
        },
        {
            "id": 11,
            "matter_id": 2,
            "number": "B-11",
            "issued": "2026-10-15",
            "net": "400.42",
            "vat": "80.08",
            "amount": "480.50",
            "paid": "80.50",
            "paid_on": "2026-10-20",
        },
        {
            "id": 12,
            "matter_id": 3,
            "number": "B-12",
            "issued": "2026-10-28",
            "net": "75.00",
            "vat": "15.00",
            "amount": "90.00",
            "paid": "120.00",
            "paid_on": "2026-10-29",
        },
    ],
}


def vendor(request: httpx.Request) -> httpx.Response:
    if request.headers.get("Authorization") != "Bearer ledger-secret":
        return httpx.Response(401, json={"error": "unauthorised"})
    records = RECORDS[request.url.path.removeprefix("/api")]
    page, size = int(request.url.params["page"]), int(request.url.params["per_page"])
    pages = -(-len(records) // size)
    body = {"data": records[(page - 1) * size : page * size], "pages": pages, "count": len(records)}
    return httpx.Response(200, content=json.dumps(body).encode())


@pytest.fixture(scope="module")
def ledger() -> Iterator[LedgerSource]:
    source = LedgerSource(httpx.MockTransport(vendor))
    register(source)
    try:
        yield source
    finally:
        unregister(source.name)


@pytest.fixture(scope="module")
def config(ledger: LedgerSource, tmp_path_factory: pytest.TempPathFactory) -> Config:
    path = tmp_path_factory.mktemp("config") / "reports.toml"
    path.write_text('[ledger]\nurl = "https://ledger.example/api"\ntoken = "ledger-secret"\n')
    return load_config(path, environ={})


@pytest.fixture(scope="module")
def data(config: Config) -> ReportData:
    frames = fetch_frames(config)
    return build_report_data(
        frames,
        "2026-10",
        rates=rates.embedded(),
        firm=FirmSettings(name="Finch & Quill LLP"),
        today=dt.date(2026, 11, 5),
    )


# ------------------------------------------------------------------ the tests


def test_its_settings_come_from_reports_toml(config: Config, tmp_path: Path) -> None:
    assert config.sources == ("ledger",)
    assert config.ledger == LedgerSettings("https://ledger.example/api", Secret("ledger-secret"))
    wrong = tmp_path / "reports.toml"
    wrong.write_text('[ledger]\ntoken = "t"\ncolour = "blue"\n')
    with pytest.raises(ConfigError, match=r"colour.*ledger"):
        load_config(wrong, environ={})


def test_it_is_fetched_into_its_typed_frames(config: Config) -> None:
    frames = fetch_frames(config)
    assert set(frames) == {("ledger", "matters"), ("ledger", "bills")}
    assert frames["ledger", "bills"].schema == BILLS.polars_schema
    assert frames["ledger", "bills"]["amount"].to_list() == [
        Decimal("1250.00"),
        Decimal("480.50"),
        Decimal("90.00"),
    ]
    cases = fetch_cases(config)
    assert cases.filter(source="ledger")["case_id"].to_list() == ["1", "2", "3"]


def test_it_is_reported(data: ReportData) -> None:
    assert data.cases.filter(source="ledger")["case_name"].to_list() == [
        "Lease renewal",
        "Probate",
        "Trademark",
    ]
    assert data.headline.cases_opened == 2
    owed = {s.client: s.totals.outstanding for s in data.statements}
    assert owed == {"Harbour Cafe Ltd": Decimal("1250.00"), "Estate of A. Finch": Decimal("400.00")}
    flagged = data.quality.filter(source="ledger")
    assert flagged.select("entity", "record", "check").rows() == [
        ("bill", "B-12", "paid more than billed")
    ]
    assert [s.name for s in data.sources] == ["ledger"]


def test_it_is_rendered(data: ReportData, tmp_path: Path) -> None:
    workbook = openpyxl.load_workbook(write_workbook(data, tmp_path / "report.xlsx"))
    cases = {cell for row in workbook["Cases"].iter_rows(values_only=True) for cell in row}
    assert {"ledger", "Lease renewal", "Probate", "Trademark"} <= cases
    flags = [row[:4] for row in workbook["Data quality"].iter_rows(values_only=True)]
    assert ("ledger", "bill", "B-12", "paid more than billed") in flags

    report = " ".join(pdf_pages(write_monthly_pdf(data, tmp_path / "report.pdf")))
    assert "ledger" in report and "paid more than billed" in report

    (probate,) = [
        r
        for r in write_statements(data, tmp_path / "statements")
        if r.entry.client == "Estate of A. Finch"
    ]
    text = " ".join(" ".join(pdf_pages(Path(probate.path))).split())
    assert "Your reference M-002" in text
    assert "B-11" in text and "£400.00" in text
    assert "Invoiced this period £480.50" in text and "Paid this period £80.50" in text
    assert probate.entry.outstanding == "£400.00"


def test_its_frames_are_documented(ledger: LedgerSource) -> None:
    assert "## `ledger_bills`" in docs.render()
    assert "`ledger`" in docs.render().split("## ")[0]
