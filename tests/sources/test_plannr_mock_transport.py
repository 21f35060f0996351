"""Plannr's source, read through `httpx.MockTransport` serving the payloads its public API
reference shows (`tests/fixtures/vendor/plannr-*.json`): given its own settings and a
transport, nothing else, it reads cases, client accounts and their incomes into typed
frames, signing in with a personal access token or an OAuth refresh token."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import httpx
from vendor_double import FixtureVendor

from reports.secret import Secret
from reports.sources.plannr import PlannrSettings, PlannrSource

ACCOUNT = "9f1c0e57-1b8e-4d51-8f2b-6a1d2c3b4a50"
TOKEN = "plannr-access-token"
DOCUMENTED = ("plannr-cases", "plannr-clients", "plannr-incomes")
CLIENT = "515b09b5-fdb8-4aa1-8b42-4e65ce0083f7"


def signed_in(request: httpx.Request) -> bool:
    return (
        request.headers.get("Authorization") == f"Bearer {TOKEN}"
        and request.headers.get("X-PLANNR-ACCOUNT-UUID") == ACCOUNT
    )


def test_every_entity_is_read_into_its_typed_frame() -> None:
    served = FixtureVendor(DOCUMENTED, signed_in)
    source = PlannrSource(served.transport)
    frames = source.fetch_with(
        PlannrSettings("https://api.plannr.example", Secret(TOKEN), ACCOUNT), source.entities
    )

    assert set(frames) == set(source.entities)
    for entity, frame in frames.items():
        assert frame.schema == source.schemas[entity].polars_schema, entity
    cases = frames["cases"]
    assert cases.select("name", "value_currency", "status_name").rows() == [
        ("Patrick's Case", "GBP", "Recommendation")
    ]
    assert cases["value"].to_list() == [Decimal("150.99")]  # 15099 pence
    assert frames["clients"].select("id", "name").rows() == [(CLIENT, "Gareth Thompson")]
    incomes = frames["incomes"]
    assert incomes.select("client_id", "name", "type").rows() == [(CLIENT, "My Salary", "salary")]
    assert incomes["amount"].to_list() == [Decimal("40.00")]
    assert served.seen == [
        "GET /api/v1/cases",
        "GET /api/v1/account",
        f"GET /api/v1/client/{CLIENT}/income",
    ]


def test_an_oauth_refresh_token_is_exchanged_through_the_same_transport(tmp_path: Path) -> None:
    """The token request goes over the source's transport too, and the rotated refresh token
    is kept for the next run."""
    fixtures = FixtureVendor(DOCUMENTED, signed_in)

    def vendor(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/oauth/token":
            fixtures.seen.append("POST /oauth/token")
            sent = json.loads(request.content)
            assert (sent["grant_type"], sent["refresh_token"]) == ("refresh_token", "first")
            return httpx.Response(
                200, json={"access_token": TOKEN, "refresh_token": "second", "expires_in": 3600}
            )
        return fixtures(request)

    settings = PlannrSettings(
        "https://api.plannr.example",
        None,
        ACCOUNT,
        refresh_token=Secret("first"),
        client_id="client",
        client_secret=Secret("secret"),
        token_file=tmp_path / "refresh-token",
    )
    frames = PlannrSource(httpx.MockTransport(vendor)).fetch_with(settings, ["cases"])
    assert frames["cases"].height == 1
    assert fixtures.seen == ["POST /oauth/token", "GET /api/v1/cases"]
    assert (tmp_path / "refresh-token").read_text(encoding="utf-8") == "second"
