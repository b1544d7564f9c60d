"""The run loop: let the processor run "instructions until the next event", then service the
event (a deadline, the budget, a sleeping core), until the machine says it is done."""

from __future__ import annotations

from typing import Callable

from emu.core.processor import Processor, Stop
from emu.errors import BudgetExhausted, GuestHalted
from emu.sched.deadlines import NEVER, Deadlines


def run(processor: Processor, deadlines: Deadlines, max_insns: int, done: Callable[[], bool]) -> None:
    """Run until `done()` (power off, exit, reset request) or raise the emulator-level stop:
    BudgetExhausted past `max_insns`, GuestHalted when WFI waits for an event that cannot come,
    or whatever error the processor recorded."""
    while True:
        next_deadline = deadlines.next_due()
        limit = min(max_insns, next_deadline)
        stop = processor.run(limit)
        if processor.error is not None:
            raise processor.error
        if done():
            return
        if stop is Stop.LIMIT:
            if limit == next_deadline != NEVER:
                for action in deadlines.pop_due(limit):
                    action()
            else:
                raise BudgetExhausted(processor.report(
                    f"the guest did not power off within its budget of {max_insns} instructions "
                    f"({processor.insns} retired)."))
        elif stop is Stop.WFI:
            wake = deadlines.pop_next()
            if wake is None:
                raise GuestHalted(processor.report(
                    "the guest executed WFI with no interrupt pending and no device left that could "
                    "raise one, so it would sleep forever."))
            wake()
