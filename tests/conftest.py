from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from reports.sandbox import Sandbox

ROOT = Path(__file__).resolve().parents[1]
API_DOCS = Path(os.environ.get("REPORTS_API_DOCS", ROOT.parent / "shared" / "api-docs"))


def doc_blocks(name: str) -> list[Any]:
    """Every top-level JSON example in a vendor doc, in order.

    A block starts on a line that begins (in column 0) with `{` or `[`. The mobility doc's
    task examples have a trailing comma after `"name": "Task Owner"` (a doc typo): we drop
    commas that stand right before a closing bracket, and only for doc fixtures; the
    connectors themselves parse real responses strictly.
    """
    path = API_DOCS / name
    if not path.is_file():
        raise FileNotFoundError(
            f"vendor doc {path} not found: clone beside ../shared or set REPORTS_API_DOCS"
        )
    text = path.read_text(encoding="utf-8")
    blocks: list[Any] = []
    position = 0
    for match in re.finditer(r"^[\[{]", text, flags=re.MULTILINE):
        if match.start() < position:
            continue
        end = _block_end(text, match.start())
        chunk = text[match.start() : end]
        try:
            blocks.append(json.loads(chunk))
        except json.JSONDecodeError:
            blocks.append(json.loads(re.sub(r",(\s*[}\]])", r"\1", chunk)))
        position = end
    return blocks


def _block_end(text: str, start: int) -> int:
    depth, in_string, escaped = 0, False, False
    for index in range(start, len(text)):
        char = text[index]
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "{[":
            depth += 1
        elif char in "}]":
            depth -= 1
            if depth == 0:
                return index + 1
    raise ValueError(f"unbalanced JSON block at {start}")


def unstub(value: Any) -> Any:
    """Replace the docs' schema stubs (`{"example": v, "description": ...}`) by `v`."""
    if isinstance(value, dict):
        if set(value) == {"example", "description"}:
            return value["example"]
        return {key: unstub(item) for key, item in value.items()}
    if isinstance(value, list):
        return [unstub(item) for item in value]
    return value


@pytest.fixture(scope="session")
def sandbox() -> Iterator[Sandbox]:
    """The default sandbox, shared by tests that only read.

    Its Plannr rate limit is lifted: the whole suite reads Plannr far more than 500 times a
    minute, and waiting out real windows would only slow it. The limit has its own tests.
    """
    with Sandbox(seed=1, plannr_rate_limit=1_000_000) as server:
        yield server
