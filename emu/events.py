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
        # Called once, when the first listener subscribes: publishers whose events cost something
        # to observe (device callbacks) are wired then, so a stream nobody reads costs nothing.
        self.on_first_listener: list[Callable[[], None]] = []

    @property
    def active(self) -> bool:
        """Whether anyone listens (check it before building costly fields)."""
        return bool(self._listeners)

    def subscribe(self, listener: Listener) -> None:
        first = not self._listeners
        self._listeners.append(listener)
        if first:
            for hook in self.on_first_listener:
                hook()

    def publish(self, name: str, insns: int, /, **fields: Any) -> None:
        if self._listeners:
            event = Event(name, insns, fields)
            for listener in self._listeners:
                listener(event)
