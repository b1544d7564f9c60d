"""What the PMU reads events from, and what it asks the event counting hook to stop at.

Events are never pushed one by one (QEMU's pmu_op_start/pmu_op_finish, gem5's CounterState): the
native hook keeps cumulative totals per event and Exception level, and `Pmu.sync` folds what
happened since the previous sync into the counters."""

from __future__ import annotations

from typing import NamedTuple, Protocol


class EventSource(Protocol):
    """Cumulative event totals since reset."""

    def total(self, el: int, event: int) -> int:
        """How many `event`s (an emu.arch.pmuv3.Event other than SW_INCR and CHAIN, which the PMU
        makes itself) happened at Exception level `el` (0, 1 or 2). Never decreases, and must
        count exactly the retired instructions when `Pmu.sync` reads it."""
        ...


class Watch(NamedTuple):
    """A counter overflows after `remaining` more `event`s at the Exception levels of `el_mask`
    (bit n = ELn), and not one earlier."""

    event: int
    el_mask: int
    remaining: int
