"""Markdown as plain paragraphs, for a medium that shows no formatting (a worksheet's
cells): emphasis and links are reduced to their words, a list item keeps its dash."""

from __future__ import annotations

from markdown_it import MarkdownIt
from markdown_it.token import Token

#: Inline parts whose `content` is the words a reader sees.
_WORDS = ("text", "code_inline", "image")


def paragraphs(markdown: str) -> tuple[str, ...]:
    """Each paragraph, heading or list item of `markdown` as one line of plain text; raw
    HTML stays as it was written (never interpreted)."""
    found: list[str] = []
    lists = 0
    for token in MarkdownIt("commonmark", {"html": False}).parse(markdown):
        if token.type in ("bullet_list_open", "ordered_list_open"):
            lists += 1
        elif token.type in ("bullet_list_close", "ordered_list_close"):
            lists -= 1
        elif token.type == "inline":
            text = " ".join(_words(token.children or []).split())
            if text:
                found.append(f"- {text}" if lists else text)
    return tuple(found)


def _words(children: list[Token]) -> str:
    return "".join(
        child.content
        if child.type in _WORDS
        else " "
        if child.type in ("softbreak", "hardbreak")
        else ""
        for child in children
    )
