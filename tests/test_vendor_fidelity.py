"""What the vendors' public documentation says beyond the seed docs, held against the
connectors and the sandbox: Plannr's includes, bare single records, OAuth refresh and its
one documented rate-limit header; WillSuite's list envelopes, timestamps, item statuses
and update method; the mobility platform's page size."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import httpx
import pytest
from conftest import MakeSandbox

import reports
from reports.config import PlannrSettings, Secret, load_config
from reports.errors import ApiError, ConfigError, DataError
from reports.frames import PLANNR_CASES
from reports.sandbox import PLANNR_ACCOUNT_UUID, Sandbox, Sizes
from reports.sandbox.plannr import (
    PLANNR_CLIENT_ID,
    PLANNR_CLIENT_SECRET,
    PLANNR_REFRESH_TOKEN,
)
from reports.sources import plannr

SMALL = Sizes(mobility_cases=3, plannr_cases=12, plannr_clients=8, willsuite_cases=6)


# --------------------------------------------------------------------------- Plannr


def test_plannr_cases_ask_for_every_include_they_read(sandbox: Sandbox) -> None:
    cases = reports.fetch_frames(sandbox.config(sources=("plannr",)), ["cases"])["plannr", "cases"]
    assert cases["assigned_to_names"].list.len().sum() == len(sandbox.data.plannr_cases)
    assert cases["status_name"].null_count() == 0
    first = sandbox.data.plannr_cases[0]
    row = cases.filter(uuid=first["uuid"]).row(0, named=True)
    assert row["assigned_to_uuids"] == [user["uuid"] for user in first["assigned_to"]]
    assert row["participants_count"] == len(first["participants"])
    assert row["slug"] and row["status_position"] is not None


def test_plannr_base_uuid_arrays_fill_the_columns_without_includes(sandbox: Sandbox) -> None:
    config = sandbox.config(sources=("plannr",))
    assert config.plannr is not None
    with plannr.connect(config.plannr, config) as api:
        body = api.get("/api/v1/cases", {"per_page": 5})  # no include=
    assert "assigned_to" not in body["data"][0] and "assigned_to_uuids" in body["data"][0]
    frame = PLANNR_CASES.build(body["data"])
    assert frame["assigned_to_uuids"].list.len().min() == 1
    assert frame["assigned_to_names"].null_count() == frame.height


def test_plannr_incomes_ask_for_their_includes(sandbox: Sandbox) -> None:
    incomes = reports.fetch_incomes(sandbox.config(sources=("plannr",)))
    with_employment = sum(
        1
        for rows in sandbox.data.plannr_incomes.values()
        for income in rows
        if income.get("employment")
    )
    assert with_employment > 0
    assert incomes["employment_employer"].is_not_null().sum() == with_employment
    assert "type_other" in incomes.columns


def test_a_single_object_where_a_list_belongs_is_an_error_naming_the_field() -> None:
    with pytest.raises(DataError, match=r"field plan_uuids: `plans` should be a list, got dict"):
        PLANNR_CASES.build([{"uuid": "c1", "plans": {"name": "ISA", "tags": []}}])


def test_plannr_single_records_are_read_bare_or_wrapped(make_sandbox: MakeSandbox) -> None:
    server = make_sandbox(sizes=SMALL)
    config = server.config(sources=("plannr",))
    assert config.plannr is not None
    client = server.data.plannr_clients[0]["uuid"]
    draft = plannr.CaseDraft(name="Bare answer", participants=[client], value=Decimal("12.34"))
    created = plannr.create_case(draft, config.plannr, config)
    assert created["name"] == "Bare answer" and "uuid" in created  # the object, not {"data": ...}
    assert plannr._unwrap({"data": created}) == plannr._unwrap(created)


def test_plannr_401_shows_the_vendor_message(make_sandbox: MakeSandbox) -> None:
    server = make_sandbox(sizes=SMALL)
    config = server.config(sources=("plannr",))
    assert config.plannr is not None
    wrong = PlannrSettings(config.plannr.url, Secret("expired"), PLANNR_ACCOUNT_UUID)
    with pytest.raises(ApiError, match=r"HTTP 401: Unauthenticated\. \(check the credentials\)"):
        plannr.source.fetch(reports.Config(plannr=wrong), ["cases"])


def oauth_settings(server: Sandbox, token_file: Path) -> PlannrSettings:
    return PlannrSettings(
        f"{server.url}/plannr",
        None,
        PLANNR_ACCOUNT_UUID,
        refresh_token=Secret(PLANNR_REFRESH_TOKEN),
        client_id=PLANNR_CLIENT_ID,
        client_secret=Secret(PLANNR_CLIENT_SECRET),
        token_file=token_file,
    )


def test_plannr_oauth_refreshes_on_401_and_keeps_the_rotated_token(
    make_sandbox: MakeSandbox, tmp_path: Path
) -> None:
    server = make_sandbox(sizes=SMALL)
    token_file = tmp_path / "plannr-refresh-token"
    config = reports.Config(plannr=oauth_settings(server, token_file))
    first = reports.fetch_incomes(config)
    assert server.plannr.refreshes == 1
    assert token_file.read_text() == server.plannr.refresh_token
    assert token_file.stat().st_mode & 0o777 == 0o600
    # A new run starts from the stored (rotated) token; the configured one is spent.
    server.plannr.revoke_tokens()
    again = reports.fetch_incomes(config)
    assert server.plannr.refreshes == 2
    assert again.equals(first)
    assert PLANNR_REFRESH_TOKEN not in token_file.read_text()


def test_plannr_oauth_needs_its_client(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="REPORTS_PLANNR_CLIENT_ID"):
        load_config(
            environ={
                "REPORTS_PLANNR_REFRESH_TOKEN": "r",
                "REPORTS_PLANNR_ACCOUNT_UUID": PLANNR_ACCOUNT_UUID,
            }
        )
    config = load_config(
        environ={
            "REPORTS_PLANNR_REFRESH_TOKEN": "r",
            "REPORTS_PLANNR_ACCOUNT_UUID": PLANNR_ACCOUNT_UUID,
            "REPORTS_PLANNR_CLIENT_ID": "c",
            "REPORTS_PLANNR_CLIENT_SECRET": "s",
            "REPORTS_PLANNR_TOKEN_FILE": str(tmp_path / "t"),
        }
    )
    assert config.plannr is not None and config.plannr.token is None
    assert config.plannr.token_file == tmp_path / "t"


def test_plannr_pacing_needs_only_the_documented_header(make_sandbox: MakeSandbox) -> None:
    server = make_sandbox(
        plannr_rate_limit=40, plannr_rate_window_seconds=1.0, plannr_documented_headers_only=True
    )
    headers = {"Authorization": "Bearer sandbox-plannr-token"}
    answer = httpx.get(f"{server.url}/plannr/api/v1/account", headers=headers)
    assert "X-Ratelimit-Remaining" in answer.headers
    assert "X-Ratelimit-Limit" not in answer.headers and "Retry-After" not in answer.headers
    started = dt.datetime.now()
    incomes = reports.fetch_incomes(server.config(sources=("plannr",)))
    assert incomes.height == sum(len(rows) for rows in server.data.plannr_incomes.values())
    assert (dt.datetime.now() - started).total_seconds() < 120


def test_frames_doc_lists_the_new_columns() -> None:
    text = (Path(__file__).resolve().parents[1] / "docs" / "frames.md").read_text()
    for column in ("status_position", "participants_count", "custom_fields", "type_other"):
        assert f"`{column}`" in text
