"""Bearer tokens got from an OAuth2 grant, renewed on expiry or on a 401."""

from __future__ import annotations

import base64
import json
import threading
import time
from collections.abc import Callable, Generator

import httpx

from reports.secret import Secret

#: Renew this many seconds before a token's stated expiry, so no request carries a dead one.
EXPIRY_MARGIN_SECONDS = 30


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
            if self._token is None or time.time() >= self._expires_at - EXPIRY_MARGIN_SECONDS:
                token, lifetime = self._fetch_token()
                self._token = token
                expiry = time.time() + lifetime if lifetime else jwt_expiry(token.reveal())
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


def jwt_expiry(token: str) -> float | None:
    """The `exp` claim of a JWT, in seconds since the epoch; None for anything else."""
    parts = token.split(".")
    if len(parts) != 3:
        return None
    try:
        padded = parts[1] + "=" * (-len(parts[1]) % 4)
        claims = json.loads(base64.urlsafe_b64decode(padded))
        return float(claims["exp"])
    except (ValueError, KeyError, TypeError):
        return None
