from __future__ import annotations

from helpers import ROOT

from reports.docs import render
from reports.frames import SCHEMAS, combined_cases_schema


def test_frames_doc_is_current() -> None:
    assert (ROOT / "docs" / "frames.md").read_text(encoding="utf-8") == render(), (
        "docs/frames.md is stale: run `python -m reports.docs > docs/frames.md`"
    )


def test_every_column_is_documented() -> None:
    for schema in SCHEMAS.values():
        for column in schema.columns:
            assert column.doc.strip(), f"{schema.source}.{schema.entity}.{column.name}"


def test_shared_case_columns_agree_on_type() -> None:
    schema = combined_cases_schema()
    assert schema["source"].is_(schema["case_id"])
