"""Statement attachment names: at most 255 bytes of UTF-8 whatever makes them unique, each
client's own, cut only between characters."""

from __future__ import annotations

import polars as pl

from reports.render.file_names import attachment_names
from reports.report.model import Statement, StatementTotals

MONTH = "2026-10"


def statement(key: str, client: str, reference: str | None) -> Statement:
    empty = pl.DataFrame()
    return Statement(
        key, "x", client, None, reference, (), empty, empty, empty, empty, StatementTotals()
    )


def check(names: dict[str, str], statements: list[Statement]) -> None:
    """Every name fits a disk, is the client's own (whatever the case), keeps the month and
    `.pdf`, and starts with the client's name as far as it goes."""
    assert len({name.casefold() for name in names.values()}) == len(names)
    for each in statements:
        name = names[each.key]
        assert len(name.encode("utf-8")) <= 255, (len(name.encode("utf-8")), name)
        assert name.startswith("Statement - ") and name.endswith(f" - {MONTH}.pdf")
        shown = name.removeprefix("Statement - ").split(" (")[0].removesuffix(f" - {MONTH}.pdf")
        # Cut between characters: what is shown is the name's start, then an ellipsis.
        assert each.client.startswith(shown.removesuffix("\u2026")), (shown, each.client)


def test_a_300_character_reference_gives_a_name_of_at_most_255_bytes() -> None:
    reference = "REF-" + "1234567890" * 30
    statements = [
        statement("willsuite-1", "John Smith", reference),
        statement("willsuite-2", "John Smith", reference + "-B"),  # alike for 300 characters
        statement("willsuite-3", "John Smith", reference.lower()),  # alike but for case
    ]
    names = attachment_names(statements, MONTH)
    check(names, statements)
    assert names["willsuite-1"].startswith("Statement - John Smith (REF-1234567890")
    assert "\u2026" in names["willsuite-1"]


def test_long_names_in_several_bytes_a_character_are_cut_between_characters() -> None:
    emoji = "\U0001f600" * 80  # four bytes each
    chinese = "\u6e2c\u8a66\u6709\u9650\u516c\u53f8" * 20  # three bytes each
    accents = "Soci\u00e9t\u00e9 G\u00e9n\u00e9rale d'\u00c9tudes " * 8  # some two bytes
    statements = [
        statement("mobility-1", emoji, "\u00e9" * 200),
        statement("mobility-2", emoji, "\u00e9" * 200),  # one name, one reference
        statement("mobility-3", chinese, "\U0001f4b7" * 100),
        statement("mobility-4", chinese, None),
        statement("mobility-5", accents, "A" * 300),
        statement("mobility-6", accents.upper(), "a" * 300),
        statement("mobility-7", "x\ud800y", None),  # a lone surrogate from a JSON API
    ]
    names = attachment_names(statements, MONTH)
    check(names, statements[:-1])
    assert names["mobility-7"].encode("utf-8").decode("utf-8") == names["mobility-7"]
    assert names["mobility-1"] != names["mobility-2"]


def test_a_short_name_is_unchanged() -> None:
    names = attachment_names([statement("mobility-1", "Acme Ltd", "1")], MONTH)
    assert names == {"mobility-1": "Statement - Acme Ltd - 2026-10.pdf"}
