"""What comes back from, and goes to, a vendor's JSON: exact numbers, ids that can go into a
URL path, records that have the id their related records are read by."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any
from urllib.parse import quote

from reports.errors import DataError
from reports.text import printable


def segment(source: str, what: str, value: object) -> str:
    """An id from an API record as one percent-encoded URL path segment.

    Ids go into paths (`/cases/{id}/invoices`); one holding `/`, or that is `.` or `..`,
    could point the request, and its bearer token, at another path, so it is refused.
    """
    if value is None or isinstance(value, bool | dict | list):
        raise DataError(f"{source}: a record has no usable {what} ({value!r})")
    text = str(value)
    if not text or "/" in text or "\\" in text or text in (".", ".."):
        raise DataError(
            f"{source}: {what} {printable(text)!r} cannot be used in a URL path; "
            "correct the record in its system"
        )
    return quote(text, safe="")


def record_id(source: str, entity: str, record: object, key: str = "id") -> Any:
    """`record[key]`, or a `DataError` saying which record lacks it."""
    if not isinstance(record, dict):
        raise DataError(f"{source}: a {entity} record is not a JSON object")
    value = record.get(key)
    if value is None or value == "":
        raise DataError(
            f"{source}: a {entity} record has no {key}; its related records cannot be read"
        )
    return value


def decode_json(content: bytes) -> Any:
    """JSON with every non-integer number as `Decimal`, so money never passes through a float."""
    return json.loads(content, parse_float=Decimal)


def encode_json(body: Any) -> bytes:
    """A request body as JSON, `Decimal`s as the JSON numbers the vendors document."""
    return json.dumps(body, default=_json_default).encode()


def _json_default(value: object) -> object:
    if isinstance(value, Decimal):
        # Vendors document these as JSON numbers; the shortest repr of a float parsed from a
        # decimal with at most 15 significant digits prints exactly that decimal again.
        if value == value.to_integral_value():
            return int(value)
        if len(value.as_tuple().digits) > 15:
            raise ValueError(f"{value} has too many digits to send as a JSON number exactly")
        return float(value)
    raise TypeError(f"cannot send {type(value).__name__} as JSON")
