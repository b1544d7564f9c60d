"""Arm semihosting (Semihosting for AArch32 and AArch64, Arm IHI 0098), trapped with
`hlt #0xf000`: W0 holds the operation, X1 the parameter or parameter block; X0 gets the result."""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import Callable

SYS_WRITEC, SYS_WRITE0, SYS_EXIT, SYS_EXIT_EXTENDED = 0x03, 0x04, 0x18, 0x20
ADP_STOPPED_APPLICATION_EXIT = 0x20026
MAX_STRING = 1 << 20

ReadMem = Callable[[int, int], bytes]


@dataclass(frozen=True)
class Outcome:
    """`exit_status` is set when the guest asked to exit; otherwise `x0` is the call's result
    (None: X0 unchanged, as SYS_WRITEC and SYS_WRITE0 leave it corrupted-or-unchanged)."""

    output: bytes = b""
    x0: int | None = None
    exit_status: int | None = None


def _cstring(read: ReadMem, addr: int) -> bytes:
    out = bytearray()
    while len(out) < MAX_STRING:
        chunk = read(addr + len(out), 64)
        nul = chunk.find(0)
        if nul >= 0:
            return bytes(out + chunk[:nul])
        out += chunk
    return bytes(out)


def call(op: int, x1: int, read: ReadMem) -> Outcome:
    """Perform one semihosting operation. In AArch64, SYS_EXIT and SYS_EXIT_EXTENDED take a
    pointer to (reason, subcode): the exit status is the subcode when the reason is
    ADP_Stopped_ApplicationExit and 1 otherwise (as QEMU does). Other operations return -1."""
    if op == SYS_WRITEC:
        return Outcome(output=read(x1, 1))
    if op == SYS_WRITE0:
        return Outcome(output=_cstring(read, x1))
    if op in (SYS_EXIT, SYS_EXIT_EXTENDED):
        reason, subcode = struct.unpack("<QQ", read(x1, 16))
        return Outcome(exit_status=(subcode & 0xFF) if reason == ADP_STOPPED_APPLICATION_EXIT else 1)
    return Outcome(x0=0xFFFF_FFFF_FFFF_FFFF)
