"""Semihosting operations (Arm IHI 0098) on a fake memory."""

from __future__ import annotations

import struct

from emu.board import semihosting as sh

MEM = {0x1000: b"A", 0x2000: b"hello, world\n\x00junk", 0x3000: struct.pack("<QQ", 0x20026, 3),
       0x4000: struct.pack("<QQ", 0x20023, 3)}


def read(addr: int, n: int) -> bytes:
    for base, data in MEM.items():
        if base <= addr < base + len(data):
            return (data[addr - base:] + bytes(n))[:n]
    raise AssertionError(f"unexpected read at 0x{addr:x}")


def test_writec_and_write0() -> None:
    assert sh.call(sh.SYS_WRITEC, 0x1000, read) == sh.Outcome(output=b"A")
    assert sh.call(sh.SYS_WRITE0, 0x2000, read) == sh.Outcome(output=b"hello, world\n")


def test_exit_application_exit_gives_subcode() -> None:
    assert sh.call(sh.SYS_EXIT_EXTENDED, 0x3000, read).exit_status == 3
    assert sh.call(sh.SYS_EXIT, 0x3000, read).exit_status == 3


def test_exit_other_reason_is_failure() -> None:
    assert sh.call(sh.SYS_EXIT, 0x4000, read).exit_status == 1


def test_unsupported_operation_returns_minus_one() -> None:
    assert sh.call(0x01, 0x1000, read) == sh.Outcome(x0=2**64 - 1)
