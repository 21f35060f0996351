"""Typed frame schemas: each column says where its value lives in an API record and what it is.

A `FrameSchema` is defined once per (source, entity) in `reports.frames`; `build()` turns API
records into a Polars DataFrame of exactly that schema (an empty result still has it), and
`docs/frames.md` is generated from the same definitions.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from itertools import chain
from typing import Any, ClassVar
from zoneinfo import ZoneInfo

import polars as pl

from reports.errors import DataError
from reports.money import MONEY, check_bound, currency_code, to_decimal
from reports.periods import local_day
from reports.text import repair_surrogates

UTC = dt.UTC


@dataclass(frozen=True)
class Kind:
    """How a raw JSON value becomes a typed cell."""

    label: str
    dtype: pl.DataType

    ID: ClassVar[Kind]
    TEXT: ClassVar[Kind]
    ENUM: ClassVar[Kind]
    INT: ClassVar[Kind]
    BOOL: ClassVar[Kind]
    DATE: ClassVar[Kind]
    DATETIME: ClassVar[Kind]
    MONEY: ClassVar[Kind]
    CURRENCY: ClassVar[Kind]
    DECIMAL: ClassVar[Kind]
    TEXT_LIST: ClassVar[Kind]
    JSON: ClassVar[Kind]


Kind.ID = Kind("id", pl.String())  # ints and strings alike become strings
Kind.TEXT = Kind("text", pl.String())
Kind.ENUM = Kind("enum", pl.String())
Kind.INT = Kind("int", pl.Int64())
Kind.BOOL = Kind("bool", pl.Boolean())
Kind.DATE = Kind("date", pl.Date())
Kind.DATETIME = Kind("datetime", pl.Datetime("us", "UTC"))
Kind.MONEY = Kind("money", MONEY)  # decimal string or JSON number, major units
#: An ISO 4217 code, stripped and upper-cased when typed; the change is kept in `as_sent`.
Kind.CURRENCY = Kind("currency", pl.String())
Kind.DECIMAL = Kind("decimal", MONEY)  # non-money exact decimal (percentages, quantities)
Kind.TEXT_LIST = Kind("text list", pl.List(pl.String()))
Kind.JSON = Kind("json", pl.String())  # a value of undocumented shape, kept as JSON text


# The column kinds by short name, so that a source's frame tables read one column a line.
ID, TEXT, ENUM, INT, BOOL, DATE, TIMESTAMP = (
    Kind.ID,
    Kind.TEXT,
    Kind.ENUM,
    Kind.INT,
    Kind.BOOL,
    Kind.DATE,
    Kind.DATETIME,
)
MONEY_KIND, CURRENCY, DECIMAL, TEXT_LIST, JSON = (
    Kind.MONEY,
    Kind.CURRENCY,
    Kind.DECIMAL,
    Kind.TEXT_LIST,
    Kind.JSON,
)

Getter = Callable[[dict[str, Any]], Any]


@dataclass(frozen=True)
class Column:
    name: str
    kind: Kind
    doc: str
    #: Dotted path(s) into the record; the first that is present and not null wins.
    paths: tuple[str, ...] = ()
    getter: Getter | None = None
    #: For naive timestamps: the zone they are written in.
    naive_zone: str = "UTC"

    @property
    def dtype(self) -> pl.DataType:
        return self.kind.dtype

    def raw(self, record: dict[str, Any]) -> Any:
        """The value as the vendor sent it."""
        if self.getter is not None:
            return self.getter(record)
        for path in self.paths or (self.name,):
            raw = dig(record, path)
            if raw is not None:
                return raw
        return None

    def extract(self, record: dict[str, Any]) -> Any:
        return convert(self.raw(record), self.kind, self.naive_zone)

    @property
    def vendor_names(self) -> tuple[str, ...]:
        """The vendor's names for this column where ours differs: its paths that are neither
        our name flattened (`assignment.home_city` is `assignment_home_city`) nor end in it
        (`model.roles` is `roles`). Only the source's own package may use them."""
        return tuple(
            path
            for path in self.paths
            if path.replace(".", "_") != self.name and path.rsplit(".", 1)[-1] != self.name
        )

    @property
    def sent_as(self) -> str:
        """The vendor's name for this column, as a message names it to a reader."""
        return next(iter(self.vendor_names), self.name)


def col(
    name: str,
    kind: Kind,
    doc: str,
    *paths: str,
    getter: Getter | None = None,
    naive_zone: str = "UTC",
) -> Column:
    return Column(name, kind, doc, tuple(paths), getter, naive_zone)


#: The column that keeps, per record, the values typing changed (see `Kind.CURRENCY`), as the
#: vendor sent them: a frame with a currency column has it, and the report flags each change.
AS_SENT = "as_sent"


def as_sent_column() -> Column:
    return col(
        AS_SENT,
        Kind.JSON,
        "values normalised when typed (a currency code stripped or upper-cased), as the"
        " vendor sent them, by column: JSON text, null when none was changed",
        getter=lambda _record: None,  # filled by `FrameSchema.build`
    )


@dataclass(frozen=True)
class FrameSchema:
    source: str
    entity: str
    doc: str
    columns: tuple[Column, ...]

    def __post_init__(self) -> None:
        names = [c.name for c in self.columns]
        duplicates = {n for n in names if names.count(n) > 1}
        if duplicates:
            raise ValueError(f"{self.source}.{self.entity}: duplicate columns {sorted(duplicates)}")
        if any(c.kind is Kind.CURRENCY for c in self.columns) and AS_SENT not in names:
            raise ValueError(f"{self.source}.{self.entity}: a currency column needs `{AS_SENT}`")

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(column.name for column in self.columns)

    def sent_as(self, name: str) -> str:
        """How the vendor names our column `name`: for a message that sends a reader to the
        vendor's own record."""
        (column,) = (c for c in self.columns if c.name == name)
        return column.sent_as

    def record_name(self, record: dict[str, Any]) -> str:
        """The record's `id`, read where the vendor puts it, or `?`: how an error names it."""
        ident = next((c.raw(record) for c in self.columns if c.name == "id"), None)
        return "?" if ident is None else repr_id(ident)

    def under_our_names(self, frame: pl.DataFrame) -> pl.DataFrame:
        """`frame` as an earlier version saved it, its columns under the vendor's names
        (and a `stated_` column beside one under `stated_` and the vendor's name), renamed
        to ours: a snapshot of a month before the renaming stays readable. Columns already
        ours are kept."""
        renames: dict[str, str] = {}
        for column in self.columns:
            for old in column.vendor_names:
                renames.setdefault(old, column.name)
                renames.setdefault(f"stated_{old}", f"stated_{column.name}")
        return frame.rename(
            {
                old: new
                for old, new in renames.items()
                if old in frame.columns and new in self.names and new not in frame.columns
            }
        )

    @property
    def polars_schema(self) -> pl.Schema:
        return pl.Schema({c.name: c.dtype for c in self.columns})

    def empty(self) -> pl.DataFrame:
        return pl.DataFrame(schema=self.polars_schema)

    def build(self, records: Iterable[dict[str, Any]]) -> pl.DataFrame:
        """Typed frame from API records. A value that cannot be typed exactly is a `DataError`
        naming the record and the field."""
        return self.frame([self.typed(records)])

    def typed(self, records: Iterable[dict[str, Any]]) -> TypedRecords:
        """`records`' values typed and checked, column by column, not yet a frame: a fan-out
        types each answer in the thread that fetched it (while others wait on the network),
        and `frame` joins the parts. Raises `DataError` as `build` does."""
        rows = list(records)
        columns: list[list[Any]] = []
        changed: list[dict[str, Any]] = [{} for _ in rows]
        for column in self.columns:
            values = []
            for row, notes in zip(rows, changed, strict=True):
                if not isinstance(row, dict):
                    raise DataError(
                        f"{self.source} {self.entity}: a record is {type(row).__name__}, "
                        "not a JSON object"
                    )
                try:
                    raw = column.raw(row)
                    value = convert(raw, column.kind, column.naive_zone)
                except (ValueError, TypeError, ArithmeticError) as error:
                    raise DataError(
                        f"{self.source} {self.entity} {self.record_name(row)}: field"
                        f" {column.sent_as}: {error}"
                    ) from None
                if column.kind is Kind.CURRENCY and raw is not None and value != raw:
                    notes[column.name] = raw
                values.append(value)
            columns.append(values)
        if AS_SENT in self.names:
            columns[self.names.index(AS_SENT)] = [
                json.dumps(notes, sort_keys=True) if notes else None for notes in changed
            ]
        return TypedRecords(self, tuple(columns))

    def frame(self, parts: Iterable[TypedRecords]) -> pl.DataFrame:
        """One frame of this schema from typed parts, in their order."""
        chosen = list(parts)
        if any(part.schema is not self for part in chosen):
            raise ValueError(f"{self.source}.{self.entity}: a part was typed by another schema")
        try:
            return pl.DataFrame(
                [
                    _series(column, list(chain.from_iterable(p.columns[index] for p in chosen)))
                    for index, column in enumerate(self.columns)
                ]
            )
        except (pl.exceptions.PolarsError, TypeError, ValueError, RuntimeError) as error:
            # Every value was checked when typed; this is the last line of defence, not a
            # path we expect to take.
            raise DataError(
                f"{self.source} {self.entity}: the records do not fit the frame's types ({error})"
            ) from None


def _series(column: Column, values: list[Any]) -> pl.Series:
    if column.dtype == MONEY:
        # Polars reads `Decimal` objects one at a time through Python, thirty times slower
        # than it parses their text; the text is exact, as `to_decimal` refused any value
        # finer than the column holds.
        text = [None if value is None else format(value, "f") for value in values]
        return pl.Series(column.name, text, pl.String).cast(MONEY, strict=True)
    return pl.Series(column.name, values, column.dtype)


@dataclass(frozen=True)
class TypedRecords:
    """Records typed by `schema`: one list of values per column, in the schema's order."""

    schema: FrameSchema
    columns: tuple[list[Any], ...]

    def __len__(self) -> int:
        return len(self.columns[0]) if self.columns else 0


def repr_id(ident: object) -> str:
    return str(ident) if isinstance(ident, int | str) else json.dumps(ident, default=str)


def dig(record: Any, path: str) -> Any:
    current = record
    for part in path.split("."):
        if isinstance(current, dict):
            current = current.get(part)
        else:
            return None
    return current


def convert(raw: Any, kind: Kind, naive_zone: str = "UTC") -> Any:
    if raw is None:
        return None
    match kind.label:
        case "id":
            if isinstance(raw, bool):
                raise ValueError(f"id expected, got {raw!r}")
            if isinstance(raw, Decimal) and raw.is_finite() and raw == raw.to_integral_value():
                return str(int(raw))
            if isinstance(raw, dict | list):
                raise ValueError(f"id expected, got {type(raw).__name__}")
            return repair_surrogates(str(raw))
        case "text" | "enum":
            return repair_surrogates(raw if isinstance(raw, str) else json.dumps(raw, default=str))
        case "int":
            if isinstance(raw, bool):
                raise ValueError(f"whole number expected, got {raw!r}")
            number = Decimal(str(raw))
            if not number.is_finite() or number != number.to_integral_value():
                raise ValueError(f"whole number expected, got {raw!r}")
            if not -(2**63) <= number < 2**63:
                raise ValueError(f"{raw!r} is too large for a whole-number column")
            return int(number)
        case "bool":
            if isinstance(raw, bool):
                return raw
            if isinstance(raw, str) and raw.lower() in ("true", "false"):
                return raw.lower() == "true"
            if raw in (0, 1):
                return bool(raw)
            raise ValueError(f"true or false expected, got {raw!r}")
        case "date":
            return parse_date(raw)
        case "datetime":
            return parse_datetime(raw, naive_zone)
        case "money":
            return check_bound(to_decimal(raw))
        case "currency":
            return currency_code(raw)
        case "decimal":
            return check_bound(to_decimal(raw), "value")
        case "text list":
            if not isinstance(raw, list):
                raise ValueError(f"list expected, got {type(raw).__name__}")
            return [
                repair_surrogates(v if isinstance(v, str) else json.dumps(v, default=str))
                for v in raw
            ]
        case "json":
            if raw in ({}, []):
                return None
            return repair_surrogates(
                raw if isinstance(raw, str) else json.dumps(raw, default=str, sort_keys=True)
            )
    raise AssertionError(kind)


def parse_date(raw: Any) -> dt.date:
    """`YYYY-MM-DD`; a timestamp at midnight, which some APIs send for a plain date
    (`2026-05-01T00:00:00.000000Z`), as the date it writes; any other timestamp is an
    instant, and its date is the firm's day of it (`2026-04-30T23:30:00Z` is 1 May in the
    UK), never the date in UTC."""
    if not isinstance(raw, str):
        raise ValueError(f"date expected, got {raw!r}")
    if len(raw) == 10:
        return dt.date.fromisoformat(raw)
    try:
        written = dt.datetime.fromisoformat(raw)
    except ValueError:
        raise ValueError(f"not an ISO 8601 date or timestamp: {raw!r}") from None
    if written.time() == dt.time(0):
        return written.date()
    return local_day(parse_datetime(raw))


def parse_datetime(raw: Any, naive_zone: str = "UTC") -> dt.datetime:
    """ISO 8601 timestamp to an aware UTC datetime; naive ones are read in `naive_zone`."""
    if not isinstance(raw, str):
        raise ValueError(f"timestamp expected, got {raw!r}")
    try:
        value = dt.datetime.fromisoformat(raw)
    except ValueError:
        raise ValueError(f"not an ISO 8601 timestamp: {raw!r}") from None
    if value.tzinfo is None:
        value = value.replace(tzinfo=ZoneInfo(naive_zone))
    return value.astimezone(UTC)


def concat_sources(frames: Sequence[pl.DataFrame], schema: pl.Schema) -> pl.DataFrame:
    """Stack per-source frames into one of `schema`, missing columns null."""
    aligned = [
        frame.select(
            [
                pl.col(name) if name in frame.columns else pl.lit(None, dtype).alias(name)
                for name, dtype in schema.items()
            ]
        )
        for frame in frames
    ]
    return pl.concat(aligned, how="vertical") if aligned else pl.DataFrame(schema=schema)
