"""A vendor served from its recorded contract fixtures (`tests/fixtures/vendor/`), through
`httpx.MockTransport`: each fixture answers the endpoint its file names, so a source reads
the vendor's documented payloads through its own connector, in process, with no sandbox."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
from helpers import ROOT

FIXTURES = ROOT / "tests" / "fixtures" / "vendor"


def fixture_body(name: str) -> Any:
    """The documented answer recorded in `<name>.json`."""
    return json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))["body"]


def _route(name: str) -> tuple[str, re.Pattern[str]]:
    """`GET /v1/cases/{caseId}/managers` as a method and a pattern of paths (any query)."""
    endpoint = json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))["endpoint"]
    method, target = endpoint.split(" ", 1)
    path = target.split("?", 1)[0]
    pattern = re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(path))
    return method, re.compile(pattern + "/?")


@dataclass
class FixtureVendor:
    """Answers each request with the fixture whose endpoint it matches (404 for none), and
    401 to one `signed_in` refuses. `base` is the path the source's URL adds."""

    fixtures: tuple[str, ...]
    signed_in: Callable[[httpx.Request], bool]
    base: str = ""
    #: Each request met, as `METHOD /path` (without `base`).
    seen: list[str] = field(default_factory=list)

    def __call__(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path.removeprefix(self.base)
        self.seen.append(f"{request.method} {path}")
        if not self.signed_in(request):
            return httpx.Response(401, json={"message": "Unauthenticated."})
        # A literal path before a templated one: `/v1/cases/tasks` is no case's id.
        for name in sorted(self.fixtures, key=lambda name: _route(name)[1].pattern.count("[^/]+")):
            method, pattern = _route(name)
            if request.method == method and pattern.fullmatch(path):
                return httpx.Response(200, json=fixture_body(name))
        return httpx.Response(404, json={"message": f"no fixture for {path}"})

    @property
    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self)
