"""The run loop: let the processor run "instructions until the next event", then service the
event (a deadline, the budget, a sleeping core), until the machine says it is done."""

from __future__ import annotations

from typing import Callable

from emu.core.processor import Processor, Stop
from emu.errors import BudgetExhausted, GuestHalted
from emu.sched.deadlines import NEVER, Deadlines

BUDGET, DEADLINE = 0, 1  # watch indices; the processor's watch source uses the ones above


def run(processor: Processor, deadlines: Deadlines, max_insns: int, done: Callable[[], bool],
        sleep: Callable[[], bool] = lambda: False) -> None:
    """Run until `done()` (power off, exit, reset request) or raise the emulator-level stop:
    BudgetExhausted after exactly `max_insns` instructions, GuestHalted when WFI waits for an
    event that cannot come, or whatever error the processor recorded. Deadlines fire right
    after the instruction that brings the count to their time. On WFI, time jumps to the next
    deadline, or `sleep()` moves device time to its next event (False: there is none)."""
    def stops() -> dict[int, int]:
        next_deadline = deadlines.next_due()
        return {BUDGET: max_insns} if next_deadline == NEVER else {BUDGET: max_insns, DEADLINE: next_deadline}

    while True:
        stop = processor.run(stops)
        if processor.error is not None:
            raise processor.error
        if done():
            return
        if stop is Stop.WATCH:
            if processor.fired >> DEADLINE & 1:
                for action in deadlines.pop_due(processor.insns):
                    action()
            elif processor.fired >> BUDGET & 1:
                raise BudgetExhausted(processor.report(
                    f"the guest did not power off within its budget of {max_insns} instructions."))
        elif stop is Stop.WFI:
            wake = deadlines.pop_next()
            if wake is None and sleep():
                continue
            if wake is None:
                raise GuestHalted(processor.report(
                    "the guest executed WFI with no interrupt pending and no device left that could "
                    "raise one, so it would sleep forever."))
            wake()
