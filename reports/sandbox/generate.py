"""The three vendors' generated data, made in one call."""

from __future__ import annotations

import random

from reports.sandbox import mobility, plannr, willsuite
from reports.sandbox.data import SandboxData, Sizes


def generate(seed: int = 1, sizes: Sizes | None = None) -> SandboxData:
    """The three vendors' data for `seed`, `sizes` records of each."""
    sizes = sizes or Sizes()
    data = SandboxData()
    mobility.Generator(random.Random(f"mobility-{seed}"), data, sizes).run()
    plannr.Generator(random.Random(f"plannr-{seed}"), data, sizes).run()
    willsuite.Generator(random.Random(f"willsuite-{seed}"), data, sizes).run()
    return data
