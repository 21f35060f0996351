"""Text from the vendors' APIs made safe for the places it is shown: terminals, logs, emails.

Names and ids come from systems we do not control. A carriage return or an escape sequence
printed raw to stderr or a cron log could forge a line; a lone surrogate cannot be encoded
at all; a NUL byte has no place in an email. Each helper here makes one such place safe and
shows what was there instead of dropping it silently.
"""

from __future__ import annotations

import re

#: C0 and C1 controls, DEL, the Unicode bidi controls (embeddings, overrides, isolates,
#: marks) that can reorder what a reader sees, and the characters that show nothing (zero-width
#: spaces and joiners, the word joiner, the byte-order mark), so that two names that differ
#: only by one can be told apart.
_UNPRINTABLE = re.compile(
    r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2060\u2066-\u2069\ufeff]"
)
#: Controls an email text part must not carry (line breaks and tabs are text).
_MAIL_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_SURROGATE = re.compile("[\ud800-\udfff]")
#: The Unicode characters that change the direction of the text around them.
BIDI_CONTROLS = frozenset("\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def printable(text: str) -> str:
    """`text` with every control character shown as an escape (`\\r`, `\\x1b`, `\\u202e`), so
    that one message is one line and cannot recolour or rewrite the terminal."""
    return _UNPRINTABLE.sub(_escape, text)


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    return {"\n": "\\n", "\r": "\\r", "\t": "\\t"}.get(char) or (
        f"\\x{ord(char):02x}" if ord(char) < 0x100 else f"\\u{ord(char):04x}"
    )


def repair_surrogates(text: str) -> str:
    """A lone UTF-16 surrogate (valid in JSON, not in UTF-8) becomes U+FFFD, the replacement
    character, so that the broken character stays visible where it was."""
    return _SURROGATE.sub("\ufffd", text)


def mail_text(text: str) -> str:
    """An email text part's body: control characters other than line breaks and tabs removed."""
    return _MAIL_CONTROLS.sub("", text)


def isolate_direction(text: str) -> str:
    """Text with bidi controls wrapped in a first-strong isolate (U+2068 ... U+2069), so that an
    override inside a name (U+202E) cannot reverse what the template prints after it."""
    if not BIDI_CONTROLS.intersection(text):
        return text
    return f"\u2068{text}\u2069"
