"""Real HTTP servers on loopback that speak the three vendors' APIs, from one process.

Each API lives under its own path prefix (`/mobility`, `/plannr`, `/willsuite`), so a base
URL is `http://127.0.0.1:PORT/<prefix>`; each vendor's routes, data and state live in its
own module. This one owns the server's lifecycle, the dispatch, and the faults tests inject
(a 503 storm, a 429, revoked WillSuite tokens) to exercise the client's recovery paths.
"""

from __future__ import annotations

import json
import logging
import re
import socket
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from decimal import Decimal
from email.utils import formatdate
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from reports.config import Config, EmailSettings, FirmSettings, Secret
from reports.sandbox import hostile as hostile_data
from reports.sandbox.common import Host, Response, VendorApi, to_json
from reports.sandbox.data import SandboxData, Sizes
from reports.sandbox.faults import (
    HTML_PAGE,
    SLOW_SECONDS,
    TRICKLE_SECONDS_PER_BYTE,
    FaultPlan,
    set_page_shift,
)
from reports.sandbox.generate import generate
from reports.sandbox.mobility import MOBILITY_TOKEN, MobilityApi
from reports.sandbox.plannr import PLANNR_ACCOUNT_UUID, PLANNR_TOKEN, PlannrApi
from reports.sandbox.willsuite import (
    WILLSUITE_CLIENT_ID,
    WILLSUITE_CLIENT_SECRET,
    WillSuiteApi,
)
from reports.sources.mobility.settings import MobilitySettings
from reports.sources.plannr.settings import DEFAULT_RATE_WINDOW_SECONDS, PlannrSettings
from reports.sources.willsuite.settings import WillSuiteSettings

log = logging.getLogger("reports.sandbox")
#: The demo firm's logo.
DEMO_LOGO = Path(__file__).with_name("logo.svg")


@dataclass
class Fault:
    """Answer the next `count` requests whose path starts with `prefix` with `status`."""

    prefix: str
    status: int
    count: int
    headers: dict[str, str] = field(default_factory=dict)
    method: str | None = None


class Sandbox:
    """The three sandbox APIs on one loopback port; a context manager that serves in a thread."""

    def __init__(
        self,
        port: int = 0,
        seed: int = 1,
        sizes: Sizes | None = None,
        latency_ms: float = 0.0,
        mobility_max_per_page: int = 500,
        plannr_rate_limit: int = 500,
        plannr_rate_window_seconds: float = 60.0,
        plannr_documented_headers_only: bool = False,
        plannr_spent_windows: int = 0,
        willsuite_token_ttl_seconds: int = 3600,
        willsuite_list_envelope: str = "paginator",
        data: SandboxData | None = None,
        hostile: Iterable[str] = (),
        faults: Iterable[str] = (),
        fault_rate: float = 0.0,
        fault_seed: int = 0,
        fault_slow_seconds: float = SLOW_SECONDS,
    ) -> None:
        self.data = hostile_data.apply(data or generate(seed, sizes), hostile)
        #: Transient network faults injected at random (see `sandbox.faults`).
        self.fault_plan = FaultPlan.of(faults, fault_rate, fault_seed, fault_slow_seconds)
        self.latency_ms = latency_ms
        self.lock = threading.Lock()
        self.faults: list[Fault] = []
        self.requests: Counter[str] = Counter()
        self.statuses: Counter[int] = Counter()
        self.in_flight = 0
        self.max_in_flight = 0
        self._server = ThreadingHTTPServer(
            ("127.0.0.1", port), _handler_for(self), bind_and_activate=False
        )
        self._server.daemon_threads = True
        self._server.request_queue_size = 256
        self._server.allow_reuse_address = True
        self._server.server_bind()
        self._server.server_activate()
        self._thread: threading.Thread | None = None
        # Each vendor's routes get what they need from the server, not the server itself.
        host = Host(self.data, self.lock, self.url)
        self.mobility = MobilityApi(host, mobility_max_per_page)
        self.plannr = PlannrApi(
            host,
            plannr_rate_limit,
            plannr_rate_window_seconds,
            plannr_documented_headers_only,
            plannr_spent_windows,
        )
        self.willsuite = WillSuiteApi(host, willsuite_token_ttl_seconds, willsuite_list_envelope)
        self.apis: tuple[VendorApi, ...] = (self.mobility, self.plannr, self.willsuite)

    # ---------------------------------------------------------------- lifecycle

    @property
    def port(self) -> int:
        return self._server.server_address[1]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> Sandbox:
        # `stop` waits for the serving loop to see it: at the default half-second poll, every
        # sandbox a test suite stops cost it a quarter of a second on average.
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.02,), name="sandbox", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> Sandbox:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def config(
        self, concurrency: int = 16, sources: tuple[str, ...] = ("mobility", "plannr", "willsuite")
    ) -> Config:
        """A `Config` pointing at this sandbox with its documented demo credentials."""
        return Config(
            mobility=MobilitySettings(f"{self.url}/mobility", Secret(MOBILITY_TOKEN))
            if "mobility" in sources
            else None,
            plannr=PlannrSettings(
                f"{self.url}/plannr",
                Secret(PLANNR_TOKEN),
                PLANNR_ACCOUNT_UUID,
                rate_window_seconds=self.plannr.rate_window_seconds,
            )
            if "plannr" in sources
            else None,
            willsuite=WillSuiteSettings(
                f"{self.url}/willsuite", WILLSUITE_CLIENT_ID, Secret(WILLSUITE_CLIENT_SECRET)
            )
            if "willsuite" in sources
            else None,
            concurrency=concurrency,
        )

    def email_settings(self) -> EmailSettings:
        """Demo recipients: the partners, and an address for each mobility client company."""
        companies = sorted({case["client_name"] for case in self.data.mobility_cases})
        return EmailSettings(
            monthly_to=("partners@sandbox.example",),
            client_addresses={
                name: f"accounts@{re.sub(r'[^a-z0-9]+', '-', name.lower()).strip('-')}.example"
                for name in companies
            },
        )

    def firm_settings(self) -> FirmSettings:
        """The demo's firm: every detail a statement carries, all of them made up."""
        return FirmSettings(
            name="Sandbox & Co",
            address=("12 Example Street", "London", "EC1A 1AA"),
            email="accounts@sandbox.example",
            phone="020 7946 0000",
            website="https://sandbox.example",
            vat_number="GB 123 4567 89",
            company_number="01234567",
            payment_details=(
                "Example Bank, account name Sandbox & Co, sort code 00-00-00, account 12345678."
            ),
            logo=DEMO_LOGO,
        )

    def demo(self, config: Config) -> Config:
        """`config` reading this sandbox's systems: its firm, email, SMTP and HTTP settings are
        kept; where it sets no firm name, or no recipients, the demo's own are used, so that a
        firm can try its branding on the demo's data."""
        demo = config.with_sources(self.config(concurrency=config.concurrency))
        if not config.firm.name:
            demo = replace(demo, firm=self.firm_settings())
        if not config.email.monthly_to and not config.email.client_addresses:
            # The demo's recipients; the firm's own Reply-To is kept.
            email = replace(self.email_settings(), reply_to=config.email.reply_to)
            demo = replace(demo, email=email)
        return demo

    def environment(self) -> dict[str, str]:
        """The same settings as environment variables, for a shell or a cron job."""
        return {
            "REPORTS_MOBILITY_URL": f"{self.url}/mobility",
            "REPORTS_MOBILITY_TOKEN": MOBILITY_TOKEN,
            "REPORTS_PLANNR_URL": f"{self.url}/plannr",
            "REPORTS_PLANNR_TOKEN": PLANNR_TOKEN,
            "REPORTS_PLANNR_ACCOUNT_UUID": PLANNR_ACCOUNT_UUID,
            "REPORTS_WILLSUITE_URL": f"{self.url}/willsuite",
            "REPORTS_WILLSUITE_CLIENT_ID": WILLSUITE_CLIENT_ID,
            "REPORTS_WILLSUITE_CLIENT_SECRET": WILLSUITE_CLIENT_SECRET,
        } | (
            # Plannr's window is a minute; a sandbox with a shorter one says so.
            {"REPORTS_PLANNR_RATE_WINDOW_SECONDS": str(self.plannr.rate_window_seconds)}
            if self.plannr.rate_window_seconds != DEFAULT_RATE_WINDOW_SECONDS
            else {}
        )

    # ---------------------------------------------------------------- test controls

    def inject(
        self,
        prefix: str,
        status: int,
        count: int = 1,
        headers: dict[str, str] | None = None,
        method: str | None = None,
    ) -> None:
        with self.lock:
            self.faults.append(Fault(prefix, status, count, headers or {}, method))

    def revoke_willsuite_tokens(self) -> None:
        """Every issued WillSuite token now answers 401, as an expired one would."""
        self.willsuite.revoke_tokens()

    def _take_fault(self, method: str, path: str) -> Fault | None:
        with self.lock:
            for fault in self.faults:
                if (
                    fault.count > 0
                    and path.startswith(fault.prefix)
                    and fault.method in (None, method)
                ):
                    fault.count -= 1
                    return fault
        return None

    # ---------------------------------------------------------------- dispatch

    def handle(
        self, method: str, raw_path: str, headers: Any, body: bytes
    ) -> tuple[int, Any, dict[str, str]]:
        parts = urlsplit(raw_path)
        path = parts.path.rstrip("/") or "/"
        query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        with self.lock:
            self.requests[_template(path)] += 1
        return self._answer(method, path, query, headers, body)

    @contextmanager
    def answering(self) -> Iterator[None]:
        """One request in flight, from its arrival to its answer's last byte."""
        with self.lock:
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            yield
        finally:
            with self.lock:
                self.in_flight -= 1

    def _answer(
        self, method: str, path: str, query: dict[str, str], headers: Any, body: bytes
    ) -> tuple[int, Any, dict[str, str]]:
        fault = self._take_fault(method, path)
        if fault is not None:
            return fault.status, {"message": HTTPStatus(fault.status).phrase}, fault.headers
        try:
            payload = json.loads(body, parse_float=Decimal) if body else None
        except ValueError:
            return 400, {"message": "Malformed JSON body"}, {}
        for api in self.apis:
            if path == api.prefix or path.startswith(api.prefix + "/"):
                try:
                    return api.handle(
                        method, path[len(api.prefix) :] or "/", query, headers, payload
                    )
                except Response as answer:
                    return answer.status, answer.body, answer.headers
        return 404, {"message": "Not Found"}, {}


# ---------------------------------------------------------------------------- helpers


def _template(path: str) -> str:
    return re.sub(r"/(\d+|[0-9a-f]{8}-[0-9a-f-]{27})(?=/|$)", "/{id}", path)


def _faulty(
    fault: str, status: int, content: bytes, content_type: str, headers: dict[str, str]
) -> tuple[int, bytes, str, dict[str, str]]:
    """The answer as the fault turns it: another status, body or headers."""
    if fault.startswith("429-retry-after-"):
        after = {
            "429-retry-after-0": "0",
            "429-retry-after-1": "1",
            "429-retry-after-date": formatdate(time.time() + 1, usegmt=True),
            "429-retry-after-nan": "nan",
        }[fault]
        return 429, b'{"message": "Too Many Attempts."}', "application/json", {"Retry-After": after}
    if fault.endswith("-html"):
        return int(fault[:3]), HTML_PAGE, "text/html", {}
    if fault == "truncated-json":
        return status, content[: max(1, len(content) // 2)], content_type, headers
    if fault == "empty-200":
        return 200, b"", content_type, headers
    if fault == "html-200":
        return 200, HTML_PAGE, "text/html", headers
    return status, content, content_type, headers


def _handler_for(sandbox: Sandbox) -> Callable[..., BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        # Headers and body go out in two writes; without TCP_NODELAY, Nagle's algorithm and
        # the client's delayed ACK add ~40 ms to every keep-alive response.
        disable_nagle_algorithm = True
        server_version = "reports-sandbox"

        def parse_request(self) -> bool:
            # The request has come once its first line is read: parsing its headers is the
            # server's own work, inside the latency.
            self.arrived = time.monotonic()
            return super().parse_request()

        def _serve(self) -> None:
            with sandbox.answering():
                self._respond()

        def _respond(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            fault = sandbox.fault_plan.draw()
            if fault == "drop-before":
                self.close_connection = True
                return  # the connection closes with no answer at all
            set_page_shift(fault == "page-shift")
            try:
                status, payload, headers = sandbox.handle(
                    self.command, self.path, self.headers, body
                )
            except Exception as error:  # the sandbox answers 500 like a real server would
                log.exception("sandbox: %s %s failed", self.command, self.path)
                status, payload, headers = (
                    500,
                    {"message": f"Server Error: {type(error).__name__}"},
                    {},
                )
            finally:
                set_page_shift(False)
            content = to_json(payload)
            content_type = "application/json"
            if fault is not None:
                status, content, content_type, headers = _faulty(
                    fault, status, content, content_type, headers
                )
            with sandbox.lock:
                sandbox.statuses[status] += 1
            # The latency is the answer's whole time, the server's own work included, as a
            # client sees a remote server's: each answer leaves `latency_ms` after its
            # request came in, however long the sandbox took to make it.
            time.sleep(max(0.0, self.arrived + sandbox.latency_ms / 1000 - time.monotonic()))
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(content)))
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            if fault == "slow":
                time.sleep(sandbox.fault_plan.slow_seconds)
            if fault == "drop-mid-body":
                self.wfile.write(content[: len(content) // 2])
                self.wfile.flush()
                self.close_connection = True
                self.connection.shutdown(socket.SHUT_RDWR)
                return
            if fault == "trickle":
                try:
                    for index in range(len(content)):
                        self.wfile.write(content[index : index + 1])
                        self.wfile.flush()
                        time.sleep(TRICKLE_SECONDS_PER_BYTE)
                except OSError:  # the client gave up waiting, as it should
                    self.close_connection = True
                return
            self.wfile.write(content)

        do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = _serve

        def log_message(self, format: str, *args: Any) -> None:  # quiet: tests and demos
            pass

    return Handler
