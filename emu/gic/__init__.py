"""GICv3 (IHI 0069): distributor, redistributor and per-INTID state for one PE; the CPU interface
reads `GICv3.hppi` and drives `acknowledge`/`deactivate`/`threshold`; the core listens to
`GICv3.irq_out`."""

from __future__ import annotations

from .cpuif import CpuInterface
from .gic import GICv3
from .state import IntState, Lifecycle
from .vcpuif import VirtualCpuInterface

__all__ = ["CpuInterface", "GICv3", "IntState", "Lifecycle", "VirtualCpuInterface"]
