"""Aborts from the guest's own stage 1 translation (Arm ARM D8; ESR_ELx Data/Instruction Abort
ISS): Unicorn's softmmu walks the tables and raises the abort without its syndrome, emu walks them
again (emu.core.walk) to build the architectural ESR and FAR. EL2 regime, 4 KiB granule,
T0SZ = 25 (walk from level 1):
  L1[1] 1 GiB block 0x4000_0000 (RAM), L1[2] -> a table at physical 0x0b00_0000 (nothing there),
  L1[3] -> L2 -> L3 of VA 0xc000_0000: page 0 read-only, 1 AF = 0, 2 XN, 3 -> PA 0x0b00_0000,
  4 invalid."""

from __future__ import annotations

import pytest

from emu.core.walk import Access, Fault, Regime, Translation, WalkFault, translate
from tests.conftest import machine_for, symbols_of

REC = "    mrs x20, esr_el2\n    mrs x21, far_el2\n    mrs x22, elr_el2\n    ldr x0, =0x84000008\n    smc #0\n"
SETUP = """
    ldr x0, =vec
    msr vbar_el2, x0
    ldr x1, =0x46000000
    ldr x2, =0x40000745
    str x2, [x1, #8]
    ldr x2, =0x0b000003
    str x2, [x1, #16]
    ldr x2, =0x46001003
    str x2, [x1, #24]
    ldr x1, =0x46001000
    ldr x2, =0x46002003
    str x2, [x1]
    ldr x1, =0x46002000
    ldr x2, =0x460037c7
    str x2, [x1]
    ldr x2, =0x46004347
    str x2, [x1, #8]
    ldr x2, =0x40000046005747
    str x2, [x1, #16]
    ldr x2, =0x0b000747
    str x2, [x1, #24]
    ldr x1, =0xff00
    msr mair_el2, x1
    ldr x1, =0x80823019
    msr tcr_el2, x1
    ldr x1, =0x46000000
    msr ttbr0_el2, x1
    isb
    tlbi alle2
    dsb sy
    isb
    ldr x1, =0x30c50831
    msr sctlr_el2, x1
    isb
"""


def kernel(body: str) -> str:
    return f"{SETUP}{body}\n    b .\n.balign 2048\nvec:\n    .space 0x200\n{REC}"


@pytest.mark.parametrize(("va", "insn", "esr"), [
    (0x80_0000_0000, "ldr x3, [x1, #8]", 0x9600_0004),  # beyond the 39-bit range: translation, level 0
    (0x1_0000_0000, "ldr x3, [x1, #8]", 0x9600_0005),  # L1[4] invalid: translation, level 1
    (0xC000_4000, "ldr w3, [x1, #8]", 0x9600_0007),  # L3[4] invalid: translation, level 3
    (0xC000_0000, "str x3, [x1, #0x10]", 0x9600_004F),  # read-only page: permission, level 3, WnR
    (0xC000_1000, "ldrb w3, [x1, #1]", 0x9600_000B),  # AF = 0: access flag, level 3
    (0xC000_1000, "stp x3, x4, [x1, #0x20]", 0x9600_004B),  # AF = 0 before permission
    (0x8000_0000, "ldr x3, [x1, #8]", 0x9600_0016),  # L2 table outside memory: External abort on walk, level 2
    (0xC000_3000, "ldr x3, [x1, #8]", 0x9600_0010),  # page at PA 0x0b00_0000: External abort, FAR = VA
])
def test_data_abort_syndrome_and_far(va: int, insn: str, esr: int) -> None:
    src = kernel(f"    ldr x1, ={va:#x}\nfault:\n    {insn}\n")
    m = machine_for(src)
    assert m.run(10_000).reason == "system-off"
    offset = {"ldr x3, [x1, #8]": 8, "ldr w3, [x1, #8]": 8, "str x3, [x1, #0x10]": 0x10,
              "ldrb w3, [x1, #1]": 1, "stp x3, x4, [x1, #0x20]": 0x20}[insn]
    assert (hex(m.cpu.x(20)), hex(m.cpu.x(21)), m.cpu.x(22)) == (hex(esr), hex(va + offset), symbols_of(src)["fault"])


def test_fetch_from_execute_never_page() -> None:
    src = kernel("    ldr x1, =0xc0002000\n    blr x1\n")
    m = machine_for(src)
    assert m.run(10_000).reason == "system-off"
    assert (m.cpu.x(20), m.cpu.x(21), m.cpu.x(22)) == (0x8600_000F, 0xC000_2000, 0xC000_2000)


def test_access_crossing_into_a_faulting_page() -> None:
    """ldr x3 of 0xc000_0ffc: the first 4 bytes are in the (readable) read-only page, the next 4 in
    the AF = 0 page; the access flag fault is reported with FAR = the start of that page."""
    src = kernel("    ldr x1, =0xc0000ffc\nfault:\n    ldr x3, [x1]\n")
    m = machine_for(src)
    assert m.run(10_000).reason == "system-off"
    assert (m.cpu.x(20), m.cpu.x(21), m.cpu.x(22)) == (0x9600_000B, 0xC000_1000, symbols_of(src)["fault"])


def _memory(words: dict[int, int]):
    return lambda pa: words.get(pa, 0) if 0x4000_0000 <= pa < 0x4800_0000 else None


EL1 = Regime(False, sctlr=1, tcr=25 | 1 << 23 | 2 << 30 | 2 << 32, ttbr0=0x4600_0000)
TABLES = {0x4600_0008: 0x4600_1003, 0x4600_1000: 0x4000_0705,  # 2 MiB at 0x4000_0000, AP 00
          0x4600_1008: 0x4020_0745,  # AP 01: EL0 writable, so never executable at EL1
          0x4600_1010: 0x4040_07C5}  # AP 11


@pytest.mark.parametrize(("va", "access", "el0", "result"), [
    (0x4000_0010, Access.READ, True, WalkFault(Fault.PERMISSION, 2)),  # AP 00 from EL0
    (0x4000_0010, Access.WRITE, False, Translation(0x4000_0010)),
    (0x4020_0000, Access.FETCH, False, WalkFault(Fault.PERMISSION, 2)),  # implicit PXN
    (0x4020_0000, Access.WRITE, True, Translation(0x4020_0000)),
    (0x4040_0000, Access.WRITE, True, WalkFault(Fault.PERMISSION, 2)),
    (0x4040_0000, Access.FETCH, True, Translation(0x4040_0000)),
    (0xFFFF_FFFF_FFFF_0000, Access.READ, False, WalkFault(Fault.TRANSLATION, 0)),  # EPD1 = 1
])
def test_el1_and_el0_permissions(va: int, access: Access, el0: bool, result: object) -> None:
    assert translate(EL1, va, access, el0, _memory(TABLES)) == result


def test_fault_status_codes() -> None:
    assert WalkFault(Fault.EXTERNAL_ON_WALK, 3).fsc == 0b010111
    assert WalkFault(Fault.PERMISSION, 1).fsc == 0b001101


def test_fetch_from_a_page_with_nothing_behind_it() -> None:
    """blr to 0xc000_3000 (mapped to physical 0x0b00_0000): synchronous External abort on the
    fetch, IFSC 0x10, FAR = ELR = the VA."""
    src = kernel("    ldr x1, =0xc0003000\n    blr x1\n")
    m = machine_for(src)
    assert m.run(10_000).reason == "system-off"
    assert (m.cpu.x(20), m.cpu.x(21), m.cpu.x(22)) == (0x8600_0010, 0xC000_3000, 0xC000_3000)
