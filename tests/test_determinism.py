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
