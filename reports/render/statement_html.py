"""A statement as WeasyPrint parses it: its HTML, styled by WeasyPrint's default style sheet
less the rules for footnotes and notes, which no statement has; and read by a plain parser
where it is plain HTML.

Those rules select pseudo-elements of every element (`::footnote-call`, `::note-marker`, ...),
so WeasyPrint computes five styles more for each element of a page, used by none of them:
some 5 % of a statement's time (benchmarks/pdf.py). Without them a statement renders to the
same bytes. `::marker` stays: a firm's own template may have lists.

WeasyPrint reads HTML with tinyhtml5, which follows the HTML standard's every rule for
recovering from markup that is not well formed: a statement's template writes none, and
the standard library's parser reads it to the same tree in a fifth of the time (some 3 % of
a statement's: benchmarks/pdf.py). `plain_tree` builds that tree, and gives up, for
tinyhtml5 to read the document, at anything where the two could differ (an element the
standard closes or moves by itself, a comment, a character it would replace).
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ElementTree
from functools import cache
from html.parser import HTMLParser
from typing import Any

#: The default style sheet's rules that only footnotes and notes use, by how each starts.
NOTE_RULES = ("::footnote-", "::note-")


@cache
def user_agent_sheet() -> Any:
    """WeasyPrint's default (user agent) style sheet without `NOTE_RULES`, parsed once a
    process; each of those rules is one line of it."""
    from weasyprint import CSS
    from weasyprint.html import UA, UA_COUNTER_STYLE

    kept = [line for line in UA.splitlines() if not line.startswith(NOTE_RULES)]
    return CSS(string="\n".join(kept), counter_style=UA_COUNTER_STYLE)


#: Elements that have no end tag.
VOID = frozenset({"meta", "link", "br", "img", "hr", "col", "wbr"})
#: Elements read as they are written: each closed by its own end tag, none closed, opened or
#: moved by the standard's rules where written as below (`Plain`).
PLAIN = frozenset(
    {
        *VOID,
        *("html", "head", "title", "body", "header", "footer", "section", "main", "div"),
        *("p", "span", "strong", "em", "b", "i", "small", "a", "h1", "h2", "h3", "h4"),
        *("table", "caption", "colgroup", "thead", "tbody", "tfoot", "tr", "th", "td"),
    }
)
#: What may be inside each element. Where the standard would close an element or move what
#: is in it (a block in a paragraph, a row outside a row group, a heading in a heading), the
#: plain parser gives up; inside a paragraph or a heading, only phrasing, all the way down.
PHRASING = frozenset({"br", "img", "span", "strong", "em", "b", "i", "small", "a", "wbr"})
TABLE_PARTS = frozenset({"caption", "colgroup", "col", "thead", "tbody", "tfoot", "tr", "th", "td"})
FLOW = PLAIN - TABLE_PARTS - {"html", "head", "title", "body", "meta", "link"}
INSIDE: dict[str, frozenset[str]] = {
    "html": frozenset({"head", "body"}),
    "head": frozenset({"meta", "title", "link"}),
    "title": frozenset(),
    **dict.fromkeys(("p", "h1", "h2", "h3", "h4", "caption", *PHRASING), PHRASING),
    "table": frozenset({"caption", "colgroup", "thead", "tbody", "tfoot"}),
    "colgroup": frozenset({"col"}),
    **dict.fromkeys(("thead", "tbody", "tfoot"), frozenset({"tr"})),
    "tr": frozenset({"th", "td"}),
    **dict.fromkeys(("body", "header", "footer", "section", "main", "div", "th", "td"), FLOW),
}
#: Where text other than white space is moved or dropped by the standard.
NO_TEXT = frozenset({"html", "head", "table", "colgroup", "thead", "tbody", "tfoot", "tr"})
#: The only character references a template's autoescaping writes.
REFERENCES = ("&amp;", "&lt;", "&gt;", "&#34;", "&#39;", "&quot;")
#: Characters the standard replaces or drops (carriage returns, NUL, other C0 controls).
REPLACED = re.compile("[\x00-\x08\x0b-\x1f]")
#: White space, as the standard has it.
WHITE = " \t\n\f"


class NotPlain(Exception):
    """The document is not plain HTML: tinyhtml5 reads it."""


class Plain(HTMLParser):
    """The tree tinyhtml5 builds (`namespace_html_elements=False`) for a plain document:
    `<!doctype html>`, then `html` holding `head` and `body`, every element of `PLAIN`
    closed by its own end tag (void ones by none) and inside one that `INSIDE` allows, and
    nothing but white space after `</body>`."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.doctype = False
        self.root: ElementTree.Element | None = None
        self.open: list[ElementTree.Element] = []
        self.body_ended = False

    def handle_decl(self, decl: str) -> None:
        if decl.lower() != "doctype html" or self.doctype or self.root is not None:
            raise NotPlain(decl)
        self.doctype = True

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        names = [name for name, _ in attrs]
        if tag not in PLAIN or self.body_ended or len(set(names)) != len(names):
            raise NotPlain(tag)
        if self.open:
            if tag not in INSIDE[self.open[-1].tag]:
                raise NotPlain(tag)
            if tag == "a" and any(e.tag == "a" for e in self.open):
                raise NotPlain(tag)
        elif tag != "html" or self.root is not None or not self.doctype:
            raise NotPlain(tag)
        element = ElementTree.Element(tag, {name: value or "" for name, value in attrs})
        if self.open:
            self.open[-1].append(element)
        else:
            self.root = element
        if tag not in VOID:
            self.open.append(element)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in VOID:
            raise NotPlain(tag)
        self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        tags = [e.tag for e in self.open]
        if tag == "body" and tags == ["html", "body"] and not self.body_ended:
            # The standard keeps body open after </body>: white space after it goes in it.
            self.body_ended = True
        elif tag == "html" and self.body_ended and tags == ["html", "body"]:
            pass  # still body, for white space after </html> too
        elif not self.body_ended and tags and tags[-1] == tag and tag not in VOID:
            self.open.pop()
        else:
            raise NotPlain(tag)

    def handle_data(self, data: str) -> None:
        white = not data.strip(WHITE)
        if not self.open:
            if white and self.root is None:
                return  # before <html>: dropped
            raise NotPlain("text outside html")
        parent = self.open[-1]
        if (parent.tag in NO_TEXT or self.body_ended) and not white:
            raise NotPlain(f"text in {parent.tag}")
        if parent.tag == "html" and len(parent) == 0:
            return  # white space before <head>: dropped
        if len(parent):
            parent[-1].tail = (parent[-1].tail or "") + data
        else:
            parent.text = (parent.text or "") + data

    def handle_comment(self, data: str) -> None:
        raise NotPlain("comment")

    def handle_pi(self, data: str) -> None:
        raise NotPlain("processing instruction")

    def unknown_decl(self, data: str) -> None:
        raise NotPlain(data)


def plain_tree(html: str) -> ElementTree.Element | None:
    """The tree tinyhtml5 would build from `html`, if it is plain HTML (`Plain`); None
    otherwise."""
    if REPLACED.search(html) or "<base" in html:
        return None
    if html.count("&") != sum(html.count(reference) for reference in REFERENCES):
        return None
    parser = Plain()
    try:
        parser.feed(html)
        parser.close()
    except NotPlain:
        return None
    root = parser.root
    if root is None or [child.tag for child in root] != ["head", "body"]:
        return None
    if not parser.body_ended and [e.tag for e in parser.open] != ["html", "body"]:
        return None
    return root


@cache
def _statement_html() -> Any:
    """`weasyprint.HTML` styled by `user_agent_sheet` instead of the full default sheet, and
    read by `plain_tree` where it can be."""
    import cssselect2
    from weasyprint import HTML
    from weasyprint.html import UA_FORM_STYLESHEET
    from weasyprint.urls import ensure_url

    class StatementHTML(HTML):
        def __init__(self, *, string: str, base_url: str, url_fetcher: Any) -> None:
            root = plain_tree(string)
            if root is None:
                super().__init__(string=string, base_url=base_url, url_fetcher=url_fetcher)
                return
            # As `HTML.__init__` sets them from tinyhtml5's tree (no <base> element).
            self.base_url = ensure_url(base_url)
            self.url_fetcher = url_fetcher
            self.media_type = "print"
            self.wrapper_element = cssselect2.ElementWrapper.from_html_root(
                root, content_language=None
            )
            self.etree_element = self.wrapper_element.etree_element

        def _ua_stylesheets(self, forms: bool = False) -> list[Any]:
            return [user_agent_sheet(), *([UA_FORM_STYLESHEET] if forms else [])]

    return StatementHTML


def statement_html(*, string: str, base_url: str, url_fetcher: Any) -> Any:
    """`weasyprint.HTML(string=..., ...)` for a statement: styled by `user_agent_sheet`,
    read by `plain_tree` where it is plain HTML."""
    return _statement_html()(string=string, base_url=base_url, url_fetcher=url_fetcher)
