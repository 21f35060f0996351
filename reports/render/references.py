"""What a rendered document may point at by itself: only what it carries inside it.

A picture, style sheet, font or frame that a viewer loads without being asked is a request
from whoever opens the document to wherever the address says: a commentary or a vendor's
record could name any address, and opening the report would call it. So a document's
pictures and styles are `data:` addresses, and `outside_references` finds any other
address in a page that a viewer would load. Links (`<a href>`) are not loaded until a
reader follows one, and a `#fragment` stays in the page, so neither is counted.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

#: Attributes whose address a viewer loads by itself, on any element.
_LOADED = {"src", "srcset", "poster", "background", "data", "imagesrcset", "lowsrc", "dynsrc"}
#: Elements whose `href` a viewer loads (a style sheet, an icon, an SVG picture or use).
_LOADED_HREF = {"link", "image", "use", "feimage", "script", "base"}
#: `url(...)` and `@import "..."` in CSS, however quoted.
_CSS_URL = re.compile(
    r"""url\(\s*(?:"([^"]*)"|'([^']*)'|([^)\s]*))\s*\)|@import\s+(?:"([^"]*)"|'([^']*)')""",
    re.IGNORECASE,
)


def inside(address: str) -> bool:
    """Whether `address` is carried inside the document: a `data:` address, or a
    `#fragment` of the document itself."""
    # Browsers ignore ASCII whitespace and control characters around an address, and
    # anywhere inside its scheme: `jav\tascript:` is `javascript:`.
    text = re.sub(r"[\x00-\x20]", "", address).lower()
    return text.startswith(("data:", "#"))


def _srcset(value: str) -> list[str]:
    return [candidate.split()[0] for candidate in value.split(",") if candidate.split()]


def _css(text: str) -> list[str]:
    return [
        next(group for group in match.groups() if group is not None)
        for match in _CSS_URL.finditer(text)
    ]


class _Finder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self._in_style = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if value is None:
                continue
            name = name.lower().removeprefix("xlink:")
            if name in {"srcset", "imagesrcset"}:
                self.found += _srcset(value)
            elif name in _LOADED or (name == "href" and tag in _LOADED_HREF):
                self.found.append(value)
            elif name == "style":
                self.found += _css(value)
        self._in_style = tag == "style"

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        self._in_style = False

    def handle_endtag(self, tag: str) -> None:
        self._in_style = False

    def handle_data(self, data: str) -> None:
        if self._in_style:
            self.found += _css(data)


def outside_references(html: str) -> list[str]:
    """Every address in `html` that a viewer would load by itself and that is not inside
    the page, in the order they come."""
    finder = _Finder()
    finder.feed(html)
    finder.close()
    return [address for address in finder.found if not inside(address)]
