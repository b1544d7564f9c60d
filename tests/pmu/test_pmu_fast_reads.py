"""The native MRS hook reads PMU counters without Python; it must give exactly what the Python
model gives (fast reads switched off) at every read, across D, LC, filters and overflow."""

from __future__ import annotations

import pytest

from emu.machine import Machine
from tests.conftest import image_of

KERNEL = """
    ldr x0, =0x08000008          // PMEVTYPER0: INST_RETIRED at EL2 (NSH)
    msr pmevtyper0_el0, x0
    ldr x0, =0x08000011          // PMEVTYPER1: CPU_CYCLES at EL2
    msr pmevtyper1_el0, x0
    ldr x0, =0x08000013          // PMEVTYPER2: MEM_ACCESS at EL2
    msr pmevtyper2_el0, x0
    ldr x0, =0x00000008          // PMEVTYPER3: INST_RETIRED, EL2 not counted
    msr pmevtyper3_el0, x0
    ldr x0, =0x08000000
    msr pmccfiltr_el0, x0
    ldr x0, =0xfffffff0
    msr pmevcntr0_el0, x0        // overflows during the loop
    ldr x0, =0x8000000f
    msr pmcntenset_el0, x0
    mov x0, #{pmcr}
    msr pmcr_el0, x0
    ldr x3, =0x41000000
    mov x9, #0
    mov x1, #40
loop:
    mrs x4, pmccntr_el0
    str x4, [x3, x9]
    add x9, x9, #8
    mrs x5, pmevcntr0_el0
    str x5, [x3, x9]
    add x9, x9, #8
    ldr x6, [x3]
    mrs x6, pmevcntr1_el0
    str x6, [x3, x9]
    add x9, x9, #8
    mrs x7, pmevcntr2_el0
    mrs x8, pmevcntr3_el0
    add x7, x7, x8
    str x7, [x3, x9]
    add x9, x9, #8
    subs x1, x1, #1
    b.ne loop
    ldr x0, =0x84000008
    smc #0
"""


def reads(pmcr: int, fast: bool) -> bytes:
    machine = Machine()
    if not fast:
        machine.processor.instrument.fast_reads = {}
    machine.load(image_of(KERNEL.format(pmcr=pmcr)))
    machine.run(100_000)
    return bytes(machine.uc.mem_read(0x4100_0000, 40 * 4 * 8))


@pytest.mark.parametrize("pmcr", [0x1, 0x9, 0x41, 0x49])  # E, E|D, E|LC, E|D|LC
def test_native_reads_equal_python_reads(pmcr: int) -> None:
    fast, slow = reads(pmcr, True), reads(pmcr, False)
    assert fast == slow
    assert any(fast[i] for i in range(len(fast)))
