"""Source settings from environment variables and `reports.toml`, the same keys in both.

Environment variables win over the file, so a cron job can override one secret without
editing it. A source with no credentials at all is simply not configured; a source with
some but not all of its settings is a `ConfigError` naming the missing key.
"""

from __future__ import annotations

import difflib
import os
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from urllib.parse import urlsplit

from reports.errors import ConfigError

DEFAULT_CONFIG_PATH = Path("reports.toml")
PLANNR_DEFAULT_URL = "https://api.plannrcrm.com"
WILLSUITE_DEFAULT_URL = "https://client.willsuite.co.uk/engine/api"
SOURCES = ("mobility", "plannr", "willsuite")


class Secret:
    """A string that never shows itself in `repr`, `str`, logs or tracebacks."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('********')"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)


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


@dataclass(frozen=True)
class WillSuiteSettings:
    url: str
    client_id: str | None = None
    client_secret: Secret | None = None
    token: Secret | None = None


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    security: str  # "starttls", "tls" or "none"
    sender: str
    user: str | None = None
    password: Secret | None = None


@dataclass(frozen=True)
class EmailSettings:
    """Who gets what: the monthly report's readers, and addresses for clients whose
    system holds none (mobility clients are companies without an address in the API)."""

    monthly_to: tuple[str, ...] = ()
    client_addresses: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class FirmSettings:
    """The firm every document and email is from: its name, how to reach it, its registered
    numbers, how clients pay it, its logo, and when its financial year starts."""

    name: str = ""
    #: Postal address, one line each.
    address: tuple[str, ...] = ()
    email: str | None = None
    phone: str | None = None
    website: str | None = None
    vat_number: str | None = None
    company_number: str | None = None
    #: Free text: bank, sort code, account, and what reference to quote.
    payment_details: str | None = None
    #: A PNG or SVG file.
    logo: Path | None = None
    #: The month (1-12) the financial year starts in; April, as the UK's tax year does.
    financial_year_start: int = 4

    def __str__(self) -> str:
        """The name, so that a template's `{{ firm }}` prints it."""
        return self.name

    def named(self, name: str) -> FirmSettings:
        """These settings with `name` instead, unless `name` is empty (`--firm` overrides)."""
        return replace(self, name=name) if name else self


@dataclass(frozen=True)
class Config:
    """Which sources to fetch and how. Build it with `load_config()` or directly."""

    mobility: MobilitySettings | None = None
    plannr: PlannrSettings | None = None
    willsuite: WillSuiteSettings | None = None
    #: Requests in flight at once per source, for the per-case and per-client fan-out.
    concurrency: int = 16
    timeout_seconds: float = 30.0
    smtp: SmtpSettings | None = None
    email: EmailSettings = field(default_factory=EmailSettings)
    firm: FirmSettings = field(default_factory=FirmSettings)

    @property
    def sources(self) -> tuple[str, ...]:
        """Names of the configured sources, in a fixed order."""
        return tuple(name for name in SOURCES if getattr(self, name) is not None)

    def only(self, names: list[str] | tuple[str, ...]) -> Config:
        """The same configuration restricted to `names`; naming an unconfigured source is an error."""
        for name in names:
            if name not in SOURCES:
                raise ConfigError(f"unknown source {name!r}; choose from {', '.join(SOURCES)}")
            if getattr(self, name) is None:
                raise ConfigError(f"source {name!r} is not configured (see README: Configuration)")
        return replace(
            self,
            mobility=self.mobility if "mobility" in names else None,
            plannr=self.plannr if "plannr" in names else None,
            willsuite=self.willsuite if "willsuite" in names else None,
        )

    def with_sources(self, sources: Config) -> Config:
        """This configuration reading `sources`' systems instead of its own (the sandbox's, for
        `--demo` and `--sandbox`): the firm, email, SMTP and HTTP settings stay this one's."""
        return replace(
            self, mobility=sources.mobility, plannr=sources.plannr, willsuite=sources.willsuite
        )


# (section, key) -> environment variable
_KEYS: dict[tuple[str, str], str] = {
    ("mobility", "url"): "REPORTS_MOBILITY_URL",
    ("mobility", "token"): "REPORTS_MOBILITY_TOKEN",
    ("mobility", "case_details"): "REPORTS_MOBILITY_CASE_DETAILS",
    ("mobility", "page_size"): "REPORTS_MOBILITY_PAGE_SIZE",
    ("plannr", "url"): "REPORTS_PLANNR_URL",
    ("plannr", "token"): "REPORTS_PLANNR_TOKEN",
    ("plannr", "account_uuid"): "REPORTS_PLANNR_ACCOUNT_UUID",
    ("plannr", "refresh_token"): "REPORTS_PLANNR_REFRESH_TOKEN",
    ("plannr", "client_id"): "REPORTS_PLANNR_CLIENT_ID",
    ("plannr", "client_secret"): "REPORTS_PLANNR_CLIENT_SECRET",
    ("plannr", "token_file"): "REPORTS_PLANNR_TOKEN_FILE",
    ("willsuite", "url"): "REPORTS_WILLSUITE_URL",
    ("willsuite", "client_id"): "REPORTS_WILLSUITE_CLIENT_ID",
    ("willsuite", "client_secret"): "REPORTS_WILLSUITE_CLIENT_SECRET",
    ("willsuite", "token"): "REPORTS_WILLSUITE_TOKEN",
    ("http", "concurrency"): "REPORTS_CONCURRENCY",
    ("http", "timeout_seconds"): "REPORTS_TIMEOUT_SECONDS",
    ("smtp", "host"): "REPORTS_SMTP_HOST",
    ("smtp", "port"): "REPORTS_SMTP_PORT",
    ("smtp", "security"): "REPORTS_SMTP_SECURITY",
    ("smtp", "user"): "REPORTS_SMTP_USER",
    ("smtp", "password"): "REPORTS_SMTP_PASSWORD",
    ("smtp", "from"): "REPORTS_SMTP_FROM",
    ("email", "monthly_to"): "REPORTS_EMAIL_MONTHLY_TO",
    ("firm", "name"): "REPORTS_FIRM_NAME",
    ("firm", "address"): "REPORTS_FIRM_ADDRESS",
    ("firm", "email"): "REPORTS_FIRM_EMAIL",
    ("firm", "phone"): "REPORTS_FIRM_PHONE",
    ("firm", "website"): "REPORTS_FIRM_WEBSITE",
    ("firm", "vat_number"): "REPORTS_FIRM_VAT_NUMBER",
    ("firm", "company_number"): "REPORTS_FIRM_COMPANY_NUMBER",
    ("firm", "payment_details"): "REPORTS_FIRM_PAYMENT_DETAILS",
    ("firm", "logo"): "REPORTS_FIRM_LOGO",
    ("firm", "financial_year_start"): "REPORTS_FIRM_FINANCIAL_YEAR_START",
}
SMTP_SECURITY = {"starttls": 587, "tls": 465, "none": 25}
#: How the lines of `REPORTS_FIRM_ADDRESS` are separated (a TOML address is a list of lines).
ADDRESS_SEPARATOR = ";"
LOGO_SUFFIXES = (".png", ".svg")


def load_config(path: str | Path | None = None, environ: Mapping[str, str] | None = None) -> Config:
    """Read settings from `path` (default `./reports.toml`, if it exists) and the environment.

    An explicitly given `path` that does not exist is an error; the default path is optional.
    """
    environ = os.environ if environ is None else environ
    table = _read_toml(path)
    table_name = str(path) if path is not None else str(DEFAULT_CONFIG_PATH)
    _refuse_unknown_keys(table, table_name)
    values: dict[tuple[str, str], str] = {}
    for (section, key), variable in _KEYS.items():
        section_table = table.get(section, {})
        if not isinstance(section_table, dict):
            raise ConfigError(f"{table_name}: [{section}] must be a table")
        raw = environ.get(variable) or section_table.get(key)
        if isinstance(raw, list):  # TOML arrays, e.g. [email] monthly_to = ["a@x", "b@y"]
            raw = (ADDRESS_SEPARATOR if (section, key) == ("firm", "address") else ",").join(
                str(item) for item in raw
            )
        if raw is not None and str(raw).strip() != "":
            values[section, key] = str(raw).strip()

    def name(section: str, key: str) -> str:
        return f"{_KEYS[section, key]} (or [{section}] {key} in {table_name})"

    def need(section: str, keys: tuple[str, ...]) -> None:
        for key in keys:
            if (section, key) not in values:
                raise ConfigError(f"{section} is half configured: set {name(section, key)}")

    mobility = plannr = willsuite = None
    if ("mobility", "token") in values or ("mobility", "url") in values:
        need("mobility", ("url", "token"))
        mobility = MobilitySettings(
            url=_base_url(values["mobility", "url"], name("mobility", "url")),
            token=Secret(values["mobility", "token"]),
            case_details=_flag(
                values.get(("mobility", "case_details"), "false"), name("mobility", "case_details")
            ),
            page_size=_positive_int(
                values.get(("mobility", "page_size"), "100"), name("mobility", "page_size")
            ),
        )
    if any(("plannr", key) in values for key in ("token", "account_uuid", "refresh_token")):
        oauth = ("plannr", "refresh_token") in values
        need(
            "plannr",
            ("account_uuid", "refresh_token", "client_id", "client_secret")
            if oauth
            else ("token", "account_uuid"),
        )
        token = values.get(("plannr", "token"))
        plannr = PlannrSettings(
            url=_base_url(values.get(("plannr", "url"), PLANNR_DEFAULT_URL), name("plannr", "url")),
            token=Secret(token) if token else None,
            account_uuid=values["plannr", "account_uuid"],
            refresh_token=Secret(values["plannr", "refresh_token"]) if oauth else None,
            client_id=values.get(("plannr", "client_id")),
            client_secret=Secret(values["plannr", "client_secret"]) if oauth else None,
            token_file=Path(
                values.get(("plannr", "token_file")) or data_home() / "plannr-refresh-token"
            )
            if oauth
            else None,
        )
    ws_keys = ("client_id", "client_secret", "token")
    if any(("willsuite", key) in values for key in ws_keys):
        if ("willsuite", "token") not in values:
            need("willsuite", ("client_id", "client_secret"))
        secret = values.get(("willsuite", "client_secret"))
        token = values.get(("willsuite", "token"))
        willsuite = WillSuiteSettings(
            url=_base_url(
                values.get(("willsuite", "url"), WILLSUITE_DEFAULT_URL), name("willsuite", "url")
            ),
            client_id=values.get(("willsuite", "client_id")),
            client_secret=Secret(secret) if secret else None,
            token=Secret(token) if token else None,
        )
    smtp = None
    if any(section == "smtp" for section, _ in values):
        need("smtp", ("host", "from"))
        security = values.get(("smtp", "security"), "starttls").lower()
        if security not in SMTP_SECURITY:
            raise ConfigError(
                f"{name('smtp', 'security')} must be starttls, tls or none, not {security!r}"
            )
        if (("smtp", "user") in values) != (("smtp", "password") in values):
            need("smtp", ("user", "password"))
        password = values.get(("smtp", "password"))
        smtp = SmtpSettings(
            host=values["smtp", "host"],
            port=_positive_int(
                values.get(("smtp", "port"), str(SMTP_SECURITY[security])), name("smtp", "port")
            ),
            security=security,
            sender=values["smtp", "from"],
            user=values.get(("smtp", "user")),
            password=Secret(password) if password else None,
        )
    email_table = table.get("email", {})
    addresses = email_table.get("client_addresses", {}) if isinstance(email_table, dict) else {}
    if not isinstance(addresses, dict):
        raise ConfigError(
            f"{table_name}: [email.client_addresses] must be a table of client = address"
        )
    email = EmailSettings(
        monthly_to=tuple(
            a.strip() for a in values.get(("email", "monthly_to"), "").split(",") if a.strip()
        ),
        client_addresses={str(k): str(v) for k, v in addresses.items()},
    )
    return Config(
        mobility=mobility,
        plannr=plannr,
        willsuite=willsuite,
        smtp=smtp,
        email=email,
        firm=_firm(values, name, table_name),
        concurrency=_positive_int(
            values.get(("http", "concurrency"), "16"), name("http", "concurrency")
        ),
        timeout_seconds=_positive_float(
            values.get(("http", "timeout_seconds"), "30"), name("http", "timeout_seconds")
        ),
    )


#: Tables inside a section that hold free-form keys of their own.
_FREE_TABLES = {("email", "client_addresses")}


def _firm(
    values: dict[tuple[str, str], str], name: Callable[[str, str], str], table_name: str
) -> FirmSettings:
    """The `[firm]` table (or `REPORTS_FIRM_*`), checked: a logo that is a PNG or SVG file,
    a financial year that starts in a month."""
    logo = values.get(("firm", "logo"))
    logo_path = Path(logo).expanduser() if logo else None
    if logo_path is not None and (
        logo_path.suffix.lower() not in LOGO_SUFFIXES or not logo_path.is_file()
    ):
        raise ConfigError(
            f"{name('firm', 'logo')} must be a PNG or SVG file, got {logo!r}"
            + ("" if logo_path.is_file() else " (no such file)")
        )
    start = values.get(("firm", "financial_year_start"), "4")
    try:
        month = int(start)
    except ValueError:
        month = 0
    if not 1 <= month <= 12:
        raise ConfigError(
            f"{name('firm', 'financial_year_start')} must be a month number, 1 to 12, got {start!r}"
        )
    address = values.get(("firm", "address"), "")
    return FirmSettings(
        name=values.get(("firm", "name"), ""),
        address=tuple(line.strip() for line in address.split(ADDRESS_SEPARATOR) if line.strip()),
        email=values.get(("firm", "email")),
        phone=values.get(("firm", "phone")),
        website=values.get(("firm", "website")),
        vat_number=values.get(("firm", "vat_number")),
        company_number=values.get(("firm", "company_number")),
        payment_details=values.get(("firm", "payment_details")),
        logo=logo_path,
        financial_year_start=month,
    )


def _refuse_unknown_keys(table: dict[str, object], table_name: str) -> None:
    """A misspelt section or key (`[htpp]`, `case_detials`) is an error naming the file and
    the nearest valid one, never a setting silently ignored."""
    sections = sorted({section for section, _ in _KEYS})
    for section, body in table.items():
        if section not in sections:
            raise ConfigError(
                f"{table_name}: unknown section [{section}]{_nearest(section, sections)}"
            )
        if not isinstance(body, dict):
            raise ConfigError(f"{table_name}: [{section}] must be a table")
        keys = sorted(
            {key for known, key in _KEYS if known == section}
            | {key for known, key in _FREE_TABLES if known == section}
        )
        for key in body:
            if key not in keys:
                raise ConfigError(
                    f"{table_name}: unknown key {key!r} in [{section}]{_nearest(key, keys)}"
                )


def _nearest(word: str, choices: list[str]) -> str:
    close = difflib.get_close_matches(word, choices, n=1, cutoff=0.5)
    if close:
        return f"; did you mean {close[0]!r}?"
    return f"; valid: {', '.join(choices)}"


def data_home() -> Path:
    """Where `reports` keeps what it must remember between runs (XDG_DATA_HOME honoured)."""
    return Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share") / "reports"


def _read_toml(path: str | Path | None) -> dict[str, object]:
    file = Path(path) if path is not None else DEFAULT_CONFIG_PATH
    if not file.exists():
        if path is not None:
            raise ConfigError(f"config file {file} does not exist")
        return {}
    try:
        with file.open("rb") as handle:
            return tomllib.load(handle)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{file}: not valid TOML: {error}") from None


def _base_url(url: str, what: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ConfigError(f"{what} must be an http(s) URL, got {url!r}")
    return url.rstrip("/")


def _flag(text: str, what: str) -> bool:
    lowered = text.strip().lower()
    if lowered in ("1", "true", "yes", "on"):
        return True
    if lowered in ("0", "false", "no", "off"):
        return False
    raise ConfigError(f"{what} must be true or false, got {text!r}")


def _positive_int(text: str, what: str) -> int:
    try:
        number = int(text)
    except ValueError:
        raise ConfigError(f"{what} must be a whole number, got {text!r}") from None
    if number < 1:
        raise ConfigError(f"{what} must be at least 1, got {number}")
    return number


def _positive_float(text: str, what: str) -> float:
    try:
        number = float(text)
    except ValueError:
        raise ConfigError(f"{what} must be a number of seconds, got {text!r}") from None
    if number <= 0:
        raise ConfigError(f"{what} must be positive, got {number}")
    return number
