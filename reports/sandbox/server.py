"""Real HTTP servers on loopback that speak the three vendors' APIs, from one process.

Each API lives under its own path prefix (`/mobility`, `/plannr`, `/willsuite`), so a base
URL is `http://127.0.0.1:PORT/<prefix>`. Pagination, envelopes, error shapes, OAuth tokens and
Plannr's rate limit behave as each vendor documents them. Tests can inject faults (a 503
storm, a 429) and revoke WillSuite tokens to exercise the client's recovery paths.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import logging
import math
import re
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

from reports.config import (
    Config,
    EmailSettings,
    MobilitySettings,
    PlannrSettings,
    Secret,
    WillSuiteSettings,
)
from reports.sandbox import hostile as hostile_data
from reports.sandbox.data import (
    FREQUENCIES,
    INCOME_TYPES,
    SandboxData,
    Sizes,
    generate,
    pennies_money,
)

MOBILITY_TOKEN = "sandbox-mobility-token"
PLANNR_TOKEN = "sandbox-plannr-token"
PLANNR_ACCOUNT_UUID = "5a4db0c4-0000-4000-8000-000000000001"
WILLSUITE_CLIENT_ID = "sandbox-willsuite-client"
WILLSUITE_CLIENT_SECRET = "sandbox-willsuite-secret"
UK = ZoneInfo("Europe/London")
log = logging.getLogger("reports.sandbox")


@dataclass
class Fault:
    """Answer the next `count` requests whose path starts with `prefix` with `status`."""

    prefix: str
    status: int
    count: int
    headers: dict[str, str] = field(default_factory=dict)
    method: str | None = None


class Response(Exception):
    """Raised by a route to answer with a status and JSON body."""

    def __init__(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        super().__init__(status)
        self.status = status
        self.body = body
        self.headers = headers or {}


class Sandbox:
    """The three sandbox APIs on one loopback port; a context manager that serves in a thread."""

    def __init__(
        self,
        port: int = 0,
        seed: int = 1,
        sizes: Sizes | None = None,
        latency_ms: float = 0.0,
        plannr_rate_limit: int = 500,
        plannr_rate_window_seconds: float = 60.0,
        willsuite_token_ttl_seconds: int = 3600,
        data: SandboxData | None = None,
        hostile: Iterable[str] = (),
    ) -> None:
        self.data = hostile_data.apply(data or generate(seed, sizes), hostile)
        self.latency_ms = latency_ms
        self.plannr_rate_limit = plannr_rate_limit
        self.plannr_rate_window_seconds = plannr_rate_window_seconds
        self.willsuite_token_ttl_seconds = willsuite_token_ttl_seconds
        self.faults: list[Fault] = []
        self.requests: Counter[str] = Counter()
        self.statuses: Counter[int] = Counter()
        self.in_flight = 0
        self.max_in_flight = 0
        self._lock = threading.Lock()
        self._tokens: dict[str, float] = {}
        self._window_start = time.monotonic()
        self._window_count = 0
        self._server = ThreadingHTTPServer(
            ("127.0.0.1", port), _handler_for(self), bind_and_activate=False
        )
        self._server.daemon_threads = True
        self._server.request_queue_size = 256
        self._server.allow_reuse_address = True
        self._server.server_bind()
        self._server.server_activate()
        self._thread: threading.Thread | None = None

    # ---------------------------------------------------------------- lifecycle

    @property
    def port(self) -> int:
        return self._server.server_address[1]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> Sandbox:
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="sandbox", daemon=True
        )
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        self._server.serve_forever()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> Sandbox:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def config(
        self, concurrency: int = 16, sources: tuple[str, ...] = ("mobility", "plannr", "willsuite")
    ) -> Config:
        """A `Config` pointing at this sandbox with its documented demo credentials."""
        return Config(
            mobility=MobilitySettings(f"{self.url}/mobility", Secret(MOBILITY_TOKEN))
            if "mobility" in sources
            else None,
            plannr=PlannrSettings(f"{self.url}/plannr", Secret(PLANNR_TOKEN), PLANNR_ACCOUNT_UUID)
            if "plannr" in sources
            else None,
            willsuite=WillSuiteSettings(
                f"{self.url}/willsuite", WILLSUITE_CLIENT_ID, Secret(WILLSUITE_CLIENT_SECRET)
            )
            if "willsuite" in sources
            else None,
            concurrency=concurrency,
        )

    def email_settings(self) -> EmailSettings:
        """Demo recipients: the partners, and an address for each mobility client company."""
        companies = sorted({case["client_name"] for case in self.data.mobility_cases})
        return EmailSettings(
            monthly_to=("partners@sandbox.example",),
            client_addresses={
                name: f"accounts@{re.sub(r'[^a-z0-9]+', '-', name.lower()).strip('-')}.example"
                for name in companies
            },
        )

    def environment(self) -> dict[str, str]:
        """The same settings as environment variables, for a shell or a cron job."""
        return {
            "REPORTS_MOBILITY_URL": f"{self.url}/mobility",
            "REPORTS_MOBILITY_TOKEN": MOBILITY_TOKEN,
            "REPORTS_PLANNR_URL": f"{self.url}/plannr",
            "REPORTS_PLANNR_TOKEN": PLANNR_TOKEN,
            "REPORTS_PLANNR_ACCOUNT_UUID": PLANNR_ACCOUNT_UUID,
            "REPORTS_WILLSUITE_URL": f"{self.url}/willsuite",
            "REPORTS_WILLSUITE_CLIENT_ID": WILLSUITE_CLIENT_ID,
            "REPORTS_WILLSUITE_CLIENT_SECRET": WILLSUITE_CLIENT_SECRET,
        }

    # ---------------------------------------------------------------- test controls

    def inject(
        self,
        prefix: str,
        status: int,
        count: int = 1,
        headers: dict[str, str] | None = None,
        method: str | None = None,
    ) -> None:
        with self._lock:
            self.faults.append(Fault(prefix, status, count, headers or {}, method))

    def revoke_willsuite_tokens(self) -> None:
        """Every issued WillSuite token now answers 401, as an expired one would."""
        with self._lock:
            self._tokens.clear()

    def _take_fault(self, method: str, path: str) -> Fault | None:
        with self._lock:
            for fault in self.faults:
                if (
                    fault.count > 0
                    and path.startswith(fault.prefix)
                    and fault.method in (None, method)
                ):
                    fault.count -= 1
                    return fault
        return None

    # ---------------------------------------------------------------- dispatch

    def handle(
        self, method: str, raw_path: str, headers: Any, body: bytes
    ) -> tuple[int, Any, dict[str, str]]:
        parts = urlsplit(raw_path)
        path = parts.path.rstrip("/") or "/"
        query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        with self._lock:
            self.requests[_template(path)] += 1
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            return self._answer(method, path, query, headers, body)
        finally:
            with self._lock:
                self.in_flight -= 1

    def _answer(
        self, method: str, path: str, query: dict[str, str], headers: Any, body: bytes
    ) -> tuple[int, Any, dict[str, str]]:
        if self.latency_ms:
            time.sleep(self.latency_ms / 1000)
        fault = self._take_fault(method, path)
        if fault is not None:
            return fault.status, {"message": HTTPStatus(fault.status).phrase}, fault.headers
        try:
            payload = json.loads(body, parse_float=Decimal) if body else None
        except ValueError:
            return 400, {"message": "Malformed JSON body"}, {}
        for prefix, handler in (
            ("/mobility", self._mobility),
            ("/plannr", self._plannr),
            ("/willsuite", self._willsuite),
        ):
            if path == prefix or path.startswith(prefix + "/"):
                try:
                    return handler(method, path[len(prefix) :] or "/", query, headers, payload)
                except Response as answer:
                    return answer.status, answer.body, answer.headers
        return 404, {"message": "Not Found"}, {}

    # ---------------------------------------------------------------- mobility

    def _mobility(self, method: str, path: str, query: dict[str, str], headers: Any, payload: Any):
        if headers.get("Authorization") != f"Bearer {MOBILITY_TOKEN}":
            raise Response(401, {"success": False, "message": "Unauthenticated."})
        if method != "GET":
            raise Response(405, {"success": False, "message": "Method not allowed."})
        data = self.data
        if path == "/v1/cases":
            return 200, _mobility_page(data.mobility_cases, query), {}
        if path == "/v1/cases/tasks":
            tasks = data.mobility_tasks
            if "case_id" in query:
                tasks = [t for t in tasks if str(t["expat_case_id"]) == query["case_id"]]
            return 200, _mobility_page(tasks, query), {}
        if match := re.fullmatch(r"/v1/cases/tasks/(\d+)/managers", path):
            managers = data.mobility_task_managers.get(int(match[1]))
            if managers is None:
                raise Response(404, {"success": False, "message": "Task not found."})
            return 200, {"success": True, "result": managers}, {}
        if match := re.fullmatch(r"/v1/cases/tasks/(\d+)", path):
            task = next((t for t in data.mobility_tasks if t["id"] == int(match[1])), None)
            if task is None:
                raise Response(404, {"success": False, "message": "Task not found."})
            return 200, {"success": True, "result": {"task": task}}, {}
        if match := re.fullmatch(r"/v1/cases/(\d+)(/.*)?", path):
            case_id = int(match[1])
            if case_id not in data.mobility_expenses:
                raise Response(404, {"success": False, "message": "Case not found."})
            rest = match[2] or ""
            if rest == "":
                return 200, {"success": True, "result": {"case": _case_detail(self, case_id)}}, {}
            if rest == "/managers":
                managers = data.mobility_case_managers[case_id]
                return (
                    200,
                    {
                        "result": managers,
                        "allowed_actions": {"create": True},
                        "total": len(managers),
                    },
                    {},
                )
            if rest == "/expenses":
                return 200, _mobility_page(data.mobility_expenses[case_id], query), {}
            if expense := re.fullmatch(r"/expenses/(\d+)", rest):
                found = next(
                    (e for e in data.mobility_expenses[case_id] if e["id"] == int(expense[1])), None
                )
                if found is None:
                    raise Response(404, {"success": False, "message": "Expense not found."})
                return 200, {"success": True, "result": {"expense": found}}, {}
        raise Response(404, {"success": False, "message": "Not found."})

    # ---------------------------------------------------------------- plannr

    def _plannr(self, method: str, path: str, query: dict[str, str], headers: Any, payload: Any):
        limit_headers = self._plannr_rate(headers.get("Authorization", ""))
        try:
            status, body = self._plannr_route(method, path, query, headers, payload)
        except Response as answer:
            answer.headers = {**limit_headers, **answer.headers}
            raise
        return status, body, limit_headers

    def _plannr_rate(self, token: str) -> dict[str, str]:
        with self._lock:
            now = time.monotonic()
            if now - self._window_start >= self.plannr_rate_window_seconds:
                self._window_start, self._window_count = now, 0
            self._window_count += 1
            remaining = self.plannr_rate_limit - self._window_count
            reset_in = self.plannr_rate_window_seconds - (now - self._window_start)
        headers = {
            "X-Ratelimit-Limit": str(self.plannr_rate_limit),
            "X-Ratelimit-Remaining": str(max(0, remaining)),
        }
        if remaining < 0:
            headers["Retry-After"] = str(max(1, math.ceil(reset_in)))
            raise Response(429, {"message": "Too Many Attempts."}, headers)
        return headers

    def _plannr_route(
        self, method: str, path: str, query: dict[str, str], headers: Any, payload: Any
    ):
        if headers.get("Authorization") != f"Bearer {PLANNR_TOKEN}":
            raise Response(401, {"message": "Unauthenticated."})
        if headers.get("X-PLANNR-ACCOUNT-UUID") != PLANNR_ACCOUNT_UUID:
            raise Response(403, {"message": "This action is unauthorized."})
        data = self.data
        if path == "/api/v1/cases" and method == "GET":
            return 200, _laravel_page(data.plannr_cases, query, f"{self.url}/plannr{path}")
        if path == "/api/v1/cases" and method == "POST":
            return 201, {"data": self._plannr_create_case(payload)}
        if path == "/api/v1/account" and method == "GET":
            wanted = query.get("filter[type]")
            accounts = [a for a in data.plannr_clients if wanted in (None, a["type"])]
            return 200, _laravel_page(accounts, query, f"{self.url}/plannr{path}")
        if match := re.fullmatch(r"/api/v1/client/([0-9a-f-]+)/income", path):
            client_uuid = match[1]
            if client_uuid not in data.plannr_incomes:
                raise Response(404, {"message": "No query results for model [Account]."})
            if method == "GET":
                return 200, _laravel_page(
                    data.plannr_incomes[client_uuid], query, f"{self.url}/plannr{path}"
                )
            if method == "POST":
                income = self._plannr_create_income(client_uuid, payload)
                return 201, {"data": income}
        raise Response(404, {"message": "Not Found"})

    def _plannr_create_case(self, payload: Any) -> dict[str, Any]:
        errors: dict[str, list[str]] = {}
        body = payload if isinstance(payload, dict) else {}
        if not isinstance(body.get("name"), str) or not body["name"].strip():
            errors["name"] = ["The name field is required."]
        participants = body.get("participants")
        if not isinstance(participants, list) or not participants:
            errors["participants"] = ["The participants field is required."]
        value = body.get("value")
        if value is not None and (not isinstance(value, int) or isinstance(value, bool)):
            errors["value"] = ["The value field must be an integer."]
        if errors:
            raise Response(422, {"message": next(iter(errors.values()))[0], "errors": errors})
        clients = {c["uuid"]: c for c in self.data.plannr_clients}
        now = dt.datetime.now(UK).replace(microsecond=0).isoformat()
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

    def _plannr_create_income(self, client_uuid: str, payload: Any) -> dict[str, Any]:
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
        now = dt.datetime.now(UK).replace(microsecond=0).isoformat()
        income = {
            "name": body["name"],
            "type": body["type"],
            "uuid": str(uuid.uuid4()),
            "amount": pennies_money(amount),
            "account": {
                k: client[k]
                for k in (
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
            },
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

    # ---------------------------------------------------------------- willsuite

    def _willsuite(self, method: str, path: str, query: dict[str, str], headers: Any, payload: Any):
        if path == "/oauth/token" and method == "POST":
            return 200, self._issue_token(payload), {}
        token = headers.get("Authorization", "").removeprefix("Bearer ")
        with self._lock:
            expires = self._tokens.get(token)
        if expires is None or expires < time.time():
            raise Response(401, {"message": "Unauthenticated."})
        data = self.data
        if path == "/cases" and method == "GET":
            cases = data.willsuite_cases
            if "updatedAfter" in query:
                try:
                    after = dt.datetime.strptime(query["updatedAfter"], "%Y-%m-%d %H:%M:%S")
                except ValueError:
                    raise Response(
                        400, {"message": "updatedAfter must be YYYY-MM-DD HH:mm:ss"}
                    ) from None
                cases = [c for c in cases if dt.datetime.fromisoformat(c["updated_at"]) >= after]
            size = min(100, _positive(query.get("perPage"), 10))
            page = _positive(query.get("page"), 1)
            return 200, _laravel_paginator(cases, page, size, f"{self.url}/willsuite/cases"), {}
        if match := re.fullmatch(r"/cases/([0-9a-f-]+)/invoices(?:/([0-9a-f-]+))?", path):
            case_id, invoice_id = match[1], match[2]
            if case_id not in data.willsuite_invoices:
                raise Response(404, {"message": "Resource not found"})
            invoices = data.willsuite_invoices[case_id]
            if method == "GET" and invoice_id is None:
                show = query.get("show_cancelled_items", "false").lower() in ("1", "true")
                return 200, [_visible_items(inv, show) for inv in invoices], {}
            if method == "POST" and invoice_id is None:
                invoice = self._write_invoice(case_id, None, payload)
                return 200, _invoice_answer(invoice), {}
            if method in ("PATCH", "POST") and invoice_id is not None:
                invoice = self._write_invoice(case_id, invoice_id, payload)
                return 200, _invoice_answer(invoice), {}
        raise Response(404, {"message": "Resource not found"})

    def _issue_token(self, payload: Any) -> dict[str, Any]:
        body = payload if isinstance(payload, dict) else {}
        if body.get("grant_type") != "client_credentials":
            raise Response(
                400,
                {
                    "error": "unsupported_grant_type",
                    "message": "The authorization grant type is not supported.",
                },
            )
        if (
            body.get("client_id") != WILLSUITE_CLIENT_ID
            or body.get("client_secret") != WILLSUITE_CLIENT_SECRET
        ):
            raise Response(
                401, {"error": "invalid_client", "message": "Client authentication failed"}
            )
        expires = int(time.time()) + self.willsuite_token_ttl_seconds
        token = _jwt({"sub": WILLSUITE_CLIENT_ID, "exp": expires, "jti": uuid.uuid4().hex})
        with self._lock:
            self._tokens[token] = expires
        return {
            "token_type": "Bearer",
            "expires_in": self.willsuite_token_ttl_seconds,
            "access_token": token,
        }

    def _write_invoice(self, case_id: str, invoice_id: str | None, payload: Any) -> dict[str, Any]:
        body = payload if isinstance(payload, dict) else {}
        errors: dict[str, list[str]] = {}
        number = body.get("invoice_number")
        if not isinstance(number, str) or not number:
            errors["invoice_number"] = ["The invoice number field is required."]
        elif len(number) > 50:
            errors["invoice_number"] = ["The invoice number may not be greater than 50 characters."]
        if not isinstance(body.get("sender_id"), str):
            errors["sender_id"] = ["The sender id field is required."]
        dates = {}
        for name in ("date_created", "date_due"):
            try:
                dates[name] = dt.datetime.strptime(str(body.get(name)), "%Y-%m-%d %H:%M:%S")
            except ValueError:
                try:  # the docs' own example sends minutes only
                    dates[name] = dt.datetime.strptime(str(body.get(name)), "%Y-%m-%d %H:%M")
                except ValueError:
                    errors[name] = [
                        f"The {name.replace('_', ' ')} does not match the format Y-m-d H:i:s."
                    ]
        numbers = {}
        for name in ("vat", "total", "sub_total"):
            try:
                numbers[name] = Decimal(str(body.get(name)))
            except InvalidOperation:
                errors[name] = [f"The {name.replace('_', ' ')} field is required."]
        items = body.get("items") or []
        for index, item in enumerate(items):
            if not isinstance(item, dict) or not item.get("description"):
                errors[f"items.{index}.description"] = ["The description field is required."]
            elif len(str(item["description"])) > 200:
                errors[f"items.{index}.description"] = [
                    "The description may not be greater than 200 characters."
                ]
        if errors:
            raise Response(400, {"message": "The given data was invalid.", "errors": errors})
        vat_percent = numbers["vat"] / 100
        invoices = self.data.willsuite_invoices[case_id]
        existing = (
            next((inv for inv in invoices if inv["id"] == invoice_id), None) if invoice_id else None
        )
        if invoice_id and existing is None:
            raise Response(404, {"message": "Resource not found"})
        new_id = invoice_id or str(uuid.uuid4())
        new_items = []
        for item in items:
            quantity = int(Decimal(str(item.get("quantity", 1))))
            rate = Decimal(str(item.get("rate", 0)))
            amount = Decimal(str(item.get("amount", 0)))
            subtotal = quantity * rate
            new_items.append(
                {
                    "id": str(uuid.uuid4()),
                    "description": item["description"],
                    "amount": amount,
                    "quantity": quantity,
                    "rate": rate,
                    "subtotal": subtotal,
                    "vat_amount": amount - subtotal,
                    "status": None,
                    "paid_at": None,
                    "case_invoice_id": new_id,
                    "customer_case_id": case_id,
                    "has_vat": (subtotal * vat_percent).quantize(Decimal("0.01"), ROUND_HALF_UP) > 0
                    and amount > subtotal,
                }
            )
        keep = bool(body.get("keep_existing_items")) and existing is not None
        invoice = {
            "id": new_id,
            "ref": None,
            "notes": None,
            "terms": None,
            "date_created": f"{dates['date_created'].date().isoformat()} 00:00:00",
            "date_due": f"{dates['date_due'].date().isoformat()} 00:00:00",
            "date_sent": None,
            "date_paid": None,
            "payment_terms": body.get("payment_terms") or "",
            "subtotal": numbers["sub_total"],
            "total": numbers["total"],
            "invoice_number": number,
            "recipients_name": None,
            "vat_amount": Decimal(
                str(body.get("vat_amount", numbers["total"] - numbers["sub_total"]))
            ),
            "customer_case_id": case_id,
            "status": "Not Paid",
            "mail_sent": False,
            "payable_online": True,
            "formatted_recurring_interval": None,
            "items": (existing["items"] if keep else []) + new_items,
        }
        with self._lock:
            if existing is not None:
                invoices[invoices.index(existing)] = invoice
            else:
                invoices.append(invoice)
            # As WillSuite's `updatedAfter` implies: a case changes when its invoices do.
            case = next(c for c in self.data.willsuite_cases if c["id"] == case_id)
            case["updated_at"] = dt.datetime.now(UK).strftime("%Y-%m-%d %H:%M:%S")
        return invoice


# ---------------------------------------------------------------------------- helpers


def _template(path: str) -> str:
    return re.sub(r"/(\d+|[0-9a-f]{8}-[0-9a-f-]{27})(?=/|$)", "/{id}", path)


def _positive(text: str | None, default: int) -> int:
    try:
        value = int(text) if text is not None else default
    except ValueError:
        raise Response(400, {"message": f"{text!r} is not a number"}) from None
    return max(1, value)


def _mobility_page(items: list[dict[str, Any]], query: dict[str, str]) -> dict[str, Any]:
    per_page = min(500, _positive(query.get("per_page"), 20))
    page = _positive(query.get("page"), 1)
    last = max(1, math.ceil(len(items) / per_page))
    return {
        "success": True,
        "result": {
            "currentPage": page,
            "perPage": per_page,
            "lastPage": last,
            "total": len(items),
            "items": items[(page - 1) * per_page : page * per_page],
            "filters": [],
            "resource_columns": [],
        },
    }


def _case_detail(sandbox: Sandbox, case_id: int) -> dict[str, Any]:
    case = next(c for c in sandbox.data.mobility_cases if c["id"] == case_id)
    tasks = [t for t in sandbox.data.mobility_tasks if t["expat_case_id"] == case_id]
    services = []
    for service in case["services"]:
        own = [t for t in tasks if t["case_service_id"] == service["id"]]
        done = sum(1 for t in own if t["status"] == "completed")
        services.append(
            {
                **service,
                "total_tasks": len(own),
                "total_subtasks": 0,
                "completed_tasks": done,
                "completed_subtasks": 0,
                "completion_rate": round(100 * done / len(own)) if own else 0,
            }
        )
    return {
        **case,
        "services": services,
        "permissions": ["create case", "view case", "update case", "update service start date"],
        "allowed_actions": {"create_follower": True, "can_add_task": True, "update": True},
        "order": {"id": case["order_id"], "entity_id": case["client_id"], "entity_type": "client"},
    }


def _laravel_page(items: list[dict[str, Any]], query: dict[str, str], path: str) -> dict[str, Any]:
    """Laravel API resource collection: `data`, `links`, `meta`, as Plannr answers."""
    per_page = _positive(query.get("per_page"), 15)
    if per_page > 500:
        raise Response(
            422,
            {
                "message": "The per page field must not be greater than 500.",
                "errors": {"per_page": ["The per page field must not be greater than 500."]},
            },
        )
    page = _positive(query.get("page"), 1)
    last = max(1, math.ceil(len(items) / per_page))
    chunk = items[(page - 1) * per_page : page * per_page]
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
            "to": first_index + len(chunk) - 1 if chunk else None,
            "total": len(items),
        },
    }


def _laravel_paginator(
    items: list[dict[str, Any]], page: int, per_page: int, path: str
) -> dict[str, Any]:
    """Laravel's plain paginator (`data` beside `current_page`, `last_page`, `total`)."""
    last = max(1, math.ceil(len(items) / per_page))
    chunk = items[(page - 1) * per_page : page * per_page]
    first_index = (page - 1) * per_page + 1 if chunk else None
    return {
        "current_page": page,
        "data": chunk,
        "first_page_url": f"{path}?page=1",
        "from": first_index,
        "last_page": last,
        "last_page_url": f"{path}?page={last}",
        "next_page_url": f"{path}?page={page + 1}" if page < last else None,
        "path": path,
        "per_page": per_page,
        "prev_page_url": f"{path}?page={page - 1}" if page > 1 else None,
        "to": first_index + len(chunk) - 1 if chunk else None,
        "total": len(items),
    }


def _visible_items(invoice: dict[str, Any], show_cancelled: bool) -> dict[str, Any]:
    if show_cancelled:
        return invoice
    return {**invoice, "items": [i for i in invoice["items"] if i["status"] != "cancelled"]}


def _invoice_answer(invoice: dict[str, Any]) -> dict[str, Any]:
    """The create/update answer as WillSuite documents it: no items, dates as UK midnight in UTC,
    and `subtotal` 0 (the documented response states 0 whatever `sub_total` was sent)."""
    keys = (
        "id",
        "ref",
        "notes",
        "terms",
        "date_created",
        "date_due",
        "date_sent",
        "date_paid",
        "payment_terms",
        "subtotal",
        "total",
        "invoice_number",
        "recipients_name",
        "vat_amount",
        "customer_case_id",
    )
    answer = {key: invoice[key] for key in keys}
    for name in ("date_created", "date_due"):
        day = dt.date.fromisoformat(invoice[name][:10])
        midnight = dt.datetime(day.year, day.month, day.day, tzinfo=UK).astimezone(dt.UTC)
        answer[name] = midnight.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    answer["subtotal"] = 0
    return answer


def _jwt(claims: dict[str, Any]) -> str:
    def part(obj: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(obj).encode()).rstrip(b"=").decode()

    return f"{part({'typ': 'JWT', 'alg': 'none'})}.{part(claims)}.sandbox"


def to_json(value: Any) -> bytes:
    """JSON with Decimals as plain numbers, as the vendors send them."""
    # A lone surrogate (hostile data) goes out as its JSON escape `\ud800`, as PHP sends it.
    return json.dumps(value, default=_number, ensure_ascii=False).encode(
        "utf-8", "backslashreplace"
    )


def _number(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    raise TypeError(type(value).__name__)


def _handler_for(sandbox: Sandbox) -> Callable[..., BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        # Headers and body go out in two writes; without TCP_NODELAY, Nagle's algorithm and
        # the client's delayed ACK add ~40 ms to every keep-alive response.
        disable_nagle_algorithm = True
        server_version = "reports-sandbox"

        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            try:
                status, payload, headers = sandbox.handle(
                    self.command, self.path, self.headers, body
                )
            except Exception as error:  # the sandbox answers 500 like a real server would
                log.exception("sandbox: %s %s failed", self.command, self.path)
                status, payload, headers = (
                    500,
                    {"message": f"Server Error: {type(error).__name__}"},
                    {},
                )
            with sandbox._lock:
                sandbox.statuses[status] += 1
            content = to_json(payload)
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(content)))
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(content)

        do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = _serve

        def log_message(self, format: str, *args: Any) -> None:  # quiet: tests and demos
            pass

    return Handler
