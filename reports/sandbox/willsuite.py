"""WillSuite's sandbox: its generated cases and invoices (VAT per line), and its routes
(`/willsuite/...`): OAuth client credentials, the case list, and invoices read and written."""

from __future__ import annotations

import base64
import datetime as dt
import json
import math
import random
import re
import time
import uuid
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
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
    START,
    SandboxData,
    Sizes,
    busy_day,
    mailbox,
    person,
    random_uuid,
)

WILLSUITE_CLIENT_ID = "sandbox-willsuite-client"
WILLSUITE_CLIENT_SECRET = "sandbox-willsuite-secret"

WILL_PRODUCTS = [
    ("Single Will", "150.00", True),
    ("Mirror Wills", "250.00", True),
    ("LPA", "300.00", True),
    ("Property Trust", "450.00", True),
    ("Storage (annual)", "25.00", True),
    ("OPG registration fee", "82.00", False),
    ("Land Registry fee", "7.00", False),
    ("1h Meetings", "20.00", True),
]
VAT_RATE = Decimal("0.20")


def line_item(
    rng: random.Random, invoice_id: str, case_id: str, product: tuple[str, str, bool]
) -> dict[str, Any]:
    description, rate_text, has_vat = product
    quantity = rng.randrange(1, 4) if description == "1h Meetings" else 1
    rate = Decimal(rate_text)
    subtotal = rate * quantity
    vat = (
        (subtotal * VAT_RATE).quantize(Decimal("0.01"), ROUND_HALF_UP)
        if has_vat
        else Decimal("0.00")
    )
    return {
        "id": random_uuid(rng),
        "description": description,
        "amount": subtotal + vat,
        "quantity": quantity,
        "rate": rate,
        "subtotal": subtotal,
        "vat_amount": vat,
        "status": None,
        "paid_at": None,
        "case_invoice_id": invoice_id,
        "customer_case_id": case_id,
        "has_vat": has_vat,
    }


class Generator:
    def __init__(self, rng: random.Random, data: SandboxData, sizes: Sizes) -> None:
        self.rng, self.data, self.sizes = rng, data, sizes
        self.numbers: dict[str, int] = {}

    def run(self) -> None:
        for _ in range(self.sizes.willsuite_cases):
            self.case()

    def case(self) -> None:
        rng = self.rng
        first, last = person(rng)
        created = busy_day(rng, START, ANCHOR - dt.timedelta(days=3))
        updated = min(ANCHOR, created + dt.timedelta(days=rng.randrange(0, 60)))
        case_id = random_uuid(rng)
        code = "".join(ch for ch in last.upper() if ch.isalpha())[:5]
        self.numbers[code] = self.numbers.get(code, 0) + 1
        ref = f"{created:%d%m%Y} - {code}{self.numbers[code]:03d}"
        case: dict[str, Any] = {
            "id": case_id,
            "ref": ref,
            "meta": {},
            "email": mailbox(first, last, "example.co.uk"),
            "notes": None,
            "postcode": rng.choice(["LE11 5FD", "NE46 4TF", "SW1A 1AA", "M1 1AE", "BS1 4DJ"]),
            "full_names": f"{first} {last}",
            "last_names": last,
            "first_names": first,
            "created_at": f"{created.isoformat()} {rng.randrange(9, 18):02d}:{rng.randrange(60):02d}:00",
            "updated_at": f"{updated.isoformat()} 17:00:00",
        }
        self.data.willsuite_cases.append(case)
        invoices = []
        for number in range(1, rng.randrange(0, 4) + 1):
            invoice = self.invoice(
                case, f"{code}{self.numbers[code]:04d}-{number}", first, last, created
            )
            if invoice is not None:
                invoices.append(invoice)
        self.data.willsuite_invoices[case_id] = invoices

    def invoice(
        self, case: dict[str, Any], number: str, first: str, last: str, created: dt.date
    ) -> dict[str, Any] | None:
        """An invoice in the weeks after the case opened; None if that is after the sandbox's
        "today" (not issued yet), so that no month's invoices pile up on its last day."""
        rng = self.rng
        invoice_id = random_uuid(rng)
        date = created + dt.timedelta(days=rng.randrange(0, 40))
        due = date + dt.timedelta(days=30)
        items = [
            line_item(rng, invoice_id, case["id"], p)
            for p in rng.sample(WILL_PRODUCTS, rng.randrange(1, 5))
        ]
        for item in items:
            if rng.random() < 0.06:
                item["status"] = "cancelled"
        live = [item for item in items if item["status"] is None]
        subtotal = sum((i["subtotal"] for i in live), Decimal(0))
        vat = sum((i["vat_amount"] for i in live), Decimal(0))
        # Most invoices are paid within the 30 days' terms or a little after; some never are.
        settled = date + dt.timedelta(days=rng.randrange(3, 60))
        paid_on = settled if rng.random() < 0.85 and settled <= ANCHOR else None
        if date > ANCHOR:
            return None
        for item in live:
            item["paid_at"] = f"{paid_on.isoformat()} 12:00:00" if paid_on else None
        # Some unpaid invoices have had a line paid already (a deposit): part paid.
        deposit = date + dt.timedelta(days=rng.randrange(1, 20))
        if paid_on is None and len(live) > 1 and rng.random() < 0.15 and deposit <= ANCHOR:
            live[0]["paid_at"] = f"{deposit.isoformat()} 12:00:00"
        return {
            "id": invoice_id,
            "ref": None,
            "notes": None,
            "terms": "If this invoice is not paid within 30 days, 1% interest shall be added for each week it is overdue.",
            "date_created": f"{date.isoformat()} 00:00:00",
            "date_due": f"{due.isoformat()} 00:00:00",
            "date_sent": f"{date.isoformat()} 00:00:00" if rng.random() < 0.7 else None,
            "date_paid": f"{paid_on.isoformat()} 00:00:00" if paid_on else None,
            "payment_terms": "30 Days Payment Period",
            "subtotal": subtotal,
            "total": subtotal + vat,
            "invoice_number": number,
            "recipients_name": f"{rng.choice(['Mr', 'Mrs', 'Ms', 'Dr'])} {first[0]}. {last}",
            "vat_amount": vat,
            "customer_case_id": case["id"],
            "status": "Paid" if paid_on else "Not Paid",
            "mail_sent": rng.random() < 0.7,
            "payable_online": True,
            "formatted_recurring_interval": None,
            "items": items,
        }


#: The envelopes `GET /cases` can answer in, to hold the client to each.
ENVELOPES = ("paginator", "resource", "data", "bare")


def envelope(page: dict[str, Any], style: str) -> Any:
    """Laravel's plain paginator as it comes (`paginator`), as a resource collection with the
    counts under `meta` (`resource`), `data` alone, or the bare array."""
    if style == "bare":
        return page["data"]
    if style == "data":
        return {"data": page["data"]}
    if style == "resource":
        counts = ("current_page", "from", "last_page", "path", "per_page", "to", "total")
        return {
            "data": page["data"],
            "links": {"first": page["first_page_url"], "next": page["next_page_url"]},
            "meta": {key: page[key] for key in counts},
        }
    return page


class WillSuiteApi(VendorApi):
    prefix = "/willsuite"

    def __init__(
        self, host: Host, token_ttl_seconds: int = 3600, list_envelope: str = "paginator"
    ) -> None:
        super().__init__(host)
        if list_envelope not in ENVELOPES:
            raise ValueError(f"list_envelope must be one of {', '.join(ENVELOPES)}")
        self.token_ttl_seconds = token_ttl_seconds
        #: How `GET /cases` wraps its page (WillSuite documents none): see `envelope`.
        self.list_envelope = list_envelope
        self._tokens: dict[str, float] = {}

    def revoke_tokens(self) -> None:
        """Every issued token now answers 401, as an expired one would."""
        with self._lock:
            self._tokens.clear()

    def handle(
        self, method: str, path: str, query: dict[str, str], headers: Any, payload: Any
    ) -> Answer:
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
            size = min(100, positive(query.get("perPage"), 10))
            page = positive(query.get("page"), 1)
            paged = _laravel_paginator(cases, page, size, f"{self.url}/willsuite/cases")
            return 200, envelope(paged, self.list_envelope), {}
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
        check_oauth_client(
            payload, "client_credentials", WILLSUITE_CLIENT_ID, WILLSUITE_CLIENT_SECRET
        )
        expires = int(time.time()) + self.token_ttl_seconds
        token = _jwt({"sub": WILLSUITE_CLIENT_ID, "exp": expires, "jti": uuid.uuid4().hex})
        with self._lock:
            self._tokens[token] = expires
        return {
            "token_type": "Bearer",
            "expires_in": self.token_ttl_seconds,
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
            "items": (existing["items"] if keep and existing is not None else []) + new_items,
        }
        with self._lock:
            if existing is not None:
                invoices[invoices.index(existing)] = invoice
            else:
                invoices.append(invoice)
            # As WillSuite's `updatedAfter` implies: a case changes when its invoices do.
            case = next(c for c in self.data.willsuite_cases if c["id"] == case_id)
            case["updated_at"] = dt.datetime.now(VENDOR_ZONE).strftime("%Y-%m-%d %H:%M:%S")
        return invoice


def _laravel_paginator(
    items: list[dict[str, Any]], page: int, per_page: int, path: str
) -> dict[str, Any]:
    """Laravel's plain paginator (`data` beside `current_page`, `last_page`, `total`)."""
    last = max(1, math.ceil(len(items) / per_page))
    chunk = page_of(items, page, per_page)
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
        "to": first_index + len(chunk) - 1 if first_index is not None else None,
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
        midnight = dt.datetime(day.year, day.month, day.day, tzinfo=VENDOR_ZONE).astimezone(dt.UTC)
        answer[name] = midnight.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    answer["subtotal"] = 0
    return answer


def _jwt(claims: dict[str, Any]) -> str:
    def part(obj: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(obj).encode()).rstrip(b"=").decode()

    return f"{part({'typ': 'JWT', 'alg': 'none'})}.{part(claims)}.sandbox"
