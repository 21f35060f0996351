"""Plannr's settings: `[plannr]` in reports.toml, `REPORTS_PLANNR_*`."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from reports.secret import Secret
from reports.setting_values import base_url, data_home, positive_float, require
from reports.sources.base import Describe, SettingsSpec

PLANNR_DEFAULT_URL = "https://api.plannrcrm.com"
#: Plannr's rate limit is a budget a minute.
DEFAULT_RATE_WINDOW_SECONDS = 60.0


@dataclass(frozen=True)
class PlannrSettings:
    """A personal access token (they last a year), or an OAuth refresh token with the OAuth
    client's id and secret: Plannr's only OAuth flow is authorization code, whose refresh
    token `reports` exchanges for access tokens as they expire."""

    url: str
    token: Secret | None
    account_uuid: str
    refresh_token: Secret | None = None
    client_id: str | None = None
    client_secret: Secret | None = None
    #: Where the newest refresh token is kept: Plannr (Laravel Passport) issues a new one
    #: with every access token and revokes the old, so the configured one works only once.
    token_file: Path | None = None
    #: The rate limit's window: a spent budget is waited out for that long.
    rate_window_seconds: float = DEFAULT_RATE_WINDOW_SECONDS


def _build(values: Mapping[str, str], describe: Describe) -> PlannrSettings | None:
    if not any(key in values for key in ("token", "account_uuid", "refresh_token")):
        return None
    oauth = "refresh_token" in values
    require(
        "plannr",
        values,
        ("account_uuid", "refresh_token", "client_id", "client_secret")
        if oauth
        else ("token", "account_uuid"),
        describe,
    )
    token = values.get("token")
    return PlannrSettings(
        url=base_url(values.get("url", PLANNR_DEFAULT_URL), describe("url")),
        token=Secret(token) if token else None,
        account_uuid=values["account_uuid"],
        refresh_token=Secret(values["refresh_token"]) if oauth else None,
        client_id=values.get("client_id"),
        client_secret=Secret(values["client_secret"]) if oauth else None,
        token_file=Path(values.get("token_file") or data_home() / "plannr-refresh-token")
        if oauth
        else None,
        rate_window_seconds=positive_float(
            values.get("rate_window_seconds", str(DEFAULT_RATE_WINDOW_SECONDS)),
            describe("rate_window_seconds"),
        ),
    )


SPEC = SettingsSpec(
    keys={
        "url": "REPORTS_PLANNR_URL",
        "token": "REPORTS_PLANNR_TOKEN",
        "account_uuid": "REPORTS_PLANNR_ACCOUNT_UUID",
        "refresh_token": "REPORTS_PLANNR_REFRESH_TOKEN",
        "client_id": "REPORTS_PLANNR_CLIENT_ID",
        "client_secret": "REPORTS_PLANNR_CLIENT_SECRET",
        "token_file": "REPORTS_PLANNR_TOKEN_FILE",
        "rate_window_seconds": "REPORTS_PLANNR_RATE_WINDOW_SECONDS",
    },
    build=_build,
    auth_forms=(frozenset({"token"}), frozenset({"refresh_token", "client_id", "client_secret"})),
)
