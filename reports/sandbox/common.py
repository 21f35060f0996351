"""What every sandbox vendor API shares: the error answer, query parsing, JSON as the vendors
send it, and the base of a vendor's routes."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from reports.sandbox.faults import page_shifted

if TYPE_CHECKING:
    from reports.sandbox.data import SandboxData

#: The vendors' own time zone. The sandbox keeps its own copy rather than the client's: a fake
#: that shares the client's constants cannot catch the client's mistakes with them.
VENDOR_ZONE = ZoneInfo("Europe/London")

#: One route's answer: status, JSON body, extra headers.
Answer = tuple[int, Any, dict[str, str]]


class Response(Exception):
    """Raised by a route to answer with a status and JSON body."""

    def __init__(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        super().__init__(status)
        self.status = status
        self.body = body
        self.headers = headers or {}


@dataclass(frozen=True)
class Host:
    """What a vendor's routes need from the server that serves them: the data they answer
    from, the lock that guards its changes, and the server's base URL."""

    data: SandboxData
    lock: threading.Lock
    url: str


class VendorApi:
    """One vendor's routes under its path prefix, with whatever state the vendor keeps."""

    prefix: str

    def __init__(self, host: Host) -> None:
        self.data = host.data
        self.url = host.url
        self._lock = host.lock

    def handle(
        self, method: str, path: str, query: dict[str, str], headers: Any, payload: Any
    ) -> Answer:
        """Answer one request; `path` is below the prefix."""
        raise NotImplementedError


def check_oauth_client(
    payload: Any, grant_type: str, client_id: str, client_secret: str
) -> dict[str, Any]:
    """The body of an OAuth token request, refused as Laravel Passport refuses it: a grant
    other than `grant_type` (400), or a client other than this one (401)."""
    body = payload if isinstance(payload, dict) else {}
    if body.get("grant_type") != grant_type:
        raise Response(
            400,
            {
                "error": "unsupported_grant_type",
                "message": "The authorization grant type is not supported.",
            },
        )
    if body.get("client_id") != client_id or body.get("client_secret") != client_secret:
        raise Response(401, {"error": "invalid_client", "message": "Client authentication failed"})
    return body


def positive(text: str | None, default: int) -> int:
    try:
        value = int(text) if text is not None else default
    except ValueError:
        raise Response(400, {"message": f"{text!r} is not a number"}) from None
    return max(1, value)


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


def page_of(items: list[Any], page: int, per_page: int) -> list[Any]:
    """Page `page` of `items`; while a page-shift fault is being served, a page after the
    first starts one record early, as if a record had been inserted before it meanwhile
    (it repeats the last record of the page before, and misses its own last)."""
    shift = 1 if page > 1 and page_shifted() else 0
    start = (page - 1) * per_page - shift
    return items[start : start + per_page]
