"""A heap of deadlines keyed by retired-instruction count (the cost model of a later issue
turns this into cycles). Ties fire in the order they were scheduled, so runs are deterministic."""

from __future__ import annotations

import heapq
import itertools
from typing import Callable

NEVER = 2**64 - 1


class Deadlines:
    def __init__(self) -> None:
        self._heap: list[tuple[int, int, Callable[[], None]]] = []
        self._seq = itertools.count()

    def at(self, when: int, action: Callable[[], None]) -> None:
        """Run `action` once the instruction count reaches `when` (at a block boundary)."""
        heapq.heappush(self._heap, (when, next(self._seq), action))

    def next_due(self) -> int:
        return self._heap[0][0] if self._heap else NEVER

    def pop_due(self, now: int) -> list[Callable[[], None]]:
        """Remove and return every action due at or before `now`, in order."""
        due = []
        while self._heap and self._heap[0][0] <= now:
            due.append(heapq.heappop(self._heap)[2])
        return due

    def pop_next(self) -> Callable[[], None] | None:
        """Remove and return the earliest action regardless of time (WFI skips ahead to it)."""
        return heapq.heappop(self._heap)[2] if self._heap else None

    def __bool__(self) -> bool:
        return bool(self._heap)
