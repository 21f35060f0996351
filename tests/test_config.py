from __future__ import annotations

import re
from pathlib import Path

import pytest

from reports.app import load_config
from reports.config import Config, Secret
from reports.errors import ConfigError
from reports.sources.plannr import PLANNR_DEFAULT_URL
from reports.sources.willsuite import WILLSUITE_DEFAULT_URL


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


def test_only_keeps_every_setting_that_is_not_a_source(tmp_path: Path) -> None:
    path = tmp_path / "reports.toml"
    path.write_text(
        '[plannr]\ntoken = "t"\naccount_uuid = "a"\n'
        '[willsuite]\nclient_id = "c"\nclient_secret = "s"\n'
        '[smtp]\nhost = "mail.example"\nfrom = "reports@firm.example"\n'
        '[email]\nmonthly_to = ["partners@firm.example"]\n'
        '[firm]\nname = "Finch LLP"\n[http]\nconcurrency = 3\n'
    )
    config = load_config(path, environ={})
    assert config.smtp is not None and config.email.monthly_to
    only = config.only(["plannr"])
    assert only.sources == ("plannr",)
    assert (only.smtp, only.email, only.firm, only.concurrency) == (
        config.smtp,
        config.email,
        config.firm,
        3,
    )


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


def test_the_firm_is_set_once_in_the_settings(tmp_path: Path) -> None:
    logo = tmp_path / "logo.svg"
    logo.write_text('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>')
    file = tmp_path / "firm.toml"
    file.write_text(
        "[firm]\n"
        'name = "Acme Advisers LLP"\n'
        'address = ["1 High Street", "Leeds LS1 1AA"]\n'
        'vat_number = "GB 987 6543 21"\n'
        'company_number = "OC123456"\n'
        'payment_details = "Sort code 11-22-33, account 44556677"\n'
        f'logo = "{logo}"\n'
        "financial_year_start = 1\n",
        encoding="utf-8",
    )
    firm = load_config(file, environ={"REPORTS_FIRM_EMAIL": "office@acme.example"}).firm
    assert (firm.name, firm.address, firm.vat_number, firm.company_number) == (
        "Acme Advisers LLP",
        ("1 High Street", "Leeds LS1 1AA"),
        "GB 987 6543 21",
        "OC123456",
    )
    assert (firm.email, firm.logo, firm.financial_year_start) == ("office@acme.example", logo, 1)
    assert str(firm) == "Acme Advisers LLP" and firm.named("Other").name == "Other"
    from_env = load_config(
        None,
        environ={"REPORTS_FIRM_NAME": "Env & Co", "REPORTS_FIRM_ADDRESS": "1 Road; Town"},
    ).firm
    assert (from_env.name, from_env.address, from_env.financial_year_start) == (
        "Env & Co",
        ("1 Road", "Town"),
        4,
    )


@pytest.mark.parametrize(
    ("setting", "message"),
    [
        ('logo = "logo.gif"', "REPORTS_FIRM_LOGO (or [firm] logo in {file}) must be a PNG or SVG"),
        ("financial_year_start = 13", "must be a month number, 1 to 12, got '13'"),
        ('colour = "blue"', "{file}: unknown key 'colour' in [firm]"),
    ],
)
def test_bad_firm_settings_are_clear_errors(tmp_path: Path, setting: str, message: str) -> None:
    file = tmp_path / "mine.toml"
    file.write_text(f"[firm]\n{setting}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=re.escape(message.format(file=file))):
        load_config(file, environ={})


def test_the_sandbox_replaces_only_the_sources(tmp_path: Path) -> None:
    from reports.sandbox import Sandbox

    file = tmp_path / "reports.toml"
    file.write_text(
        '[firm]\nname = "Acme Advisers LLP"\n[email]\nmonthly_to = ["p@acme.example"]\n'
        "[http]\nconcurrency = 3\n",
        encoding="utf-8",
    )
    mine = load_config(file, environ={})
    with Sandbox() as server:
        demo = server.demo(mine)
        assert demo.sources == ("mobility", "plannr", "willsuite")
        assert demo.mobility is not None and demo.mobility.url.startswith(server.url)
        assert (demo.firm, demo.email, demo.concurrency) == (mine.firm, mine.email, 3)
        bare = server.demo(Config())  # no firm and no recipients: the demo's own
        assert bare.firm == server.firm_settings() and bare.email == server.email_settings()


def test_the_demo_settings_are_in_the_repo_and_read() -> None:
    """`make demo` reads demo/reports.toml from a clean clone: it is tracked, though every
    other reports.toml is ignored (they hold secrets), and its targets and alerts parse."""
    import subprocess

    root = Path(__file__).resolve().parents[1]
    demo = root / "demo" / "reports.toml"
    tracked = subprocess.run(
        ["git", "ls-files", "--error-unmatch", str(demo)], cwd=root, capture_output=True
    )
    assert tracked.returncode == 0, "demo/reports.toml is not tracked by git"
    config = load_config(demo, {})
    assert {t.figure for t in config.targets} >= {"invoiced_net", "outstanding"}
    assert len(config.alerts) == 3 and not config.sources


WILLSUITE_BY_CLIENT = '[willsuite]\nclient_id = "file-id"\nclient_secret = "file-secret"\n'


def test_a_token_in_the_environment_replaces_the_files_client_id_and_secret(
    tmp_path: Path,
) -> None:
    file = tmp_path / "reports.toml"
    file.write_text(WILLSUITE_BY_CLIENT)
    config = load_config(file, environ={"REPORTS_WILLSUITE_TOKEN": "cron-token"})
    assert config.willsuite.token.reveal() == "cron-token"
    # The reader signs in with a client id and secret whenever both are set.
    assert config.willsuite.client_id is None
    assert config.willsuite.client_secret is None


def test_a_client_in_the_environment_replaces_the_files_token(tmp_path: Path) -> None:
    file = tmp_path / "reports.toml"
    file.write_text('[willsuite]\ntoken = "file-token"\nclient_secret = "file-secret"\n')
    config = load_config(file, environ={"REPORTS_WILLSUITE_CLIENT_ID": "env-id"})
    assert config.willsuite.token is None
    # The environment chose the way; the file completes it.
    assert config.willsuite.client_id == "env-id"
    assert config.willsuite.client_secret.reveal() == "file-secret"


def test_a_plannr_token_in_the_environment_replaces_the_files_oauth(tmp_path: Path) -> None:
    file = tmp_path / "reports.toml"
    file.write_text(
        '[plannr]\naccount_uuid = "acc"\nrefresh_token = "r"\nclient_id = "c"\n'
        'client_secret = "s"\n'
    )
    config = load_config(file, environ={"REPORTS_PLANNR_TOKEN": "pat"})
    assert config.plannr.token.reveal() == "pat"
    assert config.plannr.refresh_token is None
    assert config.plannr.account_uuid == "acc"


@pytest.mark.parametrize(
    ("toml", "environ", "first", "second"),
    [
        (
            "",
            {
                "REPORTS_WILLSUITE_TOKEN": "t",
                "REPORTS_WILLSUITE_CLIENT_ID": "i",
                "REPORTS_WILLSUITE_CLIENT_SECRET": "s",
            },
            "REPORTS_WILLSUITE_CLIENT_ID",
            "REPORTS_WILLSUITE_TOKEN",
        ),
        (
            WILLSUITE_BY_CLIENT + 'token = "t"\n',
            {},
            r"\[willsuite\] client_id",
            r"\[willsuite\] token",
        ),
    ],
)
def test_two_ways_to_sign_in_in_one_place_are_an_error_naming_both(
    toml: str, environ: dict[str, str], first: str, second: str, tmp_path: Path
) -> None:
    file = tmp_path / "reports.toml"
    file.write_text(toml)
    with pytest.raises(ConfigError, match=f"{first}.* and .*{second}.* two ways to sign in"):
        load_config(file, environ=environ)
