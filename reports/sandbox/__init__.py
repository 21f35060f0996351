"""A sandbox of the three vendor APIs on loopback, with realistic generated data."""

from reports.sandbox.data import Sizes, generate
from reports.sandbox.server import (
    MOBILITY_TOKEN,
    PLANNR_ACCOUNT_UUID,
    PLANNR_TOKEN,
    WILLSUITE_CLIENT_ID,
    WILLSUITE_CLIENT_SECRET,
    Sandbox,
)

__all__ = [
    "MOBILITY_TOKEN",
    "PLANNR_ACCOUNT_UUID",
    "PLANNR_TOKEN",
    "WILLSUITE_CLIENT_ID",
    "WILLSUITE_CLIENT_SECRET",
    "Sandbox",
    "Sizes",
    "generate",
]
