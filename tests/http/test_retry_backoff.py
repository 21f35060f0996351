"""`[http] retry_backoff_seconds` (`REPORTS_RETRY_BACKOFF_SECONDS`): how long the first retry
of a request waits at most, read like the other HTTP settings and given to every source's
client. A fetch that must survive many failures in a test waits hundredths of a second, not
the production half second doubled at each retry."""

from __future__ import annotations

from pathlib import Path

import pytest

from reports.app import load_config
from reports.errors import ConfigError
from reports.http import Limits, RetryPolicy
from reports.sources.registry import REGISTRY

#: Every source configured, by tokens (no network is touched: only clients are built).
EVERY_SOURCE = {
    "REPORTS_MOBILITY_URL": "https://mobility.example.com",
    "REPORTS_MOBILITY_TOKEN": "m-token",
    "REPORTS_PLANNR_TOKEN": "p-token",
    "REPORTS_PLANNR_ACCOUNT_UUID": "acc",
    "REPORTS_WILLSUITE_TOKEN": "w-token",
}


def test_the_default_is_the_retry_policys(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert load_config(environ={}).retry_backoff_seconds == RetryPolicy().backoff_seconds == 0.5


def test_it_is_read_from_the_file_and_the_environment_wins(tmp_path: Path) -> None:
    file = tmp_path / "reports.toml"
    file.write_text("[http]\nretry_backoff_seconds = 2\n", encoding="utf-8")
    assert load_config(file, environ={}).retry_backoff_seconds == 2.0
    config = load_config(file, environ={"REPORTS_RETRY_BACKOFF_SECONDS": "0.01"})
    assert config.retry_backoff_seconds == 0.01


@pytest.mark.parametrize("value", ["0", "-1", "soon"])
def test_a_bad_value_is_a_clear_error(
    value: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ConfigError, match="REPORTS_RETRY_BACKOFF_SECONDS") as raised:
        load_config(environ={"REPORTS_RETRY_BACKOFF_SECONDS": value})
    assert "\n" not in str(raised.value)


def test_every_sources_client_backs_off_as_set(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    config = load_config(environ={**EVERY_SOURCE, "REPORTS_RETRY_BACKOFF_SECONDS": "0.03"})
    assert config.sources == tuple(REGISTRY)
    for name in config.sources:
        source = REGISTRY[name]
        with source.connect(source.settings(config), Limits.of(config)) as api:
            assert api.retry.backoff_seconds == 0.03, name
