from __future__ import annotations

from pathlib import Path

import pytest

from reports.config import PLANNR_DEFAULT_URL, WILLSUITE_DEFAULT_URL, Config, Secret, load_config
from reports.errors import ConfigError


def test_nothing_configured_means_no_sources(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert load_config(environ={}).sources == ()


def test_environment_configures_each_source(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    config = load_config(
        environ={
            "REPORTS_MOBILITY_URL": "https://mobility.example.com/",
            "REPORTS_MOBILITY_TOKEN": "m-token",
            "REPORTS_PLANNR_TOKEN": "p-token",
            "REPORTS_PLANNR_ACCOUNT_UUID": "acc",
            "REPORTS_WILLSUITE_CLIENT_ID": "id",
            "REPORTS_WILLSUITE_CLIENT_SECRET": "secret",
        }
    )
    assert config.sources == ("mobility", "plannr", "willsuite")
    assert config.mobility.url == "https://mobility.example.com"
    assert config.plannr.url == PLANNR_DEFAULT_URL
    assert config.willsuite.url == WILLSUITE_DEFAULT_URL
    assert config.willsuite.client_secret.reveal() == "secret"


def test_toml_has_the_same_keys_and_environment_wins(tmp_path: Path) -> None:
    file = tmp_path / "reports.toml"
    file.write_text(
        '[mobility]\nurl = "https://m.example.com"\ntoken = "from-file"\n'
        '[willsuite]\ntoken = "ready-token"\n[http]\nconcurrency = 4\n'
    )
    config = load_config(file, environ={"REPORTS_MOBILITY_TOKEN": "from-env"})
    assert config.mobility.token.reveal() == "from-env"
    assert config.willsuite.token.reveal() == "ready-token"
    assert config.concurrency == 4
    assert config.sources == ("mobility", "willsuite")


@pytest.mark.parametrize(
    ("environ", "missing"),
    [
        ({"REPORTS_MOBILITY_TOKEN": "t"}, "REPORTS_MOBILITY_URL"),
        ({"REPORTS_MOBILITY_URL": "https://x.example.com"}, "REPORTS_MOBILITY_TOKEN"),
        ({"REPORTS_PLANNR_TOKEN": "t"}, "REPORTS_PLANNR_ACCOUNT_UUID"),
        ({"REPORTS_PLANNR_ACCOUNT_UUID": "a"}, "REPORTS_PLANNR_TOKEN"),
        ({"REPORTS_WILLSUITE_CLIENT_ID": "i"}, "REPORTS_WILLSUITE_CLIENT_SECRET"),
        ({"REPORTS_WILLSUITE_CLIENT_SECRET": "s"}, "REPORTS_WILLSUITE_CLIENT_ID"),
    ],
)
def test_half_configured_source_names_the_missing_key(
    environ: dict[str, str], missing: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ConfigError, match=missing):
        load_config(environ=environ)


def test_bad_values_are_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        load_config(tmp_path / "nope.toml", environ={})
    broken = tmp_path / "broken.toml"
    broken.write_text("[mobility\n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(broken, environ={})
    with pytest.raises(ConfigError, match="must be an http"):
        load_config(environ={"REPORTS_MOBILITY_URL": "ftp://x", "REPORTS_MOBILITY_TOKEN": "t"})
    with pytest.raises(ConfigError, match="whole number"):
        load_config(environ={"REPORTS_CONCURRENCY": "many"})


def test_secrets_never_show(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    config = load_config(
        environ={
            "REPORTS_PLANNR_TOKEN": "super-secret-token",
            "REPORTS_PLANNR_ACCOUNT_UUID": "acc",
            "REPORTS_WILLSUITE_CLIENT_ID": "id",
            "REPORTS_WILLSUITE_CLIENT_SECRET": "super-secret-client",
        }
    )
    shown = f"{config!r} {config} {config.plannr.token} {Secret('x')!r}"
    assert "super-secret" not in shown


def test_only_restricts_sources() -> None:
    config = Config()
    with pytest.raises(ConfigError, match="not configured"):
        config.only(["mobility"])
    with pytest.raises(ConfigError, match="unknown source"):
        config.only(["crm"])


def test_mobility_case_details_flag(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    base = {"REPORTS_MOBILITY_URL": "https://m.example.com", "REPORTS_MOBILITY_TOKEN": "t"}
    assert load_config(environ=base).mobility.case_details is False
    assert (
        load_config(environ={**base, "REPORTS_MOBILITY_CASE_DETAILS": "true"}).mobility.case_details
        is True
    )
    with pytest.raises(ConfigError, match="true or false"):
        load_config(environ={**base, "REPORTS_MOBILITY_CASE_DETAILS": "sometimes"})
