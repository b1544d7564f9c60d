"""PMUv3 (FEAT_PMUv3p1, FEAT_PMUv3p5 as an option): the counting model (`pmu`), its registers as
sysreg descriptors (`registers`, access rules in `access`), and the event source and watches it
works with (`source`)."""

from __future__ import annotations

from emu.pmu.pmu import SOURCE_EVENTS, Pmu
from emu.pmu.source import EventSource, Watch

__all__ = ["SOURCE_EVENTS", "EventSource", "Pmu", "Watch"]
