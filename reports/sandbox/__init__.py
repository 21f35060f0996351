"""A sandbox of the three vendor APIs on loopback, with realistic generated data.

`server` runs them (lifecycle, dispatch, injected faults); `mobility`, `plannr` and
`willsuite` each own one vendor's routes, data and state; `data` holds what they share;
`hostile` serves malformed and hostile records on request.
"""

from reports.sandbox.data import SandboxData, Sizes
from reports.sandbox.generate import generate
from reports.sandbox.mobility import MOBILITY_TOKEN
from reports.sandbox.plannr import PLANNR_ACCOUNT_UUID, PLANNR_TOKEN
from reports.sandbox.server import Sandbox
from reports.sandbox.willsuite import WILLSUITE_CLIENT_ID, WILLSUITE_CLIENT_SECRET

__all__ = [
    "MOBILITY_TOKEN",
    "PLANNR_ACCOUNT_UUID",
    "PLANNR_TOKEN",
    "WILLSUITE_CLIENT_ID",
    "WILLSUITE_CLIENT_SECRET",
    "Sandbox",
    "SandboxData",
    "Sizes",
    "generate",
]
