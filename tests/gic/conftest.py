"""A GIC with the default configuration (256 SPIs, 5 priority bits) and MMIO helpers."""

from __future__ import annotations

import pytest

from emu.gic import GICv3


@pytest.fixture
def gic() -> GICv3:
    return GICv3()
