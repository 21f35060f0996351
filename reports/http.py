"""The one HTTP layer all three connectors share, on httpx.

It owns what every vendor needs alike: auth, timeouts, connection reuse, pacing under a
rate limit, retries with backoff on 429/5xx/connection errors (honouring `Retry-After`),
clear errors on everything else, exact JSON decoding (floats as `Decimal`), pagination
and the bounded-concurrency fan-out for one-request-per-parent endpoints.

Concurrency is threads over one `httpx.Client`, not asyncio, so the same code runs from a
script and from inside a running Jupyter kernel (which already owns an event loop).
"""

from __future__ import annotations

import base64
import json
import logging
import random
import threading
import time
from collections.abc import Callable, Generator, Iterable, Mapping, Sequence
from concurrent.futures import FIRST_EXCEPTION, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from decimal import Decimal
from email.utils import parsedate_to_datetime
from typing import Any, TypeVar
from urllib.parse import quote

import httpx

from reports.config import Secret
from reports.errors import (
    ApiError,
    DataError,
    IncompleteDataError,
    SourceError,
    TransientApiError,
)
from reports.text import printable

log = logging.getLogger("reports.http")

T = TypeVar("T")
R = TypeVar("R")

#: Called as `on_progress(label, done, total)` while a fetch runs.
ProgressCallback = Callable[[str, int, int], None]

RETRYABLE_STATUS = frozenset({429, 500, 502, 503, 504})


def segment(source: str, what: str, value: object) -> str:
    """An id from an API record as one percent-encoded URL path segment.

    Ids go into paths (`/cases/{id}/invoices`); one holding `/`, or that is `.` or `..`,
    could point the request, and its bearer token, at another path, so it is refused.
    """
    if value is None or isinstance(value, bool | dict | list):
        raise DataError(f"{source}: a record has no usable {what} ({value!r})")
    text = str(value)
    if not text or "/" in text or "\\" in text or text in (".", ".."):
        raise DataError(
            f"{source}: {what} {printable(text)!r} cannot be used in a URL path; "
            "correct the record in its system"
        )
    return quote(text, safe="")


def record_id(source: str, entity: str, record: object, key: str = "id") -> Any:
    """`record[key]`, or a `DataError` saying which record lacks it."""
    if not isinstance(record, dict):
        raise DataError(f"{source}: a {entity} record is not a JSON object")
    value = record.get(key)
    if value is None or value == "":
        raise DataError(
            f"{source}: a {entity} record has no {key}; its related records cannot be read"
        )
    return value


def decode_json(content: bytes) -> Any:
    """JSON with every non-integer number as `Decimal`, so money never passes through a float."""
    return json.loads(content, parse_float=Decimal)


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 6
    backoff_seconds: float = 0.5
    max_backoff_seconds: float = 30.0

    def delay(self, attempt: int, retry_after: float | None) -> float:
        if retry_after is not None:
            return min(max(retry_after, 0.0), self.max_backoff_seconds)
        exponential = self.backoff_seconds * (2 ** (attempt - 1))
        # Full jitter keeps many workers from retrying in lock-step after a shared 503.
        return min(self.max_backoff_seconds, random.uniform(0, exponential))


class RateLimiter:
    """Keeps a client under a vendor's requests-per-minute limit (thread-safe).

    While the server's `X-Ratelimit-Remaining` shows plenty of budget, requests go out
    unhindered; once it falls to `reserve`, they are spaced at the sustained rate
    (`per_minute`) until the budget refills. A 429 that still happens is retried after its
    `Retry-After` by the client. Without the header, every request is spaced.
    """

    def __init__(self, per_minute: float, reserve: int = 25) -> None:
        self._interval = 60.0 / per_minute
        self._reserve = reserve
        self._remaining: int | None = None
        self._next = 0.0
        self._lock = threading.Lock()

    def observe(self, remaining: int) -> None:
        with self._lock:
            self._remaining = remaining

    def acquire(self) -> None:
        with self._lock:
            if self._remaining is not None and self._remaining > self._reserve:
                self._remaining -= 1  # count requests in flight before their answers arrive
                return
            now = time.monotonic()
            slot = max(self._next, now)
            self._next = slot + self._interval
        if slot > now:
            time.sleep(slot - now)


class BearerTokenAuth(httpx.Auth):
    """A bearer token got from an OAuth2 grant (client credentials, refresh token), got again
    on expiry or on a 401.

    `fetch_token` returns `(token, seconds_valid or None)`; when the lifetime is not given
    we read the JWT's `exp` claim, and failing that refresh only when the server says 401.
    """

    def __init__(self, fetch_token: Callable[[], tuple[Secret, float | None]]) -> None:
        self._fetch_token = fetch_token
        self._token: Secret | None = None
        self._expires_at = float("inf")
        self._lock = threading.Lock()

    def _current(self) -> Secret:
        with self._lock:
            if self._token is None or time.time() >= self._expires_at - 30:
                token, lifetime = self._fetch_token()
                self._token = token
                expiry = time.time() + lifetime if lifetime else _jwt_expiry(token.reveal())
                self._expires_at = expiry if expiry is not None else float("inf")
            return self._token

    def _invalidate(self, token: Secret) -> None:
        with self._lock:
            if self._token == token:
                self._token = None

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        token = self._current()
        request.headers["Authorization"] = f"Bearer {token.reveal()}"
        response = yield request
        if response.status_code == 401:
            self._invalidate(token)
            request.headers["Authorization"] = f"Bearer {self._current().reveal()}"
            yield request


def _jwt_expiry(token: str) -> float | None:
    parts = token.split(".")
    if len(parts) != 3:
        return None
    try:
        padded = parts[1] + "=" * (-len(parts[1]) % 4)
        claims = json.loads(base64.urlsafe_b64decode(padded))
        return float(claims["exp"])
    except (ValueError, KeyError, TypeError):
        return None


class ApiClient:
    """One vendor API: a pooled `httpx.Client` plus retries, pacing and error mapping."""

    def __init__(
        self,
        source: str,
        base_url: str,
        *,
        auth: httpx.Auth | None = None,
        headers: Mapping[str, str] | None = None,
        concurrency: int = 16,
        timeout_seconds: float = 30.0,
        retry: RetryPolicy | None = None,
        requests_per_minute: float | None = None,
        on_progress: ProgressCallback | None = None,
    ) -> None:
        self.source = source
        self.concurrency = concurrency
        self.retry = retry or RetryPolicy()
        self.on_progress = on_progress
        #: Called as `on_note(key, value)` with facts worth keeping about the run (the list
        #: envelope a vendor answered with); `reports monthly` records them in the manifest.
        self.on_note: Callable[[str, str], None] | None = None
        self._limiter = RateLimiter(requests_per_minute) if requests_per_minute else None
        self._client = httpx.Client(
            base_url=base_url,
            auth=auth,
            headers={"Accept": "application/json", **(headers or {})},
            timeout=httpx.Timeout(timeout_seconds),
            limits=httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency),
        )

    def __enter__(self) -> ApiClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        self._client.close()

    def note(self, key: str, value: str) -> None:
        if self.on_note is not None:
            self.on_note(key, value)

    def get(self, path: str, params: Mapping[str, Any] | None = None) -> Any:
        return self.request("GET", path, params=params)

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json_body: Any = None,
        idempotent: bool | None = None,
    ) -> Any:
        """Send one request with retries; return the decoded JSON body.

        A request that may have been applied is not sent again: POST and PATCH (unless
        `idempotent=True`) are retried only after a 429 or a failure to connect, never after
        a 5xx or a timeout, so a write cannot happen twice.
        """
        if idempotent is None:
            idempotent = method.upper() not in ("POST", "PATCH")
        content = None
        headers = {}
        if json_body is not None:
            content = json.dumps(json_body, default=_json_default).encode()
            headers["Content-Type"] = "application/json"
        last_problem = ""
        for attempt in range(1, self.retry.attempts + 1):
            if self._limiter is not None:
                self._limiter.acquire()
            try:
                response = self._client.request(
                    method, path, params=params, content=content, headers=headers
                )
            except httpx.TransportError as error:
                last_problem = f"connection error ({type(error).__name__})"
                retry_after = None
                if not idempotent and not isinstance(
                    error, httpx.ConnectError | httpx.ConnectTimeout
                ):
                    raise self._maybe_applied(method, path, last_problem) from None
            else:
                if self._limiter is not None:
                    remaining = response.headers.get("X-Ratelimit-Remaining")
                    if remaining is not None and remaining.isdigit():
                        self._limiter.observe(int(remaining))
                if response.status_code < 400:
                    return self._decode(method, path, response)
                if response.status_code not in RETRYABLE_STATUS:
                    raise self._api_error(method, path, response)
                last_problem = f"HTTP {response.status_code}"
                if not idempotent and response.status_code != 429:
                    raise self._maybe_applied(method, path, last_problem)
                retry_after = _retry_after_seconds(response.headers.get("Retry-After"))
            if attempt < self.retry.attempts:
                delay = self.retry.delay(attempt, retry_after)
                log.info(
                    "%s: %s %s: %s, retry in %.2fs", self.source, method, path, last_problem, delay
                )
                time.sleep(delay)
        raise TransientApiError(
            f"{self.source}: {method} {path} still failing after {self.retry.attempts} "
            f"attempts ({last_problem}); try again later"
        )

    def _maybe_applied(self, method: str, path: str, problem: str) -> TransientApiError:
        return TransientApiError(
            f"{self.source}: {method} {path} failed ({problem}) and was not sent again, as it may "
            "have been applied: check in the system before retrying"
        )

    def _decode(self, method: str, path: str, response: httpx.Response) -> Any:
        if not response.content:
            return None
        try:
            return decode_json(response.content)
        except ValueError:
            raise SourceError(
                f"{self.source}: {method} {path} returned HTTP {response.status_code} "
                "with a body that is not JSON; check the base URL"
            ) from None

    def _api_error(self, method: str, path: str, response: httpx.Response) -> ApiError:
        message, field_errors = "", None
        try:
            body = decode_json(response.content)
        except ValueError:
            body = None
        if isinstance(body, dict):
            for key in ("message", "error_description", "error"):
                if isinstance(body.get(key), str):
                    message = body[key]
                    break
            errors = body.get("errors")
            if isinstance(errors, dict):
                field_errors = {
                    str(k): [str(m) for m in (v if isinstance(v, list) else [v])]
                    for k, v in errors.items()
                }
        if not message:
            message = response.reason_phrase or "error"
        hint = {
            401: " (check the credentials)",
            403: " (the credentials lack permission)",
            404: " (check the base URL and the id)",
        }.get(response.status_code, "")
        return ApiError(
            self.source, method, path, response.status_code, message + hint, field_errors
        )

    def fan_out(
        self, fn: Callable[[T], R], items: Sequence[T] | Iterable[T], label: str = ""
    ) -> list[R]:
        """`[fn(item) for item in items]` with at most `concurrency` calls in flight.

        Results keep the order of `items`. The first failure cancels what has not started
        and is raised, so a partial result is never returned.
        """
        work = list(items)
        results: list[Any] = [None] * len(work)
        if not work:
            self._progress(label, 0, 0)
            return results
        done_count = 0
        lock = threading.Lock()

        def run(index: int, item: T) -> None:
            nonlocal done_count
            results[index] = fn(item)
            with lock:
                done_count += 1
                self._progress(label, done_count, len(work))

        with ThreadPoolExecutor(max_workers=self.concurrency) as pool:
            futures: list[Future[None]] = [
                pool.submit(run, index, item) for index, item in enumerate(work)
            ]
            wait(futures, return_when=FIRST_EXCEPTION)
            failed = [f for f in futures if f.done() and f.exception() is not None]
            if failed:
                for future in futures:
                    future.cancel()
                raise failed[0].exception()  # type: ignore[misc]
        return results

    def _progress(self, label: str, done: int, total: int) -> None:
        if self.on_progress is not None and label:
            self.on_progress(f"{self.source} {label}", done, total)


@dataclass(frozen=True)
class Page:
    items: list[dict[str, Any]]
    last_page: int | None
    total: int | None
    #: Items per page as the server reports it (it may cap what was asked for).
    per_page: int | None = None
    #: Which list envelope the server answered with, in words, for the run's manifest.
    envelope: str | None = None


def fetch_pages(
    client: ApiClient,
    path: str,
    read_page: Callable[[Any], Page],
    *,
    params: Mapping[str, Any] | None = None,
    page_size: int,
    size_param: str,
    page_param: str = "page",
    parallel: bool = True,
    key: str = "id",
    label: str = "",
) -> list[dict[str, Any]]:
    """Every record of a paginated list exactly once, checked against the reported total.

    With `last_page` known after page 1, the remaining pages are fetched concurrently
    (unless `parallel` is off, as inside a fan-out worker). Without it, pages are read until
    one comes back short. Records are de-duplicated by `key`; a count that differs from the
    API's `total` raises `IncompleteDataError` instead of returning a silently wrong list.
    """
    base = dict(params or {})

    def page(number: int) -> Page:
        return read_page(client.get(path, {**base, page_param: number, size_param: page_size}))

    first = page(1)
    if first.envelope is not None:
        client.note(f"{client.source} {path} envelope", first.envelope)
    pages = [first]
    if first.last_page is not None:
        numbers = range(2, first.last_page + 1)
        if parallel and len(numbers) > 1:
            pages += client.fan_out(page, numbers, label)
        else:
            pages += [page(number) for number in numbers]
    else:
        number = 1
        # A page shorter than the server's page size is the last; the server's own
        # `per_page`, when it says one, wins over what was asked for.
        while pages[-1].items and len(pages[-1].items) >= (first.per_page or page_size):
            number += 1
            pages.append(page(number))
    records: dict[Any, dict[str, Any]] = {}
    for current in pages:
        for item in current.items:
            records.setdefault(record_id(client.source, path, item, key), item)
    if first.total is not None and len(records) != first.total:
        raise IncompleteDataError(
            f"{client.source}: {path} reported {first.total} records but {len(records)} "
            "distinct ones came back (the data changed while we read it?); run the fetch again"
        )
    return list(records.values())


def _retry_after_seconds(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return float(value)
    except ValueError:
        pass
    try:
        return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
    except (TypeError, ValueError):
        return None


def _json_default(value: object) -> object:
    if isinstance(value, Decimal):
        # Vendors document these as JSON numbers; the shortest repr of a float parsed from a
        # decimal with at most 15 significant digits prints exactly that decimal again.
        if value == value.to_integral_value():
            return int(value)
        if len(value.as_tuple().digits) > 15:
            raise ValueError(f"{value} has too many digits to send as a JSON number exactly")
        return float(value)
    raise TypeError(f"cannot send {type(value).__name__} as JSON")
