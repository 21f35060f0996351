"""Plannr CRM (UK financial advisers): cases, client accounts and their incomes; writes too.

Confirmed by Plannr's documentation (`shared/api-docs/plannr-*.txt` and its public
reference):
- auth: a personal access token (a year long), or OAuth (authorization code only) whose
  refresh token, via `POST /oauth/token`, gives access tokens; each refresh rotates it;
- lists are Laravel resource collections (`data`, `meta.last_page`, `meta.total`,
  `?page=N`, `per_page` up to 500); money is `{"amount": "4000", "currency": "GBP",
  "formatted": ...}` in minor units; a 401 says `{"message": "Unauthenticated."}`;
- cases: base fields `assigned_to_uuids`, `group_uuids`, `slug`, `status_position`,
  `participants_count`, `custom_fields`, and the includes `status, type, plans,
  participants, groups, assigned_to` (each asked for, as the columns read them);
- incomes exist only per client (a fan-out); `employment` and `shared_owner` are includes;
  `type_other` names an income of type `other`;
- single records come bare (`GET /cases/{uuid}`, the create answers; `POST /cases` is 200);
  a wrapped `{"data": ...}` is read too;
- rate limit 500 a minute, with only `X-Ratelimit-Remaining` documented: pacing uses that
  alone, and a 429 without `Retry-After` backs off on its own.

Still a guess: the client-account list (`GET /api/v1/account?filter[type]=client`) and its
fields beyond those the income's `account` shows.
"""

from __future__ import annotations

import datetime as dt
import uuid as uuidlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from types import MappingProxyType
from typing import Any

import httpx
import polars as pl

from reports.errors import ConfigError, SourceError, ValidationError
from reports.http import (
    DEFAULT_LIMITS,
    ApiClient,
    BearerTokenAuth,
    HttpLimits,
    ProgressCallback,
    ResourceCollection,
    RetryPolicy,
    fetch_pages,
    record_id,
    segment,
)
from reports.money import to_minor_units
from reports.output import atomic_write
from reports.secret import Secret
from reports.sources.base import HttpSource, Role
from reports.sources.plannr.frames import CASE_SUMMARY, PLANNR_CASES, PLANNR_CLIENTS, PLANNR_INCOMES
from reports.sources.plannr.settings import SPEC, PlannrSettings

SOURCE = "plannr"
PAGE_SIZE = 500  # Plannr's documented maximum per_page
# Plannr allows 500 requests a minute; stay a little under so a full minute of fan-out
# does not trip it, and let the 429 + Retry-After path absorb any overlap.
REQUESTS_PER_MINUTE = 475
#: The related records the case columns read (the documented includes on cases).
CASE_INCLUDES = "status,type,plans,participants,groups,assigned_to"
#: Income relations are includes too: without them the employment and shared-owner columns
#: would be empty against the real API.
INCOME_INCLUDES = "employment,shared_owner"

INCOME_TYPES = (
    "salary",
    "dividend",
    "bonus",
    "benefit",
    "other",
    "investment",
    "rental",
    "pension",
)
AMOUNT_TYPES = ("net", "gross")
FREQUENCIES = (
    "daily",
    "weekly",
    "fortnightly",
    "four_weekly",
    "monthly",
    "bimonthly",
    "quarterly",
    "biannually",
    "annually",
    "adhoc",
    "one_off",
)
#: Income types the docs allow an `employment_uuid` on.
EMPLOYMENT_INCOME_TYPES = ("salary", "dividend", "bonus", "benefit", "other")


def connect(
    settings: PlannrSettings,
    limits: HttpLimits,
    on_progress: ProgressCallback | None = None,
    requests_per_minute: float | None = REQUESTS_PER_MINUTE,
    transport: httpx.BaseTransport | None = None,
) -> ApiClient:
    headers = {"X-PLANNR-ACCOUNT-UUID": settings.account_uuid}
    auth = None
    if settings.refresh_token is not None:
        auth = BearerTokenAuth(lambda: refresh_access_token(settings, limits, transport))
    elif settings.token is not None:
        headers["Authorization"] = f"Bearer {settings.token.reveal()}"
    else:
        raise ConfigError("plannr: set a personal access token, or an OAuth refresh token")
    return ApiClient(
        SOURCE,
        settings.url,
        auth=auth,
        headers=headers,
        concurrency=limits.concurrency,
        timeout_seconds=limits.timeout_seconds,
        retry=RetryPolicy(backoff_seconds=limits.retry_backoff_seconds),
        requests_per_minute=requests_per_minute,
        rate_window_seconds=settings.rate_window_seconds,
        transport=transport,
        on_progress=on_progress,
    )


def refresh_access_token(
    settings: PlannrSettings,
    limits: HttpLimits,
    transport: httpx.BaseTransport | None = None,
) -> tuple[Secret, float | None]:
    """A new access token from Plannr's OAuth refresh grant (`POST /oauth/token`).

    Plannr rotates the refresh token with every access token and revokes the old one, so
    the new one is written to `settings.token_file` (mode 600, atomically) before the
    access token is used; the next run starts from it.
    """
    assert settings.refresh_token is not None and settings.client_secret is not None
    stored = settings.token_file
    refresh = settings.refresh_token.reveal()
    if stored is not None and stored.exists():
        refresh = stored.read_text(encoding="utf-8").strip() or refresh
    with ApiClient(
        SOURCE, settings.url, timeout_seconds=limits.timeout_seconds, transport=transport
    ) as api:
        body = api.request(
            "POST",
            "/oauth/token",
            json_body={
                "grant_type": "refresh_token",
                "refresh_token": refresh,
                "client_id": settings.client_id,
                "client_secret": settings.client_secret.reveal(),
            },
            idempotent=False,  # a refresh spends the refresh token: never send it twice
        )
    if not isinstance(body, dict) or not isinstance(body.get("access_token"), str):
        raise SourceError(f"{SOURCE}: the token endpoint answered without an access_token")
    rotated = body.get("refresh_token")
    if isinstance(rotated, str) and stored is not None:
        stored.parent.mkdir(parents=True, exist_ok=True)

        def write(path: Path) -> None:
            path.write_text(rotated, encoding="utf-8")
            path.chmod(0o600)

        atomic_write(stored, write)
    lifetime = body.get("expires_in")
    return Secret(body["access_token"]), float(lifetime) if lifetime else None


#: Lists are Laravel resource collections (`data`, counts under `meta`).
read_page = ResourceCollection(SOURCE).read


def list_cases(api: ApiClient) -> list[dict[str, Any]]:
    return fetch_pages(
        api,
        "/api/v1/cases",
        read_page,
        params={"include": CASE_INCLUDES},
        page_size=PAGE_SIZE,
        size_param="per_page",
        key="uuid",
        label="cases",
    )


def list_clients(api: ApiClient) -> list[dict[str, Any]]:
    return fetch_pages(
        api,
        "/api/v1/account",
        read_page,
        params={"filter[type]": "client"},
        page_size=PAGE_SIZE,
        size_param="per_page",
        key="uuid",
        label="clients",
    )


def client_incomes(api: ApiClient, client_uuid: str) -> list[dict[str, Any]]:
    records = fetch_pages(
        api,
        f"/api/v1/client/{segment(SOURCE, 'client uuid', client_uuid)}/income",
        read_page,
        params={"include": INCOME_INCLUDES},
        page_size=PAGE_SIZE,
        size_param="per_page",
        parallel=False,
        key="uuid",
    )
    return [{**record, "client_uuid": client_uuid} for record in records]


class PlannrSource(HttpSource[PlannrSettings]):
    """Plannr as a `Source`. Its docs show no change filter on these lists, so
    `fetch_since` reads nothing and Plannr is read in full each time."""

    name = SOURCE
    entities: tuple[str, ...] = ("cases", "clients", "incomes")
    title = "Plannr"
    schemas = MappingProxyType(
        {"cases": PLANNR_CASES, "clients": PLANNR_CLIENTS, "incomes": PLANNR_INCOMES}
    )
    settings_spec = SPEC
    roles = MappingProxyType({Role.INCOMES: "incomes", Role.PIPELINE: "cases"})
    case_summary = ("cases", CASE_SUMMARY)

    def connect(
        self,
        settings: PlannrSettings,
        limits: HttpLimits,
        on_progress: ProgressCallback | None = None,
    ) -> ApiClient:
        return connect(settings, limits, on_progress, transport=self.transport)

    def read(
        self, api: ApiClient, settings: PlannrSettings, wanted: set[str]
    ) -> dict[str, pl.DataFrame]:
        frames: dict[str, pl.DataFrame] = {}
        if "cases" in wanted:
            frames["cases"] = PLANNR_CASES.build(list_cases(api))
        if wanted & {"clients", "incomes"}:
            clients = list_clients(api)
            if "clients" in wanted:
                frames["clients"] = PLANNR_CLIENTS.build(clients)
            if "incomes" in wanted:
                # Each answer is typed in the thread that fetched it, while others wait on
                # the network.
                incomes = api.fan_out(
                    lambda uuid: PLANNR_INCOMES.typed(client_incomes(api, uuid)),
                    [record_id(SOURCE, "client", client, "uuid") for client in clients],
                    "incomes",
                )
                frames["incomes"] = PLANNR_INCOMES.frame(incomes)
        return frames


source = PlannrSource()


# --------------------------------------------------------------------------- writes


@dataclass(frozen=True)
class CaseDraft:
    """A case to create. `value` is in pounds; it is sent in pennies."""

    name: str
    participants: Sequence[str]
    status: str | None = None
    type: str | None = None
    value: Decimal | None = None
    review_at: dt.datetime | None = None
    assigned_to_uuids: Sequence[str] = field(default_factory=tuple)
    group_uuids: Sequence[str] = field(default_factory=tuple)
    plans: Sequence[str] = field(default_factory=tuple)

    def payload(self) -> dict[str, Any]:
        if not self.name or not self.name.strip():
            raise ValidationError("name", "is required")
        if not self.participants:
            raise ValidationError("participants", "must include at least one client account uuid")
        for name in ("participants", "assigned_to_uuids", "group_uuids", "plans"):
            for value in getattr(self, name):
                _uuid(name, value)
        body: dict[str, Any] = {
            "name": self.name,
            "participants": list(self.participants),
            "assigned_to_uuids": list(self.assigned_to_uuids),
            "group_uuids": list(self.group_uuids),
            "plans": list(self.plans),
        }
        if self.status is not None:
            body["status"] = _uuid("status", self.status)
        if self.type is not None:
            body["type"] = _uuid("type", self.type)
        if self.review_at is not None:
            body["review_at"] = _aware("review_at", self.review_at).isoformat()
        if self.value is not None:
            body["value"] = _pennies("value", self.value)
        return body


@dataclass(frozen=True)
class IncomeDraft:
    """A client income to create. `amount` is in pounds; it is sent in pennies."""

    name: str
    type: str
    amount: Decimal
    amount_type: str
    frequency: str
    start_date: dt.date | None = None
    end_date: dt.date | None = None
    is_taxable: bool | None = None
    employment_uuid: str | None = None
    shared_owner_uuid: str | None = None

    def payload(self) -> dict[str, Any]:
        if not self.name or not self.name.strip():
            raise ValidationError("name", "is required")
        _one_of("type", self.type, INCOME_TYPES)
        _one_of("amount_type", self.amount_type, AMOUNT_TYPES)
        _one_of("frequency", self.frequency, FREQUENCIES)
        body: dict[str, Any] = {
            "name": self.name,
            "type": self.type,
            "amount": _pennies("amount", self.amount),
            "amount_type": self.amount_type,
            "frequency": self.frequency,
        }
        if self.start_date and self.end_date and self.end_date < self.start_date:
            raise ValidationError("end_date", "is before start_date")
        if self.start_date is not None:
            body["start_date"] = self.start_date.isoformat()
        if self.end_date is not None:
            body["end_date"] = self.end_date.isoformat()
        if self.is_taxable is not None:
            body["is_taxable"] = bool(self.is_taxable)
        if self.employment_uuid is not None:
            if self.type not in EMPLOYMENT_INCOME_TYPES:
                raise ValidationError(
                    "employment_uuid",
                    f"only applies to {', '.join(EMPLOYMENT_INCOME_TYPES)} incomes",
                )
            body["employment_uuid"] = _uuid("employment_uuid", self.employment_uuid)
        if self.shared_owner_uuid is not None:
            body["shared_owner_uuid"] = _uuid("shared_owner_uuid", self.shared_owner_uuid)
        return body


def create_case(
    draft: CaseDraft, settings: PlannrSettings, limits: HttpLimits = DEFAULT_LIMITS
) -> dict[str, Any]:
    """`POST /api/v1/cases`. Validates before sending; returns the API's answer."""
    body = draft.payload()
    with connect(settings, limits) as api:
        return _unwrap(api.request("POST", "/api/v1/cases", json_body=body))


def create_client_income(
    client_uuid: str,
    draft: IncomeDraft,
    settings: PlannrSettings,
    limits: HttpLimits = DEFAULT_LIMITS,
) -> pl.DataFrame:
    """`POST /api/v1/client/{client_uuid}/income`; returns the created income as a one-row frame."""
    _uuid("client_uuid", client_uuid)
    body = draft.payload()
    with connect(settings, limits) as api:
        created = api.request("POST", f"/api/v1/client/{client_uuid}/income", json_body=body)
    return PLANNR_INCOMES.build([{**_unwrap(created), "client_uuid": client_uuid}])


def _unwrap(body: Any) -> dict[str, Any]:
    """A single record: Plannr documents it bare (`GET /cases/{uuid}`, the create answers);
    a Laravel resource wrapped in `{"data": {...}}` is read the same."""
    if isinstance(body, dict) and isinstance(body.get("data"), dict):
        return body["data"]
    if not isinstance(body, dict):
        raise SourceError(f"{SOURCE}: unexpected create response")
    return body


def _one_of(name: str, value: str, allowed: tuple[str, ...]) -> None:
    if value not in allowed:
        raise ValidationError(name, f"{value!r} is not one of {', '.join(allowed)}")


def _uuid(name: str, value: str) -> str:
    try:
        uuidlib.UUID(str(value))
    except ValueError:
        raise ValidationError(name, f"{value!r} is not a uuid") from None
    return str(value)


def _pennies(name: str, amount: Decimal) -> int:
    try:
        return to_minor_units(amount, "GBP", name)
    except ValueError as error:
        raise ValidationError(name, str(error).removeprefix(f"{name}: ")) from None


def _aware(name: str, value: dt.datetime) -> dt.datetime:
    if value.tzinfo is None:
        raise ValidationError(name, "give a timezone-aware datetime")
    return value
