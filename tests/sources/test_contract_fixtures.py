"""Recorded contract fixtures (`tests/fixtures/vendor/`): each vendor answer we read, as its
documentation shows it, with the source named in the file. Each one parses through the
connector's own parsing path into typed columns, and the sandbox answers the same endpoint
with the same shape, field for field."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import polars as pl
import pytest
from conftest import MakeSandbox
from helpers import ROOT
from test_sandbox_shapes import shape_differences

from reports.http import decode_json
from reports.sandbox import Sizes
from reports.sandbox.mobility import MOBILITY_TOKEN
from reports.sandbox.plannr import PLANNR_ACCOUNT_UUID, PLANNR_TOKEN
from reports.sandbox.willsuite import WILLSUITE_CLIENT_ID, WILLSUITE_CLIENT_SECRET
from reports.schema import FrameSchema, dig
from reports.sources import mobility, plannr, willsuite
from reports.sources.mobility import (
    MOBILITY_CASE_MANAGERS,
    MOBILITY_CASES,
    MOBILITY_EXPENSES,
    MOBILITY_SERVICES,
    MOBILITY_TASK_MANAGERS,
    MOBILITY_TASKS,
)
from reports.sources.plannr import PLANNR_CASES, PLANNR_CLIENTS, PLANNR_INCOMES
from reports.sources.plannr import reader as plannr_reader
from reports.sources.willsuite import WILLSUITE_CASES, WILLSUITE_INVOICE_ITEMS, WILLSUITE_INVOICES
from reports.sources.willsuite import reader as willsuite_reader

FIXTURES = sorted((ROOT / "tests" / "fixtures" / "vendor").glob("*.json"))
Parsed = list[tuple[FrameSchema, pl.DataFrame, list[dict[str, Any]]]]


def load(path: Path) -> dict[str, Any]:
    # Decoded as the connectors decode answers: every non-integer number a Decimal.
    return decode_json(path.read_bytes())


def parse(kind: str, body: Any) -> Parsed:
    """The fixture through the connector's own code, as (schema, frame, records) triples."""

    def built(schema: FrameSchema, records: list[dict[str, Any]]) -> tuple:
        return schema, schema.build(records), records

    if kind == "mobility cases":
        return [built(MOBILITY_CASES, mobility.read_page(body).items)]
    if kind == "mobility case detail":
        case = body["result"]["case"]
        services = [{"expat_case_id": case["id"], **s} for s in case["services"]]
        return [built(MOBILITY_CASES, [case]), built(MOBILITY_SERVICES, services)]
    if kind == "mobility tasks":
        return [built(MOBILITY_TASKS, mobility.read_page(body).items)]
    if kind == "mobility task managers":
        return [built(MOBILITY_TASK_MANAGERS, mobility.manager_rows("task", "910", body))]
    if kind == "mobility case managers":
        return [built(MOBILITY_CASE_MANAGERS, mobility.manager_rows("case", "590", body))]
    if kind == "mobility expenses":
        return [built(MOBILITY_EXPENSES, mobility.read_page(body).items)]
    if kind == "willsuite cases":
        return [built(WILLSUITE_CASES, willsuite.read_page(body).items)]
    if kind == "willsuite invoices":
        invoices = willsuite.invoice_records("case-1", body)
        return [
            built(WILLSUITE_INVOICES, invoices),
            built(WILLSUITE_INVOICE_ITEMS, willsuite.item_records(invoices)),
        ]
    if kind == "willsuite invoice answer":
        return [built(WILLSUITE_INVOICES, [willsuite_reader._invoice(body, "case-1")])]
    if kind == "plannr cases":
        return [built(PLANNR_CASES, plannr.read_page(body).items)]
    if kind == "plannr case answer":
        return [built(PLANNR_CASES, [plannr_reader._unwrap(body)])]
    if kind == "plannr clients":
        return [built(PLANNR_CLIENTS, plannr.read_page(body).items)]
    if kind == "plannr incomes":
        return [built(PLANNR_INCOMES, plannr.read_page(body).items)]
    if kind == "plannr income answer":
        return [built(PLANNR_INCOMES, [plannr_reader._unwrap(body)])]
    raise AssertionError(f"no parser for {kind!r}")


def test_there_is_a_fixture_for_every_endpoint_we_read() -> None:
    endpoints = {load(path)["endpoint"].split("?")[0] for path in FIXTURES}
    assert endpoints >= {
        "GET /v1/cases",
        "GET /v1/cases/{caseId}",
        "GET /v1/cases/tasks",
        "GET /v1/cases/tasks/{taskId}/managers",
        "GET /v1/cases/{caseId}/managers",
        "GET /v1/cases/{caseId}/expenses",
        "GET /api/v1/cases",
        "GET /api/v1/account",
        "GET /api/v1/client/{client_uuid}/income",
        "POST /api/v1/cases",
        "POST /api/v1/client/{client_uuid}/income",
        "GET /cases",
        "GET /cases/{caseId}/invoices",
        "POST /cases/{caseId}/invoices",
        "PATCH /cases/{caseId}/invoices/{invoiceId}",
    }
    for path in FIXTURES:
        assert load(path)["source"].strip(), f"{path.name} does not name its source"


@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: p.stem)
def test_every_documented_field_lands_typed(path: Path) -> None:
    fixture = load(path)
    for schema, frame, records in parse(fixture["parse"], fixture["body"]):
        assert frame.schema == schema.polars_schema
        assert frame.height == len(records) > 0
        for column in schema.columns:
            for index, record in enumerate(records):
                raw = (
                    column.getter(record)
                    if column.getter
                    else next(
                        (
                            dig(record, p)
                            for p in column.paths or (column.name,)
                            if dig(record, p) is not None
                        ),
                        None,
                    )
                )
                if raw in (None, "", [], {}):
                    continue  # nothing documented to land (a JSON `{}` or `""` reads as null)
                value = frame[column.name][index]
                assert value is not None, f"{path.stem}: {column.name} lost {raw!r}"


@pytest.fixture(scope="module")
def answers(make_sandbox: MakeSandbox) -> Callable[[str], Any]:
    """The sandbox's answer to each fixture's endpoint, over a real socket (a sandbox of
    its own: some of these requests write)."""
    sandbox = make_sandbox(sizes=Sizes(mobility_cases=5, plannr_clients=5, willsuite_cases=5))
    http = httpx.Client(base_url=sandbox.url)
    data = sandbox.data
    mobility_auth = {"Authorization": f"Bearer {MOBILITY_TOKEN}"}
    plannr_auth = {
        "Authorization": f"Bearer {PLANNR_TOKEN}",
        "X-PLANNR-ACCOUNT-UUID": PLANNR_ACCOUNT_UUID,
    }
    token = http.post(
        "/willsuite/oauth/token/",
        json={
            "grant_type": "client_credentials",
            "client_id": WILLSUITE_CLIENT_ID,
            "client_secret": WILLSUITE_CLIENT_SECRET,
        },
    ).json()["access_token"]
    willsuite_auth = {"Authorization": f"Bearer {token}"}
    case = data.mobility_cases[0]["id"]
    task = data.mobility_tasks[0]["id"]
    with_expenses = next(cid for cid, rows in data.mobility_expenses.items() if rows)
    client = next(uuid for uuid, rows in data.plannr_incomes.items() if rows)
    ws_case = next(cid for cid, rows in data.willsuite_invoices.items() if rows)
    ws_invoice = data.willsuite_invoices[ws_case][0]["id"]
    draft = {
        "invoice_number": "FIX-1",
        "sender_id": "9b5c02d1-a587-4b0b-b83c-a8889f038f85",
        "date_created": "2024-05-17 09:00:00",
        "date_due": "2024-06-16 09:00:00",
        "vat": 20,
        "total": 120,
        "sub_total": 100,
        "vat_amount": 20,
        "items": [{"description": "1h Meetings", "quantity": 5, "rate": 20, "amount": 120}],
    }
    requests: dict[str, Callable[[], httpx.Response]] = {
        "mobility-cases": lambda: http.get("/mobility/v1/cases", headers=mobility_auth),
        "mobility-case-detail": lambda: http.get(
            f"/mobility/v1/cases/{case}", headers=mobility_auth
        ),
        "mobility-tasks": lambda: http.get("/mobility/v1/cases/tasks", headers=mobility_auth),
        "mobility-task-managers": lambda: http.get(
            f"/mobility/v1/cases/tasks/{task}/managers", headers=mobility_auth
        ),
        "mobility-case-managers": lambda: http.get(
            f"/mobility/v1/cases/{case}/managers", headers=mobility_auth
        ),
        "mobility-expenses": lambda: http.get(
            f"/mobility/v1/cases/{with_expenses}/expenses", headers=mobility_auth
        ),
        "plannr-cases": lambda: http.get(
            "/plannr/api/v1/cases", params={"include": plannr.CASE_INCLUDES}, headers=plannr_auth
        ),
        "plannr-case-created": lambda: http.post(
            "/plannr/api/v1/cases",
            json={"name": "Fixture case", "participants": [client], "value": 15099},
            headers=plannr_auth,
        ),
        "plannr-clients": lambda: http.get(
            "/plannr/api/v1/account", params={"filter[type]": "client"}, headers=plannr_auth
        ),
        "plannr-incomes": lambda: http.get(
            f"/plannr/api/v1/client/{client}/income",
            params={"include": plannr.INCOME_INCLUDES},
            headers=plannr_auth,
        ),
        "plannr-income-created": lambda: http.post(
            f"/plannr/api/v1/client/{client}/income",
            json={
                "name": "Salary",
                "type": "salary",
                "amount": 400000,
                "amount_type": "net",
                "frequency": "monthly",
            },
            headers=plannr_auth,
        ),
        "willsuite-cases": lambda: http.get(
            "/willsuite/cases", params={"perPage": 100}, headers=willsuite_auth
        ),
        "willsuite-invoices": lambda: http.get(
            f"/willsuite/cases/{ws_case}/invoices",
            params={"show_cancelled_items": "true"},
            headers=willsuite_auth,
        ),
        "willsuite-invoice-created": lambda: http.post(
            f"/willsuite/cases/{ws_case}/invoices", json=draft, headers=willsuite_auth
        ),
        "willsuite-invoice-updated": lambda: http.patch(
            f"/willsuite/cases/{ws_case}/invoices/{ws_invoice}",
            json={**draft, "keep_existing_items": True},
            headers=willsuite_auth,
        ),
    }

    def answer(name: str) -> Any:
        response = requests[name]()
        assert response.status_code in (200, 201), response.text
        return response.json()

    return answer


@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: p.stem)
def test_the_sandbox_answers_in_the_fixtures_shape(
    path: Path, answers: Callable[[str], Any]
) -> None:
    documented = json.loads(path.read_text())["body"]
    actual = answers(path.stem)
    if path.stem == "mobility-task-managers":  # keyed by user id: compare one user each
        documented = {**documented, "result": next(iter(documented["result"].values()))}
        actual = {**actual, "result": next(iter(actual["result"].values()))}
    if path.stem == "willsuite-cases":  # `meta` is keyed by each firm's own field uuids
        assert isinstance(actual["data"][0]["meta"], dict)
        documented = {**documented, "data": [{**documented["data"][0], "meta": {}}]}
        actual = {**actual, "data": [{**actual["data"][0], "meta": {}}]}
    assert shape_differences(documented, actual) == []
