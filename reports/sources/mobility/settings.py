"""The mobility platform's settings: `[mobility]` in reports.toml, `REPORTS_MOBILITY_*`."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from reports.secret import Secret
from reports.setting_values import base_url, flag, positive_int, require
from reports.sources.base import Describe, SettingsSpec


@dataclass(frozen=True)
class MobilitySettings:
    url: str
    token: Secret
    #: Also read `GET /v1/cases/{id}` for each case: the fields only the detail returns
    #: (permissions, allowed actions, the order's entity, services' task counts). One more
    #: request per case.
    case_details: bool = False
    #: Items asked for per page. The docs set no maximum; the server's own `perPage` and
    #: `lastPage` are followed when it gives fewer.
    page_size: int = 100


def _build(values: Mapping[str, str], describe: Describe) -> MobilitySettings | None:
    if "token" not in values and "url" not in values:
        return None
    require("mobility", values, ("url", "token"), describe)
    return MobilitySettings(
        url=base_url(values["url"], describe("url")),
        token=Secret(values["token"]),
        case_details=flag(values.get("case_details", "false"), describe("case_details")),
        page_size=positive_int(values.get("page_size", "100"), describe("page_size")),
    )


SPEC = SettingsSpec(
    keys={
        "url": "REPORTS_MOBILITY_URL",
        "token": "REPORTS_MOBILITY_TOKEN",
        "case_details": "REPORTS_MOBILITY_CASE_DETAILS",
        "page_size": "REPORTS_MOBILITY_PAGE_SIZE",
    },
    build=_build,
)
