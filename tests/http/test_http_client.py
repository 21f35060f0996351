"""`ApiClient` alone, through `httpx.MockTransport`: retries and their reasons, what is never
sent twice, deadlines, errors that carry what they are about, pacing from the header."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest

from reports.errors import ApiError, SourceError, TransientApiError
from reports.http import ApiClient, RateLimiter, ResultItems, RetryPolicy, RetryReason

Handler = Callable[[httpx.Request], httpx.Response]


def client(handler: Handler, **options: object) -> ApiClient:
    return ApiClient(
        "vendor",
        "https://api.example/v1",
        transport=httpx.MockTransport(handler),
        retry=RetryPolicy(attempts=3),
        sleep=lambda _seconds: None,
        **options,  # type: ignore[arg-type]
    )


def answers(*responses: httpx.Response) -> tuple[Handler, list[httpx.Request]]:
    """A handler giving `responses` in turn, and the requests it saw."""
    seen: list[httpx.Request] = []
    queue = list(responses)

    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return queue.pop(0) if len(queue) > 1 else queue[0]

    return handle, seen


def test_a_503_then_a_200_is_one_retry_with_its_reason() -> None:
    handle, seen = answers(httpx.Response(503), httpx.Response(200, json={"ok": 1.5}))
    with client(handle) as api:
        assert api.get("/things") == {"ok": __import__("decimal").Decimal("1.5")}
        assert api.budget.by_reason == {RetryReason.SERVER_ERROR: 1}
        assert api.budget.summary() == "1 retries in 2 requests (HTTP 503 x1)"
    assert len(seen) == 2


def test_a_429_is_counted_but_never_charged() -> None:
    handle, _ = answers(
        httpx.Response(429, headers={"Retry-After": "0"}), httpx.Response(200, json=[])
    )
    with client(handle) as api:
        api.get("/things")
        assert (api.budget.retries, api.budget.charged) == (1, 0)
        assert api.budget.by_reason == {RetryReason.RATE_LIMITED: 1}


def test_retries_that_run_out_raise_with_what_they_are_about() -> None:
    handle, seen = answers(httpx.Response(502))
    with client(handle) as api, pytest.raises(TransientApiError) as caught:
        api.get("/things")
    error = caught.value
    assert str(error) == (
        "vendor: GET /things still failing after 3 attempts (HTTP 502); try again later"
    )
    assert (error.source, error.method, error.url, error.status, error.reason) == (
        "vendor",
        "GET",
        "https://api.example/v1/things",
        502,
        RetryReason.SERVER_ERROR,
    )
    assert len(seen) == 3


@pytest.mark.parametrize(
    ("body", "reason"),
    [(b"", RetryReason.EMPTY_BODY), (b"<html>gateway</html>", RetryReason.NOT_JSON)],
)
def test_an_unreadable_200_is_retried_for_its_reason(body: bytes, reason: RetryReason) -> None:
    handle, _ = answers(httpx.Response(200, content=body), httpx.Response(200, json={}))
    with client(handle) as api:
        assert api.get("/things") == {}
        assert api.budget.by_reason == {reason: 1}


def test_an_answer_without_the_envelope_is_retried() -> None:
    good = {"success": True, "result": {"items": [{"id": 1}], "lastPage": 1, "total": 1}}
    handle, _ = answers(httpx.Response(200, json={"oops": 1}), httpx.Response(200, json=good))
    with client(handle) as api:
        page = api.get("/things", expect=ResultItems("vendor").read)
        assert page.items == [{"id": 1}]
        assert api.budget.by_reason == {RetryReason.NO_ENVELOPE: 1}
        assert api.budget.summary_of_reasons() == "an answer without the vendor's envelope x1"


def test_a_write_that_may_have_been_applied_is_not_sent_again() -> None:
    handle, seen = answers(httpx.Response(500))
    with client(handle) as api, pytest.raises(TransientApiError, match="was not sent again"):
        api.request("POST", "/things", json_body={"a": 1})
    assert len(seen) == 1


def test_a_write_is_sent_again_after_a_refused_connection() -> None:
    calls = []

    def handle(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        if len(calls) == 1:
            raise httpx.ConnectError("refused", request=request)
        return httpx.Response(200, json={"id": "x"})

    with client(handle) as api:
        assert api.request("POST", "/things", json_body={"a": 1}) == {"id": "x"}
        assert api.budget.by_reason == {RetryReason.CONNECTION: 1}
    assert calls[1].content == b'{"a": 1}'


def test_a_dropped_connection_is_retried_for_a_read() -> None:
    calls = []

    def handle(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        if len(calls) == 1:
            raise httpx.ReadError("reset", request=request)
        return httpx.Response(200, json=[])

    with client(handle) as api:
        api.get("/things")
        assert api.budget.reasons == {"connection dropped (ReadError)": 1}


def test_a_4xx_is_an_api_error_naming_source_url_and_status() -> None:
    handle, seen = answers(
        httpx.Response(422, json={"message": "Invalid", "errors": {"name": ["required"]}})
    )
    with client(handle) as api, pytest.raises(ApiError) as caught:
        api.request("POST", "/things", json_body={})
    error = caught.value
    assert str(error) == "vendor: POST /things failed with HTTP 422: Invalid (name: required)"
    assert (error.url, error.status, error.field_errors) == (
        "https://api.example/v1/things",
        422,
        {"name": ["required"]},
    )
    assert len(seen) == 1


def test_the_rate_limit_header_paces_the_client() -> None:
    observed: list[int] = []

    class Recording(RateLimiter):
        def observe(self, remaining: int) -> None:
            observed.append(remaining)
            super().observe(remaining)

    handle, _ = answers(httpx.Response(200, json=[], headers={"X-Ratelimit-Remaining": "7"}))
    with client(handle, limiter=Recording(60)) as api:
        api.get("/things")
    assert observed == [7]


def test_a_refused_envelope_on_a_write_is_raised_not_retried() -> None:
    handle, seen = answers(httpx.Response(200, content=b"not json"))
    with client(handle) as api, pytest.raises(SourceError, match="body that is not JSON"):
        api.request("PATCH", "/things/1", json_body={})
    assert len(seen) == 1
