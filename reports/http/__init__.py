"""The one HTTP layer all sources share, on httpx, one concept a module:

    client       ApiClient: a pooled client with deadlines, retries, pacing, errors, fan-out
    auth         BearerTokenAuth: OAuth2 bearer tokens, renewed on expiry or a 401
    limits       HttpLimits, Limits: the run's concurrency and deadline, all a source takes
    ratelimit    RateLimiter: pacing under a requests-per-minute limit
    retry        RetryPolicy, RetryReason, RetryBudget, Retry-After
    pagination   Page, one envelope class per list shape, fetch_pages
    records      exact JSON, ids fit for a URL path, records' ids

Each part is tested alone (`tests/http/`, through `httpx.MockTransport`), and the whole
through the sandbox over real sockets.
"""

from reports.http.auth import BearerTokenAuth
from reports.http.client import ApiClient, NoteCallback, ProgressCallback
from reports.http.limits import DEFAULT_LIMITS, HttpLimits, Limits
from reports.http.pagination import (
    REREADS,
    AnyListEnvelope,
    Envelope,
    Page,
    ResourceCollection,
    ResultItems,
    fetch_pages,
)
from reports.http.ratelimit import RateLimiter
from reports.http.records import decode_json, encode_json, record_id, segment
from reports.http.retry import (
    MAX_RETRY_AFTER_SECONDS,
    RETRYABLE_STATUS,
    Retry,
    RetryBudget,
    RetryPolicy,
    RetryReason,
    retry_after_seconds,
)

__all__ = [
    "DEFAULT_LIMITS",
    "MAX_RETRY_AFTER_SECONDS",
    "REREADS",
    "RETRYABLE_STATUS",
    "AnyListEnvelope",
    "ApiClient",
    "BearerTokenAuth",
    "Envelope",
    "HttpLimits",
    "Limits",
    "NoteCallback",
    "Page",
    "ProgressCallback",
    "RateLimiter",
    "ResourceCollection",
    "ResultItems",
    "Retry",
    "RetryBudget",
    "RetryPolicy",
    "RetryReason",
    "decode_json",
    "encode_json",
    "fetch_pages",
    "record_id",
    "retry_after_seconds",
    "segment",
]
