"""The sandbox answers field for field as the vendors' documented examples, over real sockets."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from helpers import doc_blocks, unstub

from reports.sandbox import Sandbox
from reports.sandbox.server import (
    MOBILITY_TOKEN,
    PLANNR_ACCOUNT_UUID,
    PLANNR_TOKEN,
    WILLSUITE_CLIENT_ID,
    WILLSUITE_CLIENT_SECRET,
)

MOBILITY = "mobility-cases-tasks-expenses.txt"
WILLSUITE = "willsuite-case-invoices.txt"


def shape_differences(documented: Any, actual: Any, where: str = "$") -> list[str]:
    """Where `actual` lacks a documented field, adds an undocumented one, or changes a JSON type.

    Null on either side matches any type (the docs show many fields as null). A Plannr
    resource stub (`"App\\Http\\Resources\\..."`) stands for a nested resource of any shape.
    """
    if documented is None or actual is None:
        return []
    if isinstance(documented, str) and documented.startswith("App\\Http\\Resources\\"):
        return []
    if isinstance(documented, dict) and isinstance(actual, dict):
        problems = [f"{where}.{key}: missing" for key in documented if key not in actual]
        problems += [f"{where}.{key}: not documented" for key in actual if key not in documented]
        for key in documented.keys() & actual.keys():
            problems += shape_differences(documented[key], actual[key], f"{where}.{key}")
        return problems
    if isinstance(documented, list) and isinstance(actual, list):
        if documented and actual:
            return shape_differences(documented[0], actual[0], f"{where}[0]")
        return []
    numeric = (int, float)
    if isinstance(documented, bool) or isinstance(actual, bool):
        same = isinstance(documented, bool) and isinstance(actual, bool)
    elif isinstance(documented, numeric) and isinstance(actual, numeric):
        same = True
    else:
        same = type(documented) is type(actual)
    return (
        []
        if same
        else [f"{where}: {type(actual).__name__}, documented {type(documented).__name__}"]
    )


@pytest.fixture(scope="module")
def http(sandbox: Sandbox) -> httpx.Client:
    with httpx.Client(base_url=sandbox.url) as client:
        yield client


def test_shape_check_catches_differences() -> None:
    assert shape_differences({"a": 1, "b": "x"}, {"a": 2, "b": "y"}) == []
    assert shape_differences({"a": 1}, {"a": "1"}) == ["$.a: str, documented int"]
    assert shape_differences({"a": 1}, {}) == ["$.a: missing"]
    assert shape_differences({}, {"z": 1}) == ["$.z: not documented"]


def test_mobility_answers_match_the_docs(sandbox: Sandbox, http: httpx.Client) -> None:
    docs = doc_blocks(MOBILITY)
    auth = {"Authorization": f"Bearer {MOBILITY_TOKEN}", "Accept": "application/json"}
    case = sandbox.data.mobility_cases[0]
    task = sandbox.data.mobility_tasks[0]
    case_with_expenses = next(cid for cid, rows in sandbox.data.mobility_expenses.items() if rows)
    expense = sandbox.data.mobility_expenses[case_with_expenses][0]
    answers = [
        http.get("/mobility/v1/cases", params={"page": 1, "per_page": 20}, headers=auth),
        http.get(f"/mobility/v1/cases/{case['id']}", headers=auth),
        http.get("/mobility/v1/cases/tasks", params={"page": 1, "per_page": 20}, headers=auth),
        http.get(f"/mobility/v1/cases/tasks/{task['id']}", headers=auth),
        http.get(f"/mobility/v1/cases/tasks/{task['id']}/managers", headers=auth),
        http.get(f"/mobility/v1/cases/{case['id']}/managers", headers=auth),
        http.get(f"/mobility/v1/cases/{case_with_expenses}/expenses", headers=auth),
        http.get(f"/mobility/v1/cases/{case_with_expenses}/expenses/{expense['id']}", headers=auth),
    ]
    for documented, answer in zip(docs, answers, strict=True):
        assert answer.status_code == 200, answer.text
        body = answer.json()
        if "managers" in str(answer.url) and "tasks" in str(answer.url):
            # keyed by user id: compare one user with the documented one
            documented = {**documented, "result": next(iter(documented["result"].values()))}
            body = {**body, "result": next(iter(body["result"].values()))}
        assert shape_differences(documented, body) == [], answer.url


def test_plannr_income_matches_the_docs(sandbox: Sandbox, http: httpx.Client) -> None:
    documented = unstub(doc_blocks("plannr-create-client-income.txt")[1])
    headers = {
        "Authorization": f"Bearer {PLANNR_TOKEN}",
        "X-PLANNR-ACCOUNT-UUID": PLANNR_ACCOUNT_UUID,
    }
    client_uuid = next(uuid for uuid, rows in sandbox.data.plannr_incomes.items() if rows)
    with_employment = [
        i
        for rows in sandbox.data.plannr_incomes.values()
        for i in rows
        if i["employment"] is not None
    ]
    # The seed doc shows an income with its includes answered; Plannr's public reference
    # adds `type_other` (what an income of type `other` is).
    documented = {**documented, "type_other": None}
    answer = http.get(
        f"/plannr/api/v1/client/{client_uuid}/income",
        params={"include": "employment,shared_owner"},
        headers=headers,
    )
    assert answer.status_code == 200
    assert "X-Ratelimit-Remaining" in answer.headers
    income = answer.json()["data"][0]
    documented_account = documented["account"]
    assert shape_differences(documented, income) == []
    assert shape_differences(documented["employment"], with_employment[0]["employment"]) == []
    clients = http.get(
        "/plannr/api/v1/account", params={"filter[type]": "client"}, headers=headers
    ).json()
    assert set(documented_account) <= set(clients["data"][0])
    assert set(clients["meta"]) >= {"current_page", "last_page", "per_page", "total"}
    assert "next" in clients["links"]


def test_willsuite_answers_match_the_docs(sandbox: Sandbox, http: httpx.Client) -> None:
    docs = doc_blocks(WILLSUITE)
    token = http.post(
        "/willsuite/oauth/token/",
        json={
            "grant_type": "client_credentials",
            "client_id": WILLSUITE_CLIENT_ID,
            "client_secret": WILLSUITE_CLIENT_SECRET,
        },
    ).json()["access_token"]
    auth = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    case_id = next(cid for cid, rows in sandbox.data.willsuite_invoices.items() if rows)
    answer = http.get(f"/willsuite/cases/{case_id}/invoices", headers=auth)
    assert answer.status_code == 200
    assert isinstance(answer.json(), list)
    assert shape_differences(docs[0], answer.json()) == []
    created = http.post(
        f"/willsuite/cases/{case_id}/invoices",
        headers=auth,
        json={
            "invoice_number": "SHAPE001",
            "sender_id": "9b5c02d1-a587-4b0b-b83c-a8889f038f85",
            "date_created": "2024-05-17 15:22:00",
            "date_due": "2024-06-16 15:22:00",
            "payment_terms": "Pay within 30 days",
            "vat": 20,
            "total": 120,
            "sub_total": 100,
            "vat_amount": 20,
            "items": [{"description": "1h Meetings", "quantity": 5, "rate": 20, "amount": 120}],
        },
    )
    assert created.status_code == 200, created.text
    assert shape_differences(docs[3], created.json()) == []
    assert created.json()["date_created"] == "2024-05-16T23:00:00.000000Z"


def test_same_seed_same_data() -> None:
    from reports.sandbox import Sizes, generate

    small = Sizes(mobility_cases=20, plannr_cases=20, plannr_clients=10, willsuite_cases=20)
    assert generate(7, small) == generate(7, small)
    assert generate(7, small) != generate(8, small)


def test_default_data_is_varied_enough_to_report_on(sandbox: Sandbox) -> None:
    data = sandbox.data
    currencies = {e["currency_code"] for rows in data.mobility_expenses.values() for e in rows}
    assert {"EUR", "GBP", "USD", "CHF", "JPY"} <= currencies
    assert len(currencies) >= 10
    incomes = [i for rows in data.plannr_incomes.values() for i in rows]
    assert {i["frequency"] for i in incomes} == set(plannr_frequencies())
    assert {i["amount_type"] for i in incomes} == {"net", "gross"}
    invoices = [i for rows in data.willsuite_invoices.values() for i in rows]
    assert {i["status"] for i in invoices} == {"Paid", "Not Paid"}
    items = [item for invoice in invoices for item in invoice["items"]]
    assert {item["has_vat"] for item in items} == {True, False}
    assert any(item["status"] == "cancelled" for item in items)
    assert 200 <= len(data.mobility_cases) <= 1000


def plannr_frequencies() -> tuple[str, ...]:
    from reports.sources.plannr import FREQUENCIES

    return FREQUENCIES
