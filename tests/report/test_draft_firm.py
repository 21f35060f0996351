"""The firm a draft was built with, kept whole in its snapshot: read back as it was, used
by a rebuild whose settings name no firm, and a clear line where it cannot be."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from reports.config import Config, FirmSettings
from reports.draft_firm import KEY, kept, restored
from reports.errors import SnapshotError
from reports.monthly import snapshot_config

WHERE = Path("/out/2026-10/data/manifest.json")


def firm(logo: Path | None = None) -> FirmSettings:
    return FirmSettings(
        name="Quill & Ink LLP",
        address=("Unit 4, The Yard", "London", "EC1A 1AA"),
        email="accounts@quill.example",
        phone="020 7946 0001",
        website="https://quill.example",
        vat_number="GB 987 6543 21",
        company_number="07654321",
        payment_details="Sort code 11-22-33, account 12345678",
        logo=logo,
        financial_year_start=1,
    )


def manifest(settings: FirmSettings) -> dict[str, object]:
    """As the snapshot's manifest.json keeps it, through JSON."""
    return json.loads(json.dumps({KEY: kept(settings)}))


def test_the_firm_is_read_back_as_it_was(tmp_path: Path) -> None:
    logo = tmp_path / "logo.svg"
    logo.write_text("<svg/>", encoding="utf-8")
    assert restored(manifest(firm(logo)), WHERE) == firm(logo)
    assert restored(manifest(FirmSettings()), WHERE) == FirmSettings()


def test_a_snapshot_from_before_the_firm_was_kept_gives_none() -> None:
    assert restored({"firm": "Quill & Ink LLP"}, WHERE) is None


def test_a_logo_gone_since_the_draft_is_one_line(tmp_path: Path) -> None:
    gone = tmp_path / "logo.png"
    with pytest.raises(SnapshotError) as refused:
        restored(manifest(firm(gone)), WHERE)
    assert str(refused.value) == (
        f"the logo {gone} that the draft in /out/2026-10/data was built with is no longer "
        "there: put it back, or name the firm and its logo in the settings ([firm] name, "
        "logo), or rerun reports monthly"
    )


@pytest.mark.parametrize(
    "damaged",
    [
        {KEY: "Quill"},
        {KEY: {**kept(firm()), "address": "Unit 4"}},
        {KEY: {**kept(firm()), "financial_year_start": 13}},
        {KEY: {key: value for key, value in kept(firm()).items() if key != "phone"}},
    ],
)
def test_a_damaged_firm_is_one_line(damaged: dict[str, object]) -> None:
    with pytest.raises(SnapshotError) as refused:
        restored(damaged, WHERE)
    assert str(refused.value) == (
        f"{WHERE} cannot be read (its firm_settings are not as reports monthly writes them): "
        "rerun reports monthly"
    )


def test_a_rebuild_takes_the_drafts_firm_only_where_the_settings_name_none() -> None:
    drafted = manifest(firm())
    assert snapshot_config(Config(), drafted, WHERE).firm == firm()
    own = FirmSettings(name="Other LLP", vat_number="GB 1")
    assert snapshot_config(Config(firm=own), drafted, WHERE).firm == own
    assert snapshot_config(Config(), {}, WHERE).firm == FirmSettings()
