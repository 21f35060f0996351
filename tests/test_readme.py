"""Every Python snippet in the README runs as written, in order, against the sandbox, the way
a new user would paste them into a session whose REPORTS_* variables point at it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from helpers import ROOT

from reports.errors import ConfigError
from reports.sandbox import Sandbox


def snippets() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    return re.findall(r"^```python\n(.*?)^```", text, flags=re.MULTILINE | re.DOTALL)


def test_every_readme_snippet_runs_as_written(
    sandbox: Sandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in sandbox.environment().items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("REPORTS_FIRM_NAME", "Readme & Co")
    monkeypatch.chdir(tmp_path)
    found = snippets()
    assert len(found) >= 4
    namespace: dict[str, object] = {}
    for index, code in enumerate(found):
        try:
            exec(compile(code, f"README.md snippet {index + 1}", "exec"), namespace)
        except Exception as error:  # say which snippet, and what it raised
            raise AssertionError(f"README snippet {index + 1} fails: {error!r}\n{code}") from None
    assert (tmp_path / "output" / "2026-10" / "report-2026-10.pdf").exists()


def test_fetching_with_no_source_is_the_clis_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import reports
    from reports.config import Config

    monkeypatch.chdir(tmp_path)
    with pytest.raises(ConfigError, match=r"^no source is configured: set REPORTS_"):
        reports.fetch_expenses(Config())
