"""A fake time source and a generic timer wired to a registry, for the timer tests."""

from __future__ import annotations

from emu.sysreg import AccessContext, Decision, Outcome, Registry, access
from emu.timer import GenericTimer

TICK = 16  # cycles per counter tick at the default 1 GHz


class FakeTime:
    """A TimeSource whose cycle count the test sets."""

    def __init__(self) -> None:
        self.now = 0

    def cycles(self) -> int:
        return self.now

    def advance(self, cycles: int) -> None:
        self.now += cycles


class Rig:
    """A generic timer, its time source and a registry of its registers."""

    def __init__(self, *, clock_hz: int = 1_000_000_000, el2_present: bool = True) -> None:
        self.time = FakeTime()
        self.timer = GenericTimer(self.time, clock_hz=clock_hz, el2_present=el2_present)
        self.registry = Registry(self.timer.sysregs)

    def access(self, name: str, el: int, is_read: bool, value: int = 0, *, hcr: int = 0) -> Outcome:
        encoding = self.registry.by_name(name).encoding
        return access(self.registry, encoding, AccessContext(el, is_read, hcr, 0), value)

    def read(self, name: str, el: int = 2) -> int:
        outcome = self.access(name, el, True)
        assert outcome.decision is Decision.OK, (name, el, outcome)
        return outcome.value

    def write(self, name: str, value: int, el: int = 2) -> None:
        outcome = self.access(name, el, False, value)
        assert outcome.decision is Decision.OK, (name, el, outcome)

    def at_tick(self, ticks: int) -> None:
        """Set the time to `ticks` counter ticks (at the default clock) and update the lines."""
        self.time.now = ticks * TICK
        self.timer.update()
