"""Write paths: validation before anything is sent, then real round trips through the sandbox."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from decimal import Decimal

import pytest
from conftest import MakeSandbox

import reports
from reports.errors import ValidationError
from reports.sandbox import Sandbox, Sizes
from reports.sources import plannr, willsuite

SENDER = "9b5c02d1-a587-4b0b-b83c-a8889f038f85"


def draft(**changes: object) -> willsuite.InvoiceDraft:
    base = willsuite.InvoiceDraft(
        invoice_number="INV-1",
        sender_id=SENDER,
        date_created=dt.datetime(2026, 10, 5, 9, 0),
        date_due=dt.datetime(2026, 11, 4, 9, 0),
        vat=Decimal(20),
        sub_total=Decimal("120.00"),
        vat_amount=Decimal("24.00"),
        total=Decimal("144.00"),
        items=(
            willsuite.InvoiceLine("1h Meetings", 5, Decimal("20.00"), Decimal("120.00")),
            willsuite.InvoiceLine("Document Drafting", 1, Decimal("20.00"), Decimal("24.00")),
        ),
        payment_terms="Pay within 30 days",
    )
    return replace(base, **changes)


@pytest.fixture
def server(make_sandbox: MakeSandbox) -> Sandbox:
    # A new one per test: the tests write to it.
    return make_sandbox(
        sizes=Sizes(mobility_cases=1, plannr_cases=3, plannr_clients=3, willsuite_cases=3)
    )


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"invoice_number": "X" * 51}, "invoice_number"),
        ({"invoice_number": " "}, "invoice_number"),
        ({"sender_id": "me"}, "sender_id"),
        ({"total": Decimal("144.01")}, "total"),
        ({"vat_amount": Decimal("24.001"), "total": Decimal("144.001")}, "vat_amount"),
        ({"sub_total": Decimal("100.00"), "total": Decimal("124.00")}, "sub_total"),
        ({"date_due": dt.datetime(2026, 1, 1)}, "date_due"),
        (
            {"items": (willsuite.InvoiceLine("D" * 201, 1, Decimal(20), Decimal(24)),)},
            "items[0].description",
        ),
        (
            {"items": (willsuite.InvoiceLine("x", 0, Decimal(20), Decimal(24)),)},
            "items[0].quantity",
        ),
    ],
)
def test_invoice_validation_names_the_field(changes: dict, field: str, server: Sandbox) -> None:
    with pytest.raises(ValidationError) as caught:
        willsuite.create_invoice(
            server.data.willsuite_cases[0]["id"], draft(**changes), server.config().willsuite
        )
    assert caught.value.field == field
    assert server.requests["/willsuite/cases/{id}/invoices"] == 0  # nothing was sent


def test_items_must_add_up_to_the_penny() -> None:
    with pytest.raises(
        ValidationError, match=r"total: 144.00 but the items' amounts add up to 143.99"
    ):
        draft(
            items=(
                willsuite.InvoiceLine("1h Meetings", 5, Decimal("20.00"), Decimal("119.99")),
                willsuite.InvoiceLine("Document Drafting", 1, Decimal("20.00"), Decimal("24.00")),
            )
        ).payload()


def test_create_and_update_invoice_round_trip(server: Sandbox) -> None:
    case_id = server.data.willsuite_cases[0]["id"]
    settings = server.config().willsuite
    before = len(server.data.willsuite_invoices[case_id])
    created = willsuite.create_invoice(case_id, draft(), settings)
    row = created.row(0, named=True)
    assert row["invoice_number"] == "INV-1"
    assert row["total"] == Decimal(144)
    assert row["issued_at"] == dt.datetime(2026, 10, 4, 23, 0, tzinfo=dt.UTC)  # BST midnight
    invoices = reports.fetch_frames(
        server.config(sources=("willsuite",)), ["invoices", "invoice_items"]
    )
    mine = invoices["willsuite", "invoices"].filter(case_id=case_id)
    assert mine.height == before + 1
    items = invoices["willsuite", "invoice_items"].filter(invoice_id=row["id"])
    assert sorted(items["amount"].to_list()) == [Decimal(24), Decimal(120)]
    assert items["vat_amount"].sum() == Decimal(24)

    one_line = draft(
        invoice_number="INV-1b",
        sub_total=Decimal("100.00"),
        vat_amount=Decimal("20.00"),
        total=Decimal("120.00"),
        items=(willsuite.InvoiceLine("1h Meetings", 5, Decimal("20.00"), Decimal("120.00")),),
    )
    updated = willsuite.update_invoice(case_id, row["id"], one_line, settings)
    assert updated["invoice_number"].to_list() == ["INV-1b"]
    items = reports.fetch_invoice_items(server.config(sources=("willsuite",))).filter(
        invoice_id=row["id"]
    )
    assert items["description"].to_list() == ["1h Meetings"]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"type": "yacht"}, "type"),
        ({"amount_type": "after tax"}, "amount_type"),
        ({"frequency": "yearly"}, "frequency"),
        ({"amount": Decimal("10.005")}, "amount"),
        ({"end_date": dt.date(2020, 1, 1)}, "end_date"),
        ({"type": "rental", "employment_uuid": SENDER}, "employment_uuid"),
        ({"name": ""}, "name"),
    ],
)
def test_income_validation_names_the_field(changes: dict, field: str) -> None:
    income = plannr.IncomeDraft(
        name="Salary",
        type="salary",
        amount=Decimal("52000.00"),
        amount_type="gross",
        frequency="annually",
        start_date=dt.date(2026, 1, 1),
    )
    with pytest.raises(ValidationError) as caught:
        replace(income, **changes).payload()
    assert caught.value.field == field


def test_case_validation_names_the_field() -> None:
    with pytest.raises(ValidationError, match="participants"):
        plannr.CaseDraft(name="Case", participants=[]).payload()
    with pytest.raises(ValidationError, match="status"):
        plannr.CaseDraft(name="Case", participants=[SENDER], status="open").payload()
    with pytest.raises(ValidationError, match="review_at"):
        plannr.CaseDraft(
            name="Case", participants=[SENDER], review_at=dt.datetime(2026, 1, 1)
        ).payload()


def test_plannr_create_income_and_case_round_trip(server: Sandbox) -> None:
    settings = server.config().plannr
    client_uuid = server.data.plannr_clients[0]["uuid"]
    income = plannr.IncomeDraft(
        name="Rent from flat",
        type="rental",
        amount=Decimal("1250.50"),
        amount_type="gross",
        frequency="monthly",
        start_date=dt.date(2026, 1, 1),
        is_taxable=True,
    )
    created = plannr.create_client_income(client_uuid, income, settings)
    assert created["amount"].to_list() == [Decimal("1250.50")]
    assert server.data.plannr_incomes[client_uuid][-1]["amount"]["amount"] == "125050"
    incomes = reports.fetch_incomes(server.config(sources=("plannr",)))
    assert Decimal("1250.50") in incomes.filter(client_id=client_uuid)["amount"].to_list()

    answer = plannr.create_case(
        plannr.CaseDraft(name="New case", participants=[client_uuid], value=Decimal("150.99")),
        settings,
    )
    assert answer["value"]["amount"] == "15099"  # Plannr answers with the case itself
    cases = reports.fetch_cases(server.config(sources=("plannr",)))
    assert cases.filter(name="New case")["value"].to_list() == [Decimal("150.99")]


def test_a_write_that_may_have_been_applied_is_not_sent_twice(server: Sandbox) -> None:
    case_id = server.data.willsuite_cases[1]["id"]
    before = len(server.data.willsuite_invoices[case_id])
    server.inject(f"/willsuite/cases/{case_id}/invoices", 503, count=1, method="POST")
    with pytest.raises(
        reports.TransientApiError, match="was not sent again, as it may have been applied"
    ):
        willsuite.create_invoice(case_id, draft(), server.config().willsuite)
    assert server.requests["/willsuite/cases/{id}/invoices"] == 1
    assert len(server.data.willsuite_invoices[case_id]) == before


def test_a_rate_limited_write_is_retried(server: Sandbox) -> None:
    client_uuid = server.data.plannr_clients[1]["uuid"]
    server.inject(
        f"/plannr/api/v1/client/{client_uuid}/income",
        429,
        count=1,
        headers={"Retry-After": "0"},
        method="POST",
    )
    income = plannr.IncomeDraft(
        name="Bonus",
        type="bonus",
        amount=Decimal("100.00"),
        amount_type="gross",
        frequency="one_off",
    )
    created = plannr.create_client_income(client_uuid, income, server.config().plannr)
    assert created["amount"].to_list() == [Decimal("100.00")]
    assert server.statuses[429] == 1
