"""A statement is parsed without WeasyPrint's default styles for footnotes and notes
(`render.statement_html`): it renders to the same bytes as with them, and WeasyPrint
computes no style for a note of any of its elements. It is read by the standard library's
parser where it is plain HTML, to the tree tinyhtml5 builds, and by tinyhtml5 otherwise."""

from __future__ import annotations

import xml.etree.ElementTree as ElementTree
from typing import Any

import pytest
import tinyhtml5
from factories import sandbox_month
from weasyprint import HTML
from weasyprint.css import StyleFor
from weasyprint.html import UA

from reports.render.fetcher import LocalFetcher
from reports.render.pdf import (
    ARCHIVAL,
    STATEMENT_STYLESHEET,
    _font_config,
    _stylesheet,
    readable_files,
    render_pdf,
)
from reports.render.statement_html import NOTE_RULES, plain_tree
from reports.render.templates import Templates
from reports.render.views import statement_context
from reports.report import ReportData


@pytest.fixture(scope="module")
def data() -> ReportData:
    """October over the default sandbox's records, for the demo's firm."""
    return sandbox_month().report("2026-10")


def test_the_default_style_sheet_has_the_note_rules_left_out() -> None:
    """Each rule left out is one line of WeasyPrint's sheet: if a new WeasyPrint wrote them
    otherwise, nothing would be left out, and this says so."""
    left_out = [line for line in UA.splitlines() if line.startswith(NOTE_RULES)]
    assert len(left_out) == 5 and all(line.rstrip().endswith("}") for line in left_out)


def test_a_statement_renders_the_same_with_fewer_styles_computed(
    data: ReportData, monkeypatch: pytest.MonkeyPatch
) -> None:
    templates = Templates()
    base_url = templates.base_url("statement.html")
    readable = readable_files(templates, data.firm.logo)
    owing = next(s for s in data.statements if s.source == "willsuite" and s.balance)
    html = templates.render("statement.html", **statement_context(data, owing))

    computed: list[str | None] = []
    original = StyleFor.set_computed_styles

    def counting(self: StyleFor, element: object, *args: object, **kwargs: object) -> None:
        computed.append(kwargs.get("pseudo_type"))  # type: ignore[arg-type]
        original(self, element, *args, **kwargs)

    monkeypatch.setattr(StyleFor, "set_computed_styles", counting)
    ours = render_pdf(html, base_url, readable=readable, stylesheets=(STATEMENT_STYLESHEET,))
    notes = [p for p in computed if p and p.startswith(("footnote", "note"))]
    computed.clear()
    fetcher = LocalFetcher(readable)
    sheet = _stylesheet(STATEMENT_STYLESHEET, base_url, fetcher)
    whole = HTML(string=html, base_url=base_url, url_fetcher=fetcher).write_pdf(
        font_config=_font_config(), stylesheets=[sheet], **ARCHIVAL.options()
    )
    assert ours == whole  # the same document, byte for byte
    assert notes == [] and len([p for p in computed if p and "note" in p]) > 100


def tree(element: ElementTree.Element) -> tuple[Any, ...]:
    """`element` and everything in it, as values to compare."""
    return (
        element.tag,
        dict(element.attrib),
        element.text,
        element.tail,
        [tree(child) for child in element],
    )


def tinyhtml5_tree(html: str) -> ElementTree.Element:
    """The tree WeasyPrint's own parsing builds."""
    return tinyhtml5.parse(html, namespace_html_elements=False)


def test_every_demo_statement_is_read_to_the_tree_tinyhtml5_builds(data: ReportData) -> None:
    """The demo month's statements of both sources that have them (an expenses statement
    and an activity statement), and those of clients whose names are markup, quotes and
    bidi controls: each plain, each the same tree."""
    hostile = sandbox_month(hostile=("markup-names", "hostile-names", "long-text")).report(
        "2026-10"
    )
    templates = Templates()
    read = 0
    for month in (data, hostile):
        assert {s.source for s in month.statements} == {"mobility", "willsuite"}
        for statement in month.statements:
            html = templates.render("statement.html", **statement_context(month, statement))
            ours = plain_tree(html)
            if ours is None:  # only where a name holds a character the standard replaces
                assert any(c in html for c in "\x00\r"), statement.client
                continue
            assert tree(ours) == tree(tinyhtml5_tree(html)), statement.client
            read += 1
    assert read >= len(data.statements) + len(hostile.statements) - 2


PLAIN = "<!doctype html>\n<html lang=en>\n<head>\n<title>A &amp; B</title>\n</head>\n<body class=x>{}</body>\n</html>\n"


@pytest.mark.parametrize(
    "body",
    [
        "<p>Text<br>more <strong>bold</strong></p>\n<table><thead><tr><th>A</th></tr></thead>"
        "<tbody>\n<tr><td>1</td></tr>\n</tbody></table>",
        "<header><div class=to><h1>T</h1></div><img src=x alt=''></header> tail &#34;q&#39;",
        "",
    ],
)
def test_plain_html_is_read_to_the_same_tree(body: str) -> None:
    html = PLAIN.format(body)
    ours = plain_tree(html)
    assert ours is not None
    assert tree(ours) == tree(tinyhtml5_tree(html))


@pytest.mark.parametrize(
    "html",
    [
        PLAIN.format("<p>a<div>b</div></p>"),  # the standard closes the paragraph
        PLAIN.format("<table><tr><td>1</td></tr></table>"),  # and adds a tbody
        PLAIN.format("<table>text<tbody></tbody></table>"),  # and moves the text out
        PLAIN.format("<h2>a<h3>b</h3></h2>"),  # and closes the heading
        PLAIN.format("<a href=x>a<a href=y>b</a></a>"),  # and closes the first link
        PLAIN.format("<ul><li>a</li></ul>"),  # an element the plain parser does not know
        PLAIN.format("<p>a<!-- note --></p>"),  # a comment
        PLAIN.format("<p>a\rb</p>"),  # a carriage return, which the standard replaces
        PLAIN.format("<p>a\x00b</p>"),  # NUL
        PLAIN.format("<p>&euro;</p>"),  # a reference no template escaping writes
        PLAIN.format("<p>a</p><p>b"),  # an element left open
        PLAIN.format("<p>a</p></body><p>after</p>"),  # something after </body>
        PLAIN.replace("<!doctype html>\n", "").format("<p>a</p>"),  # quirks mode
        PLAIN.format("<p>a</span></p>"),  # an end tag that closes nothing
        PLAIN.format("<p class=a class=b>a</p>"),  # an attribute twice
        PLAIN.replace("<head>", "<head><base href='https://x.example/'>").format(""),
    ],
)
def test_anything_else_is_left_to_tinyhtml5(html: str) -> None:
    assert plain_tree(html) is None


def test_a_statement_read_either_way_renders_to_the_same_bytes(data: ReportData) -> None:
    """What `render_pdf` writes, read by the plain parser, and WeasyPrint's own parsing of
    the same statement with the same (trimmed) default styles."""
    from reports.render.statement_html import _statement_html

    templates = Templates()
    base_url = templates.base_url("statement.html")
    readable = readable_files(templates, data.firm.logo)
    statement = next(s for s in data.statements if s.source == "willsuite" and s.balance)
    html = templates.render("statement.html", **statement_context(data, statement))
    assert plain_tree(html) is not None
    ours = render_pdf(html, base_url, readable=readable, stylesheets=(STATEMENT_STYLESHEET,))
    fetcher = LocalFetcher(readable)
    sheet = _stylesheet(STATEMENT_STYLESHEET, base_url, fetcher)
    parsed = HTML(string=html, base_url=base_url, url_fetcher=fetcher)
    parsed._ua_stylesheets = _statement_html()._ua_stylesheets.__get__(parsed)
    theirs = parsed.write_pdf(font_config=_font_config(), stylesheets=[sheet], **ARCHIVAL.options())
    assert ours == theirs


def page_text(pdf: bytes) -> list[str]:
    from io import BytesIO

    from pypdf import PdfReader

    return [page.extract_text() for page in PdfReader(BytesIO(pdf)).pages]


def test_the_running_header_and_footer_are_on_every_page(data: ReportData) -> None:
    """Set from the body's attributes: the header names the firm, the document and the
    client; the footer the firm's numbers and the page of how many."""
    templates = Templates()
    statement = max(data.statements, key=lambda s: len(s.expenses) + len(s.cases))
    context = statement_context(data, statement)
    pdf = render_pdf(
        templates.render("statement.html", **context),
        templates.base_url("statement.html"),
        readable=readable_files(templates, data.firm.logo),
        stylesheets=(STATEMENT_STYLESHEET,),
    )
    pages = page_text(pdf)
    assert len(pages) > 1
    title = str(context["document_title"]).lower()
    header = f"{data.firm.name}: {title} for {statement.client}, October 2026"
    for number, text in enumerate(pages, start=1):
        assert text.count(header) == 1
        assert f"Company no. {data.firm.company_number}" in text
        assert f"Page {number} of {len(pages)}" in text


def test_a_firms_statement_with_running_elements_keeps_its_header_and_footer() -> None:
    """A firm's copy of statement.html from before, with `.running-header` and
    `.running-footer` elements, under today's statement.css: their text in the page's
    margins, once each: not in the statement's body as well."""
    templates = Templates()
    html = (
        '<!doctype html><html lang="en-GB"><head><meta charset="utf-8"><title>T</title></head>'
        '<body class="statement"><div class="running-header">Old & Co: statement for Ann</div>'
        '<div class="running-footer">Old &amp; Co · Company no. 1</div>'
        "<h1>Statement</h1><p>Body</p></body></html>"
    )
    pdf = render_pdf(
        html,
        templates.base_url("statement.html"),
        readable=templates.folders,
        stylesheets=(STATEMENT_STYLESHEET,),
    )
    (text,) = page_text(pdf)
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    assert lines.count("Old & Co: statement for Ann") == 1
    assert lines.count("Old & Co · Company no. 1 · Page 1 of 1") == 1
