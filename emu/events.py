"""The one stream of named events that the core, the board and the devices publish to
(QEMU trace-events style): tracers, steppers and race classifiers only read it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable


@dataclass(frozen=True)
class Event:
    name: str  # e.g. "exception.taken", "psci.call", "irq.line"
    insns: int  # retired-instruction count when it happened
    fields: dict[str, Any] = field(default_factory=dict)


Listener = Callable[[Event], None]


class EventStream:
    """Publish/subscribe with no buffering: listeners run synchronously, in subscription order."""

    def __init__(self) -> None:
        self._listeners: list[Listener] = []

    def subscribe(self, listener: Listener) -> None:
        self._listeners.append(listener)

    def publish(self, name: str, insns: int, **fields: Any) -> None:
        if self._listeners:
            event = Event(name, insns, fields)
            for listener in self._listeners:
                listener(event)
