"""The virtual address a load or store accesses, computed from its operands (capstone), for the
aborts QEMU raises inside Unicorn (an address beyond the physical address range) whose FAR
Unicorn does not expose."""

from __future__ import annotations

import struct

from capstone import CS_ARCH_ARM64, CS_MODE_ARM, Cs
from capstone.arm64 import ARM64_OP_MEM

from emu.core.cpu import Cpu

_cs = Cs(CS_ARCH_ARM64, CS_MODE_ARM)
_cs.detail = True
MASK64 = (1 << 64) - 1


def _value(cpu: Cpu, name: str) -> int:
    if name in ("sp", "wsp"):
        return cpu.sp
    if name in ("xzr", "wzr"):
        return 0
    n = int(name[1:])
    value = cpu.x(n)
    return value & 0xFFFF_FFFF if name[0] == "w" else value


def effective_address(cpu: Cpu, pc: int, word: int | None = None) -> int | None:
    """Base + offset (+ shifted index) of the load/store at `pc` (its encoding `word`, read at
    `pc` when not given: with the MMU on the caller translates the PC); the base alone for
    post-index forms. None if it is not a load or store capstone can describe."""
    if word is None:
        word = cpu.read_u32(pc)
    if word is None:
        return None
    found = list(_cs.disasm(struct.pack("<I", word), pc, 1))
    if not found:
        return None
    insn = found[0]
    for op in insn.operands:
        if op.type != ARM64_OP_MEM:
            continue
        address = _value(cpu, insn.reg_name(op.mem.base)) if op.mem.base else 0
        if getattr(insn, "post_index", False):
            return address
        if op.mem.index:
            index = _value(cpu, insn.reg_name(op.mem.index))
            address += index << (op.shift.value if op.shift.type else 0)
        return (address + op.mem.disp) & MASK64
    return None
