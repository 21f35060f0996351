"""WillSuite (UK will writing): cases and their invoices, read and written.

Confirmed by WillSuite's documentation (`shared/api-docs/willsuite-case-invoices.txt` and
its public reference):
- auth: an OAuth2 client-credentials grant (`POST /oauth/token/`) returning a Bearer JWT;
- `GET /cases` takes `ref`, `postcode`, `updatedAfter` (`YYYY-MM-DD HH:mm:ss`, matching
  at or after), `page` and `perPage` (default 10, at most 100);
- invoices exist only per case (`GET /cases/{caseId}/invoices`, a bare JSON array; dates
  naive UK local time), and create/update answer with dates in UTC (`...Z`): both are read
  to the same instant;
- case fields, from its `customer_case` webhooks: `id`, `ref`, `meta` (keyed by field
  uuid), `email` (may be `""`: read as no address), `notes`, `postcode`, the names;
- updates: the reference's heading says POST and its example PATCH: we send PATCH and, on
  a 405, once more as POST.

Still a guess, each one checked at run time rather than trusted:
- the `GET /cases` envelope: Laravel's paginator, a resource collection (counts under
  `meta`), `data` alone or a bare array are all read, pages followed to a short one when
  no count is given, and the run's manifest names the one seen;
- the word for a cancelled line item: `cancelled`, `canceled`, `void`, `voided` (any case);
  any other status is left out of totals and flagged;
- that a case's `updated_at` moves when its invoices change (the incremental read relies
  on it, and falls back to a full read when counts disagree).

Ours, not the vendor's: an invoice belongs to the case it was listed under and an item to
the invoice it was listed in, whatever ids they name themselves (kept as
`stated_case_id` and `stated_invoice_id`; the report flags a disagreement).
"""

from __future__ import annotations

import datetime as dt
import uuid as uuidlib
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from types import MappingProxyType
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import httpx
import polars as pl

from reports.compute import vat
from reports.errors import ApiError, ConfigError, DataError, SourceError, ValidationError
from reports.http import (
    DEFAULT_LIMITS,
    AnyListEnvelope,
    ApiClient,
    BearerTokenAuth,
    HttpLimits,
    Limits,
    ProgressCallback,
    RetryPolicy,
    fetch_pages,
    record_id,
    segment,
)
from reports.schema import TypedRecords
from reports.secret import Secret
from reports.sources.base import HttpSource, NoteCallback, Parent, Role, SourceFrames
from reports.sources.willsuite.frames import (
    CASE_SUMMARY,
    WILLSUITE_CASES,
    WILLSUITE_CURRENCY,
    WILLSUITE_INVOICE_ITEMS,
    WILLSUITE_INVOICES,
    WILLSUITE_ZONE,
)
from reports.sources.willsuite.settings import SPEC, WillSuiteSettings

if TYPE_CHECKING:
    from reports.config import Config
    from reports.contribution import Contribution, ReportContext

SOURCE = "willsuite"
PAGE_SIZE = 100  # WillSuite's documented maximum perPage
TIMESTAMP_FORMAT = "%Y-%m-%d %H:%M:%S"  # the documented `YYYY-MM-DD HH:mm:ss`
PENNY = Decimal("0.01")


def connect(
    settings: WillSuiteSettings,
    limits: HttpLimits,
    on_progress: ProgressCallback | None = None,
    transport: httpx.BaseTransport | None = None,
) -> ApiClient:
    if settings.client_id and settings.client_secret:
        client_id, secret = settings.client_id, settings.client_secret

        def fetch_token() -> tuple[Secret, float | None]:
            with ApiClient(
                SOURCE, settings.url, timeout_seconds=limits.timeout_seconds, transport=transport
            ) as api:
                body = api.request(
                    "POST",
                    "/oauth/token/",
                    json_body={
                        "grant_type": "client_credentials",
                        "client_id": client_id,
                        "client_secret": secret.reveal(),
                    },
                    idempotent=True,  # asking for a token twice does no harm
                )
            if not isinstance(body, dict) or not isinstance(body.get("access_token"), str):
                raise SourceError(f"{SOURCE}: the token endpoint answered without an access_token")
            lifetime = body.get("expires_in")
            return Secret(body["access_token"]), float(lifetime) if lifetime else None

        auth = BearerTokenAuth(fetch_token)
        headers = {}
    elif settings.token is not None:
        auth = None
        headers = {"Authorization": f"Bearer {settings.token.reveal()}"}
    else:
        raise ConfigError("willsuite: set a client id and secret, or a token")
    return ApiClient(
        SOURCE,
        settings.url,
        auth=auth,
        headers={"Content-Type": "application/json", **headers},
        concurrency=limits.concurrency,
        timeout_seconds=limits.timeout_seconds,
        retry=RetryPolicy(backoff_seconds=limits.retry_backoff_seconds),
        transport=transport,
        on_progress=on_progress,
    )


#: WillSuite documents no envelope for `GET /cases`: each is read, and the one seen noted.
read_page = AnyListEnvelope(SOURCE).read


def list_cases(api: ApiClient, updated_after: dt.datetime | None = None) -> list[dict[str, Any]]:
    params = {}
    if updated_after is not None:
        params["updatedAfter"] = format_timestamp(updated_after)
    return fetch_pages(
        api,
        "/cases",
        read_page,
        params=params,
        page_size=PAGE_SIZE,
        size_param="perPage",
        label="cases",
    )


def case_invoices(api: ApiClient, case_id: str) -> list[dict[str, Any]]:
    # Cancelled items are asked for so that nothing is dropped silently; they are marked by
    # their `status` and left out of totals by the computations.
    def read(body: Any) -> list[dict[str, Any]]:
        if not isinstance(body, list):
            raise SourceError(f"{SOURCE}: invoices of case {case_id}: expected a JSON array")
        return body

    invoices: list[dict[str, Any]] = api.get(
        f"/cases/{segment(SOURCE, 'case id', case_id)}/invoices",
        {"show_cancelled_items": "true"},
        expect=read,
    )
    return invoices


class WillSuiteSource(HttpSource[WillSuiteSettings]):
    """WillSuite as a `Source`, the one vendor whose case list takes a change filter
    (`updatedAfter`): `fetch_since` reads only the cases changed since the last fetch."""

    name = SOURCE
    entities: tuple[str, ...] = ("cases", "invoices", "invoice_items")
    title = "WillSuite"
    schemas = MappingProxyType(
        {
            "cases": WILLSUITE_CASES,
            "invoices": WILLSUITE_INVOICES,
            "invoice_items": WILLSUITE_INVOICE_ITEMS,
        }
    )
    settings_spec = SPEC
    roles = MappingProxyType({Role.INVOICES: "invoices", Role.INVOICE_ITEMS: "invoice_items"})
    case_summary = ("cases", CASE_SUMMARY)
    parents = (
        Parent("invoices", "invoice", "case", "case_id"),
        Parent("invoice_items", "invoice item", "invoice", "invoice_id"),
    )
    #: WillSuite is UK-only: its amounts are pounds, and it sends no currency.
    currency = WILLSUITE_CURRENCY

    def connect(
        self,
        settings: WillSuiteSettings,
        limits: HttpLimits,
        on_progress: ProgressCallback | None = None,
    ) -> ApiClient:
        return connect(settings, limits, on_progress, self.transport)

    def contribute(self, frames: SourceFrames, context: ReportContext) -> Contribution:
        from reports.sources.willsuite.report import contribution

        return contribution(frames, context)

    def read(
        self,
        api: ApiClient,
        settings: WillSuiteSettings,
        wanted: set[str],
        updated_after: dt.datetime | None = None,
    ) -> dict[str, pl.DataFrame]:
        frames: dict[str, pl.DataFrame] = {}
        cases = list_cases(api, updated_after)
        if "cases" in wanted:
            frames["cases"] = WILLSUITE_CASES.build(cases)
        if wanted & {"invoices", "invoice_items"}:
            case_ids = [record_id(SOURCE, "case", case) for case in cases]

            # Each answer is typed in the thread that fetched it, while others wait on the
            # network; only what is wanted is typed.
            def typed(case_id: str) -> tuple[TypedRecords | None, TypedRecords | None]:
                invoices = invoice_records(case_id, case_invoices(api, case_id))
                return (
                    WILLSUITE_INVOICES.typed(invoices) if "invoices" in wanted else None,
                    WILLSUITE_INVOICE_ITEMS.typed(item_records(invoices))
                    if "invoice_items" in wanted
                    else None,
                )

            answers = api.fan_out(typed, case_ids, "invoices")
            if "invoices" in wanted:
                frames["invoices"] = WILLSUITE_INVOICES.frame(
                    part for part, _ in answers if part is not None
                )
            if "invoice_items" in wanted:
                frames["invoice_items"] = WILLSUITE_INVOICE_ITEMS.frame(
                    part for _, part in answers if part is not None
                )
        return frames

    def fetch_since(
        self,
        config: Config,
        previous: dict[str, pl.DataFrame],
        since: dt.datetime,
        on_progress: ProgressCallback | None = None,
        on_note: NoteCallback | None = None,
    ) -> dict[str, pl.DataFrame] | None:
        """Cases, invoices and items as a full fetch would give them, reading only the cases
        updated since `since` (`updatedAfter`) and their invoices, merged into `previous`.

        WillSuite reports no deletions: when the merged count differs from the server's
        total, this returns None and the caller reads everything. It relies on a case's
        `updated_at` moving when its invoices change.
        """
        if set(previous) != set(self.entities):
            return None
        settings = self.settings(config)
        with self.connect(settings, Limits.of(config), on_progress) as api:
            api.on_note = on_note
            changed = self.read(
                api, settings, set(self.entities), updated_after=since - SINCE_MARGIN
            )
            total = api.get("/cases", {"page": 1, "perPage": 1}, expect=read_page).total
        merged = merge_changes(previous, changed)
        if total is None or merged["cases"].height != total:
            return None
        return merged


source = WillSuiteSource()


#: Re-read cases updated a little before the last fetch too: clocks differ, and re-reading a
#: few cases costs nothing.
SINCE_MARGIN = dt.timedelta(minutes=10)


def merge_changes(
    previous: dict[str, pl.DataFrame], changed: dict[str, pl.DataFrame]
) -> dict[str, pl.DataFrame]:
    """`previous` with every changed case, and everything of it, replaced by `changed`."""
    ids = changed["cases"]["id"].implode()
    return {
        "cases": pl.concat(
            [previous["cases"].filter(pl.col("id").is_in(ids).not_()), changed["cases"]]
        ),
        "invoices": pl.concat(
            [
                previous["invoices"].filter(pl.col("case_id").is_in(ids).not_()),
                changed["invoices"],
            ]
        ),
        "invoice_items": pl.concat(
            [
                previous["invoice_items"].filter(pl.col("case_id").is_in(ids).not_()),
                changed["invoice_items"],
            ]
        ),
    }


# --------------------------------------------------------------------------- writes


@dataclass(frozen=True)
class InvoiceLine:
    description: str
    quantity: int
    rate: Decimal  # excluding VAT
    amount: Decimal  # including VAT, as WillSuite defines it


@dataclass(frozen=True)
class InvoiceDraft:
    """An invoice to create or update, checked to the penny before it is sent."""

    invoice_number: str
    sender_id: str
    date_created: dt.datetime
    date_due: dt.datetime
    vat: Decimal  # percent, e.g. Decimal("20")
    sub_total: Decimal
    vat_amount: Decimal
    total: Decimal
    items: Sequence[InvoiceLine] = ()
    payment_terms: str | None = None

    def payload(self) -> dict[str, Any]:
        number = self.invoice_number.strip() if self.invoice_number else ""
        if not number:
            raise ValidationError("invoice_number", "is required")
        if len(self.invoice_number) > 50:
            raise ValidationError(
                "invoice_number", f"is {len(self.invoice_number)} characters; at most 50"
            )
        try:
            uuidlib.UUID(str(self.sender_id))
        except ValueError:
            raise ValidationError("sender_id", f"{self.sender_id!r} is not a uuid") from None
        if self.date_due < self.date_created:
            raise ValidationError("date_due", "is before date_created")
        for name in ("vat", "sub_total", "vat_amount", "total"):
            _pounds(name, getattr(self, name))
        if self.vat < 0 or self.vat > 100:
            raise ValidationError("vat", f"{self.vat} is not a percentage between 0 and 100")
        if self.sub_total + self.vat_amount != self.total:
            raise ValidationError(
                "total",
                f"sub_total {self.sub_total} + vat_amount {self.vat_amount} = "
                f"{self.sub_total + self.vat_amount}, not {self.total}",
            )
        lines = []
        for index, line in enumerate(self.items):
            where = f"items[{index}]"
            if not line.description or not line.description.strip():
                raise ValidationError(f"{where}.description", "is required")
            if len(line.description) > 200:
                raise ValidationError(
                    f"{where}.description", f"is {len(line.description)} characters; at most 200"
                )
            if (
                isinstance(line.quantity, bool)
                or not isinstance(line.quantity, int)
                or line.quantity < 1
            ):
                raise ValidationError(
                    f"{where}.quantity",
                    f"must be a whole number of at least 1, got {line.quantity!r}",
                )
            _pounds(f"{where}.rate", line.rate)
            _pounds(f"{where}.amount", line.amount)
            if line.amount < line.quantity * line.rate:
                raise ValidationError(
                    f"{where}.amount",
                    f"{line.amount} is less than quantity x rate ({line.quantity * line.rate})",
                )
            lines.append(
                {
                    "description": line.description,
                    "quantity": line.quantity,
                    "rate": line.rate,
                    "amount": line.amount,
                }
            )
        if self.items:
            net = sum((line.quantity * line.rate for line in self.items), Decimal(0))
            gross = sum((line.amount for line in self.items), Decimal(0))
            if net != self.sub_total:
                raise ValidationError(
                    "sub_total", f"{self.sub_total} but the items' quantity x rate add up to {net}"
                )
            if gross != self.total:
                raise ValidationError(
                    "total", f"{self.total} but the items' amounts add up to {gross}"
                )
        body: dict[str, Any] = {
            "invoice_number": self.invoice_number,
            "sender_id": str(self.sender_id),
            "date_created": format_timestamp(self.date_created),
            "date_due": format_timestamp(self.date_due),
            "vat": self.vat,
            "total": self.total,
            "sub_total": self.sub_total,
            "vat_amount": self.vat_amount,
            "items": lines,
        }
        if self.payment_terms is not None:
            body["payment_terms"] = self.payment_terms
        return body


def create_invoice(
    case_id: str,
    draft: InvoiceDraft,
    settings: WillSuiteSettings,
    limits: HttpLimits = DEFAULT_LIMITS,
) -> pl.DataFrame:
    """`POST /cases/{caseId}/invoices`; returns the created invoice as a one-row frame."""
    body = draft.payload()
    with connect(settings, limits) as api:
        created = api.request(
            "POST", f"/cases/{segment(SOURCE, 'case id', case_id)}/invoices", json_body=body
        )
    return WILLSUITE_INVOICES.build([_invoice(created, case_id)])


def update_invoice(
    case_id: str,
    invoice_id: str,
    draft: InvoiceDraft,
    settings: WillSuiteSettings,
    limits: HttpLimits = DEFAULT_LIMITS,
    keep_existing_items: bool = False,
) -> pl.DataFrame:
    """`PATCH /cases/{caseId}/invoices/{invoiceId}`; returns the updated invoice as a one-row frame."""
    body = {"keep_existing_items": keep_existing_items, **draft.payload()}
    with connect(settings, limits) as api:
        path = (
            f"/cases/{segment(SOURCE, 'case id', case_id)}"
            f"/invoices/{segment(SOURCE, 'invoice id', invoice_id)}"
        )
        try:
            updated = api.request("PATCH", path, json_body=body)
        except ApiError as error:
            # The reference's heading says POST where its example sends PATCH: a 405 means
            # this server wants the other, and nothing was applied, so it is safe to resend.
            if error.status != 405:
                raise
            updated = api.request("POST", path, json_body=body)
    return WILLSUITE_INVOICES.build([_invoice(updated, case_id)])


def invoice_records(case_id: Any, answer: list[Any]) -> list[dict[str, Any]]:
    """A case's invoices as records of the invoices frame, each under the case it was
    fetched for: a record belongs to the parent it was listed under, whatever its own
    `customer_case_id` says (kept as `stated_case_id`; the report flags a
    disagreement), so no invoice can move to another client's statement."""
    records = []
    for invoice in answer:
        record_id(SOURCE, f"invoice of case {case_id}", invoice)
        records.append(
            {
                **invoice,
                "customer_case_id": case_id,
                "stated_case_id": invoice.get("customer_case_id"),
            }
        )
    return records


def item_records(invoices: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every line item of `invoices` as records of the items frame, each under the invoice
    it was listed in (its own `case_invoice_id` is kept as `stated_invoice_id`)."""
    return [
        {
            **item,
            "case_invoice_id": invoice["id"],
            "customer_case_id": invoice["customer_case_id"],
            "stated_invoice_id": item.get("case_invoice_id"),
        }
        for invoice in invoices
        for item in _items(invoice)
    ]


def _items(invoice: dict[str, Any]) -> list[Any]:
    items = invoice.get("items")
    if items is None:
        return []
    if not isinstance(items, list):
        raise DataError(f"{SOURCE}: invoice {invoice['id']}: items is not a list")
    if not all(isinstance(item, dict) for item in items):
        raise DataError(f"{SOURCE}: invoice {invoice['id']}: an item is not a JSON object")
    return items


def _invoice(body: Any, case_id: str) -> dict[str, Any]:
    if not isinstance(body, dict) or "id" not in body:
        raise SourceError(f"{SOURCE}: unexpected invoice response")
    return invoice_records(case_id, [body])[0]


def format_timestamp(value: dt.datetime) -> str:
    """WillSuite's `YYYY-MM-DD HH:mm:ss`, in UK local time for aware datetimes."""
    if value.tzinfo is not None:
        value = value.astimezone(ZoneInfo(WILLSUITE_ZONE)).replace(tzinfo=None)
    return value.strftime(TIMESTAMP_FORMAT)


def _pounds(name: str, value: Decimal) -> None:
    if not isinstance(value, Decimal | int) or isinstance(value, bool):
        raise ValidationError(name, f"give a Decimal, not {type(value).__name__}")
    if Decimal(value) != Decimal(value).quantize(PENNY):
        raise ValidationError(name, f"{value} is not a whole number of pence")


# --------------------------------------------------------------------------- drafting


@dataclass(frozen=True)
class LineInput:
    """One line of an invoice to draft: `rate` excludes VAT."""

    description: str
    quantity: int
    rate: Decimal  # excluding VAT
    has_vat: bool = True


def draft_invoice(
    *,
    invoice_number: str,
    sender_id: str,
    date_created: dt.datetime,
    date_due: dt.datetime,
    lines: Sequence[LineInput],
    vat_percent: Decimal = Decimal(20),
    rounding: vat.VatRounding = vat.VatRounding.LINE_HALF_UP,
    payment_terms: str | None = None,
) -> InvoiceDraft:
    """A WillSuite invoice whose lines, `sub_total`, `vat_amount` and `total` agree to the penny.

    WillSuite stores VAT per line to the penny (each line's `amount` includes it), so only
    `LINE_HALF_UP` applies: `INVOICE_DOWN` and `LINE_DOWN` (which fixes line VAT only to a
    tenth of a penny) would leave lines that do not add up to the invoice's VAT.
    """
    if rounding is not vat.VatRounding.LINE_HALF_UP:
        raise ValueError(
            "WillSuite stores VAT on each line to the penny: use LINE_HALF_UP "
            f"({rounding} does not give whole-penny line VAT)"
        )
    amounts = vat.line_amounts([(ln.quantity, ln.rate, ln.has_vat) for ln in lines], vat_percent)
    built = [
        (InvoiceLine(line.description, line.quantity, line.rate, net + line_vat), net, line_vat)
        for line, (net, line_vat) in zip(lines, amounts, strict=True)
    ]
    sub_total = sum((net for _, net, _ in built), Decimal("0.00"))
    vat_amount = sum((line_vat for _, _, line_vat in built), Decimal("0.00"))
    return InvoiceDraft(
        invoice_number=invoice_number,
        sender_id=sender_id,
        date_created=date_created,
        date_due=date_due,
        vat=vat_percent,
        sub_total=sub_total,
        vat_amount=vat_amount,
        total=sub_total + vat_amount,
        items=tuple(line for line, _, _ in built),
        payment_terms=payment_terms,
    )
