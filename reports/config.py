"""Source settings from environment variables and `reports.toml`, the same keys in both.

Environment variables win over the file, so a cron job can override one secret without
editing it. A source with no credentials at all is simply not configured; a source with
some but not all of its settings is a `ConfigError` naming the missing key.

`read_config` checks targets and alerts against the figure catalogue it is given: the
catalogue is the report's, so `reports.app.load_config` (where the app is assembled) passes
it in and this module imports nothing of the report.
"""

from __future__ import annotations

import difflib
import functools
import os
import string
import tomllib
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field, replace
from email.headerregistry import Address
from pathlib import Path
from typing import Protocol
from urllib.parse import urlsplit

from reports.chase_settings import CreditControl, parse_credit_control
from reports.errors import ConfigError
from reports.http.limits import DEFAULT_LIMITS
from reports.secret import Secret as Secret
from reports.setting_values import base_url as base_url
from reports.setting_values import data_home as data_home
from reports.setting_values import flag, positive_float, positive_int, require
from reports.setting_values import not_configured as not_configured
from reports.sources.registry import REGISTRY
from reports.targets import AlertRule, Target, parse_alerts, parse_targets

DEFAULT_CONFIG_PATH = Path("reports.toml")


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
    system holds none (some systems hold companies, with no address)."""

    monthly_to: tuple[str, ...] = ()
    client_addresses: dict[str, str] = field(default_factory=dict)
    #: Where replies go (`Reply-To`) when that is not the sender: the accounts team's
    #: address, say, when mail is sent from a no-reply one.
    reply_to: str | None = None
    #: The month's workbook attached beside the monthly report's PDF.
    attach_workbook: bool = True


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


#: `[delivery] approval`: a month is sent only once someone approves it (`reports approve`),
#: or, for unattended runs, as soon as it is built.
APPROVAL_MODES = ("manual", "auto")
#: What a statement's password rule may name: the client's own fields.
PASSWORD_FIELDS = ("postcode", "reference", "email")


@dataclass(frozen=True)
class DeliverySettings:
    """`[delivery]`: whether sending waits for approval, and statements' encryption."""

    approval: str = "manual"
    #: Statements sent as PDFs encrypted (AES-256) with a password from `password`, a rule
    #: such as `"{postcode}"` over the client's own fields (`PASSWORD_FIELDS`).
    encrypt_statements: bool = False
    password: str | None = None

    @property
    def automatic(self) -> bool:
        return self.approval == "auto"


#: The kinds of record a `record_url` template can be given for, and the placeholder each
#: takes: the record's own id. A record with no template of its own links to its case's
#: (or, for an income, its client's) page where that one is given.
RECORD_KINDS = ("case", "client", "expense", "invoice", "income")


class CatalogueFigure(Protocol):
    """A headline figure as a target or an alert may name it (`report.figures.Figure`)."""

    @property
    def key(self) -> str: ...

    def sources(self) -> frozenset[str]: ...

    def shown_with(self, configured: Collection[str]) -> bool: ...


@dataclass(frozen=True, init=False)
class Config:
    """Which sources to fetch and how, and the firm, email and HTTP settings. Build it with
    `load_config()` or directly: `Config(<source name>=<its settings>, ...)`.

    A source's settings are `config.source_settings[name]`, and also `config.<name>` (None
    when it is not configured): this module names no source; the registry knows them.
    """

    #: Each configured source's settings, by its name.
    source_settings: Mapping[str, object]
    #: Requests in flight at once per source, for the per-case and per-client fan-out.
    concurrency: int
    timeout_seconds: float
    #: How long the first retry of a request waits at most; each next one, twice as long.
    retry_backoff_seconds: float
    smtp: SmtpSettings | None
    email: EmailSettings
    firm: FirmSettings
    #: `[targets.<figure>]`: each headline figure's target, and `[[alerts]]`: when to warn.
    targets: tuple[Target, ...]
    alerts: tuple[AlertRule, ...]
    delivery: DeliverySettings
    #: `[render] dask_scheduler`: a Dask cluster's scheduler that renders the statements.
    dask_scheduler: str | None
    #: `[<source>] record_url`: each source's record pages in its web app, by kind of
    #: record (`RECORD_KINDS`), a template with `{id}`.
    record_urls: Mapping[str, Mapping[str, str]]
    #: `[credit_control]`: the payment reminders' schedule; None where nobody is chased.
    credit_control: CreditControl | None

    def __init__(
        self,
        *,
        source_settings: Mapping[str, object] | None = None,
        concurrency: int = 16,
        timeout_seconds: float = 30.0,
        retry_backoff_seconds: float = DEFAULT_LIMITS.retry_backoff_seconds,
        smtp: SmtpSettings | None = None,
        email: EmailSettings | None = None,
        firm: FirmSettings | None = None,
        targets: tuple[Target, ...] = (),
        alerts: tuple[AlertRule, ...] = (),
        delivery: DeliverySettings | None = None,
        record_urls: Mapping[str, Mapping[str, str]] | None = None,
        dask_scheduler: str | None = None,
        credit_control: CreditControl | None = None,
        **by_source: object,
    ) -> None:
        known = REGISTRY
        unknown = sorted(set(by_source) - set(known))
        if unknown:
            raise TypeError(f"Config() got settings for unknown sources {unknown}")
        settings = {**(source_settings or {}), **by_source}
        object.__setattr__(
            self,
            "source_settings",
            {name: value for name, value in settings.items() if value is not None},
        )
        object.__setattr__(self, "concurrency", concurrency)
        object.__setattr__(self, "timeout_seconds", timeout_seconds)
        object.__setattr__(self, "retry_backoff_seconds", retry_backoff_seconds)
        object.__setattr__(self, "smtp", smtp)
        object.__setattr__(self, "email", email or EmailSettings())
        object.__setattr__(self, "firm", firm or FirmSettings())
        object.__setattr__(self, "targets", tuple(targets))
        object.__setattr__(self, "alerts", tuple(alerts))
        object.__setattr__(self, "delivery", delivery or DeliverySettings())
        object.__setattr__(self, "record_urls", dict(record_urls or {}))
        object.__setattr__(self, "dask_scheduler", dask_scheduler)
        object.__setattr__(self, "credit_control", credit_control)

    def __getattr__(self, name: str) -> object:
        """`config.<source>`: that source's settings, or None when it is not configured."""
        if name.startswith("_") or name == "source_settings":
            raise AttributeError(name)
        if name in self.source_settings:
            return self.source_settings[name]
        if name in REGISTRY:
            return None
        raise AttributeError(f"{type(self).__name__} has no setting {name!r}")

    @property
    def sources(self) -> tuple[str, ...]:
        """Names of the configured sources, in the registry's order."""
        return tuple(name for name in REGISTRY if name in self.source_settings)

    def only(self, names: list[str] | tuple[str, ...]) -> Config:
        """The same configuration restricted to `names`; naming an unconfigured source is an error."""
        known = REGISTRY
        for name in names:
            if name not in known:
                raise ConfigError(f"unknown source {name!r}; choose from {', '.join(known)}")
            if name not in self.source_settings:
                raise not_configured(name)
        kept = {name: value for name, value in self.source_settings.items() if name in names}
        return replace(self, source_settings=kept)

    def with_sources(self, sources: Config) -> Config:
        """This configuration reading `sources`' systems instead of its own (the sandbox's, for
        `--demo` and `--sandbox`): the firm, email, SMTP and HTTP settings stay this one's."""
        return replace(self, source_settings=dict(sources.source_settings))


# (section, key) -> environment variable, for the settings that are not a source's
_KEYS: dict[tuple[str, str], str] = {
    ("http", "concurrency"): "REPORTS_CONCURRENCY",
    ("http", "timeout_seconds"): "REPORTS_TIMEOUT_SECONDS",
    ("http", "retry_backoff_seconds"): "REPORTS_RETRY_BACKOFF_SECONDS",
    ("smtp", "host"): "REPORTS_SMTP_HOST",
    ("smtp", "port"): "REPORTS_SMTP_PORT",
    ("smtp", "security"): "REPORTS_SMTP_SECURITY",
    ("smtp", "user"): "REPORTS_SMTP_USER",
    ("smtp", "password"): "REPORTS_SMTP_PASSWORD",
    ("smtp", "from"): "REPORTS_SMTP_FROM",
    ("email", "monthly_to"): "REPORTS_EMAIL_MONTHLY_TO",
    ("email", "reply_to"): "REPORTS_EMAIL_REPLY_TO",
    ("email", "attach_workbook"): "REPORTS_EMAIL_ATTACH_WORKBOOK",
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
    ("delivery", "approval"): "REPORTS_DELIVERY_APPROVAL",
    ("delivery", "encrypt_statements"): "REPORTS_DELIVERY_ENCRYPT_STATEMENTS",
    ("delivery", "password"): "REPORTS_DELIVERY_PASSWORD",
    ("render", "dask_scheduler"): "REPORTS_DASK_SCHEDULER",
}
SMTP_SECURITY = {"starttls": 587, "tls": 465, "none": 25}
#: How the lines of `REPORTS_FIRM_ADDRESS` are separated (a TOML address is a list of lines).
ADDRESS_SEPARATOR = ";"
LOGO_SUFFIXES = (".png", ".svg")


def read_config(
    path: str | Path | None,
    environ: Mapping[str, str] | None,
    figures: Sequence[CatalogueFigure],
) -> Config:
    """Read settings from `path` (default `./reports.toml`, if it exists) and the environment,
    checking targets and alerts against `figures` (`reports.app.load_config` passes the
    report's catalogue).

    An explicitly given `path` that does not exist is an error; the default path is optional.
    """
    environ = os.environ if environ is None else environ
    table = _read_toml(path)
    table_name = str(path) if path is not None else str(DEFAULT_CONFIG_PATH)
    catalogue = {figure.key: figure for figure in figures}
    figures_named = list(catalogue)
    targets = parse_targets(table.pop("targets", None), table_name, figures_named)
    alerts = parse_alerts(table.pop("alerts", None), table_name, figures_named)
    credit_control = parse_credit_control(table.pop("credit_control", None), table_name)
    sources = REGISTRY
    record_urls = _record_urls(table, list(sources), table_name)
    keys = dict(_KEYS) | {
        (name, key): variable
        for name, source in sources.items()
        for key, variable in source.settings_spec.keys.items()
    }
    _refuse_unknown_keys(table, table_name, keys)
    values: dict[tuple[str, str], str] = {}
    #: The keys whose value came from the environment, not the file.
    from_env: set[tuple[str, str]] = set()
    for (section, key), variable in keys.items():
        section_table = table.get(section, {})
        if not isinstance(section_table, dict):
            raise ConfigError(f"{table_name}: [{section}] must be a table")
        if environ.get(variable, "").strip():
            from_env.add((section, key))
        raw = environ.get(variable) or section_table.get(key)
        if isinstance(raw, list):  # TOML arrays, e.g. [email] monthly_to = ["a@x", "b@y"]
            raw = (ADDRESS_SEPARATOR if (section, key) == ("firm", "address") else ",").join(
                str(item) for item in raw
            )
        if raw is not None and str(raw).strip() != "":
            values[section, key] = str(raw).strip()

    def name(section: str, key: str) -> str:
        return f"{keys[section, key]} (or [{section}] {key} in {table_name})"

    def need(section: str, wanted: tuple[str, ...]) -> None:
        require(
            section,
            {k: v for (s, k), v in values.items() if s == section},
            wanted,
            lambda key: name(section, key),
        )

    source_settings: dict[str, object] = {}
    for source_name, source in sources.items():
        own = _one_way_to_sign_in(
            {key: value for (section, key), value in values.items() if section == source_name},
            {key for section, key in from_env if section == source_name},
            source.settings_spec.auth_forms,
            functools.partial(name, source_name),
            source_name,
        )
        built = source.settings_spec.build(own, functools.partial(name, source_name))
        if built is not None:
            source_settings[source_name] = built

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
            port=positive_int(
                values.get(("smtp", "port"), str(SMTP_SECURITY[security])), name("smtp", "port")
            ),
            security=security,
            sender=values["smtp", "from"],
            user=values.get(("smtp", "user")),
            password=Secret(password) if password else None,
        )
    if source_settings:  # with none, the sandbox serves every source's figures
        _refuse_figures_not_configured(
            targets, alerts, catalogue, list(source_settings), table_name
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
        reply_to=_reply_to(values.get(("email", "reply_to")), name("email", "reply_to")),
        attach_workbook=flag(
            values.get(("email", "attach_workbook"), "true"), name("email", "attach_workbook")
        ),
    )
    return Config(
        source_settings=source_settings,
        smtp=smtp,
        email=email,
        firm=_firm(values, name, table_name),
        concurrency=positive_int(
            values.get(("http", "concurrency"), "16"), name("http", "concurrency")
        ),
        timeout_seconds=positive_float(
            values.get(("http", "timeout_seconds"), "30"), name("http", "timeout_seconds")
        ),
        retry_backoff_seconds=positive_float(
            values.get(
                ("http", "retry_backoff_seconds"), str(DEFAULT_LIMITS.retry_backoff_seconds)
            ),
            name("http", "retry_backoff_seconds"),
        ),
        targets=targets,
        alerts=alerts,
        delivery=_delivery(values, name),
        record_urls=record_urls,
        dask_scheduler=values.get(("render", "dask_scheduler")),
        credit_control=credit_control,
    )


def _one_way_to_sign_in(
    values: dict[str, str],
    from_env: set[str],
    forms: tuple[frozenset[str], ...],
    describe: Callable[[str], str],
    source: str,
) -> dict[str, str]:
    """A source's `values` with one way to sign in (of `forms`): the environment's, which
    replaces the file's whole choice (a token set for a cron job wins over the file's client
    id and secret), else the file's. Two ways given in the same place are a `ConfigError`
    naming both, as neither can be known to be the one meant."""
    env_chooses = any(form & from_env for form in forms)
    given = from_env if env_chooses else values.keys() - from_env
    chosen = [form for form in forms if form & given]
    if len(chosen) > 1:
        first, second = (sorted(form & given)[0] for form in chosen[:2])
        raise ConfigError(
            f"{source}: {describe(first)} and {describe(second)} are two ways to sign in; "
            "set only one"
        )
    if not env_chooses:
        return values
    others = set().union(*(form for form in forms if form != chosen[0])) - chosen[0]
    return {key: value for key, value in values.items() if key not in others}


def _reply_to(value: str | None, where: str) -> str | None:
    """`[email] reply_to`, one plain address (sending checks it again, and gives its domain
    in ASCII)."""
    if value is None:
        return None
    try:
        address = Address(addr_spec=value)
    except (ValueError, IndexError):
        address = None
    if address is None or not address.username or not address.domain or "," in value:
        raise ConfigError(f"{where} must be one plain email address, got {value!r}")
    return value


def _delivery(
    values: dict[tuple[str, str], str], name: Callable[[str, str], str]
) -> DeliverySettings:
    approval = values.get(("delivery", "approval"), "manual").lower()
    if approval not in APPROVAL_MODES:
        raise ConfigError(
            f"{name('delivery', 'approval')} must be manual or auto, not {approval!r}"
        )
    flag = values.get(("delivery", "encrypt_statements"), "false").lower()
    if flag not in ("true", "false"):
        raise ConfigError(f"{name('delivery', 'encrypt_statements')} must be true or false")
    password = values.get(("delivery", "password"))
    if flag == "true" and not password:
        raise ConfigError(
            f"statements are to be encrypted: set {name('delivery', 'password')}, a rule "
            'such as "{postcode}" over the client\'s own fields'
        )
    if password:
        _check_placeholders(password, PASSWORD_FIELDS, name("delivery", "password"))
    return DeliverySettings(approval, flag == "true", password)


def _check_placeholders(template: str, allowed: tuple[str, ...], where: str) -> None:
    """A `{field}` template naming only `allowed` fields, with at least one."""
    try:
        named = [
            field for _, field, _, _ in string.Formatter().parse(template) if field is not None
        ]
    except ValueError as error:
        raise ConfigError(f"{where}: {error} in {template!r}") from None
    unknown = [field for field in named if field not in allowed]
    if unknown or not named:
        raise ConfigError(
            f"{where}: {template!r} must name one or more of "
            + ", ".join(f"{{{field}}}" for field in allowed)
            + (f", not {{{unknown[0]}}}" if unknown else "")
        )


def _record_urls(
    table: dict[str, object], sources: list[str], table_name: str
) -> dict[str, dict[str, str]]:
    """Each source's `record_url`, taken out of its section: one template (a case's page)
    or a table of them by kind of record; each an http(s) address with `{id}`."""
    found: dict[str, dict[str, str]] = {}
    for source in sources:
        section = table.get(source)
        if not isinstance(section, dict) or "record_url" not in section:
            continue
        given = section.pop("record_url")
        by_kind = {"case": given} if isinstance(given, str) else given
        where = f"{table_name}: [{source}] record_url"
        if not isinstance(by_kind, dict):
            raise ConfigError(f"{where} must be an address or a table of them by record kind")
        for kind, template in by_kind.items():
            if kind not in RECORD_KINDS:
                raise ConfigError(
                    f"{where}: unknown record kind {kind!r}{_nearest(kind, list(RECORD_KINDS))}"
                )
            if not isinstance(template, str) or urlsplit(template).scheme not in ("http", "https"):
                raise ConfigError(f"{where}: {kind} = {template!r} must be an http(s) address")
            _check_placeholders(template, ("id",), f"{where}: {kind}")
        found[source] = {str(k): str(v) for k, v in by_kind.items()}
    return found


def _refuse_figures_not_configured(
    targets: Sequence[Target],
    alerts: Sequence[AlertRule],
    by_key: Mapping[str, CatalogueFigure],
    configured: list[str],
    where: str,
) -> None:
    """A target or an alert on a figure of a source that is not configured is an error: the
    report does not show that figure."""
    named = [(f"[targets.{t.figure}]", t.figure) for t in targets] + [
        (f'[[alerts]] figure = "{rule.figure}"', rule.figure) for rule in alerts if rule.figure
    ]
    for what, key in named:
        figure = by_key.get(key)
        if figure is not None and not figure.shown_with(configured):
            raise ConfigError(
                f"{where}: {what} is a figure of {' or '.join(sorted(figure.sources()))}, "
                f"which is not configured (configured: {', '.join(configured)}): remove it "
                "or configure that source"
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


def _refuse_unknown_keys(
    table: dict[str, object], table_name: str, known: Mapping[tuple[str, str], str]
) -> None:
    """A misspelt section or key (`[htpp]`, `case_detials`) is an error naming the file and
    the nearest valid one, never a setting silently ignored."""
    # [targets], [[alerts]] and [credit_control] are read apart, before this check.
    sections = sorted({section for section, _ in known} | {"targets", "alerts", "credit_control"})
    for section, body in table.items():
        if section not in sections:
            raise ConfigError(
                f"{table_name}: unknown section [{section}]{_nearest(section, sections)}"
            )
        if not isinstance(body, dict):
            raise ConfigError(f"{table_name}: [{section}] must be a table")
        keys = sorted(
            {key for owner, key in known if owner == section}
            | {key for owner, key in _FREE_TABLES if owner == section}
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
