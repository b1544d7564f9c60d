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
