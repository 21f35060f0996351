"""Every Python snippet in the README runs as written, in order, against the sandbox, the way
a new user would paste them into a session whose REPORTS_* variables point at it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import MakeSandbox
from helpers import ROOT

from reports.errors import ConfigError
from reports.sandbox import Sizes


def snippets() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    return re.findall(r"^```python\n(.*?)^```", text, flags=re.MULTILINE | re.DOTALL)


def test_every_readme_snippet_runs_as_written(
    make_sandbox: MakeSandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A small firm's data: the snippets run the whole month, statements included.
    small = Sizes(mobility_cases=20, plannr_cases=10, plannr_clients=10, willsuite_cases=20)
    sandbox = make_sandbox(seed=1, sizes=small, plannr_rate_limit=1_000_000)
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
