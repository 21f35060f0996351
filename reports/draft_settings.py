"""The settings a month's draft was built with, one by one, and the check that its approval
uses the same: an approval is of the documents that were reviewed, so a firm's name given
with `--firm` and not again, or a [firm] field, target or template changed in between,
refuses it, naming what changed.

The snapshot's manifest keeps each setting's digest under `settings`, with its value where
the documents print it anyway (the firm's address, numbers, bank details); the firm's name,
report currency, templates and months of history are kept beside it. A `Secret` is kept
as its digest alone, never printed. Snapshots written before this kept one hash of them
all, which `legacy_fingerprint` still checks.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import shlex
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from reports.config import Config, FirmSettings, Secret
from reports.errors import ApprovalError

#: What an error calls each setting, where not `[firm] <field>`; and whether it is plural.
_LABELS = {
    "firm.name": ("the firm's name", False),
    "targets": ("the targets ([targets])", True),
    "alerts": ("the alerts ([[alerts]])", True),
    "record_links": ("the record links ([<source>] record_url)", True),
    "report_currency": ("the report currency (--currency)", False),
    "templates": ("the templates (--templates)", True),
    "history_months": ("the months of history (--months)", True),
}
#: Settings that come from the settings file (or REPORTS_* variables).
_FROM_CONFIG = ("firm.", "targets", "alerts", "record_links")


@dataclass(frozen=True)
class Setting:
    """One setting as a document was built with it."""

    #: `firm.name`, `firm.address`, `targets`, ...
    key: str
    digest: str
    #: Its value as an error may print it, on one line ("" where it is not set); None for a
    #: secret, and for what is too large to print (targets, templates).
    shown: str | None


@dataclass(frozen=True)
class Difference:
    """A setting whose value now is not the draft's."""

    key: str
    drafted: Setting | None
    now: Setting | None

    @property
    def label(self) -> str:
        return _LABELS.get(self.key, (f"[firm] {self.key.removeprefix('firm.')}", False))[0]

    def sentence(self, month: str) -> str:
        """`the firm's name differs from the draft's ("A" in the draft of 2026-10, "B" now)`."""
        verb = "differ" if _LABELS.get(self.key, ("", False))[1] else "differs"
        line = f"{self.label} {verb} from the draft's"
        drafted = self.drafted.shown if self.drafted else None
        now = self.now.shown if self.now else None
        if drafted is not None and now is not None and drafted != now:
            line += f" ({_quoted(drafted)} in the draft of {month}, {_quoted(now)} now)"
        return line


def _quoted(shown: str) -> str:
    return json.dumps(shown, ensure_ascii=False) if shown else "nothing"


def _digest(text: str | bytes) -> str:
    raw = text.encode("utf-8", "surrogatepass") if isinstance(text, str) else text
    return hashlib.sha256(raw).hexdigest()[:16]


def _setting(key: str, value: object, shown: bool = True) -> Setting:
    """`value` as a `Setting`: its digest and, if `shown` and it is no secret, its text."""
    if isinstance(value, Secret):
        return Setting(key, _digest(value.reveal()), None)
    if isinstance(value, Path):
        # The logo: what the documents show is the picture, not only where it lies.
        try:
            content = value.read_bytes()
        except OSError:
            content = b"(unreadable)"
        return Setting(key, _digest(str(value).encode() + b"\x00" + content), str(value))
    if value is None:
        text = ""
    elif isinstance(value, tuple) and all(isinstance(item, str) for item in value):
        text = ", ".join(value)  # an address, line by line
    else:
        text = str(value)
    return Setting(key, _digest(repr(value)), " ".join(text.split()) if shown else None)


def config_settings(config: Config) -> tuple[Setting, ...]:
    """The settings file's part in what the documents say: each [firm] field but its name
    (which `--firm` may replace), the targets, the alerts and the record links."""
    firm = [
        _setting(f"firm.{field.name}", getattr(config.firm, field.name))
        for field in dataclasses.fields(FirmSettings)
        if field.name != "name"
    ]
    links = sorted((source, sorted(urls.items())) for source, urls in config.record_urls.items())
    return (
        *firm,
        _setting("targets", config.targets, shown=False),
        _setting("alerts", config.alerts, shown=False),
        _setting("record_links", links, shown=False),
    )


def run_settings(firm: str, currency: str, templates: str, months: int) -> tuple[Setting, ...]:
    """The run's part: the firm's name (`--firm`, else [firm] name), the report currency,
    the templates' fingerprint and the months of history."""
    return (
        _setting("firm.name", firm),
        _setting("report_currency", currency),
        _setting("templates", templates, shown=False),
        _setting("history_months", months),
    )


def stored(settings: tuple[Setting, ...]) -> dict[str, object]:
    """`settings` as the snapshot's manifest keeps them."""
    return {s.key: {"sha256": s.digest, "shown": s.shown} for s in settings}


def drafted_settings(manifest: Mapping[str, object], where: Path) -> tuple[Setting, ...] | None:
    """The settings a draft was built with, from its snapshot's `manifest` (in `where`);
    None for a snapshot that kept one hash of them (or none)."""
    kept = manifest.get("settings")
    if not isinstance(kept, dict):
        return None
    try:
        from_config = tuple(
            Setting(str(key), str(entry["sha256"]), _text_or_none(entry["shown"]))
            for key, entry in kept.items()
        )
        months = manifest["history_months"]
        if not isinstance(months, int):
            raise TypeError("history_months is not a number")
        from_run = run_settings(
            str(manifest["firm"]),
            str(manifest["report_currency"]),
            str(manifest["templates"]),
            months,
        )
    except (KeyError, TypeError):
        raise ApprovalError(
            f"{where} cannot be read (its settings are not as reports monthly writes them): "
            "rerun reports monthly, then approve that",
            path=str(where),
        ) from None
    return from_run + from_config


def _text_or_none(value: object) -> str | None:
    if value is not None and not isinstance(value, str):
        raise TypeError(f"{value!r} is not text")
    return value


def differences(drafted: tuple[Setting, ...], now: tuple[Setting, ...]) -> list[Difference]:
    """Each setting that differs (by its digest), or that only one side has, in `now`'s
    order."""
    before = {s.key: s for s in drafted}
    after = {s.key: s for s in now}
    keys = [*after, *(key for key in before if key not in after)]
    found = [Difference(key, before.get(key), after.get(key)) for key in keys]
    return [
        d for d in found if d.drafted is None or d.now is None or d.drafted.digest != d.now.digest
    ]


def require_same_settings(
    month: str, drafted: tuple[Setting, ...], now: tuple[Setting, ...]
) -> None:
    """Nothing if `now` are the settings the draft of `month` was built with; else an
    `ApprovalError` naming each that differs, with both values where they may be printed,
    and how to approve with the draft's."""
    found = differences(drafted, now)
    if not found:
        return
    keys = {d.key for d in found}
    options = []
    name = next((d.drafted.shown for d in found if d.key == "firm.name" and d.drafted), None)
    if name:
        options.append(f"--firm {_shell_word(name)}")
    same = [
        flag
        for flag, wanted in (
            ("--templates", "templates" in keys),
            ("--config", any(key.startswith(_FROM_CONFIG) for key in keys)),
        )
        if wanted
    ]
    if same:
        options.append(f"the same {' and '.join(same)}")
    remedy = (
        f"approve with {' and '.join(options)} as reports monthly, or rerun reports monthly"
        if options
        else "rerun reports monthly, then approve that"
    )
    said = "; ".join(d.sentence(month) for d in found)
    raise ApprovalError(f"{said}: {remedy}")


def _shell_word(text: str) -> str:
    """`text` as one word of a shell command, in double quotes where those suffice."""
    if any(char in text for char in '"$`\\!'):
        return shlex.quote(text)
    return f'"{text}"'


def legacy_fingerprint(config: Config) -> str:
    """The one hash of the firm (but its name), targets, alerts and record links that
    snapshots kept before each setting was kept apart."""
    firm = dataclasses.replace(config.firm, name="")
    shown = repr((firm, config.targets, config.alerts, sorted(config.record_urls.items())))
    return hashlib.sha256(shown.encode()).hexdigest()[:16]
