"""WillSuite's settings: `[willsuite]` in reports.toml, `REPORTS_WILLSUITE_*`."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from reports.secret import Secret
from reports.setting_values import base_url, require
from reports.sources.base import Describe, SettingsSpec

WILLSUITE_DEFAULT_URL = "https://client.willsuite.co.uk/engine/api"


@dataclass(frozen=True)
class WillSuiteSettings:
    url: str
    client_id: str | None = None
    client_secret: Secret | None = None
    token: Secret | None = None


def _build(values: Mapping[str, str], describe: Describe) -> WillSuiteSettings | None:
    if not any(key in values for key in ("client_id", "client_secret", "token")):
        return None
    if "token" not in values:
        require("willsuite", values, ("client_id", "client_secret"), describe)
    secret, token = values.get("client_secret"), values.get("token")
    return WillSuiteSettings(
        url=base_url(values.get("url", WILLSUITE_DEFAULT_URL), describe("url")),
        client_id=values.get("client_id"),
        client_secret=Secret(secret) if secret else None,
        token=Secret(token) if token else None,
    )


SPEC = SettingsSpec(
    keys={
        "url": "REPORTS_WILLSUITE_URL",
        "client_id": "REPORTS_WILLSUITE_CLIENT_ID",
        "client_secret": "REPORTS_WILLSUITE_CLIENT_SECRET",
        "token": "REPORTS_WILLSUITE_TOKEN",
    },
    build=_build,
    auth_forms=(frozenset({"client_id", "client_secret"}), frozenset({"token"})),
)
