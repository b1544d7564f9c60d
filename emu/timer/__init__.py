"""The generic timer (Arm ARM D12, registers D24.10): the model and its three interrupt lines
(`timer`), its registers as sysreg descriptors (`registers`, access rules in `access`), and the
time source and CPU clock it reads time from (`source`)."""

from __future__ import annotations

from emu.timer.fields import FREQUENCY_HZ
from emu.timer.source import DEFAULT_CLOCK_HZ, Clock, TimeSource
from emu.timer.timer import GenericTimer, Timer

__all__ = ["DEFAULT_CLOCK_HZ", "FREQUENCY_HZ", "Clock", "GenericTimer", "TimeSource", "Timer"]
