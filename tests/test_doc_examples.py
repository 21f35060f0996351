"""The vendors' documented example payloads parse into our frames with the right values and types."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import polars as pl
import pytest
from helpers import doc_blocks, unstub

from reports.sources import mobility, plannr, willsuite
from reports.sources.mobility import (
    MOBILITY_CASE_MANAGERS,
    MOBILITY_CASES,
    MOBILITY_EXPENSES,
    MOBILITY_SERVICES,
    MOBILITY_TASK_MANAGERS,
    MOBILITY_TASKS,
)
from reports.sources.plannr import PLANNR_INCOMES
from reports.sources.willsuite import WILLSUITE_INVOICE_ITEMS, WILLSUITE_INVOICES

UTC = dt.UTC
MOBILITY = "mobility-cases-tasks-expenses.txt"
WILLSUITE = "willsuite-case-invoices.txt"


@pytest.fixture(scope="module")
def mob() -> list:
    return doc_blocks(MOBILITY)


def only_row(frame: pl.DataFrame) -> dict:
    assert frame.height == 1
    return frame.row(0, named=True)


def test_mobility_case_list_example(mob: list) -> None:
    page = mobility.read_page(mob[0])
    assert (page.last_page, page.total) == (1, 1)
    frame = MOBILITY_CASES.build(page.items)
    assert frame.schema == MOBILITY_CASES.polars_schema
    row = only_row(frame)
    assert row["id"] == "590"
    assert row["client_id"] == "77"
    assert row["start_date"] == dt.date(2026, 5, 2)
    assert row["forecast_end_date"] == dt.date(2026, 8, 25)
    assert row["created_at"] == dt.datetime(2026, 4, 28, 10, 34, 11, tzinfo=UTC)
    assert row["assignment_created_at"] == dt.datetime(2026, 4, 28, 8, 12, tzinfo=UTC)
    assert row["percent_invoiced"] == Decimal("0")
    assert row["completion_rate"] == 42
    assert row["archived"] is False
    assert row["assignment_id"] == "378"
    assert row["assignment_home_country"] == "DE"
    assert row["assignment_host_city"] == "Madrid"
    assert row["assignment_home_manager_id"] == "0"
    assert row["assignment_status"] == "preparing"
    assert row["subject_reference_type"] == "expat"
    assert row["hr_manager_name"] == "Jane HR"
    assert row["tags"] == []
    assert row["permissions"] is None  # only the detail endpoint sends it


def test_mobility_case_detail_example(mob: list) -> None:
    case = mob[1]["result"]["case"]
    row = only_row(MOBILITY_CASES.build([case]))
    assert row["permissions"] == [
        "create case",
        "view case",
        "update case",
        "update service start date",
    ]
    assert row["allowed_actions_can_add_task"] is True
    assert row["order_entity_type"] == "client"
    services = MOBILITY_SERVICES.build(
        [{"expat_case_id": case["id"], **s} for s in case["services"]]
    )
    service = only_row(services)
    assert service["id"] == "434"
    assert service["total_tasks"] == 12
    assert service["completion_rate"] == 42
    assert service["processed_at"] == dt.date(2026, 5, 2)


def test_mobility_task_examples_despite_trailing_comma(mob: list) -> None:
    # The docs' task examples have a trailing comma in `assignee`; doc_blocks drops it.
    row = only_row(MOBILITY_TASKS.build(mobility.read_page(mob[2]).items))
    assert row["id"] == "910"
    assert row["assignee_id"] == "601"
    assert row["assignee_name"] == "Task Owner"
    assert row["forecast_duration"] == 15
    assert row["start_date"] == dt.date(2026, 5, 3)
    assert row["allowed_actions"] == ["update", "update_assignee", "update_status"]
    assert row["is_parent"] is False
    detail = only_row(MOBILITY_TASKS.build([mob[3]["result"]["task"]]))
    assert detail == row


def test_mobility_manager_examples(mob: list) -> None:
    task_row = only_row(MOBILITY_TASK_MANAGERS.build(mobility.manager_rows("task", 910, mob[4])))
    assert task_row["user_id"] == "601"
    assert task_row["user_image"] == "https://cdn.example.com/users/601.jpg"
    assert task_row["model_type"] == "task"
    assert task_row["model_id"] == "910"
    assert task_row["roles"] == ["manager"]
    assert task_row["allowed_actions_delete"] is False
    assert task_row["allowed_actions_update"] is None
    case_rows = MOBILITY_CASE_MANAGERS.build(mobility.manager_rows("case", 590, mob[5]))
    assert case_rows["user_name"].to_list() == ["John Manager", "Jane HR"]
    assert case_rows["roles"].to_list() == [["manager"], ["follower"]]
    assert case_rows["parent_id"].to_list() == ["590", "590"]


def test_mobility_expense_examples(mob: list) -> None:
    row = only_row(MOBILITY_EXPENSES.build(mobility.read_page(mob[6]).items))
    assert row["amount"] == Decimal("250.00")
    assert row["currency_code"] == "EUR"
    assert row["converted_amount"] == Decimal("250.00")
    assert row["incurred_at"] == dt.date(2026, 5, 10)
    assert row["invoice_id"] is None
    assert row["created_at"] == dt.datetime(2026, 5, 10, 10, 17, tzinfo=UTC)
    assert row["file"] is None  # `{}`: no file
    assert only_row(MOBILITY_EXPENSES.build([mob[7]["result"]["expense"]])) == row


def test_plannr_income_example() -> None:
    created = unstub(doc_blocks("plannr-create-client-income.txt")[1])
    row = only_row(PLANNR_INCOMES.build([{**created, "client_uuid": created["account"]["uuid"]}]))
    assert row["id"] == "66ec1412-b026-42c3-9f33-dbc699451ff8"
    assert row["amount"] == Decimal("40.00")  # "4000" pennies
    assert row["amount_currency"] == "GBP"
    assert row["amount_formatted"] == "£40.00"
    assert row["frequency"] == "annually"
    assert row["amount_type"] == "net"
    assert row["is_taxable"] is True
    assert row["start_date"] == dt.date(2024, 5, 14)
    assert row["created_at"] == dt.datetime(2025, 5, 14, 17, 27, 12, tzinfo=UTC)  # +01:00
    assert row["account_name"] == "Gareth Thompson"
    assert row["employment_employer"] == "Plannr Technologies Ltd"
    assert row["employment_profit"] == Decimal("40.00")
    assert row["employment_business_year_end"] == dt.date(2020, 12, 31)
    assert row["employment_percentage_of_business_shared"] == Decimal(50)
    assert row["shared_owner_id"] == "15e2c7be-e01d-48e5-955f-4cd06ba8e847"


def test_plannr_write_payloads_match_the_documented_requests() -> None:
    case_body = doc_blocks("plannr-create-case.txt")[0]
    draft = plannr.CaseDraft(
        name=case_body["name"],
        participants=case_body["participants"],
        assigned_to_uuids=case_body["assigned_to_uuids"],
        group_uuids=case_body["group_uuids"],
        status=case_body["status"],
        type=case_body["type"],
        review_at=dt.datetime.fromisoformat(case_body["review_at"]),
        value=Decimal("150.99"),
        plans=case_body["plans"],
    )
    assert draft.payload() == case_body
    income_body = doc_blocks("plannr-create-client-income.txt")[0]
    income = plannr.IncomeDraft(
        name="My Salary",
        type="salary",
        amount=Decimal("50000.00"),
        amount_type="net",
        frequency="annually",
        start_date=dt.date(2024, 5, 14),
        end_date=dt.date(2025, 5, 14),
        is_taxable=True,
        employment_uuid=income_body["employment_uuid"],
        shared_owner_uuid=income_body["shared_owner_uuid"],
    )
    assert income.payload() == income_body


def test_willsuite_invoice_list_example() -> None:
    answer = doc_blocks(WILLSUITE)[0]
    invoices = [{"customer_case_id": "x", **invoice} for invoice in answer]
    row = only_row(WILLSUITE_INVOICES.build(invoices))
    assert (row["subtotal"], row["vat_amount"], row["total"]) == (
        Decimal(300),
        Decimal(60),
        Decimal(360),
    )
    assert row["currency"] == "GBP"
    assert row["case_id"] == "40169aac-07d8-4383-960c-c3ac3e506228"
    # "2024-05-20 00:00:00" is UK local time (BST), so 23:00 UTC the day before.
    assert row["issued_at"] == dt.datetime(2024, 5, 19, 23, 0, tzinfo=UTC)
    assert row["paid_at"] is None
    assert row["status"] == "Not Paid"
    item = only_row(WILLSUITE_INVOICE_ITEMS.build(answer[0]["items"]))
    assert (item["rate"], item["subtotal"], item["vat_amount"], item["amount"]) == (
        Decimal(300),
        Decimal(300),
        Decimal(60),
        Decimal(360),
    )
    assert item["quantity"] == Decimal(1)
    assert item["has_vat"] is True
    assert item["status"] is None


def test_willsuite_create_response_example_keeps_its_inconsistency() -> None:
    created = doc_blocks(WILLSUITE)[3]
    row = only_row(WILLSUITE_INVOICES.build([created]))
    assert row["issued_at"] == dt.datetime(2024, 5, 16, 23, 0, tzinfo=UTC)
    # The documented answer states subtotal 0 beside total 120 and VAT 20: kept as stated.
    assert (row["subtotal"], row["vat_amount"], row["total"]) == (
        Decimal(0),
        Decimal(20),
        Decimal(120),
    )


def test_willsuite_documented_items_validate() -> None:
    items = doc_blocks(WILLSUITE)[2]
    lines = [
        willsuite.InvoiceLine(
            i["description"], int(i["quantity"]), Decimal(i["rate"]), Decimal(i["amount"])
        )
        for i in items
    ]
    draft = willsuite.InvoiceDraft(
        invoice_number="TEST001",
        sender_id="9b5c02d1-a587-4b0b-b83c-a8889f038f85",
        date_created=dt.datetime(2024, 5, 17, 15, 22),
        date_due=dt.datetime(2024, 6, 16, 15, 22),
        vat=Decimal(20),
        sub_total=Decimal(120),
        vat_amount=Decimal(24),
        total=Decimal(144),
        items=lines,
    )
    body = draft.payload()
    assert body["date_created"] == "2024-05-17 15:22:00"
    assert [line["amount"] for line in body["items"]] == [Decimal(120), Decimal(24)]
