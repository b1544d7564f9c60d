"""ISR_EL1: at EL1 with HCR_EL2.IMO set, I is the virtual IRQ (HCR_EL2.VI), not the physical one."""

from __future__ import annotations

from tests.conftest import machine_for

SRC = """
    ldr x0, ={hcr}
    msr hcr_el2, x0
    mov x0, #0x3c5               // EL1h, DAIF masked
    msr spsr_el2, x0
    adr x0, el1
    msr elr_el2, x0
    eret
el1:
    mrs x1, isr_el1
    ldr x0, =0x84000008
    smc #0
"""


def test_virtual_irq_pending_shows_in_isr_at_el1() -> None:
    m = machine_for(SRC.format(hcr=(1 << 31) | (1 << 4) | (1 << 7)))  # RW, IMO, VI
    assert m.run(1000).reason == "system-off"
    assert m.cpu.x(1) == 0x80


def test_no_virtual_irq_reads_zero() -> None:
    m = machine_for(SRC.format(hcr=(1 << 31) | (1 << 4)))
    assert m.run(1000).reason == "system-off"
    assert m.cpu.x(1) == 0
