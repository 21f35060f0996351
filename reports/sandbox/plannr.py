"""Plannr's sandbox: its generated cases, client accounts and incomes (money in pennies), and its
routes (`/plannr/api/v1/...`), with Laravel's pagination and Plannr's rate limit."""

from __future__ import annotations

import datetime as dt
import math
import random
import re
import time
import uuid
from decimal import Decimal
from typing import Any

from reports.sandbox.common import (
    VENDOR_ZONE,
    Answer,
    Host,
    Response,
    VendorApi,
    check_oauth_client,
    page_of,
    positive,
)
from reports.sandbox.data import (
    ANCHOR,
    COMPANIES,
    START,
    SandboxData,
    Sizes,
    busy_day,
    day_in,
    mailbox,
    person,
    random_uuid,
)

PLANNR_TOKEN = "sandbox-plannr-token"
PLANNR_ACCOUNT_UUID = "5a4db0c4-0000-4000-8000-000000000001"
# The documented enums, written out here rather than taken from the client.
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
#: How often each frequency falls in a year, to keep generated incomes plausible.
PER_YEAR = {
    "daily": 365,
    "weekly": 52,
    "fortnightly": 26,
    "four_weekly": 13,
    "monthly": 12,
    "bimonthly": 6,
    "quarterly": 4,
    "biannually": 2,
    "annually": 1,
}

PLANNR_STATUSES = ["Lead", "Fact find", "Recommendation", "Implementation", "Completed", "Lost"]
PLANNR_TYPES = [
    "Pension transfer",
    "Investment review",
    "Protection",
    "Mortgage",
    "Estate planning",
]
PLANNR_PLANS = ["ISA", "SIPP", "GIA", "Term life", "Income protection", "Workplace pension"]


def pennies_money(pennies: int, currency: str = "GBP") -> dict[str, str]:
    pounds = Decimal(pennies).scaleb(-2)
    return {"amount": str(pennies), "currency": currency, "formatted": f"£{pounds:,.2f}"}


#: The account fields an income embeds, as the docs' income example shows them.
ACCOUNT_SUMMARY_FIELDS = (
    "name",
    "role",
    "type",
    "uuid",
    "email",
    "last_name",
    "photo_url",
    "created_at",
    "first_name",
    "updated_at",
    "external_references",
)


def account_summary(client: dict[str, Any]) -> dict[str, Any]:
    return {field: client[field] for field in ACCOUNT_SUMMARY_FIELDS}


class Generator:
    def __init__(self, rng: random.Random, data: SandboxData, sizes: Sizes) -> None:
        self.rng, self.data, self.sizes = rng, data, sizes
        self.statuses = [{"uuid": random_uuid(rng), "name": name} for name in PLANNR_STATUSES]
        self.types = [{"uuid": random_uuid(rng), "name": name} for name in PLANNR_TYPES]
        self.advisers = [
            {"uuid": random_uuid(rng), "name": f"{a} {b}"}
            for a, b in (person(rng) for _ in range(6))
        ]

    def offset_stamp(self, day: dt.date) -> str:
        local = dt.datetime(
            day.year,
            day.month,
            day.day,
            self.rng.randrange(8, 19),
            self.rng.randrange(60),
            self.rng.randrange(60),
            tzinfo=VENDOR_ZONE,
        )
        return local.isoformat()

    def run(self) -> None:
        for _ in range(self.sizes.plannr_clients):
            self.client()
        for _ in range(self.sizes.plannr_cases):
            self.case()

    def account(self, first: str, last: str, account_uuid: str, created: str) -> dict[str, Any]:
        return {
            "name": f"{first} {last}",
            "role": "client",
            "type": "client",
            "uuid": account_uuid,
            "email": mailbox(first, last, "example.com"),
            "last_name": last,
            "photo_url": f"https://eu.ui-avatars.com/api/?name={first}+{last}",
            "created_at": created,
            "first_name": first,
            "updated_at": created,
            "external_references": [],
        }

    def client(self) -> None:
        rng = self.rng
        first, last = person(rng)
        created_day = day_in(rng, START - dt.timedelta(days=700), ANCHOR - dt.timedelta(days=30))
        created = self.offset_stamp(created_day)
        client = self.account(first, last, random_uuid(rng), created)
        client.update(
            {
                "with_login": rng.random() < 0.5,
                "has_joint_account": rng.random() < 0.3,
                "can_be_deleted": "false",
                "inactive_at": None,
                "first_contact_date": created,
                "next_review_date": self.offset_stamp(
                    ANCHOR + dt.timedelta(days=rng.randrange(10, 300))
                ),
                "previous_review_date": None,
                "anniversary_review_date": None,
            }
        )
        self.data.plannr_clients.append(client)
        incomes = []
        for _ in range(rng.randrange(0, 5)):
            incomes.append(self.income(client))
        self.data.plannr_incomes[client["uuid"]] = incomes

    def income(self, client: dict[str, Any]) -> dict[str, Any]:
        rng = self.rng
        kind = rng.choice(INCOME_TYPES)
        frequency = rng.choice(FREQUENCIES)
        per_year = PER_YEAR.get(frequency, 1)
        pennies = rng.randrange(500_000, 12_000_000) // per_year
        start = day_in(rng, START - dt.timedelta(days=900), ANCHOR)
        end = start + dt.timedelta(days=rng.randrange(200, 1500)) if rng.random() < 0.4 else None
        created = self.offset_stamp(start)
        employment: dict[str, Any] | None = None
        if kind in ("salary", "bonus", "benefit", "dividend") and rng.random() < 0.7:
            employment = {
                "uuid": random_uuid(rng),
                "income": None,
                "profit": pennies_money(rng.randrange(0, 9_000_000)),
                "status": "employed",
                "address": None,
                "primary": True,
                "employer": rng.choice(COMPANIES),
                "ended_at": None,
                "directors": None,
                "job_title": rng.choice(["Engineer", "Teacher", "Nurse", "Director", "Analyst"]),
                "created_at": created,
                "occupation": "Professional",
                "started_at": created,
                "updated_at": created,
                "phone_number": None,
                "shared_owner": None,
                "business_name": None,
                "email_address": None,
                "business_value": pennies_money(0),
                "occupation_code": "FAC02774",
                "accountant_email": None,
                "turnover_history": [],
                "business_year_end": None,
                "is_business_owner": kind == "dividend",
                "shared_owner_type": None,
                "accountant_address": None,
                "last_salary_increase": pennies_money(rng.randrange(0, 500_000)),
                "accountant_company_name": None,
                "accountant_telephone_number": None,
                "shareholding_in_business": pennies_money(0),
                "percentage_of_business_shared": 0,
            }
        return {
            "name": f"{kind.replace('_', ' ').title()} ({frequency.replace('_', ' ')})",
            "type": kind,
            "type_other": None,
            "uuid": random_uuid(rng),
            "amount": pennies_money(pennies),
            "account": account_summary(client),
            "end_date": end.isoformat() if end else None,
            "frequency": frequency,
            "created_at": created,
            "employment": employment,
            "is_taxable": kind not in ("benefit",) or rng.random() < 0.5,
            "start_date": start.isoformat(),
            "updated_at": created,
            "amount_type": rng.choice(["net", "gross"]),
            "shared_owner": None,
            "shared_owner_type": "individual",
        }

    def case(self) -> None:
        rng = self.rng
        created_day = busy_day(rng, START, ANCHOR - dt.timedelta(days=5))
        status = rng.choice(self.statuses)
        clients = rng.sample(self.data.plannr_clients, rng.randrange(1, 3))
        completed = None
        if status["name"] == "Completed":
            completed = self.offset_stamp(
                day_in(rng, created_day, min(ANCHOR, created_day + dt.timedelta(days=90)))
            )
        plans = [
            {"uuid": random_uuid(rng), "name": name}
            for name in rng.sample(PLANNR_PLANS, rng.randrange(0, 3))
        ]
        self.data.plannr_cases.append(
            {
                "uuid": random_uuid(rng),
                "name": f"{clients[0]['last_name']} – {rng.choice(PLANNR_TYPES)}",
                "value": pennies_money(rng.randrange(0, 5_000_000)),
                "status": status,
                "type": rng.choice(self.types),
                "review_at": self.offset_stamp(
                    created_day + dt.timedelta(days=rng.randrange(30, 365))
                ),
                "completed_at": completed,
                "plans": plans,
                "participants": [
                    {"uuid": c["uuid"], "name": c["name"], "type": "client"} for c in clients
                ],
                "assigned_to": [rng.choice(self.advisers)],
                "groups": [],
                "created_at": self.offset_stamp(created_day),
                "updated_at": self.offset_stamp(created_day),
            }
        )


#: Related records of a case that Plannr sends only when `include=` names them.
CASE_RELATIONS = ("status", "type", "plans", "participants", "groups", "assigned_to")
#: The same for an income.
INCOME_RELATIONS = ("employment", "shared_owner")
PLANNR_CLIENT_ID = "sandbox-plannr-client"
PLANNR_CLIENT_SECRET = "sandbox-plannr-secret"
PLANNR_REFRESH_TOKEN = "sandbox-plannr-refresh-token"


def base_fields(case: dict[str, Any]) -> dict[str, Any]:
    """A case's fields that come without any include: its relations' uuids and counts."""
    status = case.get("status") or {}
    return {
        "slug": _slug(case["name"]),
        "status_position": PLANNR_STATUSES.index(status["name"])
        if status.get("name") in PLANNR_STATUSES
        else None,
        "participants_count": len(case.get("participants") or []),
        "assigned_to_uuids": [user["uuid"] for user in case.get("assigned_to") or []],
        "group_uuids": [group["uuid"] for group in case.get("groups") or []],
        "custom_fields": [],
    }


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


def with_includes(
    record: dict[str, Any], include: str | None, relations: tuple[str, ...]
) -> dict[str, Any]:
    """`record` as Plannr answers it for `include=`: relations not asked for are left out."""
    wanted = {name.strip() for name in (include or "").split(",")}
    return {key: value for key, value in record.items() if key not in relations or key in wanted}


class PlannrApi(VendorApi):
    prefix = "/plannr"

    def __init__(
        self,
        host: Host,
        rate_limit: int = 500,
        rate_window_seconds: float = 60.0,
        documented_headers_only: bool = False,
        spent_windows: int = 0,
    ) -> None:
        super().__init__(host)
        #: As when another integration of the account has spent the budget: from the first
        #: request, this many whole windows answer every request 429.
        self.spent_windows = spent_windows
        self._spent_until: float | None = None
        self.rate_limit = rate_limit
        self.rate_window_seconds = rate_window_seconds
        #: Send only the rate-limit header Plannr documents (`X-Ratelimit-Remaining`): no
        #: `X-Ratelimit-Limit`, no `Retry-After` on a 429.
        self.documented_headers_only = documented_headers_only
        self._window_start = time.monotonic()
        self._window_count = 0
        #: Access tokens issued through OAuth (`/oauth/token`), and the refresh token that
        #: obtains the next one: Laravel Passport rotates it on every use.
        self._access_tokens: set[str] = set()
        self.refresh_token = PLANNR_REFRESH_TOKEN
        self.refreshes = 0

    def revoke_tokens(self) -> None:
        """Every OAuth access token now answers 401, as an expired one would."""
        with self._lock:
            self._access_tokens.clear()

    def handle(
        self, method: str, path: str, query: dict[str, str], headers: Any, payload: Any
    ) -> Answer:
        if path == "/oauth/token" and method == "POST":
            return 200, self._refresh(payload), {}
        limit_headers = self._rate(headers.get("Authorization", ""))
        try:
            status, body = self._route(method, path, query, headers, payload)
        except Response as answer:
            answer.headers = {**limit_headers, **answer.headers}
            raise
        return status, body, limit_headers

    def _rate(self, token: str) -> dict[str, str]:
        with self._lock:
            now = time.monotonic()
            if self._spent_until is None:
                self._spent_until = now + self.spent_windows * self.rate_window_seconds
                self._window_start = now
            if now - self._window_start >= self.rate_window_seconds:
                self._window_start, self._window_count = now, 0
            self._window_count += 1
            remaining = self.rate_limit - self._window_count
            if now < self._spent_until:
                remaining = -1  # spent by someone else, until its windows are over
            reset_in = self.rate_window_seconds - (now - self._window_start)
        headers = {"X-Ratelimit-Remaining": str(max(0, remaining))}
        if not self.documented_headers_only:
            headers["X-Ratelimit-Limit"] = str(self.rate_limit)
        if remaining < 0:
            if not self.documented_headers_only:
                headers["Retry-After"] = str(max(1, math.ceil(reset_in)))
            raise Response(429, {"message": "Too Many Attempts."}, headers)
        return headers

    def _refresh(self, payload: Any) -> dict[str, Any]:
        """Laravel Passport's refresh grant: a new access token and a new refresh token."""
        body = check_oauth_client(payload, "refresh_token", PLANNR_CLIENT_ID, PLANNR_CLIENT_SECRET)
        with self._lock:
            if body.get("refresh_token") != self.refresh_token:
                raise Response(
                    400, {"error": "invalid_grant", "message": "The refresh token is invalid."}
                )
            self.refreshes += 1
            access = f"sandbox-plannr-access-{uuid.uuid4().hex}"
            self._access_tokens.add(access)
            self.refresh_token = f"sandbox-plannr-refresh-{uuid.uuid4().hex}"
            return {
                "token_type": "Bearer",
                "expires_in": 3600,
                "access_token": access,
                "refresh_token": self.refresh_token,
            }

    def _route(self, method: str, path: str, query: dict[str, str], headers: Any, payload: Any):
        token = headers.get("Authorization", "").removeprefix("Bearer ")
        with self._lock:
            known = token == PLANNR_TOKEN or token in self._access_tokens
        if not known:
            raise Response(401, {"message": "Unauthenticated."})
        if headers.get("X-PLANNR-ACCOUNT-UUID") != PLANNR_ACCOUNT_UUID:
            raise Response(403, {"message": "This action is unauthorized."})
        data = self.data
        if path == "/api/v1/cases" and method == "GET":
            cases = [
                with_includes({**case, **base_fields(case)}, query.get("include"), CASE_RELATIONS)
                for case in data.plannr_cases
            ]
            return 200, _laravel_page(cases, query, f"{self.url}/plannr{path}")
        if path == "/api/v1/cases" and method == "POST":
            # Documented as 200 with the case itself, not wrapped.
            case = self._create_case(payload)
            return 200, {**case, **base_fields(case)}
        if path == "/api/v1/account" and method == "GET":
            wanted = query.get("filter[type]")
            accounts = [a for a in data.plannr_clients if wanted in (None, a["type"])]
            return 200, _laravel_page(accounts, query, f"{self.url}/plannr{path}")
        if match := re.fullmatch(r"/api/v1/client/([0-9a-f-]+)/income", path):
            client_uuid = match[1]
            if client_uuid not in data.plannr_incomes:
                raise Response(404, {"message": "No query results for model [Account]."})
            if method == "GET":
                incomes = [
                    with_includes(income, query.get("include"), INCOME_RELATIONS)
                    for income in data.plannr_incomes[client_uuid]
                ]
                return 200, _laravel_page(incomes, query, f"{self.url}/plannr{path}")
            if method == "POST":  # documented as 201 with the income itself
                return 201, self._create_income(client_uuid, payload)
        raise Response(404, {"message": "Not Found"})

    def _create_case(self, payload: Any) -> dict[str, Any]:
        errors: dict[str, list[str]] = {}
        body = payload if isinstance(payload, dict) else {}
        if not isinstance(body.get("name"), str) or not body["name"].strip():
            errors["name"] = ["The name field is required."]
        participants: list[Any] = body.get("participants") or []
        if not isinstance(participants, list) or not participants:
            errors["participants"] = ["The participants field is required."]
        value = body.get("value")
        if value is not None and (not isinstance(value, int) or isinstance(value, bool)):
            errors["value"] = ["The value field must be an integer."]
        if errors:
            raise Response(422, {"message": next(iter(errors.values()))[0], "errors": errors})
        clients = {c["uuid"]: c for c in self.data.plannr_clients}
        now = dt.datetime.now(VENDOR_ZONE).replace(microsecond=0).isoformat()
        case = {
            "uuid": str(uuid.uuid4()),
            "name": body["name"],
            "value": pennies_money(value or 0),
            "status": {"uuid": body.get("status"), "name": None} if body.get("status") else None,
            "type": {"uuid": body.get("type"), "name": None} if body.get("type") else None,
            "review_at": body.get("review_at"),
            "completed_at": None,
            "plans": [{"uuid": p, "name": None} for p in body.get("plans") or []],
            "participants": [
                {"uuid": p, "name": clients.get(p, {}).get("name"), "type": "client"}
                for p in participants
            ],
            "assigned_to": [{"uuid": a, "name": None} for a in body.get("assigned_to_uuids") or []],
            "groups": [{"uuid": g, "name": None} for g in body.get("group_uuids") or []],
            "created_at": now,
            "updated_at": now,
        }
        with self._lock:
            self.data.plannr_cases.append(case)
        return case

    def _create_income(self, client_uuid: str, payload: Any) -> dict[str, Any]:
        body = payload if isinstance(payload, dict) else {}
        errors: dict[str, list[str]] = {}
        for name in ("name", "type", "amount", "amount_type", "frequency"):
            if body.get(name) in (None, ""):
                errors[name] = [f"The {name.replace('_', ' ')} field is required."]
        for name, allowed in (
            ("type", INCOME_TYPES),
            ("amount_type", ["net", "gross"]),
            ("frequency", FREQUENCIES),
        ):
            if name not in errors and body.get(name) not in allowed:
                errors[name] = [f"The selected {name.replace('_', ' ')} is invalid."]
        amount = body.get("amount")
        if "amount" not in errors and (not isinstance(amount, int) or isinstance(amount, bool)):
            errors["amount"] = ["The amount field must be an integer."]
        if errors:
            raise Response(422, {"message": next(iter(errors.values()))[0], "errors": errors})
        client = next(c for c in self.data.plannr_clients if c["uuid"] == client_uuid)
        now = dt.datetime.now(VENDOR_ZONE).replace(microsecond=0).isoformat()
        income = {
            "name": body["name"],
            "type": body["type"],
            "type_other": body.get("type_other"),
            "uuid": str(uuid.uuid4()),
            "amount": pennies_money(body["amount"]),
            "account": account_summary(client),
            "end_date": body.get("end_date"),
            "frequency": body["frequency"],
            "created_at": now,
            "employment": {"uuid": body["employment_uuid"]}
            if body.get("employment_uuid")
            else None,
            "is_taxable": bool(body.get("is_taxable", False)),
            "start_date": body.get("start_date"),
            "updated_at": now,
            "amount_type": body["amount_type"],
            "shared_owner": {"uuid": body["shared_owner_uuid"]}
            if body.get("shared_owner_uuid")
            else None,
            "shared_owner_type": "individual",
        }
        with self._lock:
            self.data.plannr_incomes[client_uuid].append(income)
        return income


def _laravel_page(items: list[dict[str, Any]], query: dict[str, str], path: str) -> dict[str, Any]:
    """Laravel API resource collection: `data`, `links`, `meta`, as Plannr answers."""
    per_page = positive(query.get("per_page"), 15)
    if per_page > 500:
        raise Response(
            422,
            {
                "message": "The per page field must not be greater than 500.",
                "errors": {"per_page": ["The per page field must not be greater than 500."]},
            },
        )
    page = positive(query.get("page"), 1)
    last = max(1, math.ceil(len(items) / per_page))
    chunk = page_of(items, page, per_page)
    first_index = (page - 1) * per_page + 1 if chunk else None
    return {
        "data": chunk,
        "links": {
            "first": f"{path}?page=1",
            "last": f"{path}?page={last}",
            "prev": f"{path}?page={page - 1}" if page > 1 else None,
            "next": f"{path}?page={page + 1}" if page < last else None,
        },
        "meta": {
            "current_page": page,
            "from": first_index,
            "last_page": last,
            "path": path,
            "per_page": per_page,
            "to": first_index + len(chunk) - 1 if first_index is not None else None,
            "total": len(items),
        },
    }
