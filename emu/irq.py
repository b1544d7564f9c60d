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
