"""STALL_FRONTEND (0x23) and STALL_BACKEND (0x24), required with FEAT_PMUv3p1: the cycles the
cost model charges beyond one issue cycle per instruction (emu/timing/blockinfo.py says which
side each class is on); the branch tail's taken bubble and mispredict penalty are front-end."""

from __future__ import annotations

import random

import pytest
from unicorn import UC_HOOK_BLOCK, Uc

from emu.arch.pmuv3 import Event, pmceid
from emu.machine import Machine
from emu.timing.classify import InsnClass as C
from emu.timing.costmodel import default_cost_model
from emu.timing.native import SLOTS
from tests.conftest import image_of, machine_for

MODEL = default_cost_model()
OFF = "    ldr x0, =0x84000008\n    smc #0\n"

# Counters 0-3 count STALL_FRONTEND, STALL_BACKEND, CPU_CYCLES and INST_RETIRED at EL2 (NSH).
KERNEL = """
    ldr x0, =0x08000023
    msr pmevtyper0_el0, x0
    ldr x0, =0x08000024
    msr pmevtyper1_el0, x0
    ldr x0, =0x08000011
    msr pmevtyper2_el0, x0
    ldr x0, =0x08000008
    msr pmevtyper3_el0, x0
    mov x0, #15
    msr pmcntenset_el0, x0
    ldr x5, =0x41000000
    mov x4, #1
    mov x0, #1
    msr pmcr_el0, x0            // E: counting starts; this MSR is the first instruction counted
    ldr x1, [x5]
    ldr x2, [x5, #8]
    udiv x3, x1, x2
    isb
    cbnz x4, target             // taken, first seen: predicted not taken
    nop
target:
    mrs x20, pmevcntr0_el0
    mrs x21, pmevcntr1_el0
    mrs x22, pmevcntr2_el0
    mrs x23, pmevcntr3_el0
    mrs x24, pmceid1_el0
""" + OFF


def test_kernel_exact_stall_counts() -> None:
    m = machine_for(KERNEL)
    assert m.run(10_000).reason == "system-off"
    load, div, isb, sysreg = (MODEL.cost(c) for c in (C.LOAD, C.DIV, C.BARRIER, C.SYSREG))
    assert (load, div, isb, sysreg) == (4, 12, 14, 1)  # a57.toml
    mispredicted_taken = MODEL.branch_taken_extra + MODEL.branch_mispredict_penalty  # 1 + 14
    frontend = (isb - 1) + mispredicted_taken
    backend = 2 * (load - 1) + (div - 1)
    assert m.cpu.x(20) == frontend == 28
    assert m.cpu.x(21) == backend == 17
    # Before the third MRS: MSR, 2 LDR, UDIV, ISB, CBNZ and two MRS; each costs one issue cycle
    # plus its stall cycles, so the identity INST_RETIRED + stalls == CPU_CYCLES is exact here.
    assert m.cpu.x(22) == 8 + frontend + backend == 53
    assert m.cpu.x(23) == 9
    assert m.cpu.x(24) == pmceid()[1] == 0x1A  # BR_RETIRED, STALL_FRONTEND, STALL_BACKEND


def test_functional_mode_counts_no_stalls() -> None:
    m = Machine(functional=True)
    m.load(image_of(KERNEL))
    assert m.run(10_000).reason == "system-off"
    # The PMU stands still in functional mode (docs/timing.md): the stalls as CPU_CYCLES (and
    # the Python-handled MSRs' take-backs do not drive the totals below zero).
    assert (m.cpu.x(20), m.cpu.x(21), m.cpu.x(22), m.cpu.x(23)) == (0, 0, 0, 0)
    assert all(v == 0 for el in range(3) for v in m.processor.counter.state.totals[el])
    assert m.cpu.x(24) == 0x1A


# A random program at EL0, whose SVCs enter an EL1 handler that runs random code and an HVC
# into an EL2 handler that runs random code too: every EL, exceptions, Python-handled MSRs.
_POOL = (
    "add x1, x1, #3", "add x2, x2, x1, lsl #2", "mul x3, x1, x2", "udiv x4, x1, x3",
    "sdiv x4, x2, x1", "ldr x6, [x5, #8]", "str x1, [x5, #16]", "ldp x6, x7, [x5]",
    "stp x1, x2, [x5, #32]", "isb", "dmb ish", "dsb sy", "fadd d0, d1, d2", "mrs x9, nzcv",
    "madd x3, x1, x2, x3", "eor x1, x1, x2, ror #7", "nop", "ubfx x8, x1, #3, #5",
)


def _random_code(rng: random.Random, n: int, tag: str) -> str:
    lines = []
    for k in range(n):
        roll = rng.random()
        if roll < 0.15:
            lines.append(f"    tbz x1, #{rng.randrange(6)}, {tag}{k}\n    add x1, x1, #1\n{tag}{k}:")
        elif roll < 0.2:
            lines.append(f"    cmp x2, x1\n    b.hi {tag}{k}\n    mul x2, x2, x1\n{tag}{k}:")
        elif roll < 0.24:
            lines.append("    bl leaf")
        else:
            lines.append("    " + rng.choice(_POOL))
    return "\n".join(lines) + "\n"


def _program(seed: int) -> str:
    rng = random.Random(seed)
    el0 = "".join(_random_code(rng, 30, f"z{i}_") + "    svc #0\n" for i in range(12))
    return f"""
    ldr x0, =vec2
    msr vbar_el2, x0
    ldr x0, =vec1
    msr vbar_el1, x0
    ldr x0, ={1 << 31}
    msr hcr_el2, x0
    ldr x0, =0x08000011         // CPU_CYCLES, STALL_FRONTEND, STALL_BACKEND at EL0-EL2 (NSH)
    msr pmevtyper0_el0, x0
    ldr x0, =0x08000023
    msr pmevtyper1_el0, x0
    ldr x0, =0x08000024
    msr pmevtyper2_el0, x0
    mov x0, #7
    msr pmcntenset_el0, x0
    mov x0, #1
    msr pmcr_el0, x0
    ldr x0, =0x3C5
    msr spsr_el2, x0
    ldr x0, =el1
    msr elr_el2, x0
    ldr x0, =0x41100000
    msr sp_el1, x0
    ldr x5, =0x41000000
    mov x1, #7
    mov x2, #5
    eret
el1:
    ldr x0, =0x3C0
    msr spsr_el1, x0
    ldr x0, =el0
    msr elr_el1, x0
    ldr x0, =0x41200000
    msr sp_el0, x0
    eret
el0:
{el0}
    mov x10, #1
    svc #0
leaf:
    add x11, x11, #1
    ret
el1_sync:
    cbnz x10, done
{_random_code(rng, 25, "h1_")}
    hvc #0
    eret
done:
{OFF}
el2_sync:
{_random_code(rng, 20, "h2_")}
    eret
.balign 2048
vec1:
    .space 0x400
    b el1_sync
.balign 2048
vec2:
    .space 0x400
    b el2_sync
"""


def _check(m: Machine) -> int:
    totals = m.processor.counter.state.totals
    checked = 0
    for el in range(3):
        row = totals[el]
        insts, cycles = row[SLOTS[Event.INST_RETIRED]], row[SLOTS[Event.CPU_CYCLES]]
        frontend, backend = row[SLOTS[Event.STALL_FRONTEND]], row[SLOTS[Event.STALL_BACKEND]]
        taken = row[SLOTS[Event.EXC_TAKEN]]
        assert frontend + backend <= cycles, el
        # Exact: each instruction costs one issue cycle plus its stall cycles (no WFI here), and
        # the exception-entry cycles are in CPU_CYCLES only.
        assert insts + frontend + backend + taken * MODEL.exception_entry == cycles, el
        checked += insts > 0
    return checked


@pytest.mark.parametrize("seed", range(3))
def test_stalls_never_exceed_cycles_in_a_random_program(seed: int) -> None:
    m = machine_for(_program(seed))
    seen: list[int] = []

    def hook(uc: Uc, address: int, size: int, user: object) -> None:
        seen.append(_check(m))  # after the native hook charged the block (hooks run in order)

    m.uc.hook_add(UC_HOOK_BLOCK, hook)
    assert m.run(200_000).reason == "system-off"
    assert _check(m) == 3  # every EL retired instructions
    assert len(seen) > 100
    totals = m.processor.counter.state.totals
    assert all(totals[el][SLOTS[Event.STALL_FRONTEND]] > 0 for el in range(3))
    assert all(totals[el][SLOTS[Event.STALL_BACKEND]] > 0 for el in range(3))
    # The PMU counts them like any other event: counters 0-2 over every EL.
    m.pmu.sync()
    fe = sum(totals[el][SLOTS[Event.STALL_FRONTEND]] for el in range(3))
    be = sum(totals[el][SLOTS[Event.STALL_BACKEND]] for el in range(3))
    cycles = sum(totals[el][SLOTS[Event.CPU_CYCLES]] for el in range(3))
    assert m.pmu.pmevcntr[1] + m.pmu.pmevcntr[2] <= m.pmu.pmevcntr[0]
    assert 0 < m.pmu.pmevcntr[1] <= fe and 0 < m.pmu.pmevcntr[2] <= be and m.pmu.pmevcntr[0] <= cycles
