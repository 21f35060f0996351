"""The payment reference a client quotes: at most 18 characters a UK bank takes, spelled from
the client's own reference, unique per client, and the same on the statement, in its email
and in `statements.json`; two clients it cannot tell apart are a one-line error naming them."""

from __future__ import annotations

import json
import re
from pathlib import Path

import polars as pl
import pytest
from factories import sandbox_month
from helpers import pdf_pages
from hypothesis import given
from hypothesis import strategies as st

from reports.config import EmailSettings
from reports.errors import DataError
from reports.render.messages import plan_messages
from reports.render.pdf import write_statements
from reports.report import ReportData
from reports.report.model import Statement, StatementTotals
from reports.report.payment_reference import bank_safe, payment_references
from reports.sandbox import hostile

BANK_SAFE = re.compile(r"[A-Z0-9 ./-]{1,18}")
#: Two keys whose SHA-256 agree in their first 40 bits (found by search): the longest
#: suffix the rule gives (8 characters) cannot tell their clients apart.
SAME_HASH = ("mobility-761264", "mobility-1531069")
MONTH = "2026-10"


def statement(key: str, reference: str | None, client: str = "Client Ltd") -> Statement:
    empty = pl.DataFrame()
    source = key.split("-", 1)[0]
    return Statement(
        key, source, client, None, reference, (), empty, empty, empty, empty, StatementTotals()
    )


def one(reference: str | None, key: str = "mobility-77") -> str:
    return payment_references([statement(key, reference)])[key]


# --------------------------------------------------------------------------- the rule


def test_an_accented_reference_is_spelled_in_plain_capitals() -> None:
    assert bank_safe("GARCÍ018") == "GARCI018"
    assert bank_safe("Müller-7") == "MULLER-7"
    assert one("garcí018") == "GARCI018"


def test_a_willsuite_reference_is_quoted_by_its_code_without_the_date() -> None:
    # WillSuite's case references are "<day opened> - <code>": 19 characters with an
    # accent, and the date identifies no one. Short codes drop it too, so that every
    # client of the firm quotes the same shape.
    assert one("10032025 - GARCÍ018") == "GARCI018"
    assert one("09092026 - DOE001") == "DOE001"
    assert one("quote 10032025 - GARCÍ018") == "GARCI018"
    assert one("Ref: 2025-03-10 / ABC12") == "ABC12"


def test_a_reference_a_bank_takes_is_quoted_as_it_is() -> None:
    for reference in ("ORD-3001", "12/34", "A.B 7", "ORD 20250310"):
        assert one(reference) == reference  # a date after the code is part of it
    assert one("10032025") == "10032025"  # a date alone is all there is


def test_letters_nfkd_does_not_split_are_spelled_out() -> None:
    assert one("Straße 5") == "STRASSE 5"
    assert one("Ørsted Æble") == "ORSTED AEBLE"
    assert one("Łódź Þór Œuvre") == "LODZ THOR OEUVRE"
    assert one("O'Brien’s 001") == "OBRIENS 001"  # apostrophes dropped, not spaced
    assert one("ＡＢＣ①\u200b") == "ABC1"  # full width, circled, zero-width space


def test_a_reference_with_nothing_a_bank_takes_is_made_from_the_key() -> None:
    assert one("李明") == "M77"
    assert one("🙂🙂") == "M77"
    assert one(None) == "M77"
    assert one("  -- / . ") == "M77"
    # A uuid's start: ids alike in their last digits (hostile.SMITH_IDS) stay apart.
    first, second = (one(None, f"willsuite-{case_id}") for case_id in hostile.SMITH_IDS)
    assert (first, second) == ("W6F1C2A10-8B1E", "W7A3D4B20-8B1E")
    # An id with nothing a bank takes: the source's initial and a hash of the key.
    assert re.fullmatch(r"M[0-9A-Z]{8}", one("李", "mobility-李明"))


def test_a_long_reference_keeps_its_start_cut_between_words() -> None:
    assert one("x" * 300) == "X" * 18
    assert one("Acme Holdings Limited account 4471") == "ACME HOLDINGS"
    assert len(one("word " * 60)) <= 18


@given(st.text(max_size=400))
def test_any_reference_gives_one_a_bank_takes(reference: str) -> None:
    assert BANK_SAFE.fullmatch(one(reference))


def test_clients_alike_but_for_accent_case_or_punctuation_are_told_apart() -> None:
    clients = [
        statement("mobility-ACME", "ACME"),
        statement("mobility-acme", "acme"),
        statement("willsuite-a", "10032025 - GARCÍ018"),
        statement("willsuite-b", "11032025 - GARCI018"),
        statement("mobility-12/34", "12/34"),
        statement("mobility-12-34", "12-34"),
        statement("mobility-1", "ORD-1"),
    ]
    given_out = payment_references(clients)
    assert given_out["mobility-1"] == "ORD-1"  # no one else is like it
    assert (given_out["mobility-ACME"], given_out["mobility-acme"]) == ("ACME PJSC", "ACME QBDK")
    letters = [re.sub("[^A-Z0-9]", "", ref) for ref in given_out.values()]
    assert len(set(letters)) == len(clients)  # apart even to a bank that drops punctuation
    for key, own in (
        ("mobility-ACME", "ACME"),
        ("willsuite-a", "GARCI018"),
        ("willsuite-b", "GARCI018"),
        ("mobility-12-34", "12-34"),
    ):
        assert re.fullmatch(rf"{own} [0-9A-Z]{{4}}", given_out[key]), given_out[key]
    # The same references whatever order the clients come in.
    assert payment_references(reversed(clients)) == given_out


def test_a_suffix_makes_room_within_18_characters() -> None:
    twins = [
        statement("mobility-1", "ABCDEFGHIJKLMNOPQR"),
        statement("mobility-2", "abcdefghijklmnopqr"),
    ]
    for reference in payment_references(twins).values():
        assert re.fullmatch(r"ABCDEFGHIJKLM [0-9A-Z]{4}", reference)


def test_clients_no_suffix_tells_apart_are_an_error_naming_both() -> None:
    clients = [
        statement(SAME_HASH[0], "ACME", "Acme Ltd"),
        statement(SAME_HASH[1], "acme", "ACME Holdings"),
        statement("mobility-9", "ORD-9", "Other Ltd"),
    ]
    with pytest.raises(DataError) as raised:
        payment_references(clients)
    # As docs/calculations.md quotes it: one line, the two clients by name and key.
    assert str(raised.value) == (
        "clients 'ACME Holdings' (mobility-1531069) and 'Acme Ltd' (mobility-761264) would "
        "quote payment references alike (ACME CM2C194K, ACME CM2C194K), even with a suffix "
        "from their key in the 18 characters a bank takes: change the reference of one of "
        "them in its system"
    )


def test_one_client_key_twice_is_an_error() -> None:
    with pytest.raises(DataError, match="two statements for one client key: mobility-7"):
        payment_references([statement("mobility-7", "A"), statement("mobility-7", "B")])


# --------------------------------------------------------------------------- a month


@pytest.fixture(scope="module")
def data() -> ReportData:
    """October's report over the sandbox, with clients alike in id (`ACME` and `acme`,
    `12/34` and `12-34`) and two John Smiths."""
    return sandbox_month(seed=1, hostile=["same-name-clients"]).report(MONTH)


def test_every_client_of_the_month_quotes_its_own_bank_safe_reference(data: ReportData) -> None:
    references = [s.payment_reference for s in data.statements]
    assert len(references) > 80
    for reference in references:
        assert BANK_SAFE.fullmatch(reference), reference
    assert len({re.sub("[^A-Z0-9]", "", ref) for ref in references}) == len(references)
    unsafe = [s for s in data.statements if not BANK_SAFE.fullmatch(s.reference or "")]
    assert unsafe  # the sandbox's WillSuite references are 19 characters, some accented
    by_key = {s.key: s.payment_reference for s in data.statements}
    assert by_key["mobility-77"] == "77"
    assert by_key["mobility-ACME"] != by_key["mobility-acme"]


def rendered(data: ReportData) -> list[Statement]:
    """The statements rendered (all 90 take half a minute): two clients alike (`ACME`,
    `acme`), the two John Smiths, an accented reference, and one a bank takes as it is."""
    alike = {f"mobility-{i}" for i in hostile.LOOKALIKE_CLIENT_IDS[:2]}
    alike |= {f"willsuite-{i}" for i in hostile.SMITH_IDS}
    accented = [
        s for s in data.statements if not (s.reference or "").isascii() and s.totals.outstanding
    ][:1]
    plain = next(s for s in data.statements if s.reference == s.payment_reference)
    return [s for s in data.statements if s.key in alike] + accented + [plain]


def test_statement_json_and_email_quote_the_same_reference(
    data: ReportData, tmp_path: Path
) -> None:
    chosen = rendered(data)
    folder = tmp_path / MONTH
    write_statements(data, folder / "statements", statements=chosen)
    listed = json.loads((folder / "statements" / "statements.json").read_text())
    by_key = {entry["key"]: entry for entry in listed}
    for s in chosen:
        entry = by_key[s.key]
        assert entry["payment_reference"] == s.payment_reference
        assert entry["reference"] == s.reference  # the client's own, as its system has it
        text = " ".join(" ".join(pdf_pages(folder / "statements" / entry["path"])).split())
        assert f"Your reference {s.reference}" in text
        # Each that says how to pay (every one owing) says what to quote.
        if s.totals.outstanding or "How to pay" in text:
            assert f"please quote {s.payment_reference} as the payment reference." in text
    # Each client's own address, or one of its own: one statement an email, but for
    # clients who share an address in their system.
    settings = EmailSettings(
        client_addresses={s.key: f"client-{n}@example.com" for n, s in enumerate(chosen)}
    )
    plan = plan_messages(folder, "October 2026", settings, firm=data.firm)
    for message in plan.messages:
        body = " ".join(message.body.split()).replace("*", "")
        for attachment in message.attachments:
            s = next(s for s in chosen if s.key == attachment.client_key)
            quoted = (
                f"please quote {s.payment_reference} as the payment reference."
                if len(message.attachments) == 1
                else f"(payment reference {s.payment_reference})"
            )
            # Only where something is owed is the client asked to pay, and told what to quote.
            owing = s.standing is not None and s.standing.value == "owed"
            assert (quoted in body) == owing, body
            if s.reference and not BANK_SAFE.fullmatch(s.reference):
                assert s.reference not in body  # never what a bank refuses
    assert {a.client_key for m in plan.messages for a in m.attachments} == {s.key for s in chosen}
