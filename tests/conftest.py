"""Fixtures: the shared read-only sandbox, and a factory for sandboxes of a test's own;
and the markers of tests that need more than Python: `loopback` (a sandbox served on
127.0.0.1), `libreoffice` (a workbook opened in LibreOffice headless) and `browser` (a page
opened in Debian's Chromium), found from what each test and its fixtures use. `make
test-fast` runs the rest, with the first refused so that a test that needs one and is not
marked fails instead of passing slowly."""

from __future__ import annotations

import ast
import inspect
import os
from collections.abc import Callable, Iterator
from types import ModuleType
from typing import Any

import pytest

from reports.sandbox import Sandbox

#: Set by `make test-fast`: a sandbox or LibreOffice started in this run is an error.
FAST = os.environ.get("REPORTS_TEST_FAST") == "1"
#: What a test (or a function or fixture of its module it calls) names when it needs them.
NEEDS = {
    "loopback": {"Sandbox", "sandbox", "make_sandbox", "--sandbox", "--demo"},
    "libreoffice": {
        "recalculated_sheets",
        "recalculate_together",
        "libreoffice_pdf",
        "libreoffice_profile",
    },
    "browser": {"chromium"},
}


def _names(node: ast.AST) -> set[str]:
    return {
        n.id if isinstance(n, ast.Name) else n.attr if isinstance(n, ast.Attribute) else n.value
        for n in ast.walk(node)
        if isinstance(n, ast.Name | ast.Attribute)
        or (isinstance(n, ast.Constant) and isinstance(n.value, str))
    }


def _users(module: ModuleType, needs: set[str]) -> set[str]:
    """The module's functions and fixtures that use one of `needs`, directly or through
    another of them."""
    tree = ast.parse(inspect.getsource(module))
    uses = {
        node.name: _names(node) | {a.arg for a in node.args.args}
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef)
    }
    users = set(needs)
    while True:
        more = {name for name, names in uses.items() if names & users} - users
        if not more:
            return users
        users |= more


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    found: dict[tuple[str, str], set[str]] = {}
    for item in items:
        if not isinstance(item, pytest.Function):
            continue
        for marker, needs in NEEDS.items():
            key = (item.module.__name__, marker)
            if key not in found:
                found[key] = _users(item.module, needs)
            if {item.originalname, *item.fixturenames} & found[key]:
                item.add_marker(marker)


@pytest.fixture(autouse=True)
def _refuse_what_fast_runs_skip(monkeypatch: pytest.MonkeyPatch) -> None:
    if FAST:

        def refused(*args: object, **kwargs: object) -> None:
            raise RuntimeError("this test serves a sandbox: it needs the loopback marker")

        monkeypatch.setattr(Sandbox, "start", refused)


MakeSandbox = Callable[..., Sandbox]


@pytest.fixture(scope="session")
def sandbox() -> Iterator[Sandbox]:
    """The default sandbox, shared by tests that only read.

    Its Plannr rate limit is lifted: the whole suite reads Plannr far more than 500 times a
    minute, and waiting out real windows would only slow it. The limit has its own tests.
    """
    with Sandbox(seed=1, plannr_rate_limit=1_000_000) as server:
        yield server


@pytest.fixture(scope="module")
def make_sandbox() -> Iterator[MakeSandbox]:
    """`make_sandbox(**options)`: a started `Sandbox` of the test's own (any `Sandbox`
    option, or `cls=` a subclass), stopped when the module's tests are done."""
    started: list[Sandbox] = []

    def make(cls: type[Sandbox] = Sandbox, **options: Any) -> Sandbox:
        server = cls(**options).start()
        started.append(server)
        return server

    yield make
    for server in started:
        server.stop()


#: Debian's Chromium (scripts/system-deps.sh installs it); Playwright drives it, and never
#: downloads a browser of its own.
CHROMIUM = "/usr/bin/chromium"
#: As the machine's closed network wants it: no background requests, no sandbox as root.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    """A headless Chromium (Playwright's `Browser`) for the module's tests."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()
