"""An email's two parts from one Markdown text: the HTML part, a small document styled
inline that loads nothing, and the text part, the same words with no Markdown markers left
in them (`**` gone, a link as `words (address)`, a list item as `- item`, paragraphs
wrapped at 72 characters).

The email templates are Markdown with Jinja placeholders. A value put into one (a client's
name, a reference) is escaped (`escape`), so that a name with `*` or `[...](...)` in it is
printed as those characters and never becomes emphasis or a link; text that is Markdown
already (the monthly briefing) is marked as such (`Markdown`) and goes in as it is.
"""

from __future__ import annotations

import html
import re
import textwrap
from dataclasses import dataclass

from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore
from markdown_it.token import Token
from markdown_it.tree import SyntaxTreeNode

#: The text part's line length: what mail readers show without wrapping it again.
WIDTH = 72

#: Each element's style, inline: many mail readers drop a `<style>` block.
STYLES = {
    "p": "margin:0 0 1em 0",
    "ul": "margin:0 0 1em 0;padding-left:1.5em",
    "ol": "margin:0 0 1em 0;padding-left:1.5em",
    "li": "margin:0 0 0.25em 0",
    "h1": "font-size:1.3em;margin:1.2em 0 0.5em 0",
    "h2": "font-size:1.2em;margin:1.2em 0 0.5em 0",
    "h3": "font-size:1.05em;margin:1.2em 0 0.4em 0",
    "h4": "font-size:1em;margin:1em 0 0.4em 0",
    "h5": "font-size:1em;margin:1em 0 0.4em 0",
    "h6": "font-size:1em;margin:1em 0 0.4em 0",
    "blockquote": "margin:0 0 1em 0;padding-left:1em;border-left:3px solid #c8c8c8;color:#444444",
    "pre": "margin:0 0 1em 0;font-family:Menlo,Consolas,monospace;font-size:0.9em",
    "code": "font-family:Menlo,Consolas,monospace;font-size:0.9em",
    "a": "color:#1a4f8b",
    "hr": "border:0;border-top:1px solid #c8c8c8;margin:1.5em 0",
}
_PAGE = (
    "margin:0;padding:0;background-color:#ffffff;color:#1f1f1f;"
    "font-family:Arial,Helvetica,sans-serif;font-size:15px;line-height:1.5"
)
_COLUMN = "max-width:40em;margin:0 auto;padding:16px"

#: ASCII punctuation: a backslash before any of it makes it a character, never Markdown.
_PUNCTUATION = re.compile(r"([!-/:-@\[-`{-~])")
_LINE_BREAK = re.compile(r"\r\n|[\r\n]")


class Markdown(str):
    """Text that is Markdown already (the monthly briefing): a template puts it in as it
    is, where any other value is escaped."""


def escape(value: str) -> str:
    """`value` as Markdown that reads as exactly its characters on one line: every ASCII
    punctuation character escaped, line breaks made spaces."""
    return _PUNCTUATION.sub(r"\\\1", _LINE_BREAK.sub(" ", value))


@dataclass(frozen=True)
class Body:
    """A message's subject and its two parts, made from one text."""

    subject: str
    text: str
    html: str


def _pictures_as_words(state: StateCore) -> None:
    """Every picture becomes its words: an email that shows a picture from elsewhere tells
    its sender who opened it, and spam filters count such pictures against a message."""
    for block in state.tokens:
        if block.type == "inline" and block.children:
            block.children = [
                _words(child) if child.type == "image" else child for child in block.children
            ]


def _words(image: Token) -> Token:
    token = Token("text", "", 0)
    token.content = "".join(child.content for child in image.children or ())
    return token


def _styled(state: StateCore) -> None:
    for token in state.tokens:
        for each in [token, *(token.children or ())]:
            if each.nesting >= 0 and each.tag in STYLES:
                each.attrSet("style", STYLES[each.tag])


def _parser() -> MarkdownIt:
    # Raw HTML in a template or a briefing is shown as text, never interpreted.
    parser = MarkdownIt("commonmark", {"html": False})
    parser.core.ruler.push("pictures_as_words", _pictures_as_words)
    return parser


def render_body(subject: str, markdown: str, lang: str = "en") -> Body:
    """The subject (its Markdown undone) and both parts of `markdown`."""
    parser = _parser()
    title = _inline_text(parser.parseInline(subject.strip())[0]).strip()
    text = "\n\n".join(_blocks(SyntaxTreeNode(parser.parse(markdown)).children, WIDTH))
    parser.core.ruler.push("styled", _styled)
    inner = parser.render(markdown)
    return Body(title, text.strip() + "\n", _document(title, inner, lang))


def plain_body(subject: str, text: str, lang: str = "en") -> Body:
    """Both parts of a text that is not Markdown (a firm's own `.txt` template): the HTML
    part is the text escaped, its lines kept."""
    inner = f'<div style="white-space:pre-wrap">{html.escape(text.strip())}</div>\n'
    return Body(subject.strip(), text.strip() + "\n", _document(subject.strip(), inner, lang))


def _document(title: str, inner: str, lang: str) -> str:
    return (
        "<!DOCTYPE html>\n"
        f'<html lang="{html.escape(lang)}">\n'
        "<head>\n"
        '<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{html.escape(title)}</title>\n"
        "</head>\n"
        f'<body style="{_PAGE}">\n'
        f'<div style="{_COLUMN}">\n'
        f"{inner}"
        "</div>\n"
        "</body>\n"
        "</html>\n"
    )


def _blocks(nodes: list[SyntaxTreeNode], width: int) -> list[str]:
    """Each block of `nodes` as plain text, at most `width` wide where words allow."""
    out: list[str] = []
    for node in nodes:
        if node.type in ("paragraph", "heading"):
            out.append(_wrap(_inline_text(node.children[0].token), width))
        elif node.type in ("bullet_list", "ordered_list"):
            out.append(_list(node, width))
        elif node.type == "blockquote":
            inner = "\n\n".join(_blocks(node.children, width - 2))
            out.append("\n".join(f"> {line}".rstrip() for line in inner.splitlines()))
        elif node.type in ("code_block", "fence"):
            out.append(textwrap.indent(node.content.rstrip("\n"), "    "))
        elif node.type == "hr":
            out.append("-" * 20)
    return [block for block in out if block]


def _list(node: SyntaxTreeNode, width: int) -> str:
    start = int(node.attrs.get("start", 1))
    items = []
    # A tight list (no blank line between its items) hides its items' paragraphs.
    tight = all(
        child.type != "paragraph" or child.hidden
        for item in node.children
        for child in item.children
    )
    for number, item in enumerate(node.children, start):
        marker = "- " if node.type == "bullet_list" else f"{number}. "
        inner = ("\n" if tight else "\n\n").join(_blocks(item.children, width - len(marker)))
        lines = inner.splitlines() or [""]
        hang = " " * len(marker)
        items.append(
            "\n".join(
                [marker + lines[0], *((hang + line).rstrip() if line else "" for line in lines[1:])]
            )
        )
    return ("\n" if tight else "\n\n").join(items)


def _wrap(text: str, width: int) -> str:
    """Each line of `text` (a hard break ends one) filled to `width`; a word longer than
    that (an address) is left whole."""
    return "\n".join(
        textwrap.fill(line, max(width, 20), break_long_words=False, break_on_hyphens=False)
        for line in text.split("\n")
    )


def _inline_text(inline: Token | None) -> str:
    """An inline run's words: emphasis and code markers dropped, a link as `words
    (address)` unless its words are its address, a hard break a new line."""
    parts: list[str] = []
    links: list[tuple[str, int]] = []  # each open link's address and where its words start
    for child in (inline.children or []) if inline else []:
        if child.type in ("text", "code_inline", "html_inline"):
            parts.append(child.content)
        elif child.type == "softbreak":
            parts.append(" ")
        elif child.type == "hardbreak":
            parts.append("\n")
        elif child.type == "link_open":
            links.append((str(child.attrGet("href") or ""), len(parts)))
        elif child.type == "link_close" and links:
            href, start = links.pop()
            words = "".join(parts[start:])
            if href not in (words, f"mailto:{words}"):
                parts.append(f" ({href})")
    return "".join(parts)
