"""The settings a draft was built with, compared with an approval's one by one: what the
refusal names, and what it never prints. The whole approval, through the command line,
is in test_approval.py."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from reports.config import Config, FirmSettings, Secret
from reports.draft_settings import (
    Setting,
    config_settings,
    drafted_settings,
    require_same_settings,
    run_settings,
    stored,
)
from reports.errors import ApprovalError

MONTH = "2026-10"


def settings(firm: FirmSettings, name: str = "Quill & Ink LLP") -> tuple[Setting, ...]:
    return run_settings(name, "GBP", "0123456789abcdef", 12) + config_settings(Config(firm=firm))


def refusal(drafted: tuple[Setting, ...], now: tuple[Setting, ...]) -> str:
    with pytest.raises(ApprovalError) as refused:
        require_same_settings(MONTH, drafted, now)
    return str(refused.value)


def test_the_same_settings_pass() -> None:
    firm = FirmSettings(address=("1 Fleet Street", "London"), vat_number="GB 123")
    require_same_settings(MONTH, settings(firm), settings(firm))


def test_each_field_that_differs_is_named_with_both_values_on_one_line() -> None:
    drafted = FirmSettings(address=("1 Fleet Street", "London"), payment_details="Sort 00-11-22")
    now = FirmSettings(
        address=("2 Fleet Street", "London"), payment_details="Sort 33-44-55\nAcct 1234"
    )
    assert refusal(settings(drafted), settings(now, "Quill Ltd")) == (
        "the firm's name differs from the draft's (\"Quill & Ink LLP\" in the draft of 2026-10, "
        '"Quill Ltd" now); [firm] address differs from the draft\'s ("1 Fleet Street, London" '
        'in the draft of 2026-10, "2 Fleet Street, London" now); [firm] payment_details '
        'differs from the draft\'s ("Sort 00-11-22" in the draft of 2026-10, "Sort 33-44-55 '
        'Acct 1234" now): approve with --firm "Quill & Ink LLP" and the same --config as '
        "reports monthly, or rerun reports monthly"
    )


def test_a_logo_redrawn_at_the_same_path_is_named(tmp_path: Path) -> None:
    logo = tmp_path / "logo.svg"
    logo.write_text("<svg/>")
    drafted = settings(FirmSettings(logo=logo))
    logo.write_text('<svg><rect width="1"/></svg>')
    assert refusal(drafted, settings(FirmSettings(logo=logo))) == (
        "[firm] logo differs from the draft's: approve with the same --config as reports "
        "monthly, or rerun reports monthly"
    )


def test_a_secret_is_never_kept_nor_printed_but_its_change_is_named() -> None:
    def firm(details: str) -> FirmSettings:
        return FirmSettings(payment_details=Secret(details))  # type: ignore[arg-type]

    drafted = settings(firm("account 12345678"))
    kept = json.dumps(stored(config_settings(Config(firm=firm("account 12345678")))))
    assert "12345678" not in kept
    said = refusal(drafted, settings(firm("account 87654321")))
    assert said.startswith("[firm] payment_details differs from the draft's: ")
    assert "12345678" not in said and "87654321" not in said


def test_a_snapshot_kept_as_json_reads_back_the_same(tmp_path: Path) -> None:
    firm = FirmSettings(address=("1 Fleet Street",), vat_number="GB 123")
    manifest = json.loads(
        json.dumps(
            {
                "firm": "Quill & Ink LLP",
                "report_currency": "GBP",
                "templates": "0123456789abcdef",
                "history_months": 12,
                "settings": stored(config_settings(Config(firm=firm))),
            }
        )
    )
    drafted = drafted_settings(manifest, tmp_path / "manifest.json")
    assert drafted is not None
    require_same_settings(MONTH, drafted, settings(firm))
    # One hash of them all, as earlier snapshots kept: the old check's to make.
    assert drafted_settings(manifest | {"settings": "0123"}, tmp_path) is None
    broken = manifest | {"settings": {"firm.address": {"shown": "x"}}}
    with pytest.raises(ApprovalError, match=r"cannot be read .*: rerun reports monthly"):
        drafted_settings(broken, tmp_path / "manifest.json")
