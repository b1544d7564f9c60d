"""Decoding of the instructions whose syndromes emu builds itself (encodings from keystone)."""

from __future__ import annotations

import struct

import pytest
from keystone import KS_ARCH_ARM64, KS_MODE_LITTLE_ENDIAN, Ks

from emu.arch import decode

_ks = Ks(KS_ARCH_ARM64, KS_MODE_LITTLE_ENDIAN)


def word(text: str) -> int:
    code, _ = _ks.asm(text, 0x4008_0000)
    return struct.unpack("<I", bytes(code))[0]


@pytest.mark.parametrize("text, expected", [
    ("svc #0x1234", ("svc", 0x1234)),
    ("hvc #0", ("hvc", 0)),
    ("smc #0xffff", ("smc", 0xFFFF)),
    ("brk #7", ("brk", 7)),
    ("hlt #0xf000", ("hlt", 0xF000)),
    ("nop", None),
])
def test_exception_generating(text: str, expected: tuple[str, int] | None) -> None:
    assert decode.exception_generating(word(text)) == expected


def test_system_insn_fields() -> None:
    got = decode.system_insn(word("msr sctlr_el1, x7"))
    assert got == decode.SysInsn(op0=3, op1=0, crn=1, crm=0, op2=0, rt=7, is_read=False)
    got = decode.system_insn(word("mrs x30, ttbr0_el1"))
    assert got == decode.SysInsn(op0=3, op1=0, crn=2, crm=0, op2=0, rt=30, is_read=True)
    assert decode.system_insn(word("msr daifclr, #2")) is None
    assert decode.system_insn(word("wfi")) is None


@pytest.mark.parametrize("text, isv, write, sas, sse, srt, sf", [
    ("ldr x2, [x1]", True, False, 3, False, 2, True),
    ("ldr w3, [x1, #4]", True, False, 2, False, 3, False),
    ("strb w4, [x1]", True, True, 0, False, 4, False),
    ("ldrsh x5, [x1]", True, False, 1, True, 5, True),
    ("ldrsb w6, [x1]", True, False, 0, True, 6, False),
    ("ldrsw x7, [x1, x2]", True, False, 2, True, 7, True),
    ("stur x8, [x1, #-8]", True, True, 3, False, 8, True),
    ("ldr x9, [x1], #8", False, False, 0, False, 0, False),
    ("str x9, [x1, #8]!", False, True, 0, False, 0, False),
    ("ldp x1, x2, [x3]", False, False, 0, False, 0, False),
    ("stp x1, x2, [x3]", False, True, 0, False, 0, False),
    ("ldr q0, [x1]", False, False, 0, False, 0, False),
])
def test_mem_access(text: str, isv: bool, write: bool, sas: int, sse: bool, srt: int, sf: bool) -> None:
    got = decode.mem_access(word(text))
    assert (got.isv, got.is_write) == (isv, write)
    if isv:
        assert (got.sas, got.sse, got.srt, got.sf) == (sas, sse, srt, sf)


def test_acquire_release() -> None:
    got = decode.mem_access(word("ldar x3, [x1]"))
    assert (got.isv, got.ar, got.srt, got.sas, got.is_write) == (True, True, 3, 3, False)
    got = decode.mem_access(word("stlr w2, [x1]"))
    assert (got.isv, got.ar, got.srt, got.sas, got.is_write) == (True, True, 2, 2, True)
    assert decode.mem_access(word("ldxr x1, [x2]")).isv is False


@pytest.mark.parametrize("text, change", [
    ("sub sp, sp, #16", -16),
    ("add sp, sp, #0x20", 32),
    ("add sp, sp, #1, lsl #12", 4096),
    ("sub sp, sp, #8", -8),
    ("mov sp, x1", decode.SP_UNKNOWN),
    ("add sp, x1, #16", decode.SP_UNKNOWN),
    ("add wsp, wsp, #16", decode.SP_UNKNOWN),
    ("sub sp, sp, x2", decode.SP_UNKNOWN),
    ("and sp, x0, #0xfffffffffffffff0", decode.SP_UNKNOWN),
    ("orr sp, xzr, #0x40000000", decode.SP_UNKNOWN),
    ("msr spsel, #1", decode.SP_UNKNOWN),
    ("msr spsel, x0", decode.SP_UNKNOWN),
    ("msr sp_el0, x0", decode.SP_UNKNOWN),
    ("msr sp_el1, x0", decode.SP_UNKNOWN),
    ("ld1 {v0.8b}, [sp], #8", decode.SP_UNKNOWN),
    ("ld1 {v0.b}[3], [sp], x2", decode.SP_UNKNOWN),
    ("str x0, [sp, #-16]!", -16),
    ("ldr x0, [sp], #16", 16),
    ("ldrb w0, [sp], #1", 1),
    ("str q0, [sp, #-16]!", -16),
    ("stp x29, x30, [sp, #-32]!", -32),
    ("ldp x29, x30, [sp], #32", 32),
    ("stp w0, w1, [sp, #-8]!", -8),
    ("ldpsw x0, x1, [sp], #8", 8),
    ("stp s0, s1, [sp, #-8]!", -8),
    ("ldp d0, d1, [sp], #16", 16),
    ("stp q0, q1, [sp, #-64]!", -64),
    # no SP write: XZR destinations, other bases, no writeback, other system registers
    ("add x1, sp, #16", 0),
    ("mov x0, sp", 0),
    ("cmn sp, #16", 0),
    ("add x0, sp, x2", 0),
    ("tst x0, #0xf", 0),
    ("str x0, [sp, #8]", 0),
    ("stp x0, x1, [sp, #16]", 0),
    ("ldnp x0, x1, [sp, #16]", 0),
    ("ldr x0, [sp, x1]", 0),
    ("ldur x0, [sp, #-8]", 0),
    ("ldtr x0, [sp, #8]", 0),
    ("ldxr x0, [sp]", 0),
    ("stp x0, x1, [x2, #-16]!", 0),
    ("ldr x0, [x1], #8", 0),
    ("msr daif, x0", 0),
    ("msr nzcv, x0", 0),
    ("msr daifset, #2", 0),
    ("ldr x0, =0x1234", 0),
])
def test_sp_write(text: str, change: int | None) -> None:
    """The SP changes the SP alignment check follows through a block (decode.sp_write)."""
    assert decode.sp_write(word(text)) == change


@pytest.mark.parametrize("text, size", [
    ("strb w0, [x1]", 1), ("ldrh w0, [x1, #2]", 2), ("str w0, [x1], #4", 4), ("ldr x0, [x1, x2]", 8),
    ("ldrsb x0, [x1]", 1), ("ldrsw x0, [x1]", 4), ("str q0, [x1]", 16), ("ldr d0, [x1]", 8),
    ("ldr s0, [x1]", 4), ("stur b0, [x1]", 1), ("stp w0, w1, [x1]", 8), ("stp x0, x1, [x2, #-16]!", 16),
    ("ldpsw x0, x1, [x1]", 8), ("ldp q0, q1, [x1]", 32), ("ldp d0, d1, [x1]", 16), ("ldxr x0, [x1]", 8),
    ("ldxrb w0, [x1]", 1), ("ldaxp x0, x2, [x1]", 16), ("ldxp w0, w2, [x1]", 8), ("stlr w0, [x1]", 4),
    ("ld1 {v0.16b}, [x1]", 16), ("ld1 {v0.8b, v1.8b}, [x1]", 16), ("st4 {v0.4s, v1.4s, v2.4s, v3.4s}, [x1]", 64),
])
def test_access_size(text: str, size: int) -> None:
    """Bytes a load/store accesses (for the watchpoint checks)."""
    assert decode.access_size(word(text)) == size
