"""The same image and options give the same console, counts and event stream, always."""

from __future__ import annotations

from pathlib import Path

from emu.board.loader import load_image
from emu.events import Event
from emu.machine import Machine

ROOT = Path(__file__).resolve().parents[1]


def run_recorded(kernel: str) -> tuple[bytes, int, list[tuple[str, int, str]]]:
    machine = Machine()
    events: list[Event] = []
    machine.events.subscribe(events.append)
    machine.load(load_image(ROOT / kernel))
    result = machine.run(10_000_000)
    return result.console, result.insns, [(e.name, e.insns, repr(sorted(e.fields.items()))) for e in events]


def test_two_runs_are_identical() -> None:
    first = run_recorded("asm/vectors.S")
    second = run_recorded("asm/vectors.S")
    assert first == second
    names = {name for name, _, _ in first[2]}
    assert {"machine.reset", "exception.taken", "psci.call"} <= names
    assert len(first[2]) > 5


def test_counts_and_cycles_are_identical_across_runs() -> None:
    def once() -> tuple[bytes, int, list[list[int]], int]:
        machine = Machine()
        machine.load(load_image(ROOT / "asm/pmu_branch_events.S"))
        result = machine.run(10_000_000)
        totals = [list(row) for row in machine.processor.counter.state.totals]
        return result.console, result.insns, totals, machine.time.cycles()

    first, second = once(), once()
    assert first == second
    assert first[3] > first[1]  # cycles come from the cost model, not one per instruction
