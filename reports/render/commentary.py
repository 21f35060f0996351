"""The month in words: the firm's commentary (`commentary/YYYY-MM.md`) with its
placeholders filled, or, without one, automatic observations; and how a trend's figures
read in text (the PDF, the email and the commentary format them alike).

A commentary is Markdown in which `{{ outstanding }}` is a figure as the report prints it,
and `{{ outstanding.change_pct }}`, `{{ invoiced_total.ytd }}` its comparisons (see
docs/calculations.md, "Commentary"). It is rendered in a sandboxed Jinja environment: it
can read figures, not files or Python. A name that is no figure, or no comparison of one,
is an error naming it and the nearest valid one.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import jinja2
import jinja2.meta
import jinja2.sandbox
from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore
from markdown_it.token import Token

from reports.errors import TemplateError
from reports.output import atomic_write
from reports.render.references import inside
from reports.render.templates import money
from reports.report.alerts import Alert
from reports.report.figures import FIGURES, Unit
from reports.report.history import Behaviour, Trend
from reports.report.model import Commentary, ReportData
from reports.store.month_folder import MonthFolder
from reports.targets import ALIASES, AlertKind, Status

NONE = "n/a"
#: The comparisons a placeholder may take after a figure's key.
ATTRIBUTES = (
    "value",
    "label",
    "previous",
    "change",
    "change_pct",
    "last_year",
    "last_year_change",
    "last_year_change_pct",
    "ytd",
    "ytd_last_year",
    "ytd_change",
    "ytd_change_pct",
    "target",
    "target_gap",
    "status",
    "ytd_target",
    "ytd_status",
)
_PERCENTS = {"change_pct", "last_year_change_pct", "ytd_change_pct"}
_SIGNED = {"change", "last_year_change", "ytd_change", "target_gap"}
#: Movements smaller than this, in per cent, are not worth a sentence.
NOTABLE_PCT = Decimal(10)


def amount(value: Decimal | int | None, unit: Unit, currency: str | None) -> str:
    """A figure's value as every output prints it: money in its currency, a count whole."""
    if value is None:
        return NONE
    if unit is Unit.COUNT:
        number = Decimal(value)
        return f"{number:,.0f}" if number == number.to_integral_value() else f"{number:,}"
    if unit is Unit.DAYS:
        # Already to a tenth: `normalize` and `:f` drop stored zeros (76.50 is 76.5) and
        # round nothing; a whole number of days shows its tenth as the figure does.
        days = Decimal(value).normalize()
        return f"{days:,f}" + (".0" if days == days.to_integral_value() else "") + " days"
    return money(value, currency)


def signed(value: Decimal | None, unit: Unit, currency: str | None) -> str:
    """A change, with its sign: `+£1,200.00`, `-3`."""
    if value is None:
        return NONE
    text = amount(abs(value), unit, currency)
    return ("+" if value > 0 else "-" if value < 0 else "") + text


def percent(value: Decimal | None) -> str:
    """A change in per cent, to a tenth, signed: `+4.2%`."""
    if value is None:
        return NONE
    return f"{'+' if value > 0 else ''}{value}%"


@dataclass(frozen=True)
class FigureText:
    """A trend as a commentary's placeholder reads it: printed, it is the month's value."""

    trend: Trend
    currency: str | None
    label: str

    def __str__(self) -> str:
        return self.read("value")

    def read(self, name: str) -> str:
        if name == "label":
            return self.label
        value = getattr(self.trend, name)
        if isinstance(value, Status) or value is None or isinstance(value, str):
            return str(value) if value is not None else NONE
        unit = self.trend.figure.unit
        if name in _PERCENTS:
            return percent(value)
        if name in _SIGNED:
            return signed(value, unit, self.currency)
        return amount(value, unit, self.currency)

    def __getattr__(self, name: str) -> str:
        if name.startswith("_"):
            raise AttributeError(name)
        if name not in ATTRIBUTES:
            raise TemplateError(
                f"commentary: {self.trend.key}.{name} is not a comparison"
                f"{_nearest(name, ATTRIBUTES, f'{self.trend.key}.')}"
            )
        return self.read(name)


def _nearest(word: str, choices: tuple[str, ...] | list[str], prefix: str = "") -> str:
    close = difflib.get_close_matches(word, choices, n=1, cutoff=0.5)
    if close:
        return f"; did you mean {{{{ {prefix}{close[0]} }}}}?"
    return f"; valid: {', '.join(choices)}"


def figure_texts(data: ReportData) -> dict[str, FigureText]:
    if data.history is None:
        return {}
    return {
        trend.key: FigureText(trend, trend.figure.currency_for(data), trend.figure.title_for(data))
        for trend in data.history.trends
    }


def _alt(image: Token) -> str:
    return "".join(child.content for child in image.children or () if child.type != "image")


def _outside_as_text(state: StateCore) -> None:
    """Turn every picture and link whose address is outside the document into its words
    and its address as plain text: a viewer would load the picture from wherever it says,
    and a link would take the reader there; shown, the reader sees what was meant and
    nothing is fetched. `data:` pictures and `#fragment` links stay."""
    for block in state.tokens:
        if block.type != "inline" or not block.children:
            continue
        children: list[Token] = []
        dropped: list[str | None] = []  # each open link's address, None where it stays
        for token in block.children:
            if token.type == "image" and not inside(str(token.attrGet("src") or "")):
                source = state.md.normalizeLinkText(str(token.attrGet("src")))
                words = _alt(token)
                shown = f"{words} (picture not shown: {source})" if words else source
                children.append(_text(shown))
            elif token.type == "link_open":
                href = str(token.attrGet("href") or "")
                dropped.append(None if inside(href) else state.md.normalizeLinkText(href))
                if dropped[-1] is None:
                    children.append(token)
            elif token.type == "link_close" and dropped:
                target = dropped.pop()
                if target is None:
                    children.append(token)
                elif token.markup != "autolink":  # an autolink's words are its address
                    children.append(_text(f" ({target})"))
            else:
                children.append(token)
        block.children = children


def _text(content: str) -> Token:
    token = Token("text", "", 0)
    token.content = content
    return token


def _markdown(text: str) -> str:
    # Raw HTML in the firm's text is shown as text, never interpreted; pictures and links
    # to outside addresses are shown as text too (`_outside_as_text`).
    parser = MarkdownIt("commonmark", {"html": False})
    parser.core.ruler.before("text_join", "outside_as_text", _outside_as_text)
    return parser.render(text)


def firm_commentary(source: str, data: ReportData, where: str) -> Commentary:
    """The firm's Markdown `source` (read from `where`) with its placeholders filled."""
    figures = figure_texts(data)
    # {{ invoiced }} and {{ invoicing }} are the firm's revenue: its fees net of VAT.
    figures.update({alias: figures[key] for alias, key in ALIASES.items() if key in figures})
    environment = jinja2.sandbox.SandboxedEnvironment(
        undefined=jinja2.StrictUndefined, autoescape=False, keep_trailing_newline=True
    )
    try:
        template = environment.from_string(source)
        names = sorted(jinja2.meta.find_undeclared_variables(environment.parse(source)))
    except jinja2.TemplateSyntaxError as error:
        raise TemplateError(f"commentary {where}, line {error.lineno}: {error.message}") from None
    known = [*figures, "month", "firm"]
    not_configured = {f.key: f for f in FIGURES if not f.shown_in(data)}
    for name in names:
        if name in not_configured:
            raise TemplateError(
                f"commentary {where}: {{{{ {name} }}}} is a figure of "
                f"{' or '.join(sorted(not_configured[name].sources()))}, which is not "
                "configured: the report does not show it"
            )
        if name not in known:
            raise TemplateError(
                f"commentary {where}: {{{{ {name} }}}} is not a figure{_nearest(name, known)}"
            )
    try:
        text = template.render(**figures, month=data.month_label, firm=data.firm.name)
    except TemplateError as error:
        raise TemplateError(f"{error} (in {where})") from None
    except jinja2.TemplateError as error:
        raise TemplateError(f"commentary {where}: {error}") from None
    return Commentary(by_firm=True, text=text, html=_markdown(text), source=where)


def read_commentary(path: Path, data: ReportData) -> Commentary:
    try:
        source = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise TemplateError(f"commentary {path} cannot be read: {error}") from None
    return firm_commentary(source, data, str(path))


def observations(data: ReportData) -> Commentary:
    """Plain-words sentences, each stating its numbers: the largest movements against last
    month and last year, figures at a 12-month high or low, targets missed. Alerts are not
    among them: the report and the email list each alert once, in their own box."""
    sentences: list[str] = []
    texts = figure_texts(data)
    trends = list(data.history.trends) if data.history else []
    previous = data.month.previous.label
    last_year = data.month.shifted(-12).label
    # A VAT quarter to date is not compared with the month before (another quarter's).
    monthly = [t for t in trends if t.behaviour is not Behaviour.QUARTER_TO_DATE]
    moved = sorted(
        (t for t in monthly if t.change_pct is not None and abs(t.change_pct) >= NOTABLE_PCT),
        key=lambda t: abs(t.change_pct or Decimal(0)),
        reverse=True,
    )
    for trend in moved[:3]:
        text = texts[trend.key]
        way = "rose" if (trend.change or 0) > 0 else "fell"
        sentences.append(
            f"{text.label} {way} {abs(trend.change_pct or 0)}% on {previous}, "
            f"from {text.read('previous')} to {text.read('value')}."
        )
    yearly = sorted(
        (
            t
            for t in trends
            if t.last_year_change_pct is not None
            and abs(t.last_year_change_pct) >= NOTABLE_PCT
            and t not in moved[:3]
        ),
        key=lambda t: abs(t.last_year_change_pct or Decimal(0)),
        reverse=True,
    )
    for trend in yearly[:2]:
        text = texts[trend.key]
        way = "higher" if (trend.last_year_change or 0) > 0 else "lower"
        sentences.append(
            f"{text.label} is {abs(trend.last_year_change_pct or 0)}% {way} than in "
            f"{last_year}: {text.read('value')} against {text.read('last_year')}."
        )
    # The three largest figures at a 12-month high or low: a page is no place for a list.
    extremes = [t for t in trends if (t.high_12 or t.low_12) and t.value]
    for trend in sorted(extremes, key=lambda t: abs(t.change_pct or Decimal(0)), reverse=True)[:3]:
        text = texts[trend.key]
        extreme = "highest" if trend.high_12 else "lowest"
        sentences.append(f"{text.label} is at its {extreme} in 12 months: {text.read('value')}.")
    for trend in trends:
        if trend.status in (Status.BEHIND, Status.OFF_TRACK):
            text = texts[trend.key]
            sentences.append(
                f"{text.label} is {trend.status}: {text.read('value')} against a target of "
                f"{text.read('target')}."
            )
    if not sentences:
        sentences.append(
            f"No figure moved by {NOTABLE_PCT}% or more on {previous}, and no target or alert "
            "needs attention."
        )
    markdown = "\n".join(f"- {sentence}" for sentence in sentences) + "\n"
    return Commentary(by_firm=False, text=markdown, html=_markdown(markdown))


def alert_sentence(alert: Alert) -> str:
    """`Alert: Over 90 days past due is £19,148.00, above £10,000.00.`"""
    rule = alert.rule
    if alert.percent:
        value, level = f"{alert.value}%", f"{rule.level}%"
    elif alert.currency:
        value, level = money(alert.value, alert.currency), money(rule.level, alert.currency)
    elif alert.days:
        value, level = amount(alert.value, Unit.DAYS, None), amount(rule.level, Unit.DAYS, None)
    else:
        value, level = f"{alert.value:,}", f"{rule.level:,}"
    if rule.kind is AlertKind.CLIENT_OUTSTANDING:
        return f"Alert: {alert.subject} owes {value}, above the limit of {level}."
    if rule.kind is AlertKind.CLIENT_OVERDUE_DAYS:
        return (
            f"Alert: {alert.subject} owes on an invoice {value} days past its due date, "
            f"above the limit of {level} days."
        )
    side = "below" if rule.kind in (AlertKind.BELOW, AlertKind.INVOICED_SHARE) else "above"
    return f"Alert: {alert.subject} is {value}, {side} {level}."


def briefing(data: ReportData) -> str:
    """What the monthly email says before its attachment: the alerts, each figure with a
    target and its status, the commentary, and the headline figures against last month
    and the year to date."""
    parts: list[str] = []
    if data.alerts:
        parts.append(
            f"Alerts ({len(data.alerts)})\n"
            + "\n".join(f"- {alert_sentence(alert)}" for alert in data.alerts)
        )
    texts = figure_texts(data)
    targeted = [text for text in texts.values() if text.trend.status is not None]
    if targeted:
        parts.append(
            "Against target\n"
            + "\n".join(
                f"- {text.label}: {text.read('value')} against {text.read('target')}: "
                f"{text.trend.status}"
                for text in targeted
            )
        )
    if data.commentary is not None:
        title = "Commentary" if data.commentary.by_firm else "This month in brief"
        parts.append(f"{title}\n{data.commentary.text.strip()}")
    if texts:
        previous = data.month.previous.label
        lines = []
        for text in texts.values():
            said = []
            if text.trend.behaviour is not Behaviour.QUARTER_TO_DATE:
                said.append(f"{text.read('change_pct')} on {previous}")
            if text.trend.ytd is not None:
                said.append(f"year to date {text.read('ytd')}")
            lines.append(f"- {text.label}: {text.read('value')} ({'; '.join(said)})")
        parts.append("Headline figures\n" + "\n".join(lines))
    return "\n\n".join(parts) + ("\n" if parts else "")


def write_briefing(data: ReportData, folder: Path) -> Path:
    """The monthly email's opening, written beside the month's PDFs in its `folder` (or
    the one its next version is built in): `reports email` reads it."""
    text = briefing(data)
    path = MonthFolder.at(folder).briefing
    atomic_write(path, lambda target: target.write_text(text, encoding="utf-8"))
    return path
