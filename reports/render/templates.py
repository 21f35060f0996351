"""The one Jinja environment for every template a report renders: the PDFs' HTML and the
emails' text. A firm's own folder comes first, ours behind it, file by file.

Autoescaping is on for HTML, so a client called `<b>Acme</b>` is printed as those
characters; a variable a template names but the report lacks is an error, not an empty
string; and text carrying bidi controls is isolated, so a right-to-left override in a name
cannot reverse what the template prints after it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from decimal import Decimal
from pathlib import Path

import jinja2

from reports.errors import TemplateError
from reports.money import SYMBOLS, minor_units
from reports.periods import FIRM_ZONE
from reports.text import isolate_direction

DEFAULT_TEMPLATES = Path(__file__).resolve().parents[2] / "templates"


def money(value: Decimal | int | None, currency: str | None) -> str:
    """`£1,234.50`, `-€3.20`, `15,000 JPY`: the currency's own minor units, exact.

    It never rounds: amounts reach the renderers already rounded, once, to their currency's
    minor unit (`reports.report.build`), and one that is finer is a bug shown as an error,
    not a value quietly printed otherwise than the workbook holds it. An amount with no
    currency is shown with the decimals it has.
    """
    if value is None:
        return ""
    code = (currency or "").upper()
    exact = Decimal(value)
    digits = minor_units(code) if code else max(0, -int(exact.normalize().as_tuple().exponent))
    amount = exact.quantize(Decimal(1).scaleb(-digits))
    if amount != exact:
        raise ValueError(
            f"{exact} {code} is finer than {code or 'its'} minor unit: round it before "
            "rendering (renderers never round)"
        )
    text = f"{abs(amount):,.{digits}f}"
    sign = "-" if amount < 0 else ""
    symbol = SYMBOLS.get(code)
    return f"{sign}{symbol}{text}" if symbol else f"{sign}{text} {code}".rstrip()


def day(value: dt.date | dt.datetime | None) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        value = value.astimezone(FIRM_ZONE) if value.tzinfo else value
        return value.strftime("%d %b %Y %H:%M")
    return value.strftime("%d %b %Y")


class Templates:
    """The Jinja environment: a firm's folder first, ours behind it."""

    def __init__(self, directory: str | Path | None = None) -> None:
        folders = [Path(directory)] if directory else []
        for folder in folders:
            if not folder.is_dir():
                raise TemplateError(f"templates folder {folder} does not exist")
        self.folders = [*folders, DEFAULT_TEMPLATES]
        self.environment = jinja2.Environment(
            loader=jinja2.FileSystemLoader([str(f) for f in self.folders]),
            autoescape=jinja2.select_autoescape(["html", "htm", "xml"]),
            undefined=jinja2.StrictUndefined,
            keep_trailing_newline=True,
            # Text from the APIs that carries bidi controls is isolated, so that a name with
            # a right-to-left override cannot reverse the template's text after it.
            finalize=lambda value: isolate_direction(value) if isinstance(value, str) else value,
        )
        self.environment.filters["money"] = money
        self.environment.filters["day"] = day

    def render(self, name: str, **context: object) -> str:
        try:
            return self.environment.get_template(name).render(**context)
        except jinja2.UndefinedError as error:
            raise TemplateError(
                f"template {name}: {error.message}; give the template only known names"
            ) from None
        except jinja2.TemplateNotFound as error:
            # `error.name` is the file that is missing: `name` itself, or a layout it extends
            # or includes.
            missing = error.name if error.name != name else name
            needed = f" (needed by {name})" if missing != name else ""
            raise TemplateError(
                f"template {missing}{needed} not found in {', '.join(map(str, self.folders))}"
            ) from None
        except jinja2.TemplateSyntaxError as error:
            raise TemplateError(
                f"template {error.name}, line {error.lineno}: {error.message}"
            ) from None

    def text(self, name: str) -> str:
        """A file of the templates as it is (a style sheet, a script), the firm's first."""
        for folder in self.folders:
            if (folder / name).is_file():
                return (folder / name).read_text(encoding="utf-8")
        raise TemplateError(f"template {name} not found in {', '.join(map(str, self.folders))}")

    def files(self) -> dict[str, bytes]:
        """Every file of the templates by its name, the firm's over ours: what a document
        rendered on another machine links to (`render.pdf.render_pdf`)."""
        found: dict[str, bytes] = {}
        for folder in reversed(self.folders):
            for file in folder.rglob("*"):
                if file.is_file():
                    found[file.relative_to(folder).as_posix()] = file.read_bytes()
        return found

    def base_url(self, name: str) -> str:
        """Where the template's relative links (its CSS) resolve."""
        for folder in self.folders:
            if (folder / name).exists():
                return str(folder) + "/"
        return str(DEFAULT_TEMPLATES) + "/"

    def fingerprint(self) -> str:
        """A short hash of every template file in use, recorded in a snapshot's manifest."""
        digest = hashlib.sha256()
        for folder in self.folders:
            for file in sorted(p for p in folder.rglob("*") if p.is_file()):
                digest.update(file.name.encode())
                digest.update(file.read_bytes())
        return digest.hexdigest()[:16]
