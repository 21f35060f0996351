"""The connectors against the sandbox over real loopback sockets: every record exactly once."""

from __future__ import annotations

import asyncio
import json
import re
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from conftest import MakeSandbox
from helpers import invoke

import reports
from reports import ApiError, IncompleteDataError, fetch_frames
from reports.config import Secret
from reports.frames import SCHEMAS, combined_cases_schema
from reports.http import RetryPolicy
from reports.sandbox import Sandbox, Sizes
from reports.sources import plannr, willsuite

EMPTY = Sizes(mobility_cases=0, plannr_cases=0, plannr_clients=0, willsuite_cases=0)
#: Every kind of record these tests look for (cancelled invoice items, case and task
#: managers, incomes), in a fraction of the demo's 1,050 cases, which each test read again.
SMALL = Sizes(mobility_cases=40, plannr_cases=30, plannr_clients=20, willsuite_cases=40)
#: Plannr alone, with 60 clients: a request for each client's incomes, more than the tight
#: limits below allow at once.
PLANNR_60 = Sizes(mobility_cases=0, plannr_cases=20, plannr_clients=60, willsuite_cases=0)


@pytest.fixture(scope="module")
def sandbox(make_sandbox: MakeSandbox) -> Sandbox:
    """This module's read-only sandbox, in place of the suite's demo-sized one: what these
    tests check (every record once, exact money, clear errors) does not depend on size."""
    return make_sandbox(sizes=SMALL, seed=1, plannr_rate_limit=1_000_000)


def expected_counts(server: Sandbox) -> dict[tuple[str, str], int]:
    data = server.data
    return {
        ("mobility", "cases"): len(data.mobility_cases),
        ("mobility", "services"): sum(len(c["services"]) for c in data.mobility_cases),
        ("mobility", "tasks"): len(data.mobility_tasks),
        ("mobility", "case_managers"): sum(len(m) for m in data.mobility_case_managers.values()),
        ("mobility", "task_managers"): sum(len(m) for m in data.mobility_task_managers.values()),
        ("mobility", "expenses"): sum(len(e) for e in data.mobility_expenses.values()),
        ("plannr", "cases"): len(data.plannr_cases),
        ("plannr", "clients"): len(data.plannr_clients),
        ("plannr", "incomes"): sum(len(i) for i in data.plannr_incomes.values()),
        ("willsuite", "cases"): len(data.willsuite_cases),
        ("willsuite", "invoices"): sum(len(i) for i in data.willsuite_invoices.values()),
        ("willsuite", "invoice_items"): sum(
            len(inv["items"]) for rows in data.willsuite_invoices.values() for inv in rows
        ),
    }


def test_every_frame_has_the_servers_totals_and_its_schema(sandbox: Sandbox) -> None:
    frames = fetch_frames(sandbox.config())
    assert {key: frame.height for key, frame in frames.items()} == expected_counts(sandbox)
    for key, frame in frames.items():
        assert frame.schema == SCHEMAS[key].polars_schema, key
        if key[1] not in ("case_managers", "task_managers"):
            assert frame["id"].is_unique().all(), key


def test_money_is_exact_decimal_and_matches_the_server(sandbox: Sandbox) -> None:
    frames = fetch_frames(sandbox.config(), ["expenses", "incomes", "invoices"])
    from decimal import Decimal

    expenses = frames["mobility", "expenses"]
    assert expenses.schema["amount"] == pl.Decimal(38, 4)
    server_total = sum(
        (Decimal(e["amount"]) for rows in sandbox.data.mobility_expenses.values() for e in rows),
        Decimal(0),
    )
    assert expenses["amount"].sum() == server_total
    incomes = frames["plannr", "incomes"]
    pennies = sum(
        int(i["amount"]["amount"]) for rows in sandbox.data.plannr_incomes.values() for i in rows
    )
    assert incomes["amount"].sum() == Decimal(pennies) / 100
    invoices = frames["willsuite", "invoices"]
    total = sum(
        (i["total"] for rows in sandbox.data.willsuite_invoices.values() for i in rows), Decimal(0)
    )
    assert invoices["total"].sum() == total


def test_fetch_cases_stacks_the_three_sources(sandbox: Sandbox) -> None:
    cases = reports.fetch_cases(sandbox.config())
    assert cases.schema == combined_cases_schema()
    counts = dict(cases.group_by("source").len().iter_rows())
    assert counts == {
        "mobility": len(sandbox.data.mobility_cases),
        "plannr": len(sandbox.data.plannr_cases),
        "willsuite": len(sandbox.data.willsuite_cases),
    }
    assert cases["case_id"].null_count() == 0


def test_public_fetch_functions(sandbox: Sandbox) -> None:
    config = sandbox.config()
    counts = expected_counts(sandbox)
    assert reports.fetch_expenses(config).height == counts["mobility", "expenses"]
    assert reports.fetch_tasks(config).height == counts["mobility", "tasks"]
    assert reports.fetch_services(config).height == counts["mobility", "services"]
    managers = reports.fetch_managers(config)
    assert (
        managers.height == counts["mobility", "case_managers"] + counts["mobility", "task_managers"]
    )
    assert set(managers["parent_type"]) == {"case", "task"}
    assert reports.fetch_clients(config).height == counts["plannr", "clients"]
    assert reports.fetch_incomes(config).height == counts["plannr", "incomes"]
    assert reports.fetch_invoices(config).height == counts["willsuite", "invoices"]
    items = reports.fetch_invoice_items(config)
    assert items.height == counts["willsuite", "invoice_items"]
    assert "cancelled" in set(items["status"].drop_nulls())


def test_unconfigured_source_gives_empty_frames_with_full_schema(sandbox: Sandbox) -> None:
    only_plannr = sandbox.config(sources=("plannr",))
    expenses = reports.fetch_expenses(only_plannr)
    assert expenses.height == 0
    assert expenses.schema == SCHEMAS["mobility", "expenses"].polars_schema
    assert set(reports.fetch_cases(only_plannr)["source"]) == {"plannr"}


def test_empty_sources(make_sandbox: MakeSandbox) -> None:
    server = make_sandbox(sizes=EMPTY)
    frames = fetch_frames(server.config())
    assert len(frames) == 12
    for key, frame in frames.items():
        assert frame.height == 0
        assert frame.schema == SCHEMAS[key].polars_schema


def test_three_pages_of_500(make_sandbox: MakeSandbox) -> None:
    sizes = Sizes(
        mobility_cases=1500,
        plannr_cases=10,
        plannr_clients=1500,
        willsuite_cases=10,
        max_expenses_per_case=0,
    )
    server = make_sandbox(sizes=sizes)
    config = server.config()
    assert config.mobility is not None  # asking for pages of 500 (the default is 100)
    config = replace(config, mobility=replace(config.mobility, page_size=500))
    frames = fetch_frames(config, ["cases", "clients"])
    assert frames["mobility", "cases"].height == 1500
    assert frames["plannr", "clients"].height == 1500
    assert server.requests["/mobility/v1/cases"] == 3
    assert server.requests["/plannr/api/v1/account"] == 3
    # WillSuite caps pages at 100
    assert server.requests["/willsuite/cases"] == 1


def test_fan_out_over_1000_cases_is_concurrent_and_bounded(make_sandbox: MakeSandbox) -> None:
    sizes = Sizes(
        mobility_cases=1000,
        plannr_cases=0,
        plannr_clients=0,
        willsuite_cases=0,
        max_expenses_per_case=3,
    )
    server = make_sandbox(sizes=sizes, latency_ms=5)
    config = replace(server.config(sources=("mobility",)), concurrency=8)
    expenses = reports.fetch_expenses(config)
    assert expenses.height == expected_counts(server)["mobility", "expenses"]
    assert server.requests["/mobility/v1/cases/{id}/expenses"] == 1000
    assert 2 <= server.max_in_flight <= 8
    assert expenses.group_by("case_id").len().height == sum(
        1 for rows in server.data.mobility_expenses.values() if rows
    )


def test_429_storm_is_ridden_out(make_sandbox: MakeSandbox) -> None:
    # 60 clients: the storm's 60 answers spread over many requests, as over the demo's 150.
    server = make_sandbox(sizes=PLANNR_60)
    server.inject("/plannr/api/v1/client/", 429, count=60, headers={"Retry-After": "1"})
    incomes = reports.fetch_incomes(server.config(sources=("plannr",)))
    assert server.statuses[429] == 60
    assert incomes.height == expected_counts(server)["plannr", "incomes"]


def test_plannr_rate_limit_is_respected(make_sandbox: MakeSandbox) -> None:
    # A tight limit (40 a second) with the client's pacing and Retry-After handling.
    server = make_sandbox(sizes=PLANNR_60, plannr_rate_limit=40, plannr_rate_window_seconds=1.0)
    config = server.config(sources=("plannr",))
    incomes = reports.fetch_incomes(config)
    assert incomes.height == expected_counts(server)["plannr", "incomes"]
    # More requests than one window allows: the limit was really in play.
    assert sum(n for path, n in server.requests.items() if path.startswith("/plannr/")) > 40


def test_503_then_success(make_sandbox: MakeSandbox) -> None:
    server = make_sandbox(sizes=Sizes(mobility_cases=30))
    server.inject("/mobility/v1/cases", 503, count=2, method="GET")
    cases = reports.fetch_frames(server.config(sources=("mobility",)), ["cases"])
    assert server.statuses[503] == 2
    assert cases["mobility", "cases"].height == 30


def test_retries_give_up_with_a_clear_error(make_sandbox: MakeSandbox) -> None:
    server = make_sandbox(sizes=Sizes(mobility_cases=3))
    server.inject("/mobility/v1/cases", 503, count=100)
    from reports.sources import mobility

    api = mobility.connect(server.config().mobility, server.config())
    api.retry = RetryPolicy(attempts=3, backoff_seconds=0.01)
    with pytest.raises(
        reports.TransientApiError,
        match=r"mobility: GET /v1/cases still failing after 3 attempts \(HTTP 503\)",
    ):
        api.get("/v1/cases")
    api.close()


def test_expired_willsuite_token_is_refreshed(make_sandbox: MakeSandbox) -> None:
    server = make_sandbox(sizes=Sizes(willsuite_cases=20))
    config = server.config(sources=("willsuite",))
    with willsuite.connect(config.willsuite, config) as api:
        assert len(willsuite.list_cases(api)) == 20
        server.revoke_willsuite_tokens()  # as if the JWT had expired
        assert len(willsuite.list_cases(api)) == 20
    assert server.requests["/willsuite/oauth/token"] == 2
    assert server.statuses[401] == 1


def test_short_lived_willsuite_tokens_are_renewed_before_expiry(make_sandbox: MakeSandbox) -> None:
    server = make_sandbox(sizes=Sizes(willsuite_cases=20), willsuite_token_ttl_seconds=20)
    frames = fetch_frames(server.config(sources=("willsuite",)), ["invoices"])
    assert (
        frames["willsuite", "invoices"].height == expected_counts(server)["willsuite", "invoices"]
    )
    assert server.statuses[401] == 0


def test_401_names_source_endpoint_and_message_and_hides_the_token(sandbox: Sandbox) -> None:
    config = sandbox.config(sources=("mobility",))
    bad = replace(config, mobility=replace(config.mobility, token=Secret("not-the-token-123")))
    with pytest.raises(ApiError) as caught:
        reports.fetch_cases(bad)
    message = str(caught.value)
    assert caught.value.status == 401
    assert message.startswith("mobility: GET /v1/cases failed with HTTP 401: Unauthenticated.")
    assert "not-the-token-123" not in message
    assert "not-the-token-123" not in repr(bad)


def test_wrong_willsuite_secret_is_a_clear_error(sandbox: Sandbox) -> None:
    config = sandbox.config(sources=("willsuite",))
    bad = replace(config, willsuite=replace(config.willsuite, client_secret=Secret("wrong-secret")))
    with pytest.raises(
        ApiError,
        match="willsuite: POST /oauth/token/ failed with HTTP 401: Client authentication failed",
    ):
        reports.fetch_invoices(bad)


def test_422_field_errors_are_reported(sandbox: Sandbox) -> None:
    config = sandbox.config(sources=("plannr",))
    client_uuid = sandbox.data.plannr_clients[0]["uuid"]
    with plannr.connect(config.plannr, config) as api, pytest.raises(ApiError) as caught:
        api.request(
            "POST", f"/api/v1/client/{client_uuid}/income", json_body={"name": "x", "type": "yacht"}
        )
    assert caught.value.status == 422
    assert "type" in caught.value.field_errors
    assert "type: The selected type is invalid." in str(caught.value)


def test_404_is_a_clear_error(sandbox: Sandbox) -> None:
    config = sandbox.config(sources=("willsuite",))
    with willsuite.connect(config.willsuite, config) as api, pytest.raises(ApiError) as caught:
        willsuite.case_invoices(api, "00000000-0000-4000-8000-000000000000")
    assert caught.value.status == 404
    assert "check the base URL and the id" in str(caught.value)


class LyingSandbox(Sandbox):
    """Reports one more case than it lists, as an API whose data changed mid-read would."""

    def handle(
        self, method: str, raw_path: str, headers: Any, body: bytes
    ) -> tuple[int, Any, dict[str, str]]:
        status, payload, extra = super().handle(method, raw_path, headers, body)
        if raw_path.startswith("/mobility/v1/cases?"):
            payload = json.loads(json.dumps(payload))
            payload["result"]["total"] += 1
        return status, payload, extra


def test_a_short_count_is_refused_not_returned(make_sandbox: MakeSandbox) -> None:
    server = make_sandbox(LyingSandbox, sizes=Sizes(mobility_cases=5))
    with pytest.raises(IncompleteDataError, match="reported 6 records but 5"):
        reports.fetch_cases(server.config(sources=("mobility",)))


def test_fetch_works_inside_a_running_event_loop(sandbox: Sandbox) -> None:
    # As in a Jupyter kernel, where an asyncio loop is already running.
    async def notebook_cell() -> int:
        return reports.fetch_invoices(sandbox.config(sources=("willsuite",))).height

    assert asyncio.run(notebook_cell()) == expected_counts(sandbox)["willsuite", "invoices"]


def test_unknown_api_fields_are_ignored(make_sandbox: MakeSandbox) -> None:
    server = make_sandbox(sizes=Sizes(mobility_cases=2))
    for case in server.data.mobility_cases:
        case["brand_new_field"] = {"nested": [1, 2]}
    frame = reports.fetch_frames(server.config(sources=("mobility",)), ["cases"])[
        "mobility", "cases"
    ]
    assert frame.height == 2
    assert "brand_new_field" not in frame.columns


def test_mobility_case_details_fill_the_detail_only_fields(make_sandbox: MakeSandbox) -> None:
    server = make_sandbox(sizes=Sizes(mobility_cases=12))
    config = server.config(sources=("mobility",))
    detailed = replace(config, mobility=replace(config.mobility, case_details=True))
    frames = fetch_frames(detailed, ["cases", "services"])
    assert server.requests["/mobility/v1/cases/{id}"] == 12
    cases, services = frames["mobility", "cases"], frames["mobility", "services"]
    assert cases.height == 12
    assert cases["permissions"].null_count() == 0
    assert cases["allowed_actions_can_add_task"].all()
    assert cases["order_entity_type"].to_list() == ["client"] * 12
    assert services["total_tasks"].null_count() == 0
    assert services["total_tasks"].sum() == sum(1 for _ in server.data.mobility_tasks)


def test_a_plannr_budget_spent_elsewhere_is_waited_out_not_failed(
    make_sandbox: MakeSandbox,
) -> None:
    # As Plannr's rate-limit page has it: a budget a minute (here 2 s), only
    # X-Ratelimit-Remaining sent, and another integration has spent this window's budget.
    server = make_sandbox(
        sizes=Sizes(plannr_cases=4, plannr_clients=4),
        plannr_rate_window_seconds=2.0,
        plannr_documented_headers_only=True,
        plannr_spent_windows=1,
    )
    seen: list[tuple[str, int, int]] = []
    started = time.monotonic()
    incomes = reports.fetch_incomes(
        server.config(sources=("plannr",)), on_progress=lambda *a: seen.append(a)
    )
    assert incomes.height == expected_counts(server)["plannr", "incomes"]
    assert server.statuses[429] >= 1 and time.monotonic() - started >= 2.0
    waits = [
        done for label, done, total in seen if label == "plannr waiting for its rate limit (s)"
    ]
    assert waits and max(waits) >= 1


def test_a_budget_that_stays_spent_stops_with_a_clear_error(
    make_sandbox: MakeSandbox, tmp_path: Path
) -> None:
    server = make_sandbox(
        sizes=Sizes(plannr_cases=4, plannr_clients=4),
        plannr_rate_window_seconds=1.0,
        plannr_documented_headers_only=True,
        plannr_spent_windows=100,
    )
    result = invoke(
        ["fetch", "--source", "plannr", "--out", str(tmp_path)],
        env=server.environment(),
        cwd=tmp_path,
    )
    assert result.returncode == 1
    assert re.fullmatch(
        r"error: plannr: GET /api/v1/\S+: the rate limit's budget stayed spent through two "
        r"whole windows \(2 s\) of waiting: another integration on the account may be using "
        r"it; try again later\n",
        result.stderr,
    ), result.stderr
