"""The mobility platform's source, read through `httpx.MockTransport` serving the payloads
its documentation shows (`tests/fixtures/vendor/mobility-*.json`): given its own settings
and a transport, nothing else, it reads every entity into its typed frames."""

from __future__ import annotations

from decimal import Decimal

import httpx
import pytest
from vendor_double import FixtureVendor

from reports.config import Config
from reports.errors import ReportsError
from reports.http import Limits
from reports.secret import Secret
from reports.sources.mobility import MobilitySettings, MobilitySource

TOKEN = "mobility-token"
DOCUMENTED = (
    "mobility-cases",
    "mobility-case-detail",
    "mobility-case-managers",
    "mobility-expenses",
    "mobility-tasks",
    "mobility-task-managers",
)


def signed_in(request: httpx.Request) -> bool:
    return request.headers.get("Authorization") == f"Bearer {TOKEN}"


def vendor() -> FixtureVendor:
    return FixtureVendor(DOCUMENTED, signed_in, base="/api")


def settings(token: str = TOKEN, case_details: bool = False) -> MobilitySettings:
    return MobilitySettings("https://mobility.example/api", Secret(token), case_details)


def test_every_entity_is_read_into_its_typed_frame() -> None:
    served = vendor()
    source = MobilitySource(served.transport)
    frames = source.fetch_with(settings(case_details=True), source.entities, Limits(2, 5.0))

    assert set(frames) == set(source.entities)
    for entity, frame in frames.items():
        assert frame.schema == source.schemas[entity].polars_schema, entity
    assert frames["cases"].select("id", "client_name").rows() == [("590", "Example Client Ltd")]
    assert frames["services"]["case_id"].to_list() == ["590"]
    expenses = frames["expenses"]
    assert expenses.select("id", "case_id", "title", "currency_code").rows() == [
        ("1502", "590", "Visa Fees", "EUR")
    ]
    assert expenses["amount"].to_list() == [Decimal("250.00")]
    assert frames["case_managers"]["user_name"].to_list() == ["John Manager", "Jane HR"]
    assert frames["tasks"].select("id", "case_id").rows() == [("910", "590")]
    assert frames["task_managers"].select("parent_id", "user_id").rows() == [("910", "601")]
    assert served.seen == [
        "GET /v1/cases",
        "GET /v1/cases/590",
        "GET /v1/cases/590/managers",
        "GET /v1/cases/590/expenses",
        "GET /v1/cases/tasks",
        "GET /v1/cases/tasks/910/managers",
    ]


def test_only_the_entities_asked_for_are_read() -> None:
    served = vendor()
    frames = MobilitySource(served.transport).fetch_with(settings(), ["cases"])
    assert list(frames) == ["cases"]
    assert served.seen == ["GET /v1/cases"]  # no case detail unless `case_details` is set


def test_a_run_reads_it_through_its_transport_with_the_configs_limits() -> None:
    served = vendor()
    config = Config(mobility=settings(), concurrency=1, timeout_seconds=5.0)
    frames = MobilitySource(served.transport).fetch(config, ["expenses"])
    assert frames["expenses"]["amount"].to_list() == [Decimal("250.00")]


def test_a_refused_token_is_one_clear_error() -> None:
    source = MobilitySource(vendor().transport)
    with pytest.raises(ReportsError) as caught:
        source.fetch_with(settings(token="wrong"), ["cases"])
    assert "401" in str(caught.value) and "\n" not in str(caught.value)
