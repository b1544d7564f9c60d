"""ID registers say what emu implements: no EL3, no AArch32, PMUv3 for Armv8.1."""

from __future__ import annotations

from tests.conftest import machine_for

READ = """
    ldr x0, =vec2
    msr vbar_el2, x0
    mrs x1, id_aa64pfr0_el1
    mrs x2, id_aa64dfr0_el1
    ldr x0, ={hcr}
    msr hcr_el2, x0
    mov x0, #0x5
    msr spsr_el2, x0
    adr x0, el1
    msr elr_el2, x0
    eret
el1:
    mrs x3, id_aa64pfr0_el1
    ldr x0, =0x84000008
    smc #0
.balign 2048
vec2:
    .space 0x400
    mrs x20, esr_el2
    mrs x21, elr_el2
    ldr x0, =0x84000008
    smc #0
"""


def test_values_at_el2_and_el1() -> None:
    m = machine_for(READ.format(hcr=1 << 31))
    assert m.run(1000).reason == "system-off"
    assert m.cpu.x(1) == 0x0100_0111  # EL0-EL2 AArch64 only, no EL3, FP/AdvSIMD, GICv3 sysregs
    assert m.cpu.x(2) >> 8 & 0xF == 0b0100  # PMUVer: PMUv3 for Armv8.1
    assert m.cpu.x(3) == 0x0100_0111


def test_tid3_traps_el1_reads_to_el2() -> None:
    m = machine_for(READ.format(hcr=(1 << 31) | (1 << 18)))
    assert m.run(1000).reason == "system-off"
    # EC 0x18, IL, Op0=3 Op2=0 Op1=0 CRn=0 Rt=3 CRm=4 read
    assert m.cpu.x(20) == 0x6230_0069
    assert m.cpu.x(3) == 0
