"""`FrameSchema`: typing records in parts (as a fan-out does, answer by answer) gives the
frame that typing them at once gives."""

from __future__ import annotations

import pytest
from polars.testing import assert_frame_equal

from reports.errors import DataError
from reports.schema import CURRENCY, ID, MONEY_KIND, FrameSchema, as_sent_column, col

#: `as_sent` before the currency column: what typing changed is kept whatever the order.
LEDGER = FrameSchema(
    "ledger",
    "lines",
    "test lines",
    (
        col("id", ID, "id"),
        as_sent_column(),
        col("amount", MONEY_KIND, "amount"),
        col("currency", CURRENCY, "currency", "money.currency"),
    ),
)
OTHER = FrameSchema("ledger", "other", "another entity", (col("id", ID, "id"),))

RECORDS = [
    {"id": 1, "amount": "10.50", "money": {"currency": " gbp"}},
    {"id": 2, "amount": "3", "money": {"currency": "EUR"}},
    {"id": 3, "amount": None, "money": None},
]


def test_parts_typed_apart_make_the_frame_typed_at_once() -> None:
    whole = LEDGER.build(RECORDS)
    parts = [LEDGER.typed(RECORDS[:1]), LEDGER.typed([]), LEDGER.typed(RECORDS[1:])]
    assert [len(part) for part in parts] == [1, 0, 2]
    assert_frame_equal(LEDGER.frame(parts), whole)
    assert whole["currency"].to_list() == ["GBP", "EUR", None]
    assert whole["as_sent"].to_list() == ['{"currency": " gbp"}', None, None]


def test_no_part_is_an_empty_frame_of_the_schema() -> None:
    assert LEDGER.frame([]).schema == LEDGER.polars_schema


def test_a_part_of_another_schema_is_refused() -> None:
    with pytest.raises(ValueError, match="another schema"):
        LEDGER.frame([OTHER.typed([{"id": 1}])])


def test_a_value_that_cannot_be_typed_names_its_record_when_typed() -> None:
    with pytest.raises(DataError, match="ledger lines 7: field amount"):
        LEDGER.typed([{"id": 7, "amount": "ten"}])
