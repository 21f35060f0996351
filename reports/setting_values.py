"""How one setting's text is read: an http(s) address, a flag, a positive number, a key
that must be given, and where `reports` keeps what it remembers between runs.

`config` reads the firm's settings with these and each source its own section (its
`SettingsSpec`), so a source's settings need nothing of `config`.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from pathlib import Path
from urllib.parse import urlsplit

from reports.errors import ConfigError


def not_configured(source: str) -> ConfigError:
    """The one error for using a source whose settings are not given."""
    return ConfigError(f"source {source!r} is not configured (see README: Configuration)")


def require(
    section: str, values: Mapping[str, str], keys: tuple[str, ...], describe: Callable[[str], str]
) -> None:
    """A `ConfigError` naming the first of `keys` missing from `values`: a section that is
    half configured."""
    for key in keys:
        if key not in values:
            raise ConfigError(f"{section} is half configured: set {describe(key)}")


def data_home() -> Path:
    """Where `reports` keeps what it must remember between runs (XDG_DATA_HOME honoured)."""
    return Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share") / "reports"


def base_url(url: str, what: str) -> str:
    """`url` without a trailing slash, or a `ConfigError` if it is not an http(s) URL."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ConfigError(f"{what} must be an http(s) URL, got {url!r}")
    return url.rstrip("/")


def flag(text: str, what: str) -> bool:
    lowered = text.strip().lower()
    if lowered in ("1", "true", "yes", "on"):
        return True
    if lowered in ("0", "false", "no", "off"):
        return False
    raise ConfigError(f"{what} must be true or false, got {text!r}")


def positive_int(text: str, what: str) -> int:
    try:
        number = int(text)
    except ValueError:
        raise ConfigError(f"{what} must be a whole number, got {text!r}") from None
    if number < 1:
        raise ConfigError(f"{what} must be at least 1, got {number}")
    return number


def positive_float(text: str, what: str) -> float:
    try:
        number = float(text)
    except ValueError:
        raise ConfigError(f"{what} must be a number of seconds, got {text!r}") from None
    if number <= 0:
        raise ConfigError(f"{what} must be positive, got {number}")
    return number
