"""Synchronous exception routing that the asm/ kernels do not cover: HCR_EL2.TGE sends EL0's
exceptions to EL2 (Arm ARM D1.3.2), and physical IRQs with TGE go to EL2 as well."""

from __future__ import annotations

from emu.arch import sysregs as sr
from tests.conftest import machine_for, symbols_of
from tests.core.test_interrupts import vectors

OFF = "    ldr x0, =0x84000008\n    smc #0\n"
REC = "    mrs x21, esr_el2\n    mrs x22, elr_el2\n    mrs x23, spsr_el2\n" + OFF


def el2_to_el0(el0_body: str) -> str:
    return f"""
    ldr x0, =vec2
    msr vbar_el2, x0
    ldr x0, ={sr.HCR_RW | sr.HCR_TGE}
    msr hcr_el2, x0
    mov x0, #0
    msr spsr_el2, x0
    ldr x0, =el0
    msr elr_el2, x0
    eret
el0:
{el0_body}
.balign 2048
vec2:
{vectors({0x400: REC, 0x480: REC})}
"""


def test_svc_from_el0_with_tge_goes_to_el2() -> None:
    src = el2_to_el0("    svc #0x42\nafter_svc:\n    b .\n")
    m = machine_for(src)
    assert m.run(1000).reason == "system-off"
    assert m.cpu.x(20) == 0x400  # lower EL, synchronous
    assert m.cpu.x(21) == 0x5600_0042  # EC 0x15 SVC64, IL, imm16
    assert m.cpu.x(22) == symbols_of(src)["after_svc"]
    assert m.cpu.x(23) == 0x0  # EL0t, nothing masked


def test_undefined_at_el0_with_tge_goes_to_el2() -> None:
    src = el2_to_el0("bad:\n    .word 0\n")
    m = machine_for(src)
    assert m.run(1000).reason == "system-off"
    assert (m.cpu.x(20), m.cpu.x(21), m.cpu.x(22)) == (0x400, 0x0200_0000, symbols_of(src)["bad"])


def test_irq_from_el0_with_tge_goes_to_el2() -> None:
    m = machine_for(el2_to_el0("spin:\n    b spin\n"))
    m.deadlines.at(30, m.irq.raise_)
    assert m.run(1000).reason == "system-off"
    assert m.cpu.x(20) == 0x480  # lower EL, IRQ
    assert m.cpu.x(23) == 0x0
