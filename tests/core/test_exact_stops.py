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


HOOKED = """
    mov     x0, #1
    msr     pmcr_el0, x0            // PMCR_EL0.E: the cycle counter's enable
    mov     x0, #0x80000000
    msr     pmcntenset_el0, x0
    mov     x0, #0x77
    mrs     x0, pmcr_el0            // a register Python performs
    mrs     x5, pmccntr_el0         // a counter the native hook reads
    mrs     x6, icc_pmr_el1
    mov     x3, x0
    ldr     x0, =0x84000008
    smc     #0
"""


@pytest.mark.parametrize("k", range(11))
def test_a_stop_right_before_a_hooked_system_register_access_runs_it_once(k: int) -> None:
    """The exact step's stop hook and the access's own hook sit on one address: the access's
    hook stands down, so the instruction runs once, after the stop, and is counted once."""
    free = machine_for(HOOKED)
    free_result = free.run(1_000)
    machine = machine_for(HOOKED)
    seen: list[tuple[int, int]] = []
    machine.deadlines.at(k, lambda: seen.append((machine.processor.insns, machine.cpu.pc)))
    result = machine.run(1_000)
    assert seen == [(k, 0x4008_0000 + 4 * k)]
    assert result.insns == free_result.insns == 11
    assert [machine.cpu.x(n) for n in (3, 5, 6)] == [free.cpu.x(n) for n in (3, 5, 6)]
