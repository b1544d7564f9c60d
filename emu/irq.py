"""Interrupt lines: a device owns a line and reports level changes; listeners react
(gem5's ArmInterruptPin, KVM's kvm_pmu_update_state)."""

from __future__ import annotations

from typing import Callable


class IrqLine:
    """A level-sensitive wire. `set(level)` notifies the listeners only when the level changes."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.level = False
        self._listeners: list[Callable[[bool], None]] = []

    def connect(self, listener: Callable[[bool], None]) -> None:
        self._listeners.append(listener)

    def set(self, level: bool) -> None:
        level = bool(level)
        if level != self.level:
            self.level = level
            for listener in self._listeners:
                listener(level)

    def raise_(self) -> None:
        self.set(True)

    def lower(self) -> None:
        self.set(False)


class SkidLine(IrqLine):
    """A copy of `source` whose rising edges arrive `skid` instructions late (real cores take a
    PMU overflow interrupt some instructions after the overflowing one); falling edges are
    immediate, and a rise that falls again before it arrives is dropped. `schedule(n, action)`
    runs `action` after n more instructions (the machine's deadlines)."""

    def __init__(self, name: str, source: IrqLine, skid: int, schedule: Callable[[int, Callable[[], None]], None]) -> None:
        super().__init__(name)
        self._source = source
        self._skid = skid
        self._schedule = schedule
        source.connect(self._follow)

    def _follow(self, level: bool) -> None:
        if not level:
            self.set(False)
        elif self._skid == 0:
            self.set(True)
        else:
            self._schedule(self._skid, lambda: self.set(self._source.level))
