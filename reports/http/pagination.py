"""Lists read page by page: one class per list envelope a vendor answers in (as dlt's
paginators are), and `fetch_pages`, which reads a whole list exactly once.

An envelope turns one decoded answer into a `Page` (its items, and the counts it states),
or raises `SourceError` when the answer is not in it: the client retries such an answer
like any transient failure (a gateway's HTML page, a truncated list).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from reports.errors import IncompleteDataError, SourceError
from reports.http.records import record_id

if TYPE_CHECKING:
    from reports.http.client import ApiClient

log = logging.getLogger("reports.http")

#: How many times a list is read again from its first page when it shifted while being read.
REREADS = 3


@dataclass(frozen=True)
class Page:
    items: list[dict[str, Any]]
    last_page: int | None
    total: int | None
    #: Items per page as the server reports it (it may cap what was asked for).
    per_page: int | None = None
    #: Which list envelope the server answered with, in words, for the run's manifest.
    envelope: str | None = None


class Envelope(Protocol):
    """How one vendor wraps a page of a list."""

    def read(self, body: Any) -> Page: ...


def count(source: str, value: Any) -> int | None:
    """A count from an envelope, which a server may send as a number or a numeric string."""
    if value is None or isinstance(value, bool):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        raise SourceError(f"{source}: unexpected page count {value!r} in a list response") from None


@dataclass(frozen=True)
class ResultItems:
    """`{"success": true, "result": {"items", "lastPage", "total", "perPage"}}`."""

    source: str

    def read(self, body: Any) -> Page:
        if not isinstance(body, dict) or not isinstance(body.get("result"), dict):
            raise SourceError(f"{self.source}: unexpected list response (no `result` object)")
        if body.get("success") is False:
            raise SourceError(f"{self.source}: the API answered success=false")
        result = body["result"]
        return Page(
            list(result.get("items") or []),
            count(self.source, result.get("lastPage")),
            count(self.source, result.get("total")),
            per_page=count(self.source, result.get("perPage")),
        )


@dataclass(frozen=True)
class ResourceCollection:
    """Laravel's API resource collection: `data`, with the counts under `meta`; with no
    `meta`, the list is not paginated and `data` is all of it."""

    source: str

    def read(self, body: Any) -> Page:
        if not isinstance(body, dict) or not isinstance(body.get("data"), list):
            raise SourceError(f"{self.source}: unexpected list response (no `data` array)")
        meta = body.get("meta")
        if not isinstance(meta, dict):
            return Page(body["data"], 1, len(body["data"]))
        return Page(
            body["data"],
            count(self.source, meta.get("last_page")),
            count(self.source, meta.get("total")),
            per_page=count(self.source, meta.get("per_page")),
        )


@dataclass(frozen=True)
class AnyListEnvelope:
    """For a vendor that documents no envelope: Laravel's paginator (counts beside `data`),
    a resource collection (counts under `meta`), `data` alone, or a bare array, whichever
    the answer is. Without a last page, pages are read until one comes back short; the
    envelope seen is named for the run's manifest."""

    source: str

    def read(self, body: Any) -> Page:
        if isinstance(body, list):
            return Page(body, None, None, envelope="a bare JSON array")
        if not isinstance(body, dict) or not isinstance(body.get("data"), list):
            raise SourceError(
                f"{self.source}: unexpected list response (neither an array nor `data`)"
            )
        meta = body.get("meta")
        if "last_page" in body or "total" in body:
            where, envelope = body, "Laravel paginator (last_page and total beside data)"
        elif isinstance(meta, dict) and ("last_page" in meta or "total" in meta):
            where, envelope = meta, "Laravel resource collection (last_page and total under meta)"
        else:
            where, envelope = {}, "data with no page count (read until a short page)"
        return Page(
            body["data"],
            count(self.source, where.get("last_page")),
            count(self.source, where.get("total")),
            per_page=count(self.source, where.get("per_page")),
            envelope=envelope,
        )


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
    on_page: Callable[[list[dict[str, Any]]], None] | None = None,
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

    `on_page`, if given, is called with each page's items as the page comes, from the
    thread that read it (`ApiClient.fan_out_as_listed` starts work on them there).
    """
    base = dict(params or {})

    def page(number: int) -> Page:
        query = {**base, page_param: number, size_param: page_size}
        result: Page = client.get(path, query, expect=read_page)
        if on_page is not None:
            on_page(result.items)
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
        "while we read it); run the fetch again",
        source=client.source,
        url=client.url(path),
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
