"""Aborts QEMU raises inside Unicorn: with the MMU off, an address at or above 2^PARange (44 bits
on this core) is an Address size fault, level 0 (DFSC/IFSC 0x00), with FAR the address (Arm ARM
D8.2.12); emu computes FAR from the instruction's operands."""

from __future__ import annotations

from tests.conftest import machine_for, symbols_of

REC = "    mrs x20, esr_el2\n    mrs x21, far_el2\n    mrs x22, elr_el2\n    ldr x0, =0x84000008\n    smc #0\n"


def kernel(body: str) -> str:
    return f"""
    ldr x0, =vec
    msr vbar_el2, x0
{body}
    b .
.balign 2048
vec:
    .space 0x200
{REC}
"""


def test_store_pair_below_zero_is_an_address_size_fault() -> None:
    src = kernel("    mov x1, #0\n    sub x1, x1, #0x30\nfault:\n    stp x0, x1, [x1, #16]\n")
    m = machine_for(src)
    assert m.run(1000).reason == "system-off"
    assert m.cpu.x(20) == 0x9600_0040  # EC 0x25, IL, WnR, DFSC 0x00
    assert m.cpu.x(21) == 0xFFFF_FFFF_FFFF_FFE0
    assert m.cpu.x(22) == symbols_of(src)["fault"]


def test_load_with_register_offset() -> None:
    src = kernel("    ldr x1, =0x100000000000\n    mov x2, #3\nfault:\n    ldr x3, [x1, x2, lsl #3]\n")
    m = machine_for(src)
    assert m.run(1000).reason == "system-off"
    assert (m.cpu.x(20), m.cpu.x(21)) == (0x9600_0000, 0x1000_0000_0018)


def test_fetch_beyond_the_address_range() -> None:
    src = kernel("    ldr x1, =0x100000000000\n    br x1\n")
    m = machine_for(src)
    assert m.run(1000).reason == "system-off"
    assert (m.cpu.x(20), m.cpu.x(21), m.cpu.x(22)) == (0x8600_0000, 0x1000_0000_0000, 0x1000_0000_0000)
