"""WillSuite's source, read through `httpx.MockTransport` serving the payloads its
documentation shows (`tests/fixtures/vendor/willsuite-*.json`): given its own settings and
a transport, nothing else, it reads cases, invoices and their line items into typed
frames, signing in with a token or with a client id and secret."""

from __future__ import annotations

from decimal import Decimal

import httpx
from vendor_double import FixtureVendor

from reports.secret import Secret
from reports.sources.willsuite import WillSuiteSettings, WillSuiteSource

URL = "https://client.willsuite.example/engine/api"
TOKEN = "willsuite-token"
DOCUMENTED = ("willsuite-cases", "willsuite-invoices")
CASE = "1a1d0f44-6c2f-4a43-9e0a-8f4d2e1b7c33"
INVOICE = "6372fa9e-8a00-413b-bd61-34be39c994b3"


def signed_in(request: httpx.Request) -> bool:
    return request.headers.get("Authorization") == f"Bearer {TOKEN}"


def test_every_entity_is_read_into_its_typed_frame() -> None:
    served = FixtureVendor(DOCUMENTED, signed_in, base="/engine/api")
    source = WillSuiteSource(served.transport)
    frames = source.fetch_with(WillSuiteSettings(URL, token=Secret(TOKEN)), source.entities)

    assert set(frames) == set(source.entities)
    for entity, frame in frames.items():
        assert frame.schema == source.schemas[entity].polars_schema, entity
    assert frames["cases"].select("id", "full_names", "postcode").rows() == [
        (CASE, "John Smith", "LE11 5FD")
    ]
    invoices = frames["invoices"]
    # Listed under the case it was asked for, whatever case the record names itself.
    assert invoices.select("id", "case_id", "invoice_number").rows() == [
        (INVOICE, CASE, "JHON0001-1")
    ]
    assert invoices.select("subtotal", "vat_amount", "total").row(0) == (
        Decimal("300.00"),
        Decimal("60.00"),
        Decimal("360.00"),
    )
    items = frames["invoice_items"]
    assert items.select("invoice_id", "description", "amount").rows() == [
        (INVOICE, "LPA", Decimal("360.00"))
    ]
    assert served.seen == ["GET /cases", f"GET /cases/{CASE}/invoices"]


def test_a_client_id_and_secret_get_a_token_through_the_same_transport() -> None:
    fixtures = FixtureVendor(DOCUMENTED, signed_in, base="/engine/api")

    def vendor(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/engine/api/oauth/token/":
            fixtures.seen.append("POST /oauth/token/")
            return httpx.Response(200, json={"access_token": TOKEN, "expires_in": 3600})
        return fixtures(request)

    settings = WillSuiteSettings(URL, client_id="client", client_secret=Secret("secret"))
    frames = WillSuiteSource(httpx.MockTransport(vendor)).fetch_with(settings, ["cases"])
    assert frames["cases"]["id"].to_list() == [CASE]
    assert fixtures.seen == ["POST /oauth/token/", "GET /cases"]
