"""The notebooks' settings: the firm's reports.toml found from `notebooks/` (or wherever the
kernel runs), and a first output that says what is read, loudly when it is the sandbox."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from reports.errors import ConfigError
from reports.notebook import banner, config_or_sandbox, notebook_settings

FIRM = (
    '[firm]\nname = "Hale & Partners LLP"\n'
    '[willsuite]\nurl = "http://127.0.0.1:9/willsuite"\ntoken = "t"\n'
)


def _tree(root: Path, toml: str, *, git: bool = True) -> Path:
    """A project at `root` with `toml` as its reports.toml, and the folder two levels down
    a notebook runs in."""
    (root / "reports.toml").write_text(toml, encoding="utf-8")
    if git:
        (root / ".git").mkdir()
    kernel = root / "notebooks" / "drafts"
    kernel.mkdir(parents=True)
    return kernel


def test_finds_the_firms_file_two_levels_up_and_says_what_it_reads(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(_tree(tmp_path, FIRM))
    out = io.StringIO()
    config = config_or_sandbox(environ={}, out=out)
    assert config.sources == ("willsuite",)
    assert config.firm.name == "Hale & Partners LLP"
    assert out.getvalue().splitlines() == [
        "Firm: Hale & Partners LLP",
        f"Settings: {tmp_path / 'reports.toml'}",
        "Sources: WillSuite at http://127.0.0.1:9/willsuite",
    ]


def test_the_search_stops_at_the_projects_root(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A reports.toml above the project (another firm's, a home folder's) is not read."""
    project = tmp_path / "project"
    project.mkdir()
    (project / ".git").mkdir()
    (tmp_path / "reports.toml").write_text(FIRM, encoding="utf-8")
    monkeypatch.chdir(project)
    settings = notebook_settings(environ={})
    assert settings.path is None
    assert settings.needs_sandbox


def test_reports_config_names_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    elsewhere = tmp_path / "elsewhere.toml"
    elsewhere.write_text(FIRM, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    settings = notebook_settings(environ={"REPORTS_CONFIG": str(elsewhere)})
    assert settings.path == elsewhere
    assert settings.config.sources == ("willsuite",)
    with pytest.raises(ConfigError, match="does not exist"):
        notebook_settings(environ={"REPORTS_CONFIG": str(tmp_path / "missing.toml")})


def test_the_environment_wins_over_the_file_found(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(_tree(tmp_path, FIRM))
    settings = notebook_settings(environ={"REPORTS_FIRM_NAME": "Hale LLP (cron)"})
    assert settings.config.firm.name == "Hale LLP (cron)"
    assert settings.path == tmp_path / "reports.toml"


@pytest.mark.loopback  # the helper starts the sandbox, as a notebook's kernel does
def test_the_sandbox_is_said_loudly_with_the_firms_own_settings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A file with the firm but no source: the sandbox's invented data, under the firm's
    name, with a warning first, on stderr (Jupyter shows it in red)."""
    monkeypatch.chdir(_tree(tmp_path, '[firm]\nname = "Hale & Partners LLP"\n'))
    config = config_or_sandbox(environ={})
    captured = capsys.readouterr()
    assert captured.out == ""
    first, firm, where, sources = captured.err.splitlines()
    assert first.startswith("WARNING: THE SANDBOX, WITH INVENTED DATA")
    assert "set one of [mobility], [plannr] or [willsuite] in reports.toml" in first
    assert firm == "Firm: Hale & Partners LLP"
    assert where == f"Settings: {tmp_path / 'reports.toml'}"
    assert sources.startswith("Sources: the mobility platform at http://127.0.0.1:")
    assert config.sources == ("mobility", "plannr", "willsuite")


def test_no_file_and_no_variables_says_where_it_looked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / ".git").mkdir()
    monkeypatch.chdir(tmp_path)
    settings = notebook_settings(environ={})
    text = banner(settings, settings.config)
    assert f"Settings: none (no reports.toml in {tmp_path} or above it" in text
    assert text.startswith("WARNING: THE SANDBOX")
