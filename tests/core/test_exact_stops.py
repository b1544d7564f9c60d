"""Watches stop the run right after the exact instruction: deadlines and the budget land on
every instruction of a loop, checked against raw Unicorn running the same count."""

from __future__ import annotations

import pytest
from unicorn import UC_ARCH_ARM64, UC_MODE_ARM, Uc
from unicorn.arm64_const import UC_ARM64_REG_PC, UC_ARM64_REG_X1, UC_CPU_ARM64_A57

from emu.errors import BudgetExhausted
from tests.conftest import BASE, image_of, machine_for

LOOP = """
    mov x1, #0
    mov x2, #7
spin:
    add x1, x1, #1
    eor x3, x1, x2
    cmp x1, #50
    b.ne spin
    ldr x0, =0x84000008
    smc #0
"""


def reference(count: int) -> tuple[int, int]:
    """PC and X1 after exactly `count` instructions, from raw Unicorn's own counter."""
    uc = Uc(UC_ARCH_ARM64, UC_MODE_ARM, UC_CPU_ARM64_A57)
    uc.mem_map(0x4000_0000, 1 << 20)
    for addr, data in image_of(LOOP).segments:
        uc.mem_write(addr, data)
    uc.emu_start(BASE, 2**64 - 1, 0, count)
    return uc.reg_read(UC_ARM64_REG_PC), uc.reg_read(UC_ARM64_REG_X1)


@pytest.mark.parametrize("when", range(1, 24))
def test_deadline_fires_after_the_exact_instruction(when: int) -> None:
    m = machine_for(LOOP)
    seen: list[tuple[int, int, int]] = []
    m.deadlines.at(when, lambda: seen.append((m.processor.insns, m.cpu.pc, m.cpu.x(1))))
    result = m.run(10_000)
    assert seen == [(when, *reference(when))]
    assert result.insns == 2 + 4 * 50 + 2  # the deadline changed nothing else


@pytest.mark.parametrize("budget", [1, 2, 3, 5, 6, 7, 41, 42])
def test_budget_stops_after_exactly_max_insns(budget: int) -> None:
    m = machine_for(LOOP)
    with pytest.raises(BudgetExhausted):
        m.run(budget)
    assert m.processor.insns == budget
    assert (m.cpu.pc, m.cpu.x(1)) == reference(budget)
