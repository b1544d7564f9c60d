"""SP alignment checks (Arm ARM AArch64.CheckSPAlignment, SPAlignmentFault: EC 0x26, IL 1,
ISS 0, ELR = the load/store) at EL2 with SCTLR_EL2.SA. The check runs at block entry against
the residues of SP for which one of the block's loads/stores would find SP misaligned, SP
changes inside the block followed as constants (emu.core.instrument); these kernels put the
misalignment before the block, inside it, through writeback, and behind SP writes the decoder
cannot follow, and check the fault lands on the exact instruction with what precedes it done."""

from __future__ import annotations

import pytest

from tests.conftest import machine_for, symbols_of

SCTLR_EL2_RES1 = 0x30C5_0830
SA = 1 << 3
ESR_SP_ALIGNMENT = 0x9A00_0000
STACK = 0x4010_0000
REC = """
    mrs x20, esr_el2
    mrs x22, elr_el2
    mov x23, sp
    ldr x0, =0x84000008
    smc #0
"""


def kernel(body: str, sctlr: int = SCTLR_EL2_RES1 | SA) -> str:
    return f"""
    ldr x0, =vec
    msr vbar_el2, x0
    ldr x1, ={sctlr:#x}
    msr sctlr_el2, x1
    isb
    ldr x1, ={STACK:#x}
    mov sp, x1
    mov x20, #0
    b body
body:
{body}
    ldr x0, =0x84000008
    smc #0
.balign 2048
vec:
    .space 0x200
{REC}"""


def run(body: str, **kw: int) -> tuple[object, dict[str, int]]:
    src = kernel(body, **kw)
    m = machine_for(src)
    assert m.run(100_000).reason == "system-off"
    return m, symbols_of(src)


@pytest.mark.parametrize("body, sp_at_fault", [
    # misaligned inside the block by a constant; what precedes the access has run
    ("    mov x5, #1\n    sub sp, sp, #8\n    mov x6, #2\nfault:\n    str x0, [sp]\n    mov x7, #3\n", STACK - 8),
    # misaligned before the block: the block starts with SP % 16 == 8
    ("    sub sp, sp, #8\n    b next\nnext:\n    mov x5, #1\n    mov x6, #2\nfault:\n    ldr x0, [sp, #8]\n    mov x7, #3\n",
     STACK - 8),
    # pre-index writeback: checked on SP before the update, so only the second store faults
    ("    mov x5, #1\n    str x0, [sp, #-8]!\n    mov x6, #2\nfault:\n    str x1, [sp]\n    mov x7, #3\n", STACK - 8),
    # pair writeback scaled by the register size: -12 * 4 from an aligned SP
    ("    mov x5, #1\n    stp w0, w1, [sp, #-12]!\n    mov x6, #2\nfault:\n    ldp w0, w1, [sp], #12\n    mov x7, #3\n",
     STACK - 12),
    # SP from a register (the decoder cannot follow it): a code hook on the access
    ("    mov x5, #1\n    mov x2, sp\n    add x2, x2, #4\n    mov sp, x2\n    mov x6, #2\nfault:\n    ldr x0, [sp]\n    mov x7, #3\n",
     STACK + 4),
    # SIMD post-index writeback (not followed either)
    ("    mov x5, #1\n    ld1 {v0.8b}, [sp], #8\n    mov x6, #2\nfault:\n    ldr x0, [sp]\n    mov x7, #3\n", STACK + 8),
])
def test_fault_on_the_exact_access(body: str, sp_at_fault: int) -> None:
    m, sym = run(body)
    assert (hex(m.cpu.x(20)), m.cpu.x(22)) == (hex(ESR_SP_ALIGNMENT), sym["fault"])
    assert (m.cpu.x(5), m.cpu.x(6), m.cpu.x(7)) == (1, 2, 0)
    # the handler runs on the same SP (EL2h to EL2h): the faulting access did not write back
    assert m.cpu.x(23) == sp_at_fault


@pytest.mark.parametrize("body", [
    "    stp x0, x1, [sp, #-16]!\n    str x2, [sp, #-8]\n    ldr w3, [sp, #4]\n    ldp x0, x1, [sp], #16\n",
    "    sub sp, sp, #8\n    mov x0, sp\n    add sp, sp, #8\n    ldr x0, [sp]\n",  # misaligned but not a base
    "    str x0, [sp, #-8]!\n    add sp, sp, #8\n    b next\nnext:\n    ldr x0, [sp]\n",
])
def test_no_fault_with_an_aligned_base(body: str) -> None:
    m, _ = run(body + "    mov x7, #3\n")
    assert (m.cpu.x(20), m.cpu.x(7)) == (0, 3)


def test_check_follows_sctlr_sa() -> None:
    """With SA clear the misaligned block runs (three times); with SA set the same translated
    block faults at the access, on its fourth pass."""
    body = f"""
    sub sp, sp, #8
    mov x9, #0
again:
    add x9, x9, #1
fault:
    ldr x0, [sp]
    cmp x9, #3
    b.ne again
    ldr x1, ={SCTLR_EL2_RES1 | SA:#x}
    msr sctlr_el2, x1
    isb
    b again
"""
    m, sym = run(body, sctlr=SCTLR_EL2_RES1)
    assert (hex(m.cpu.x(20)), m.cpu.x(22), m.cpu.x(9)) == (hex(ESR_SP_ALIGNMENT), sym["fault"], 4)
