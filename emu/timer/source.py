"""Where the generic timer's time comes from: emulated CPU cycles, never the host clock
(DESIGN.md "Time"), turned into system counter ticks by a CPU clock frequency."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from emu.timer.fields import FREQUENCY_HZ

# 1 GHz: 16 cycles per counter tick, so CNTPCT_EL0 = cycles / 16 and, where every instruction
# costs one cycle, the counter matches QEMU's `-icount shift=0` (1 ns per instruction).
DEFAULT_CLOCK_HZ = 1_000_000_000


class TimeSource(Protocol):
    """Emulated time."""

    def cycles(self) -> int:
        """CPU cycles since reset at the current instruction boundary; never decreases."""
        ...


@dataclass(frozen=True, slots=True)
class Clock:
    """A CPU clock of `hz` cycles per second driving the 62.5 MHz system counter, in exact
    integer arithmetic: `ticks(c)` counter ticks have elapsed after c cycles."""

    hz: int = DEFAULT_CLOCK_HZ

    def __post_init__(self) -> None:
        if self.hz <= 0:
            raise ValueError(f"the CPU clock must be a positive number of Hz, not {self.hz}")

    def ticks(self, cycles: int) -> int:
        """Counter ticks after `cycles` CPU cycles: floor(cycles * 62.5 MHz / hz)."""
        return cycles * FREQUENCY_HZ // self.hz

    def first_cycle(self, ticks: int) -> int:
        """The smallest cycle count c with ticks(c) >= `ticks`: ceil(ticks * hz / 62.5 MHz)."""
        return -(-ticks * self.hz // FREQUENCY_HZ)
