"""`ApiClient`: one vendor API over a pooled `httpx.Client`, with deadlines, pacing,
retries with backoff, error mapping and a bounded fan-out.

Its parts come from outside, as dlt's REST client takes its own: the `transport` (a test
passes `httpx.MockTransport`), the `auth`, the `RetryPolicy`, the `RateLimiter`.
Concurrency is threads over one client, not asyncio, so the same code runs from a script
and from inside a running Jupyter kernel (which already owns an event loop).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from concurrent.futures import FIRST_EXCEPTION, Future, ThreadPoolExecutor, wait
from http import HTTPStatus
from http.cookiejar import CookieJar
from typing import Any, TypeVar

import httpx

from reports.errors import ApiError, IncompleteDataError, SourceError, TransientApiError
from reports.http.ratelimit import RateLimiter
from reports.http.records import decode_json, encode_json
from reports.http.retry import (
    RETRYABLE_STATUS,
    Retry,
    RetryBudget,
    RetryPolicy,
    RetryReason,
    retry_after_seconds,
)

log = logging.getLogger("reports.http")

T = TypeVar("T")
R = TypeVar("R")

#: Called as `on_progress(label, done, total)` while a fetch runs.
ProgressCallback = Callable[[str, int, int], None]
#: Called as `on_note(key, value)` with a fact worth keeping about the run.
NoteCallback = Callable[[str, str], None]


class _DeadlinePassed(Exception):
    """A request's whole exchange (connect to last byte) took longer than it may."""

    def __init__(self, seconds: float) -> None:
        super().__init__(f"no whole answer within {seconds:g} s")


class _Unreadable(Exception):
    """A successful answer whose body cannot be read: retried, for a read."""

    def __init__(self, reason: RetryReason, message: str) -> None:
        super().__init__(message)
        self.reason = reason


def _transport_retry(error: Exception) -> Retry:
    if isinstance(error, _DeadlinePassed):
        return Retry(RetryReason.DEADLINE, str(error))
    name = type(error).__name__
    if isinstance(error, httpx.TimeoutException):
        return Retry(RetryReason.TIMEOUT, f"timeout ({name})")
    if isinstance(error, httpx.RemoteProtocolError | httpx.ReadError):
        return Retry(RetryReason.DROPPED, f"connection dropped ({name})")
    return Retry(RetryReason.CONNECTION, f"connection error ({name})")


def _all_or_first_failure(futures: Sequence[Future[Any]]) -> None:
    """Wait for every one of `futures`; at the first failure, cancel those not started and
    raise it, so that a partial result is never returned."""
    wait(futures, return_when=FIRST_EXCEPTION)
    failed = next((f for f in futures if f.done() and f.exception() is not None), None)
    if failed is not None:
        for future in futures:
            future.cancel()
        raise failed.exception()  # type: ignore[misc]


class _NoCookies(CookieJar):
    """Keeps no cookie: the vendors authenticate by header, so a cookie a gateway sets is
    not sent back (each request stands alone), and no response pays for a cookie-jar walk."""

    def extract_cookies(self, response: object, request: object) -> None:
        return None

    def set_cookie(self, cookie: object) -> None:
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
        rate_window_seconds: float | None = None,
        limiter: RateLimiter | None = None,
        transport: httpx.BaseTransport | None = None,
        on_progress: ProgressCallback | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.source = source
        self.base_url = base_url.rstrip("/")
        self.concurrency = concurrency
        self.retry = retry or RetryPolicy()
        self.timeout_seconds = timeout_seconds
        self.budget = RetryBudget(source)
        self.on_progress = on_progress
        #: Facts worth keeping about the run (the list envelope a vendor answered with);
        #: `reports monthly` records them in the manifest.
        self.on_note: NoteCallback | None = None
        self._limiter = limiter or (
            RateLimiter(requests_per_minute, window_seconds=rate_window_seconds)
            if requests_per_minute
            else None
        )
        if self._limiter is not None:
            self._limiter.on_wait = lambda waited, total: self._progress(
                "waiting for its rate limit (s)", waited, total
            )
        self._sleep = sleep
        #: At most `concurrency` requests in flight, whichever fan-outs send them (a list's
        #: pages and its records' own requests share them in `fan_out_as_listed`).
        self._slots = threading.BoundedSemaphore(concurrency)
        self._client = httpx.Client(
            base_url=base_url,
            auth=auth,
            headers={"Accept": "application/json", **(headers or {})},
            timeout=httpx.Timeout(timeout_seconds),
            limits=httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency),
            transport=transport,
            cookies=_NoCookies(),
        )

    def __enter__(self) -> ApiClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        self._client.close()

    def url(self, path: str) -> str:
        """Where `path` is, for errors: the base and the path, never a credential."""
        return f"{self.base_url}{path}"

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
            content = encode_json(json_body)
            headers["Content-Type"] = "application/json"
        last = Retry(RetryReason.CONNECTION, "no attempt")
        status: int | None = None
        window = self._limiter.window_seconds if self._limiter is not None else None
        windows_waited = 0
        attempt = 0
        while attempt < self.retry.attempts:
            attempt += 1
            if self._limiter is not None:
                self._limiter.acquire()
            retry_after = None
            try:
                with self._slots:
                    status, response_headers, body = self._send(
                        method, path, params, content, headers
                    )
            except (httpx.TransportError, _DeadlinePassed) as error:
                last = _transport_retry(error)
                never_sent = isinstance(error, httpx.ConnectError | httpx.ConnectTimeout)
                if not idempotent and not never_sent:
                    raise self._maybe_applied(method, path, last) from None
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
                    except _Unreadable as error:
                        if not idempotent:
                            raise self._unreadable(method, path, status, error) from None
                        last = Retry(error.reason, str(error))
                    except SourceError as error:
                        if not idempotent:
                            raise
                        detail = str(error).removeprefix(f"{self.source}: ")
                        last = Retry(RetryReason.NO_ENVELOPE, detail)
                elif status not in RETRYABLE_STATUS:
                    raise self._api_error(method, path, status, response_headers, body)
                else:
                    reason = RetryReason.RATE_LIMITED if status == 429 else RetryReason.SERVER_ERROR
                    last = Retry(reason, f"HTTP {status}")
                    if not idempotent and reason is not RetryReason.RATE_LIMITED:
                        raise self._maybe_applied(method, path, last, status)
                    retry_after = retry_after_seconds(response_headers.get("Retry-After"))
                    if status == 429 and retry_after is None and window and self._limiter:
                        # The window's budget is spent (another integration may share it):
                        # wait for the window, not a backoff, and spend no attempt on it.
                        windows_waited += 1
                        if windows_waited > 2:
                            raise self._transient(
                                f"{method} {path}: the rate limit's budget stayed spent "
                                f"through two whole windows ({2 * window:.0f} s) of waiting: "
                                "another integration on the account may be using it; try "
                                "again later",
                                method,
                                path,
                                last,
                                status,
                            )
                        self.budget.spend(last)
                        self._progress("retries", self.budget.retries, self.budget.requests)
                        log.info(
                            "%s: %s %s: rate limit spent, waiting for its window",
                            self.source,
                            method,
                            path,
                        )
                        self._limiter.spent()
                        attempt -= 1
                        continue
            self.budget.spend(last)
            self._progress("retries", self.budget.retries, self.budget.requests)
            if attempt < self.retry.attempts:
                delay = self.retry.delay(attempt, retry_after)
                log.info(
                    "%s: %s %s: %s, retry in %.2fs", self.source, method, path, last.detail, delay
                )
                self._sleep(delay)
        raise self._transient(
            f"{method} {path} still failing after {self.retry.attempts} attempts "
            f"({last.detail}); try again later",
            method,
            path,
            last,
            status,
        )

    def _transient(
        self, message: str, method: str, path: str, last: Retry, status: int | None
    ) -> TransientApiError:
        """A `TransientApiError` of this source, saying `message`, with its context."""
        return TransientApiError(
            f"{self.source}: {message}",
            source=self.source,
            method=method,
            url=self.url(path),
            status=status,
            reason=last.reason,
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

    def _maybe_applied(
        self, method: str, path: str, last: Retry, status: int | None = None
    ) -> TransientApiError:
        return self._transient(
            f"{method} {path} failed ({last.detail}) and was not sent again, as it may have "
            "been applied: check in the system before retrying",
            method,
            path,
            last,
            status,
        )

    def _unreadable(self, method: str, path: str, status: int, error: _Unreadable) -> SourceError:
        return SourceError(
            f"{self.source}: {error}",
            source=self.source,
            method=method,
            url=self.url(path),
            status=status,
        )

    def _decode(self, method: str, path: str, status: int, body: bytes) -> Any:
        if not body.strip():
            if method.upper() == "GET":
                raise _Unreadable(RetryReason.EMPTY_BODY, f"{method} {path} returned an empty body")
            return None
        try:
            return decode_json(body)
        except ValueError:
            raise _Unreadable(
                RetryReason.NOT_JSON,
                f"{method} {path} returned HTTP {status} with a body that is not JSON; "
                "check the base URL",
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
        return ApiError(
            self.source, method, path, status, message + hint, field_errors, self.url(path)
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
            _all_or_first_failure(futures)
        return results

    def fan_out_as_listed(
        self,
        list_records: Callable[[Callable[[Sequence[T]], None]], list[T]],
        fn: Callable[[T], R],
        key: Callable[[T], Hashable],
        label: str = "",
    ) -> tuple[list[T], list[R]]:
        """The records `list_records(on_page)` returns, and `fn` of each, in their order.

        `fn` starts on a record as soon as the page holding it has come (`list_records`
        calls `on_page` with each page's records, from whichever thread read it), not after
        the list's last page: the list's pages and its records' requests share the
        client's `concurrency`. A record is worked on once however often pages list it; one
        the complete list no longer holds (it shifted and was read again) has its result
        dropped. The first failure cancels what has not started and is raised, so a partial
        result is never returned.
        """
        futures: dict[Hashable, Future[R]] = {}
        # Reentrant: a future done before its callback is added runs it in `start`.
        lock = threading.RLock()
        done_count = 0

        with ThreadPoolExecutor(max_workers=self.concurrency) as pool:

            def finished(future: Future[R]) -> None:
                nonlocal done_count
                if future.cancelled():
                    return
                with lock:
                    done_count += 1
                    self._progress(label, done_count, len(futures))

            def start(record: T) -> Future[R]:
                with lock:
                    ident = key(record)
                    future = futures.get(ident)
                    if future is None:
                        future = futures[ident] = pool.submit(fn, record)
                        future.add_done_callback(finished)
                return future

            def on_page(records: Sequence[T]) -> None:
                for record in records:
                    start(record)

            try:
                records = list_records(on_page)
                chosen = [start(record) for record in records]
                _all_or_first_failure(chosen)
            finally:
                for future in futures.values():
                    future.cancel()
        if not records:
            self._progress(label, 0, 0)
        return records, [future.result() for future in chosen]

    def _progress(self, label: str, done: int, total: int) -> None:
        if self.on_progress is not None and label:
            self.on_progress(f"{self.source} {label}", done, total)
