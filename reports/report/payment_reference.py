"""The reference each client quotes when paying: one a UK bank accepts, unique per client.

UK banking apps take a payment reference of at most 18 characters, of A-Z, 0-9, space,
hyphen, full stop and slash (Faster Payments, Bacs); some drop or refuse anything else, so a
client quoting "10032025 - GARCÍ018" pays with a reference that matches no one. The rule
(docs/calculations.md, "The payment reference"):

1. The client's own reference, transliterated to ASCII (accents dropped; ß, Æ, Ø, Ł, ...
   spelled out), in upper case, every other character a space (apostrophes and invisible
   characters dropped), spaces collapsed, separators trimmed from the ends.
2. Without its leading words that identify no one: "QUOTE", "REF", ... and a date
   (a will writer's case references are `<day opened DDMMYYYY> - <code>`: the code identifies
   the client, the date only when the case opened); the whole, if nothing would be left.
3. At most 18 characters: a longer one keeps its start, cut where a word ends if that keeps
   half of it.
4. A client with no reference (or none with a letter or digit in it) gets one from its key:
   its source's initial and its id (`M77`).
5. Clients whose references share their letters and digits (`ACME`, `acme`; `12/34`,
   `12-34`) each get a suffix from a hash of their key (`ACME PJSC`), as a bank's matching
   or a client typing it may drop the spaces and punctuation. If even that leaves two alike,
   it is a `DataError` naming the clients.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import replace

from reports.errors import DataError
from reports.report.model import Statement
from reports.text import printable

#: The most characters a UK bank takes in a payment reference.
MOST = 18

#: Letters NFKD does not split into a plain letter and an accent.
_SPELLED = str.maketrans(
    {
        "ß": "SS",
        "ẞ": "SS",
        "Æ": "AE",
        "æ": "AE",
        "Ø": "O",
        "ø": "O",
        "Ł": "L",
        "ł": "L",
        "Đ": "D",
        "đ": "D",
        "Ð": "D",
        "ð": "D",
        "Þ": "TH",
        "þ": "TH",
        "Œ": "OE",
        "œ": "OE",
        "ı": "I",
        "Ħ": "H",
        "ħ": "H",
    }
)
#: Apostrophes are dropped, not spaced: O'BRIEN001 is OBRIEN001.
_APOSTROPHES = frozenset("'\u2018\u2019\u02bc\u02b9`")
_SEPARATORS = " ./-"
_NOT_ALLOWED = re.compile(r"[^A-Z0-9 ./-]+")
_NOT_ALPHANUMERIC = re.compile(r"[^A-Z0-9]")
#: Leading words that say how to quote, not whom.
_FILLER = frozenset({"PLEASE", "QUOTE", "QUOTING", "YOUR", "OUR", "REF", "REFERENCE"})
_DAY_FIRST = re.compile(r"(?P<day>\d\d)([./-]?)(?P<month>\d\d)\2(?P<year>\d{4})")
_YEAR_FIRST = re.compile(r"(?P<year>\d{4})([./-]?)(?P<month>\d\d)\2(?P<day>\d\d)")
#: The suffix's alphabet: Crockford's base 32, with no I, L, O or U to misread.
_DIGITS = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
#: How many characters of suffix two clients alike get, shortest first.
_SUFFIX_LENGTHS = (4, 6, 8)


def bank_safe(text: str) -> str:
    """`text` in the characters every UK bank accepts (step 1): `GARCÍ018` is `GARCI018`;
    empty when it has no letter or digit that ASCII can spell."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_SPELLED))
    kept = "".join(
        char
        for char in decomposed
        if char not in _APOSTROPHES and unicodedata.category(char) not in ("Mn", "Me", "Cf")
    )
    spaced = " ".join(_NOT_ALLOWED.sub(" ", kept.upper()).split())
    return spaced.strip(_SEPARATORS) if _NOT_ALPHANUMERIC.sub("", spaced) else ""


def _is_date(word: str) -> bool:
    """`10032025`, `2025-03-10`, `10/03/2025`: a day of 1900-2099, day first or year first."""
    found = _DAY_FIRST.fullmatch(word) or _YEAR_FIRST.fullmatch(word)
    if found is None:
        return False
    day, month, year = (int(found[name]) for name in ("day", "month", "year"))
    try:
        dt.date(year, month, day)
    except ValueError:
        return False
    return 1900 <= year <= 2099


def _identifying(text: str) -> str:
    """`text` without its leading filler words and date (step 2), when something is left."""
    words = text.split(" ")
    start = 0
    while start < len(words) and (
        words[start].strip(_SEPARATORS) in _FILLER
        or _is_date(words[start])
        or not words[start].strip(_SEPARATORS)
    ):
        start += 1
    rest = " ".join(words[start:]).strip(_SEPARATORS)
    return rest if _NOT_ALPHANUMERIC.sub("", rest) else text


def _fit(text: str, room: int) -> str:
    """`text` in at most `room` characters (step 3): its start, cut where a word or a part
    of one ends if that keeps at least half the room."""
    if len(text) <= room:
        return text
    ends = [i for i in range(room, room // 2, -1) if text[i] in _SEPARATORS]
    return text[: ends[0] if ends else room].rstrip(_SEPARATORS)


def own_reference(statement: Statement) -> str:
    """The client's payment reference before any is told apart from another (steps 1-4)."""
    cleaned = bank_safe(statement.reference or "")
    if cleaned:
        return _fit(_identifying(cleaned), MOST)
    client_id = statement.key.removeprefix(f"{statement.source}-")
    derived = bank_safe(statement.source[:1] + client_id)
    if len(_NOT_ALPHANUMERIC.sub("", derived)) > 1:  # more than the initial
        return _fit(derived, MOST)
    return f"{bank_safe(statement.source[:1]) or 'C'}{suffix(statement.key, 8)}"


def suffix(key: str, length: int) -> str:
    """`length` characters from the SHA-256 of a client's key: the same for it every run."""
    number = int.from_bytes(hashlib.sha256(key.encode("utf-8", "surrogatepass")).digest())
    return "".join(_DIGITS[(number >> (251 - 5 * i)) & 31] for i in range(length))


def _loose(reference: str) -> str:
    """What two references must not share: their letters and digits."""
    return _NOT_ALPHANUMERIC.sub("", reference)


def payment_references(statements: Iterable[Statement]) -> dict[str, str]:
    """Each statement's key to the reference its client quotes when paying: bank-safe
    (`[A-Z0-9 ./-]{1,18}`), unique per client whatever its spaces and punctuation, the same every
    run for the same clients. Two clients left alike is a `DataError` naming them."""
    chosen = list(statements)
    keys = [s.key for s in chosen]
    if len(set(keys)) != len(keys):
        twice = sorted({key for key in keys if keys.count(key) > 1})
        raise DataError(printable(f"two statements for one client key: {', '.join(twice)}"))
    own = {s.key: own_reference(s) for s in chosen}
    groups: dict[str, list[str]] = {}
    for key, reference in own.items():
        groups.setdefault(_loose(reference), []).append(key)
    final = {key: own[key] for key, *others in groups.values() if not others}
    # Each reference given so far, by its letters and digits: to whom.
    holder = {_loose(reference): key for key, reference in final.items()}
    # Groups in the order of their letters, each member by its key: the same references
    # whatever order the sources listed the clients in.
    for letters in sorted(loose for loose, group in groups.items() if len(group) > 1):
        members = sorted(groups[letters])
        for length in _SUFFIX_LENGTHS:
            tried = {
                key: f"{_fit(own[key], MOST - 1 - length)} {suffix(key, length)}" for key in members
            }
            alike = _alike(tried, holder)
            if not alike:
                final |= tried
                holder |= {_loose(reference): key for key, reference in tried.items()}
                break
        else:
            given = final | tried
            names = {s.key: s.client for s in chosen}
            named = " and ".join(f"{names[key]!r} ({key})" for key in alike)
            quoted = ", ".join(given[key] for key in alike)
            raise DataError(
                printable(
                    f"clients {named} would quote payment references alike ({quoted}), even "
                    f"with a suffix from their key in the {MOST} characters a bank takes: "
                    "change the reference of one of them in its system"
                )
            )
    return {key: final[key] for key in keys}


def _alike(tried: dict[str, str], holder: dict[str, str]) -> list[str]:
    """The clients of `tried` that share their letters and digits with another of them or
    with a reference already given (`holder`), and those others; none when all differ."""
    seen: dict[str, list[str]] = {}
    for key, reference in tried.items():
        seen.setdefault(_loose(reference), []).append(key)
    found: list[str] = []
    for letters, owners in seen.items():
        if len(owners) > 1 or letters in holder:
            found += owners + ([holder[letters]] if letters in holder else [])
    return sorted(found)


def with_payment_references(statements: Iterable[Statement]) -> tuple[Statement, ...]:
    """The month's statements, each with its client's `payment_reference`: they are given
    together, as each must differ from every other."""
    chosen = tuple(statements)
    references = payment_references(chosen)
    return tuple(replace(s, payment_reference=references[s.key]) for s in chosen)
