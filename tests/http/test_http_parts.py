"""The HTTP layer's other parts alone: the rate limiter on a fake clock, bearer tokens
renewed on a 401, each list envelope, and the paginator over a `MockTransport`."""

from __future__ import annotations

import base64
import json
import threading
import time
from dataclasses import dataclass, field

import httpx
import pytest

from reports.config import Secret
from reports.errors import ApiError, IncompleteDataError, SourceError
from reports.http import (
    AnyListEnvelope,
    ApiClient,
    BearerTokenAuth,
    RateLimiter,
    ResourceCollection,
    ResultItems,
    RetryPolicy,
    fetch_pages,
)
from reports.http.auth import jwt_expiry


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def test_the_limiter_spaces_requests_only_once_the_budget_runs_low() -> None:
    clock = FakeClock()
    limiter = RateLimiter(60, reserve=2, clock=clock, sleep=clock.sleep)
    limiter.observe(5)
    for _ in range(3):
        limiter.acquire()  # 5, 4, 3 left: above the reserve, no wait
    assert clock.slept == []
    for _ in range(3):
        limiter.acquire()  # at the reserve: one a second
    assert clock.slept == [1.0, 1.0]


def test_a_bearer_token_is_fetched_again_after_a_401() -> None:
    tokens = iter([Secret("old"), Secret("new")])
    seen: list[str] = []

    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers["Authorization"])
        return httpx.Response(401 if seen[-1] == "Bearer old" else 200, json={})

    auth = BearerTokenAuth(lambda: (next(tokens), None))
    with httpx.Client(transport=httpx.MockTransport(handle), auth=auth) as http:
        assert http.get("https://api.example/x").status_code == 200
    assert seen == ["Bearer old", "Bearer new"]


def test_a_jwt_expiry_is_read_from_its_claims() -> None:
    claims = base64.urlsafe_b64encode(json.dumps({"exp": 1234}).encode()).rstrip(b"=").decode()
    assert jwt_expiry(f"head.{claims}.sig") == 1234.0
    assert jwt_expiry("not-a-jwt") is None


def test_each_envelope_reads_its_shape_and_refuses_others() -> None:
    assert (
        ResultItems("v")
        .read(
            {"success": True, "result": {"items": [1], "lastPage": "2", "total": 3, "perPage": 1}}
        )
        .last_page
        == 2
    )
    with pytest.raises(SourceError, match="success=false"):
        ResultItems("v").read({"success": False, "result": {}})
    assert ResourceCollection("v").read({"data": [1, 2]}).total == 2  # no meta: all of it
    assert ResourceCollection("v").read({"data": [], "meta": {"last_page": 4}}).last_page == 4
    pages = [
        AnyListEnvelope("v").read(body)
        for body in ([1], {"data": [1], "total": "1", "last_page": 1}, {"data": [1]})
    ]
    assert [p.envelope for p in pages] == [
        "a bare JSON array",
        "Laravel paginator (last_page and total beside data)",
        "data with no page count (read until a short page)",
    ]
    with pytest.raises(SourceError, match="unexpected page count 'many'"):
        AnyListEnvelope("v").read({"data": [], "total": "many"})


def paged(items: list[int], per_page: int, shift_once: bool = False) -> httpx.MockTransport:
    shifted = {"done": not shift_once}

    def handle(request: httpx.Request) -> httpx.Response:
        number = int(request.url.params["page"])
        rows = list(items)
        if number == 2 and not shifted["done"]:
            shifted["done"] = True
            rows.insert(0, 999)  # a record added while the list is read
        chunk = rows[(number - 1) * per_page : number * per_page]
        last = -(-len(rows) // per_page)
        body = {"data": [{"id": i} for i in chunk], "meta": {"last_page": last, "total": len(rows)}}
        return httpx.Response(200, json=body)

    return httpx.MockTransport(handle)


def api(transport: httpx.MockTransport) -> ApiClient:
    return ApiClient("v", "https://api.example", transport=transport, retry=RetryPolicy(2))


def test_the_paginator_reads_every_page_once() -> None:
    with api(paged(list(range(7)), 3)) as client:
        records = fetch_pages(
            client, "/l", ResourceCollection("v").read, page_size=3, size_param="per_page"
        )
    assert [r["id"] for r in records] == list(range(7))


def test_a_list_that_shifts_while_read_is_read_again() -> None:
    with api(paged(list(range(7)), 3, shift_once=True)) as client:
        records = fetch_pages(
            client, "/l", ResourceCollection("v").read, page_size=3, size_param="per_page"
        )
    assert sorted(r["id"] for r in records) == list(range(7))


def test_a_count_that_never_adds_up_is_refused() -> None:
    def handle(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"data": [{"id": 1}], "meta": {"last_page": 1, "total": 5}})

    with api(httpx.MockTransport(handle)) as client, pytest.raises(IncompleteDataError) as caught:
        fetch_pages(client, "/l", ResourceCollection("v").read, page_size=3, size_param="n")
    assert caught.value.url == "https://api.example/l"


def test_a_budget_seen_spent_pauses_every_request_for_one_window() -> None:
    clock = FakeClock()
    limiter = RateLimiter(
        6000, reserve=2, window_seconds=60, jitter_seconds=0, clock=clock, sleep=clock.sleep
    )
    waits: list[tuple[int, int]] = []
    limiter.on_wait = lambda waited, total: waits.append((waited, total))
    limiter.observe(0)
    assert limiter.spent() == 60  # a second request seeing it spent does not extend it
    limiter.acquire()
    assert clock.now == 60 and sum(clock.slept) == 60
    assert waits[0] == (0, 60) and waits[-1] == (59, 60)
    limiter.acquire()  # the window is over: no wait
    assert clock.now == pytest.approx(60.01)


@dataclass
class Watch:
    """What a transport was asked, in order, and the most requests it had in flight."""

    order: list[str] = field(default_factory=list)
    in_flight: int = 0
    most: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)


def listed_with_details(
    items: list[int], per_page: int, shift_once: bool = False
) -> tuple[httpx.MockTransport, Watch]:
    """`paged`, plus `/d/{id}` answering each record's detail, watched."""
    pages = paged(items, per_page, shift_once)
    watch = Watch()

    def handle(request: httpx.Request) -> httpx.Response:
        with watch.lock:
            watch.in_flight += 1
            watch.most = max(watch.most, watch.in_flight)
            watch.order.append(request.url.path)
        time.sleep(0.01)
        try:
            if request.url.path.startswith("/d/"):
                return httpx.Response(200, json={"detail": int(request.url.path[3:]) * 10})
            return pages.handle_request(request)
        finally:
            with watch.lock:
                watch.in_flight -= 1

    return httpx.MockTransport(handle), watch


def read_listed(client: ApiClient) -> tuple[list[dict[str, int]], list[int]]:
    return client.fan_out_as_listed(
        lambda on_page: fetch_pages(
            client,
            "/l",
            ResourceCollection("v").read,
            page_size=3,
            size_param="per_page",
            on_page=on_page,
        ),
        lambda record: int(client.get(f"/d/{record['id']}")["detail"]),
        key=lambda record: record["id"],
    )


def test_a_records_work_starts_before_its_list_is_read_and_shares_the_concurrency() -> None:
    transport, seen = listed_with_details(list(range(30)), 3)
    client = ApiClient("v", "https://api.example", transport=transport, concurrency=4)
    with client:
        records, details = read_listed(client)
    assert [r["id"] for r in records] == list(range(30))
    assert details == [i * 10 for i in range(30)]
    last_page = max(i for i, path in enumerate(seen.order) if path == "/l")
    assert any(path.startswith("/d/") for path in seen.order[:last_page])
    assert seen.most == 4


def test_a_list_read_again_works_on_each_record_once_and_keeps_only_those_listed() -> None:
    transport, seen = listed_with_details(list(range(7)), 3, shift_once=True)
    with ApiClient("v", "https://api.example", transport=transport) as client:
        records, details = read_listed(client)
    assert sorted(r["id"] for r in records) == list(range(7))
    assert sorted(details) == [i * 10 for i in range(7)]
    detail_paths = [path for path in seen.order if path.startswith("/d/")]
    assert len(detail_paths) == len(set(detail_paths))


def test_a_records_failure_is_raised_not_a_partial_result() -> None:
    transport, _ = listed_with_details(list(range(9)), 3)

    def handle(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/d/4":
            return httpx.Response(404, json={"message": "gone"})
        return transport.handle_request(request)

    with (
        ApiClient("v", "https://api.example", transport=httpx.MockTransport(handle)) as client,
        pytest.raises(ApiError, match="404"),
    ):
        read_listed(client)
