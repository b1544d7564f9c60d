"""Just enough A64 decoding to build syndromes (Arm ARM C4.1 "A64 instruction set encoding").

Unicorn reports an exception number but not QEMU's syndrome, so the exception model decodes
the instruction at the faulting PC itself.
"""

from __future__ import annotations

from dataclasses import dataclass

ERET = 0xD69F03E0
WFI = 0xD503207F
WFE = 0xD503205F

_EXC_MASK = 0xFFE0001F
SVC_BASE, HVC_BASE, SMC_BASE = 0xD4000001, 0xD4000002, 0xD4000003
BRK_BASE, HLT_BASE = 0xD4200000, 0xD4400000
SEMIHOSTING_HLT_IMM = 0xF000  # `hlt #0xf000`: the A64 semihosting trap (Arm IHI 0098)


def exception_generating(insn: int) -> tuple[str, int] | None:
    """('svc'|'hvc'|'smc'|'brk'|'hlt', imm16) for the exception-generating instructions (C4.1.66)."""
    kinds = {SVC_BASE: "svc", HVC_BASE: "hvc", SMC_BASE: "smc", BRK_BASE: "brk", HLT_BASE: "hlt"}
    kind = kinds.get(insn & _EXC_MASK)
    return None if kind is None else (kind, (insn >> 5) & 0xFFFF)


@dataclass(frozen=True)
class SysInsn:
    """MRS, MSR (register), SYS or SYSL: the fields of C5.1 "System instruction class encoding"."""

    op0: int
    op1: int
    crn: int
    crm: int
    op2: int
    rt: int
    is_read: bool  # L = 1: MRS / SYSL

    @property
    def encoding(self) -> tuple[int, int, int, int, int]:
        return (self.op0, self.op1, self.crn, self.crm, self.op2)


def system_insn(insn: int) -> SysInsn | None:
    """Decode a system-register move or SYS/SYSL; None for hints, barriers, MSR (immediate)."""
    if insn >> 22 != 0b1101010100:
        return None
    op0 = (insn >> 19) & 3
    if op0 == 0:
        return None
    return SysInsn(
        op0=op0, op1=(insn >> 16) & 7, crn=(insn >> 12) & 15, crm=(insn >> 8) & 15,
        op2=(insn >> 5) & 7, rt=insn & 31, is_read=bool(insn >> 21 & 1),
    )


@dataclass(frozen=True)
class MemAccess:
    """What a load or store tells the data-abort ISS (D17.2.37, ISS encoding for EC 0x24/0x25)."""

    is_write: bool
    isv: bool  # instruction syndrome valid: single general-purpose register, no writeback
    sas: int = 0  # log2 of the access size
    sse: bool = False  # sign-extended load
    srt: int = 0
    sf: bool = False  # 64-bit register
    ar: bool = False  # acquire/release


def mem_access(insn: int) -> MemAccess:
    """Classify a load/store (C4.1.94 "Loads and Stores"); ISV follows the Arm ARM rules:
    valid for single general-purpose register accesses without writeback, invalid for pairs,
    SIMD&FP registers, writeback forms and multi-register or tag instructions."""
    rt = insn & 31
    size = insn >> 30
    if (insn >> 24) & 0x3F == 0b001000:  # load/store exclusive, load-acquire/store-release
        is_load = bool(insn >> 22 & 1)
        o0 = bool(insn >> 15 & 1)
        pair_or_excl = not (insn >> 23 & 1)  # o2 = 0: exclusives (status register, may be pairs)
        if pair_or_excl:
            return MemAccess(is_write=not is_load, isv=False)
        return MemAccess(is_write=not is_load, isv=True, sas=size, srt=rt, sf=size == 3, ar=o0)
    op_class = (insn >> 27) & 7
    vector = bool(insn >> 26 & 1)
    if op_class == 0b101:  # pairs
        return MemAccess(is_write=not (insn >> 22 & 1), isv=False)
    if op_class == 0b011 and (insn >> 24) & 3 == 0:  # load register (literal)
        opc = insn >> 30
        if vector:
            return MemAccess(is_write=False, isv=False)
        return MemAccess(is_write=False, isv=True, sas=3 if opc == 1 else 2, sse=opc == 2, srt=rt,
                         sf=opc in (1, 2))
    if op_class != 0b111:
        return MemAccess(is_write=False, isv=False)
    opc = (insn >> 22) & 3
    is_write = opc == 0
    if vector:
        return MemAccess(is_write=not bool(opc & 1), isv=False)
    unsigned_offset = (insn >> 24) & 3 == 1
    if not unsigned_offset:
        if insn >> 21 & 1:  # register offset (bits 11:10 = 10) or atomics
            if (insn >> 10) & 3 != 0b10:
                return MemAccess(is_write=True, isv=False)
        elif (insn >> 10) & 3 in (0b01, 0b11):  # post-/pre-index: writeback
            return MemAccess(is_write=is_write, isv=False)
    signed = opc >= 2
    if signed and size == 3 or (size == 2 and opc == 3):  # PRFM / unallocated
        return MemAccess(is_write=False, isv=False)
    sf = (not bool(opc & 1)) if signed else size == 3
    return MemAccess(is_write=is_write, isv=True, sas=size, sse=signed, srt=rt, sf=sf)


def is_load_store(insn: int) -> bool:
    """The Loads and Stores encoding group: op0 = x1x0 (C4.1, Table C4-1)."""
    return insn & 0x0A00_0000 == 0x0800_0000


_STRUCT_REGS = {0b0000: 4, 0b0010: 4, 0b0100: 3, 0b0110: 3, 0b0111: 1, 0b1000: 2, 0b1010: 2}


def access_size(insn: int) -> int:
    """How many bytes a load or store (C4.1 "Loads and Stores") accesses: the register size
    (twice for pairs, times the registers for SIMD structures; 16 for a single structure)."""
    op = (insn >> 27) & 7
    vector = insn >> 26 & 1
    size = insn >> 30
    if insn & 0xBF00_0000 == 0x0C00_0000:  # SIMD load/store multiple structures
        return _STRUCT_REGS.get((insn >> 12) & 0xF, 4) * (16 if insn >> 30 & 1 else 8)
    if insn & 0xBF00_0000 == 0x0D00_0000:  # single structure
        return 16
    if op & 0b111 == 0b101:  # pairs: opc in size's place
        unit = (4 << size) if vector else (8 if size == 2 else 4)
        return 2 * unit
    if insn & 0x3F00_0000 == 0x0800_0000:  # exclusive, acquire/release: o1 (bit 21) = pair
        unit = 1 << size
        return 2 * unit if insn >> 21 & 1 and size >= 2 else unit
    if op & 0b111 == 0b011 and (insn >> 24) & 3 == 0:  # load literal
        return (16 if size == 2 else 4 << size) if vector else (8 if size == 1 else 4)
    if vector and (insn >> 23) & 1 and size == 0:  # 128-bit SIMD&FP register
        return 16
    return 1 << size


def uses_sp_base(insn: int) -> bool:
    """A load or store whose base register is SP (Rn = 31), so AArch64.CheckSPAlignment applies.
    Literal loads have no base register (bits 9:5 are part of imm19)."""
    if not is_load_store(insn):
        return False
    if (insn >> 27) & 7 == 0b011 and (insn >> 24) & 3 == 0:
        return False
    return (insn >> 5) & 31 == 31


SP_UNKNOWN = None  # sp_write: the instruction sets SP to a value the decoder cannot follow


def _sext(value: int, bits: int) -> int:
    return value - (1 << bits) if value >> (bits - 1) & 1 else value


def sp_write(insn: int) -> int | None:
    """How the instruction changes SP: 0 if it does not write SP, the byte delta when it is
    SP plus a constant, SP_UNKNOWN otherwise. The A64 instructions that can name SP as a
    destination (C4.1, the Cortex-A57 set: no MTE, SVE or pointer authentication):
    ADD/SUB (immediate) and (extended register) and AND/ORR/EOR (immediate) with Rd = 31 and
    S = 0, loads and stores with writeback and an SP base, and MSR to SPSel or an SP_ELx."""
    rd, rn = insn & 31, (insn >> 5) & 31
    if insn & 0x1F80_0000 == 0x1100_0000:  # ADD/SUB (immediate): sf op S 100010 sh imm12 Rn Rd
        if rd != 31 or insn >> 29 & 1:
            return 0
        if rn != 31 or not insn >> 31:  # from another register, or 32-bit WSP
            return SP_UNKNOWN
        imm = ((insn >> 10) & 0xFFF) << (12 if insn >> 22 & 1 else 0)
        return -imm if insn >> 30 & 1 else imm
    if insn & 0x1F20_0000 == 0x0B20_0000:  # ADD/SUB (extended register)
        return SP_UNKNOWN if rd == 31 and not insn >> 29 & 1 else 0
    if insn & 0x1F80_0000 == 0x1200_0000:  # logical (immediate); ANDS writes XZR
        return SP_UNKNOWN if rd == 31 and (insn >> 29) & 3 != 3 else 0
    if insn & 0xFFFF_F0FF == 0xD500_40BF:  # MSR SPSel, #imm
        return SP_UNKNOWN
    if insn & 0xFFF0_0000 == 0xD510_0000 and (insn >> 12) & 15 == 4:  # MSR (register), CRn = 4
        op1, crm, op2 = (insn >> 16) & 7, (insn >> 8) & 15, (insn >> 5) & 7
        sp_elx, spsel = crm == 1 and op2 == 0, op1 == 0 and crm == 2 and op2 == 0
        return SP_UNKNOWN if sp_elx or spsel else 0
    if not is_load_store(insn) or rn != 31:
        return 0
    if insn & 0x3B20_0000 == 0x3800_0000 and (insn >> 10) & 1:  # LDR/STR (imm9), pre/post-index
        return _sext((insn >> 12) & 0x1FF, 9)
    if insn & 0x3A00_0000 == 0x2800_0000 and (insn >> 23) & 1:  # LDP/STP pre/post-index
        opc, vector = insn >> 30, insn >> 26 & 1
        scale = 2 + opc if vector else 2 + (opc >> 1)
        return _sext((insn >> 15) & 0x7F, 7) << scale
    if insn & 0xBF00_0000 == 0x0C00_0000 and insn >> 23 & 1:  # SIMD structures, post-index
        return SP_UNKNOWN
    if insn & 0xBF00_0000 == 0x0D00_0000 and insn >> 23 & 1:
        return SP_UNKNOWN
    return 0
