"""IRQ/FIQ routing and masking (Arm ARM D1.3.3 and D1.6.1), driven from Python through the
core's nIRQ/nFIQ lines and the deadline heap. Each kernel records what its handler saw in
registers; the tests assert exact values."""

from __future__ import annotations

from emu.machine import Machine
from tests.conftest import machine_for, symbols_of

# EL2 prologue: a vector table at `vec2`, HCR_EL2 = RW | extra, then ERET to `el1` at EL1h with
# the DAIF bits given in SPSR_EL2 (`spsr`).
def el2_to_el1(hcr_extra: int, spsr: int, el1_body: str, el2_vectors: str, el1_vectors: str = "") -> str:
    return f"""
    ldr x0, =vec2
    msr vbar_el2, x0
    ldr x0, =vec1
    msr vbar_el1, x0
    ldr x0, ={(1 << 31) | hcr_extra}
    msr hcr_el2, x0
    ldr x0, ={spsr}
    msr spsr_el2, x0
    ldr x0, =el1
    msr elr_el2, x0
    ldr x0, =0x41000000
    msr sp_el1, x0
    eret
el1:
{el1_body}
.balign 2048
vec2:
{el2_vectors}
.balign 2048
vec1:
{el1_vectors}
"""


OFF = "    ldr x0, =0x84000008\n    smc #0\n"
# EL2 handler body: record SPSR_EL2, ELR_EL2 and CurrentEL, then power off.
REC2 = "    mrs x21, spsr_el2\n    mrs x22, elr_el2\n    mrs x23, currentel\n" + OFF


def vectors(entries: dict[int, str]) -> str:
    """A 16-entry vector table body: `entries` maps an offset (0x000-0x780) to a handler that
    first records the offset in X20; the other entries spin."""
    out = []
    for offset in range(0, 0x800, 0x80):
        body = f"    mov x20, #{offset:#x}\n" + entries[offset] if offset in entries else "    b .\n"
        out.append(body + "    .balign 0x80\n")
    return "".join(out)


REC_ELR1 = "    mrs x22, elr_el1\n" + OFF


def raise_irq_at(m: Machine, when: int) -> None:
    m.deadlines.at(when, m.irq.raise_)


def test_irq_routed_to_el2_is_not_masked_by_pstate_i_at_el1() -> None:
    # IMO = 1, EL1 runs with I masked: the IRQ still goes to EL2 (lower EL, vector 0x480).
    src = el2_to_el1(1 << 4, 0x3C5, "spin1:\n    add x1, x1, #1\n    b spin1\n", vectors({0x480: REC2}))
    m = machine_for(src)
    raise_irq_at(m, 100)
    result = m.run(10_000)
    assert result.reason == "system-off"
    assert m.cpu.x(20) == 0x480
    assert m.cpu.x(21) == 0x3C5  # SPSR_EL2: EL1h with DAIF masked
    assert m.cpu.x(23) == 2 << 2
    assert m.last_exception is not None and m.last_exception.esr is None
    assert m.last_exception.target_el == 2 and m.last_exception.from_el == 1


def test_irq_routed_to_el1_waits_for_daifclr() -> None:
    # IMO = 0: the IRQ targets EL1, masked by PSTATE.I until `msr daifclr, #2`.
    body = """
    mov x1, #0
wait:
    add x1, x1, #1
    cmp x1, #200
    b.ne wait
    msr daifclr, #2
after:
    b after
"""
    rec1 = "    mrs x21, spsr_el1\n    mrs x22, elr_el1\n    mrs x23, currentel\n    ldr x0, =0x84000008\n    smc #0\n"
    src = el2_to_el1(0, 0x3C5, body, "", vectors({0x280: rec1}))
    m = machine_for(src)
    raise_irq_at(m, 50)
    assert m.run(10_000).reason == "system-off"
    assert m.cpu.x(1) == 200  # not taken before DAIFClr
    assert m.cpu.x(20) == 0x280  # current EL with SP_ELx, IRQ
    assert m.cpu.x(21) == 0x6000_0345  # SPSR_EL1: Z and C from the cmp, EL1h, D A F masked, I clear
    assert m.cpu.x(22) == symbols_of(src)["after"]  # ELR_EL1: the instruction after DAIFClr
    assert m.cpu.x(23) == 1 << 2


def test_irq_targeting_el1_is_never_taken_at_el2() -> None:
    # IMO = 0 and EL2 with I clear: an IRQ routed to EL1 stays pending at EL2 (Table D1-16)
    # and is taken as soon as ERET lands in EL1 with I clear.
    src = f"""
    ldr x0, =vec1
    msr vbar_el1, x0
    ldr x0, ={1 << 31}
    msr hcr_el2, x0
    msr daifclr, #3
    mov x1, #0
loop2:
    add x1, x1, #1
    cmp x1, #300
    b.ne loop2
    ldr x0, =0x305
    msr spsr_el2, x0
    ldr x0, =el1
    msr elr_el2, x0
    eret
el1:
    b el1
.balign 2048
vec1:
{vectors({0x280: REC_ELR1})}
"""
    m = machine_for(src)
    raise_irq_at(m, 20)
    assert m.run(10_000).reason == "system-off"
    assert m.cpu.x(1) == 300
    assert m.cpu.x(20) == 0x280
    assert m.cpu.x(22) == symbols_of(src)["el1"]  # taken before the first EL1 instruction


def test_fiq_routed_by_fmo() -> None:
    src = el2_to_el1(1 << 3, 0x3C5, "spin1:\n    b spin1\n", vectors({0x500: REC2}))
    m = machine_for(src)
    m.deadlines.at(40, m.fiq.raise_)
    assert m.run(10_000).reason == "system-off"
    assert m.cpu.x(20) == 0x500  # lower EL, FIQ


def test_wfi_sleeps_until_the_next_deadline() -> None:
    rec1 = "    mrs x22, elr_el1\n" + OFF
    src = el2_to_el1(0, 0x345, "    mov x1, #1\n    wfi\n    mov x1, #2\nspin:\n    b spin\n", "", vectors({0x280: rec1}))
    m = machine_for(src)
    raise_irq_at(m, 1_000_000)
    result = m.run(10_000)
    assert result.reason == "system-off"
    assert m.cpu.x(1) == 1  # the IRQ was taken right after WFI
    assert result.insns < 100
