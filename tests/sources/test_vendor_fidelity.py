"""What the vendors' public documentation says beyond the seed docs, held against the
connectors and the sandbox: Plannr's includes, bare single records, OAuth refresh and its
one documented rate-limit header; WillSuite's list envelopes, timestamps, item statuses
and update method; the mobility platform's page size."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

import httpx
import pytest
from conftest import MakeSandbox
from helpers import ROOT

import reports
from reports import rates
from reports.app import load_config
from reports.compute import vat
from reports.config import Secret
from reports.errors import ApiError, ConfigError, DataError
from reports.fetch import fetch_all
from reports.periods import Month
from reports.report import build_report_data
from reports.sandbox import PLANNR_ACCOUNT_UUID, Sandbox, Sizes, generate
from reports.sandbox.plannr import (
    PLANNR_CLIENT_ID,
    PLANNR_CLIENT_SECRET,
    PLANNR_REFRESH_TOKEN,
)
from reports.snapshot import save
from reports.sources import plannr
from reports.sources.plannr import PLANNR_CASES, PlannrSettings
from reports.sources.plannr import reader as plannr_reader
from reports.sources.willsuite import (
    WILLSUITE_CASES,
    WILLSUITE_INVOICE_ITEMS,
    WILLSUITE_INVOICES,
    LineInput,
    draft_invoice,
    update_invoice,
)

SMALL = Sizes(mobility_cases=3, plannr_cases=12, plannr_clients=8, willsuite_cases=6)


# --------------------------------------------------------------------------- Plannr


def test_plannr_cases_ask_for_every_include_they_read(sandbox: Sandbox) -> None:
    cases = reports.fetch_frames(sandbox.config(sources=("plannr",)), ["cases"])["plannr", "cases"]
    assert cases["assigned_to_names"].list.len().sum() == len(sandbox.data.plannr_cases)
    assert cases["status_name"].null_count() == 0
    first = sandbox.data.plannr_cases[0]
    row = cases.filter(id=first["uuid"]).row(0, named=True)
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
    assert plannr_reader._unwrap({"data": created}) == plannr_reader._unwrap(created)


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
    # 60 clients, a request for each one's incomes: more than a window's 40, as the demo's
    # 150 were, in well under half their time.
    server = make_sandbox(
        sizes=Sizes(mobility_cases=0, plannr_cases=20, plannr_clients=60, willsuite_cases=0),
        plannr_rate_limit=40,
        plannr_rate_window_seconds=1.0,
        plannr_documented_headers_only=True,
    )
    headers = {"Authorization": "Bearer sandbox-plannr-token"}
    answer = httpx.get(f"{server.url}/plannr/api/v1/account", headers=headers)
    assert "X-Ratelimit-Remaining" in answer.headers
    assert "X-Ratelimit-Limit" not in answer.headers and "Retry-After" not in answer.headers
    started = dt.datetime.now()
    incomes = reports.fetch_incomes(server.config(sources=("plannr",)))
    assert incomes.height == sum(len(rows) for rows in server.data.plannr_incomes.values())
    assert (dt.datetime.now() - started).total_seconds() < 120
    # More requests than one window allows: the pacing was really in play.
    assert sum(n for path, n in server.requests.items() if path.startswith("/plannr/")) > 40


def test_frames_doc_lists_the_new_columns() -> None:
    text = (ROOT / "docs" / "frames.md").read_text()
    for column in ("status_position", "participants_count", "custom_fields", "type_other"):
        assert f"`{column}`" in text


# --------------------------------------------------------------------------- WillSuite


@pytest.mark.parametrize("style", ["paginator", "resource", "data", "bare"])
def test_willsuite_cases_read_in_any_list_envelope(
    style: str, make_sandbox: MakeSandbox, tmp_path: Path
) -> None:
    server = make_sandbox(sizes=Sizes(willsuite_cases=23), willsuite_list_envelope=style)
    config = server.config(sources=("willsuite",))
    snapshot = fetch_all(config, Month.parse("2026-10"), rates.embedded())
    assert snapshot.frames["willsuite", "cases"].height == 23
    seen = snapshot.notes["fetch_notes"]["willsuite /cases envelope"]
    assert seen.startswith(
        {
            "paginator": "Laravel paginator",
            "resource": "Laravel resource collection",
            "data": "data with no page count",
            "bare": "a bare JSON array",
        }[style]
    )
    save(snapshot, tmp_path / "data", {})
    manifest = json.loads((tmp_path / "data" / "manifest.json").read_text())
    assert manifest["fetch_notes"]["willsuite /cases envelope"] == seen


def test_willsuite_reads_only_changes_with_counts_under_meta(make_sandbox: MakeSandbox) -> None:
    server = make_sandbox(sizes=Sizes(willsuite_cases=12), willsuite_list_envelope="resource")
    config = server.config(sources=("willsuite",))
    previous = fetch_all(config, Month.parse("2026-10"), rates.embedded())
    server.requests.clear()
    again = fetch_all(config, Month.parse("2026-10"), rates.embedded(), previous=previous)
    # Nothing changed since: no invoices re-read, and the merge equals the full read.
    assert server.requests["/willsuite/cases/{id}/invoices"] == 0
    for entity in ("cases", "invoices", "invoice_items"):
        assert (
            again.frames["willsuite", entity]
            .sort("id")
            .equals(previous.frames["willsuite", entity].sort("id"))
        )


def test_willsuite_updated_after_is_sent_as_documented() -> None:
    from reports.sources.willsuite import format_timestamp

    summer = dt.datetime(2026, 5, 1, 9, 5, 3, tzinfo=dt.UTC)
    assert format_timestamp(summer) == "2026-05-01 10:05:03"  # UK time, BST
    assert (
        format_timestamp(dt.datetime(2026, 12, 1, 9, 5, 3, tzinfo=dt.UTC)) == "2026-12-01 09:05:03"
    )


def test_willsuite_get_and_create_timestamps_are_the_same_instant() -> None:
    local, utc = WILLSUITE_INVOICES.build(
        [
            {"id": "a", "date_created": "2024-05-17 00:00:00"},  # GET: UK local, naive
            {"id": "b", "date_created": "2024-05-16T23:00:00.000000Z"},  # create: UTC
        ]
    )["issued_at"]
    assert local == utc


def test_an_empty_willsuite_email_is_no_address() -> None:
    cases = WILLSUITE_CASES.build([{"id": "c1", "email": ""}, {"id": "c2", "email": "a@b.uk"}])
    assert cases["email"].to_list() == [None, "a@b.uk"]


def test_item_statuses_cancelled_in_any_spelling_and_unknown_ones_flagged() -> None:
    invoice = {"id": "i1", "invoice_number": "INV-1", "date_created": "2026-10-05 00:00:00"}
    statuses = [None, "Cancelled", "canceled", "VOID", "voided", "on hold"]
    items = WILLSUITE_INVOICE_ITEMS.build(
        [
            {
                "id": f"l{index}",
                "case_invoice_id": "i1",
                "quantity": 1,
                "rate": Decimal("10.00"),
                "subtotal": Decimal("10.00"),
                "vat_amount": Decimal("2.00"),
                "amount": Decimal("12.00"),
                "has_vat": True,
                "status": status,
            }
            for index, status in enumerate(statuses)
        ]
    )
    lines = vat.invoice_lines(WILLSUITE_INVOICES.build([invoice]), items)
    assert lines["cancelled"].to_list() == [False, True, True, True, True, False]
    assert lines["unknown_status"].to_list() == [False, False, False, False, False, True]
    checked = vat.check_lines(WILLSUITE_INVOICES.build([invoice]), lines).row(0, named=True)
    assert checked["recomputed_total"] == Decimal("12.00")  # the live line only
    assert checked["cancelled_subtotal"] == Decimal("40.00")


def test_unknown_item_statuses_are_flagged_in_the_report(make_sandbox: MakeSandbox) -> None:
    data = generate(1, SMALL)
    _, invoice = next(
        (case_id, i) for case_id, rows in data.willsuite_invoices.items() for i in rows
    )
    invoice["items"][0]["status"] = "on hold"
    server = make_sandbox(data=data)
    report = build_report_data(
        reports.fetch_frames(server.config()), "2026-10", rates=rates.embedded()
    )
    flagged = report.quality.filter(check="unknown item status")
    assert flagged["record"].to_list() == [invoice["items"][0]["id"]]
    assert flagged["detail"][0] == "status on hold is not a known one"
    assert flagged["action"][0] == "left out of every total"


def test_an_update_answered_405_is_sent_once_more_as_post(make_sandbox: MakeSandbox) -> None:
    server = make_sandbox(sizes=SMALL)
    config = server.config(sources=("willsuite",))
    assert config.willsuite is not None
    case_id, invoice = next(
        (case_id, rows[0]) for case_id, rows in server.data.willsuite_invoices.items() if rows
    )
    draft = draft_invoice(
        invoice_number="UPD-1",
        sender_id="9b5c02d1-a587-4b0b-b83c-a8889f038f85",
        date_created=dt.datetime(2026, 10, 5, 9),
        date_due=dt.datetime(2026, 11, 4, 9),
        lines=[LineInput("Single Will", 1, Decimal("150.00"))],
    )
    server.inject("/willsuite/cases/", 405, count=1, method="PATCH")
    updated = update_invoice(case_id, invoice["id"], draft, config.willsuite, config)
    assert updated["invoice_number"].to_list() == ["UPD-1"]
    assert server.statuses[405] == 1


# --------------------------------------------------------------------------- mobility


def test_mobility_page_size_is_a_setting(tmp_path: Path) -> None:
    base = {"REPORTS_MOBILITY_URL": "https://m.example.com", "REPORTS_MOBILITY_TOKEN": "t"}
    assert load_config(environ=base).mobility.page_size == 100  # type: ignore[union-attr]
    setting = {**base, "REPORTS_MOBILITY_PAGE_SIZE": "250"}
    assert load_config(environ=setting).mobility.page_size == 250  # type: ignore[union-attr]
    with pytest.raises(ConfigError, match="REPORTS_MOBILITY_PAGE_SIZE"):
        load_config(environ={**base, "REPORTS_MOBILITY_PAGE_SIZE": "0"})


def test_mobility_follows_the_servers_smaller_pages(make_sandbox: MakeSandbox) -> None:
    server = make_sandbox(sizes=Sizes(mobility_cases=23), mobility_max_per_page=7)
    cases = reports.fetch_frames(server.config(sources=("mobility",)), ["cases"])
    assert cases["mobility", "cases"].height == 23
    assert server.requests["/mobility/v1/cases"] == 4  # pages of 7, 7, 7 and 2
