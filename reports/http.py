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
import math
import random
import threading
import time
from collections import Counter
from collections.abc import Callable, Generator, Iterable, Mapping, Sequence
from concurrent.futures import FIRST_EXCEPTION, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from decimal import Decimal
from email.utils import parsedate_to_datetime
from http import HTTPStatus
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
        self.timeout_seconds = timeout_seconds
        self.budget = RetryBudget(source)
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

    def get(
        self,
        path: str,
        params: Mapping[str, Any] | None = None,
        expect: Callable[[Any], Any] | None = None,
    ) -> Any:
        """GET `path`; with `expect`, its result (an answer it refuses is retried)."""
        return self.request("GET", path, params=params, expect=expect)

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json_body: Any = None,
        idempotent: bool | None = None,
        expect: Callable[[Any], R] | None = None,
    ) -> Any:
        """Send one request with retries; return the decoded JSON body, or `expect(body)`.

        Transient failures are retried with backoff: 429 and 5xx answers, a connection that
        fails or drops mid-body, a whole request past its deadline (`timeout_seconds`, body
        included, so a trickled body cannot hang a run), and, for a read, a 200 whose body
        is not JSON or not the vendor's envelope (`expect` raises `SourceError` for that).
        A request that may have been applied is not sent again: POST and PATCH (unless
        `idempotent=True`) are retried only after a 429 or a failure to connect.
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
            retry_after = None
            try:
                status, response_headers, body = self._send(method, path, params, content, headers)
            except (httpx.TransportError, _DeadlinePassed) as error:
                last_problem = _describe(error)
                if not idempotent and not isinstance(
                    error, httpx.ConnectError | httpx.ConnectTimeout
                ):
                    raise self._maybe_applied(method, path, last_problem) from None
            else:
                if self._limiter is not None:
                    remaining = response_headers.get("X-Ratelimit-Remaining")
                    if remaining is not None and remaining.isdigit():
                        self._limiter.observe(int(remaining))
                if status < 400:
                    try:
                        decoded = self._decode(method, path, status, body)
                        return expect(decoded) if expect is not None else decoded
                    except IncompleteDataError:
                        raise  # a count that does not add up: the caller decides
                    except SourceError as error:
                        if not idempotent:
                            raise
                        last_problem = str(error).removeprefix(f"{self.source}: ")
                elif status not in RETRYABLE_STATUS:
                    raise self._api_error(method, path, status, response_headers, body)
                else:
                    last_problem = f"HTTP {status}"
                    if not idempotent and status != 429:
                        raise self._maybe_applied(method, path, last_problem)
                    retry_after = retry_after_seconds(response_headers.get("Retry-After"))
            self.budget.spend(self.source, last_problem)
            self._progress("retries", self.budget.retries, self.budget.requests)
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

    def _send(
        self,
        method: str,
        path: str,
        params: Mapping[str, Any] | None,
        content: bytes | None,
        headers: dict[str, str],
    ) -> tuple[int, httpx.Headers, bytes]:
        """One exchange, the whole body read before `timeout_seconds` have passed."""
        self.budget.count()
        deadline = time.monotonic() + self.timeout_seconds
        with self._client.stream(
            method, path, params=params, content=content, headers=headers
        ) as response:
            chunks = []
            for chunk in response.iter_bytes():
                chunks.append(chunk)
                if time.monotonic() > deadline:
                    raise _DeadlinePassed(self.timeout_seconds)
            return response.status_code, response.headers, b"".join(chunks)

    def _maybe_applied(self, method: str, path: str, problem: str) -> TransientApiError:
        return TransientApiError(
            f"{self.source}: {method} {path} failed ({problem}) and was not sent again, as it may "
            "have been applied: check in the system before retrying"
        )

    def _decode(self, method: str, path: str, status: int, body: bytes) -> Any:
        if not body.strip():
            if method.upper() == "GET":
                raise SourceError(f"{self.source}: {method} {path} returned an empty body")
            return None
        try:
            return decode_json(body)
        except ValueError:
            raise SourceError(
                f"{self.source}: {method} {path} returned HTTP {status} "
                "with a body that is not JSON; check the base URL"
            ) from None

    def _api_error(
        self, method: str, path: str, status: int, headers: httpx.Headers, content: bytes
    ) -> ApiError:
        message, field_errors = "", None
        try:
            body = decode_json(content)
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
            message = (
                HTTPStatus(status).phrase if status in HTTPStatus._value2member_map_ else "error"
            )
        hint = {
            401: " (check the credentials)",
            403: " (the credentials lack permission)",
            404: " (check the base URL and the id)",
        }.get(status, "")
        return ApiError(self.source, method, path, status, message + hint, field_errors)

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


#: How many times a list is read again from its first page when it shifted while being read.
REREADS = 3


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
    one comes back short. A page whose answer lacks the vendor's envelope is retried like
    any transient failure (`read_page` refuses it).

    When the list shifts while it is read (a record added or removed between two pages:
    the pages report different totals, or the distinct records do not add up to the
    total), it is read again from the first page, up to `REREADS` times; then
    `IncompleteDataError`. A list whose count disagrees with the server's final total is
    never returned.
    """
    base = dict(params or {})

    def page(number: int) -> Page:
        query = {**base, page_param: number, size_param: page_size}
        result: Page = client.get(path, query, expect=read_page)
        return result

    problem = ""
    for _ in range(REREADS + 1):
        pages = _read_pages(client, page, page_size, parallel, label)
        records: dict[Any, dict[str, Any]] = {}
        for current in pages:
            for item in current.items:
                records.setdefault(record_id(client.source, path, item, key), item)
        totals = {current.total for current in pages if current.total is not None}
        if len(totals) > 1:
            problem = f"its total changed from {pages[0].total} to {pages[-1].total} while read"
        elif totals and len(records) != next(iter(totals)):
            problem = f"it reported {next(iter(totals))} records but {len(records)} distinct ones came back"
        else:
            if pages[0].envelope is not None:
                client.note(f"{client.source} {path} envelope", pages[0].envelope)
            return list(records.values())
        log.info("%s: %s shifted while read (%s); reading it again", client.source, path, problem)
    raise IncompleteDataError(
        f"{client.source}: {path}: {problem}, {REREADS + 1} times over (the data keeps changing "
        "while we read it); run the fetch again"
    )


def _read_pages(
    client: ApiClient,
    page: Callable[[int], Page],
    page_size: int,
    parallel: bool,
    label: str,
) -> list[Page]:
    first = page(1)
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
    return pages


#: The longest a `Retry-After` is obeyed; a larger one (or a far HTTP date) waits this long.
MAX_RETRY_AFTER_SECONDS = 60.0


def retry_after_seconds(value: str | None, now: float | None = None) -> float | None:
    """`Retry-After` as seconds to wait: delta-seconds or an HTTP date, never negative, at
    most `MAX_RETRY_AFTER_SECONDS`. Missing, `nan`, `inf` or garbage is None: back off as
    for any other failure."""
    if not value or not value.strip():
        return None
    text = value.strip()
    try:
        seconds = float(text)
    except ValueError:
        try:
            when = parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            return None
        if when is None:
            return None
        seconds = when.timestamp() - (time.time() if now is None else now)
    if not math.isfinite(seconds):
        return None
    return min(max(seconds, 0.0), MAX_RETRY_AFTER_SECONDS)


class _DeadlinePassed(Exception):
    """A request's whole exchange (connect to last byte) took longer than it may."""

    def __init__(self, seconds: float) -> None:
        super().__init__(f"no whole answer within {seconds:g} s")


def _describe(error: Exception) -> str:
    if isinstance(error, _DeadlinePassed):
        return str(error)
    if isinstance(error, httpx.TimeoutException):
        return f"timeout ({type(error).__name__})"
    if isinstance(error, httpx.RemoteProtocolError | httpx.ReadError):
        return f"connection dropped ({type(error).__name__})"
    return f"connection error ({type(error).__name__})"


class RetryBudget:
    """How many retries one source's fetch may spend: `share` of its requests plus
    `allowance`. Past that the network or the service is unwell, and the run stops with what
    failed and why, rather than retrying for ever. A 429 is the server pacing us, not a
    failure: it is counted and reported, never charged. Thread-safe."""

    def __init__(self, source: str, share: float = 0.10, allowance: int = 20) -> None:
        self.source = source
        self.share = share
        self.allowance = allowance
        self.requests = 0
        self.retries = 0
        self.charged = 0
        self.reasons: Counter[str] = Counter()
        self._lock = threading.Lock()

    def count(self) -> None:
        with self._lock:
            self.requests += 1

    def spend(self, source: str, reason: str) -> None:
        with self._lock:
            self.retries += 1
            self.reasons[_reason_kind(reason)] += 1
            if reason != "HTTP 429":
                self.charged += 1
            over = self.charged > self.share * self.requests + self.allowance
        if over:
            raise TransientApiError(
                f"{source}: {self.charged} of {self.requests} requests failed and were retried "
                f"({self.summary_of_reasons()}), more than a run allows "
                f"({self.share:.0%} of requests plus {self.allowance}): the network or the "
                "service is unwell; try again later"
            )

    def summary_of_reasons(self) -> str:
        return ", ".join(f"{reason} x{count}" for reason, count in self.reasons.most_common())

    def summary(self) -> str:
        """For the run's manifest: `3 retries in 212 requests (HTTP 503 x2, ...)`."""
        if not self.retries:
            return f"no retries in {self.requests} requests"
        return f"{self.retries} retries in {self.requests} requests ({self.summary_of_reasons()})"


def _reason_kind(reason: str) -> str:
    """A retry's reason without what varies per request (paths, counts)."""
    if reason.startswith(("HTTP ", "connection", "timeout", "no whole answer")):
        return reason
    if "not JSON" in reason:
        return "a body that is not JSON"
    if "empty body" in reason:
        return "an empty body"
    return "an answer without the vendor's envelope"


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
