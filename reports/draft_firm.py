"""The firm a month's draft was built with, kept whole in its snapshot's manifest
(`firm_settings`), so that a rebuild from the snapshot (`reports monthly --from-snapshot`,
`reports approve`) under settings that name no firm says what the draft said: its address,
numbers, contact lines and bank details, not the name alone. The demo's firm, say, comes
from the sandbox (`--sandbox`), which such a rebuild does not start.

Every field is one the documents print anyway (`reports.draft_settings` keeps each one's
digest for the approval's check); the logo is kept as the path of its file.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from reports.config import FirmSettings
from reports.errors import SnapshotError

#: The snapshot manifest's key.
KEY = "firm_settings"
_TEXTS = ("email", "phone", "website", "vat_number", "company_number", "payment_details")


def kept(firm: FirmSettings) -> dict[str, object]:
    """`firm` as the snapshot's manifest keeps it (JSON)."""
    return {
        "name": firm.name,
        "address": list(firm.address),
        **{field: getattr(firm, field) for field in _TEXTS},
        # As given, as the approval's check digests it (a relative path is the settings
        # file's, read from where the command runs).
        "logo": str(firm.logo) if firm.logo is not None else None,
        "financial_year_start": firm.financial_year_start,
    }


def restored(manifest: Mapping[str, object], where: Path) -> FirmSettings | None:
    """The firm kept in a snapshot's `manifest` (the file `where`); None for a snapshot
    written before the firm was kept. A `SnapshotError` if it cannot be read, or if its
    logo is no longer there."""
    kept = manifest.get(KEY)
    if kept is None:
        return None
    try:
        if not isinstance(kept, dict):
            raise TypeError("not a table")
        firm = _parsed(kept)
    except (KeyError, TypeError, ValueError):
        raise SnapshotError(
            f"{where} cannot be read (its {KEY} are not as reports monthly writes them): "
            "rerun reports monthly"
        ) from None
    if firm.logo is not None and not firm.logo.is_file():
        raise SnapshotError(
            f"the logo {firm.logo} that the draft in {where.parent} was built with is no "
            "longer there: put it back, or name the firm and its logo in the settings "
            "([firm] name, logo), or rerun reports monthly"
        )
    return firm


def _parsed(kept: Mapping[str, object]) -> FirmSettings:
    address = kept["address"]
    if not isinstance(address, list) or not all(isinstance(line, str) for line in address):
        raise TypeError("address is not a list of lines")
    start = kept["financial_year_start"]
    if not isinstance(start, int) or not 1 <= start <= 12:
        raise ValueError("financial_year_start is not a month")
    name = kept["name"]
    if not isinstance(name, str):
        raise TypeError("name is not text")
    logo = _text(kept["logo"])
    return FirmSettings(
        name=name,
        address=tuple(address),
        email=_text(kept["email"]),
        phone=_text(kept["phone"]),
        website=_text(kept["website"]),
        vat_number=_text(kept["vat_number"]),
        company_number=_text(kept["company_number"]),
        payment_details=_text(kept["payment_details"]),
        logo=Path(logo) if logo else None,
        financial_year_start=start,
    )


def _text(value: object) -> str | None:
    if value is not None and not isinstance(value, str):
        raise TypeError(f"{value!r} is not text")
    return value
