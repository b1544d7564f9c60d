"""Instruction classes for the cost model and the static PMU events of one A64 instruction.

`classify(word)` decodes by the bit patterns of the Arm ARM's A64 encoding index (DDI 0487,
C4.1 "A64 instruction set encoding", Table C4-1 and the per-group tables under it), once per
instruction of each new translated block. Every 32-bit word gets an answer, never an exception:
unallocated encodings are UNKNOWN, and so are the groups of extensions outside the emulated
Cortex-A57's Armv8.0 that would change what a class means (SVE, SME, TME, Debug-state-only
DCPS<n>/DRPS, and the later memory extensions listed in `_ldst`); they never retire on this core.

PMU events an instruction contributes when it retires (Arm ARM D11.11 "PMU events and event
numbers", common architectural events):
- LD_RETIRED / ST_RETIRED: 1 for an instruction that reads / writes data memory (exclusives,
  literal loads, pairs, SIMD structures, atomics; an atomic read-modify-write counts as both);
  0 for prefetches (PRFM, PRFUM), cache and TLB maintenance (SYS) and DC ZVA.
  A store-exclusive is counted even though the Arm ARM does not count one that fails: whether it
  fails is not known when the block is decoded.
- MEM_ACCESS: the Arm ARM counts Memory-read and Memory-write operations, not instructions. emu
  counts one operation per register transferred (an LDP/STP is two: each register is its own
  single-copy-atomic access, B2.2.1), one per register of a SIMD structure load/store, and two
  for a read-modify-write (its read and its write), four for CASP.
- Branch kinds for BR_IMMED_RETIRED (B, BL, B.cond, CBZ/CBNZ, TBZ/TBNZ), BR_RETURN_RETIRED (RET,
  RETAA/RETAB), BR_RETIRED (all of those and BR/BLR, taken or not) and PC_WRITE_RETIRED (taken
  branches and ERET: software changes of the PC). `conditional` marks the ones whose
  PC write depends on the outcome.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from emu.timing._fpsimd import allocated


class InsnClass(enum.IntEnum):
    """Cost classes (one cycle cost each in the cost model)."""

    INT = 0  # ALU, moves, logical, address generation, compare, conditional select
    SHIFT_EXTEND = 1  # shifted or extended register operand, bitfield, extract
    MUL = 2  # MADD/MSUB, SMADDL/UMADDL..., SMULH/UMULH
    DIV = 3  # SDIV, UDIV
    LOAD = 4
    STORE = 5
    LOAD_PAIR = 6
    STORE_PAIR = 7
    BRANCH = 8  # B, BL
    BRANCH_REG = 9  # BR, BLR, RET (and their pointer-authenticating forms)
    BRANCH_COND = 10  # B.cond, BC.cond, CBZ/CBNZ, TBZ/TBNZ
    SYSREG = 11  # MRS, MSR (register and immediate), SYS/SYSL
    BARRIER = 12  # ISB, DSB, DMB, SB, SSBB/PSSBB, CLREX
    EXC_GEN = 13  # SVC, HVC, SMC, BRK, HLT
    ERET = 14  # ERET, ERETAA/ERETAB
    WFI = 15  # WFI, WFE, WFIT, WFET
    NOP = 16  # every other hint (NOP, YIELD, SEV, BTI, PAC*SP, ...)
    FP_SIMD = 17  # the scalar floating-point and Advanced SIMD data-processing group
    UNKNOWN = 18  # unallocated, or not implemented by this core


class BranchKind(enum.Enum):
    IMMEDIATE = "immediate"  # B, BL, B.cond, CBZ, TBZ
    REGISTER = "register"  # BR, BLR
    RETURN = "return"  # RET
    ERET = "eret"  # exception return


@dataclass(frozen=True, slots=True)
class InsnInfo:
    """One instruction's cost class and the static PMU events it adds when it retires."""

    cls: InsnClass
    loads: int = 0
    stores: int = 0
    mem_accesses: int = 0
    branch: BranchKind | None = None
    conditional: bool = False
    writes_pc_always: bool = False
    refetch: bool = False  # ISB: a context synchronization event, later instructions refetched


_C = InsnClass
_INT = InsnInfo(_C.INT)
_SHIFT = InsnInfo(_C.SHIFT_EXTEND)
_MUL = InsnInfo(_C.MUL)
_DIV = InsnInfo(_C.DIV)
_SYSREG = InsnInfo(_C.SYSREG)
_BARRIER = InsnInfo(_C.BARRIER)
_ISB = InsnInfo(_C.BARRIER, refetch=True)
_EXC = InsnInfo(_C.EXC_GEN)
_WFI = InsnInfo(_C.WFI)
_NOP = InsnInfo(_C.NOP)
_FP = InsnInfo(_C.FP_SIMD)
_UNKNOWN = InsnInfo(_C.UNKNOWN)
_B = InsnInfo(_C.BRANCH, branch=BranchKind.IMMEDIATE, writes_pc_always=True)
_BCOND = InsnInfo(_C.BRANCH_COND, branch=BranchKind.IMMEDIATE, conditional=True)
_BR = InsnInfo(_C.BRANCH_REG, branch=BranchKind.REGISTER, writes_pc_always=True)
_RET = InsnInfo(_C.BRANCH_REG, branch=BranchKind.RETURN, writes_pc_always=True)
_ERET = InsnInfo(_C.ERET, branch=BranchKind.ERET, writes_pc_always=True)
_PRFM = InsnInfo(_C.LOAD)
_LOAD = InsnInfo(_C.LOAD, loads=1, mem_accesses=1)
_STORE = InsnInfo(_C.STORE, stores=1, mem_accesses=1)
_LOAD_PAIR = InsnInfo(_C.LOAD_PAIR, loads=1, mem_accesses=2)
_STORE_PAIR = InsnInfo(_C.STORE_PAIR, stores=1, mem_accesses=2)
_RMW = InsnInfo(_C.LOAD, loads=1, stores=1, mem_accesses=2)  # atomics, SWP, CAS
_RMW_PAIR = InsnInfo(_C.LOAD_PAIR, loads=1, stores=1, mem_accesses=4)  # CASP
# SIMD structure loads/stores of 1-4 registers: one memory operation per register.
_LOAD_N = (_UNKNOWN,) + tuple(InsnInfo(_C.LOAD, loads=1, mem_accesses=n) for n in range(1, 5))
_STORE_N = (_UNKNOWN,) + tuple(InsnInfo(_C.STORE, stores=1, mem_accesses=n) for n in range(1, 5))


def classify(word: int) -> InsnInfo:
    """Class and static events of one A64 instruction (Table C4-1: op0 = bits 28:25)."""
    return _GROUPS[(word >> 25) & 0xF](word)


def _unallocated(word: int) -> InsnInfo:
    """Reserved (incl. UDF and SME), unallocated, and SVE (absent from the Cortex-A57)."""
    return _UNKNOWN


# --- Data Processing -- Immediate --------------------------------------------------------------

def _dp_imm(w: int) -> InsnInfo:
    op0 = (w >> 23) & 7
    sf = w >> 31
    if op0 <= 2:  # PC-rel. addressing, add/subtract (immediate)
        return _INT
    if op0 == 3:  # add/subtract (immediate, with tags): ADDG, SUBG
        return _INT if sf and not w >> 22 & 0x81 and not w >> 14 & 3 else _UNKNOWN
    n = (w >> 22) & 1
    if op0 == 4:  # logical (immediate)
        return _UNKNOWN if (not sf and n) or not _bitmask_ok(n, (w >> 10) & 0x3F) else _INT
    if op0 == 5:  # move wide (immediate)
        opc, hw = (w >> 29) & 3, (w >> 21) & 3
        return _UNKNOWN if opc == 1 or (not sf and hw >= 2) else _INT
    if op0 == 6:  # bitfield
        if (w >> 29) & 3 == 3 or sf != n or (not sf and (w >> 21 | w >> 15) & 1):
            return _UNKNOWN
        return _SHIFT
    # extract
    if (w >> 29) & 3 or (w >> 21) & 1 or sf != n or (not sf and (w >> 15) & 1):
        return _UNKNOWN
    return _SHIFT


def _bitmask_ok(n: int, imms: int) -> bool:
    """DecodeBitMasks() (Arm ARM shared pseudocode) with immediate = TRUE: the element size
    is given by the highest set bit of N:NOT(imms); an element of all ones is reserved."""
    length = (n << 6 | (~imms & 0x3F)).bit_length() - 1
    if length < 1:
        return False
    levels = (1 << length) - 1
    return imms & levels != levels


# --- Branches, Exception Generating and System instructions -----------------------------------

def _branch_sys(w: int) -> InsnInfo:
    op0 = w >> 29
    if op0 & 3 == 0:  # unconditional branch (immediate): B, BL
        return _B
    if op0 & 3 == 1:  # compare and branch, test and branch
        return _BCOND
    if op0 == 2:  # conditional branch (immediate): B.cond, BC.cond
        return _BCOND if not w >> 24 & 3 else _UNKNOWN
    if op0 != 6:
        return _UNKNOWN
    top = (w >> 22) & 0xF  # bits 25:22
    if top < 4:
        return _exception(w)
    if top == 4:
        return _system(w)
    if top >= 8:
        return _branch_reg(w)
    return _UNKNOWN  # 0101: 128-bit system register moves (FEAT_SYSREG128); 011x: unallocated


def _exception(w: int) -> InsnInfo:
    """Exception generation: SVC, HVC, SMC (opc 000), BRK (001), HLT (010).
    TCANCEL (TME) and the Debug-state-only DCPS<n> are UNKNOWN."""
    opc, ll = (w >> 21) & 7, w & 3
    if (w >> 2) & 7:
        return _UNKNOWN
    if opc == 0:
        return _EXC if ll else _UNKNOWN
    return _EXC if opc in (1, 2) and not ll else _UNKNOWN


def _system(w: int) -> InsnInfo:
    """Bits 31:22 = 1101010100: hints, barriers, PSTATE, system instructions (SYS/SYSL) and
    system register moves (MRS/MSR)."""
    if (w >> 19) & 3:  # op0 != 00: SYS/SYSL (01), MRS/MSR register (1x)
        return _SYSREG
    if (w >> 21) & 1:  # L = 1, op0 = 00: system with result (TSTART, TTEST: TME)
        return _UNKNOWN
    op1, crn, crm, op2, rt = (w >> 16) & 7, (w >> 12) & 0xF, (w >> 8) & 0xF, (w >> 5) & 7, w & 31
    if crn == 4:
        return _pstate(op1, crm, op2) if rt == 31 else _UNKNOWN
    if op1 != 3:
        return _UNKNOWN
    if crn == 2:  # hints: unallocated hints execute as NOP (C6.2 HINT)
        if rt != 31:
            return _UNKNOWN
        return _WFI if crm == 0 and op2 in (2, 3) else _NOP
    if crn == 3:  # barriers
        if rt != 31:
            return _UNKNOWN
        if op2 == 6:
            return _ISB
        if op2 in (2, 4, 5) or (op2 == 7 and crm == 0) or (op2 == 1 and crm & 3 == 2):
            return _BARRIER  # CLREX, DSB (SSBB, PSSBB), DMB, SB, DSB nXS
        return _UNKNOWN  # TCOMMIT (TME), unallocated
    if crn == 1:  # WFET, WFIT (register argument)
        return _WFI if crm == 0 and op2 <= 1 else _UNKNOWN
    return _UNKNOWN


# PSTATE fields of MSR (immediate): (op1, op2) -> the CRm values allowed, as a bit mask
# (C6.2 "MSR (immediate)": the newer fields take a 1-bit immediate in CRm<0>).
_ANY_CRM, _CRM_000X, _CRM_SVCR = 0xFFFF, 0b11, 0b1111_1100
_PSTATE_FIELDS = {
    (0, 3): _CRM_000X, (0, 4): _CRM_000X, (0, 5): _ANY_CRM,  # UAO, PAN, SPSel
    (1, 0): _CRM_000X,  # ALLINT (FEAT_NMI)
    (3, 1): _ANY_CRM, (3, 2): _ANY_CRM, (3, 3): _CRM_SVCR,  # SSBS, DIT, SVCRSM/SVCRZA/SVCRSMZA
    (3, 4): _ANY_CRM, (3, 6): _ANY_CRM, (3, 7): _ANY_CRM,  # TCO, DAIFSet, DAIFClr
}


def _pstate(op1: int, crm: int, op2: int) -> InsnInfo:
    """CFINV, XAFLAG, AXFLAG (flag manipulation, INT) and MSR (immediate) (SYSREG)."""
    if op1 == 0 and op2 <= 2:
        return _INT if crm == 0 else _UNKNOWN
    return _SYSREG if _PSTATE_FIELDS.get((op1, op2), 0) >> crm & 1 else _UNKNOWN


def _branch_reg(w: int) -> InsnInfo:
    """Unconditional branch (register): opc = bits 24:21, op3 = bits 15:10."""
    if (w >> 16) & 31 != 31:
        return _UNKNOWN
    opc, op3, rn, op4 = (w >> 21) & 0xF, (w >> 10) & 0x3F, (w >> 5) & 31, w & 31
    if op3 == 0:
        plain = op4 == 0
    elif op3 in (2, 3):  # pointer authentication forms (FEAT_PAuth)
        plain = opc >= 8 or op4 == 31
    else:
        return _UNKNOWN
    if not plain:
        return _UNKNOWN
    if opc in (0, 8) and (opc == 0 or op3):  # BR, BRAAZ/BRABZ, BRAA/BRAB
        return _BR
    if opc in (1, 9) and (opc == 1 or op3):  # BLR, BLRAAZ/BLRABZ, BLRAA/BLRAB
        return _BR
    if opc == 2 and (op3 == 0 or rn == 31):  # RET, RETAA/RETAB
        return _RET
    if opc == 4 and rn == 31:  # ERET, ERETAA/ERETAB
        return _ERET
    return _UNKNOWN  # DRPS (Debug state only) and unallocated


# --- Loads and Stores ---------------------------------------------------------------------------
# Not implemented by this core, and UNKNOWN here: memory copy/set (FEAT_MOPS), 64-byte
# loads/stores (FEAT_LS64), LRCPC3 and LSE128 forms, and every encoding they leave unallocated.

def _ldst(w: int) -> InsnInfo:
    kind = (w >> 27) & 7  # bits 29:27 (bit 28 is op0<3>, bit 27 is 1 in this group)
    v = (w >> 26) & 1
    if kind == 7:
        return _ldst_reg(w, v)
    if kind == 5:
        return _ldst_pair(w, v)
    if kind == 3:
        if not (w >> 24) & 3:  # load register (literal): PRFM for opc = 11
            opc = w >> 30
            if opc == 3:
                return _UNKNOWN if v else _PRFM
            return _LOAD
        if v:
            return _UNKNOWN
        if (w >> 21) & 1:  # load/store memory tags (FEAT_MTE): bits 31:24 = 11011001
            return _tags(w) if w >> 30 == 3 else _UNKNOWN
        if (w >> 10) & 3:
            return _UNKNOWN
        # LDAPR/STLR (unscaled immediate): STLUR, LDAPUR, LDAPURS (FEAT_LRCPC2)
        return _sized(w >> 30, (w >> 22) & 3, False)
    if v:  # Advanced SIMD load/store multiple / single structures
        return _UNKNOWN if w >> 31 else _simd_structures(w)
    if (w >> 24) & 1:
        return _UNKNOWN
    return _exclusive(w)


def _sized(size: int, opc: int, prefetch: bool) -> InsnInfo:
    """Integer register loads/stores by size and opc (STR*, LDR*, LDRS*, PRFM)."""
    if opc == 0:
        return _STORE
    if opc == 1:
        return _LOAD
    if size == 3:
        return _PRFM if prefetch and opc == 2 else _UNKNOWN
    return _LOAD if opc == 2 or size < 2 else _UNKNOWN


def _ldst_reg(w: int, v: int) -> InsnInfo:
    """Load/store register: unsigned immediate, unscaled, pre/post-indexed, unprivileged,
    register offset, atomic memory operations, pointer authenticated."""
    size, opc, op4 = w >> 30, (w >> 22) & 3, (w >> 10) & 3
    if (w >> 24) & 1:  # unsigned immediate: PRFM
        prefetch = True
    elif (w >> 21) & 1:
        if op4 == 0:
            return _UNKNOWN if v else _atomic(w)
        if op4 & 1:  # LDRAA, LDRAB (FEAT_PAuth)
            return _LOAD if size == 3 and not v else _UNKNOWN
        if not (w >> 14) & 1:  # register offset (op4 = 10): option<1> must be 1; PRFM
            return _UNKNOWN
        prefetch = True
    else:
        if op4 == 2 and v:  # unprivileged: no SIMD&FP form
            return _UNKNOWN
        prefetch = op4 == 0  # unscaled: PRFUM; no prefetch that writes back or is unprivileged
    if v:
        if opc >= 2 and size:  # 128-bit forms have size 00
            return _UNKNOWN
        return _LOAD if opc & 1 else _STORE
    return _sized(size, opc, prefetch)


def _atomic(w: int) -> InsnInfo:
    """Atomic memory operations (FEAT_LSE): LD<op>, ST<op>, SWP; LDAPR (FEAT_LRCPC)."""
    o3, opc = (w >> 15) & 1, (w >> 12) & 7
    if not o3 or opc == 0:
        return _RMW
    if opc == 4 and (w >> 22) & 3 == 2:  # A = 1, R = 0
        return _LOAD
    return _UNKNOWN  # ST64B*, LD64B (FEAT_LS64) and unallocated


def _ldst_pair(w: int, v: int) -> InsnInfo:
    """Load/store pair (no-allocate, post-indexed, offset, pre-indexed): LDP, STP, LDNP, STNP,
    LDPSW, STGP (FEAT_MTE)."""
    opc, load = w >> 30, (w >> 22) & 1
    if opc == 3:
        return _UNKNOWN
    if opc == 1 and not v and not (w >> 23) & 3:  # LDPSW/STGP have no no-allocate form
        return _UNKNOWN
    return _LOAD_PAIR if load else _STORE_PAIR


def _tags(w: int) -> InsnInfo:
    """Load/store memory tags (FEAT_MTE): STG, STZG, ST2G, STZ2G, LDG, STGM, STZGM, LDGM."""
    opc, op2 = (w >> 22) & 3, (w >> 10) & 3
    if op2:
        return _STORE
    if opc == 1:  # LDG
        return _LOAD
    if (w >> 12) & 0x1FF:  # STZGM, STGM, LDGM have imm9 = 0
        return _UNKNOWN
    return _LOAD if opc == 3 else _STORE


def _exclusive(w: int) -> InsnInfo:
    """Load/store exclusive register and pair, load-acquire/store-release (ordered), compare
    and swap (pair): bits 29:24 = 001000."""
    size, o2, load, o1 = w >> 30, (w >> 23) & 1, (w >> 22) & 1, (w >> 21) & 1
    if o1:
        if not o2 and size >= 2:  # LDXP, LDAXP, STXP, STLXP
            return _LOAD_PAIR if load else _STORE_PAIR
        if (w >> 10) & 31 != 31:  # CAS and CASP have Rt2 = 11111
            return _UNKNOWN
        return _RMW if o2 else _RMW_PAIR
    return _LOAD if load else _STORE  # LDXR, LDAXR, STXR, STLXR, LDAR, LDLAR, STLR, STLLR


# Multiple structures: registers per opcode (LD1-LD4/ST1-ST4); 0 = unallocated.
_MULTI_REGS = (4, 0, 4, 0, 3, 0, 3, 1, 2, 0, 2, 0, 0, 0, 0, 0)


def _simd_structures(w: int) -> InsnInfo:
    """Advanced SIMD load/store multiple and single structures (post-indexed or not)."""
    load = (w >> 22) & 1
    post = (w >> 23) & 1
    if not (w >> 24) & 1:  # multiple structures
        if (w >> 21) & 1 or (not post and (w >> 16) & 31):
            return _UNKNOWN
        opcode = (w >> 12) & 0xF
        regs = _MULTI_REGS[opcode]
        if not opcode & 3 and (w >> 10) & 3 == 3 and not (w >> 30) & 1:  # LD2/3/4 .1d
            return _UNKNOWN
        return (_LOAD_N if load else _STORE_N)[regs]
    if not post and (w >> 16) & 31:
        return _UNKNOWN
    opcode, s, size = (w >> 13) & 7, (w >> 12) & 1, (w >> 10) & 3
    regs = ((opcode & 1) << 1 | (w >> 21) & 1) + 1
    if opcode >= 6:  # LD1R-LD4R
        if not load or s:
            return _UNKNOWN
    elif opcode >= 4:  # 32-bit or 64-bit lanes
        if size >= 2 or (size == 1 and s):
            return _UNKNOWN
    elif opcode >= 2 and size & 1:  # 16-bit lanes
        return _UNKNOWN
    return (_LOAD_N if load else _STORE_N)[regs]


# --- Data Processing -- Register ----------------------------------------------------------------

def _dp_reg(w: int) -> InsnInfo:
    op2 = (w >> 21) & 0xF
    sf = w >> 31
    if not (w >> 28) & 1:
        imm6 = (w >> 10) & 0x3F
        if op2 < 8:  # logical (shifted register)
            if not sf and imm6 >= 32:
                return _UNKNOWN
            return _SHIFT if imm6 else _INT
        if op2 & 1:  # add/subtract (extended register)
            return _UNKNOWN if (w >> 22) & 3 or (w >> 10) & 7 > 4 else _SHIFT
        # add/subtract (shifted register)
        if (w >> 22) & 3 == 3 or (not sf and imm6 >= 32):
            return _UNKNOWN
        return _SHIFT if imm6 else _INT
    if op2 >= 8:
        return _dp_3source(w)
    if op2 == 0:
        return _carry_flags(w)
    if op2 == 2:  # conditional compare (register, immediate): S = 1, o2 = 0, o3 = 0
        return _INT if (w >> 29) & 1 and not (w >> 10) & 1 and not (w >> 4) & 1 else _UNKNOWN
    if op2 == 4:  # conditional select: S = 0, op2 = 0x
        return _INT if not (w >> 29) & 1 and not (w >> 11) & 1 else _UNKNOWN
    if op2 == 6:
        return _dp_1source(w) if (w >> 30) & 1 else _dp_2source(w)
    return _UNKNOWN


def _carry_flags(w: int) -> InsnInfo:
    """ADC/SBC{S}; RMIF (FEAT_FlagM); SETF8/SETF16 (FEAT_FlagM)."""
    low = (w >> 10) & 0x3F
    if low == 0:
        return _INT
    if low & 0x1F == 1:  # RMIF: sf op S = 101, o2 = 0
        return _INT if w >> 29 == 5 and not (w >> 4) & 1 else _UNKNOWN
    if low & 0xF == 2:  # SETF8/16: sf op S = 001, opcode2 = 0, o3 = 0, mask = 1101
        return _INT if w >> 29 == 1 and not (w >> 15) & 0x3F and w & 0x1F == 0xD else _UNKNOWN
    return _UNKNOWN


# Data-processing (2 source) by opcode: (class, needs sf) with needs sf = None for either.
_DP2: dict[int, tuple[InsnInfo, int | None]] = {
    0b000010: (_DIV, None), 0b000011: (_DIV, None),  # UDIV, SDIV
    0b000100: (_INT, 1), 0b000101: (_INT, 1),  # IRG, GMI (FEAT_MTE)
    0b001000: (_INT, None), 0b001001: (_INT, None),  # LSLV, LSRV
    0b001010: (_INT, None), 0b001011: (_INT, None),  # ASRV, RORV
    0b001100: (_INT, 1),  # PACGA (FEAT_PAuth)
    0b010000: (_INT, 0), 0b010001: (_INT, 0), 0b010010: (_INT, 0), 0b010011: (_INT, 1),  # CRC32
    0b010100: (_INT, 0), 0b010101: (_INT, 0), 0b010110: (_INT, 0), 0b010111: (_INT, 1),  # CRC32C
}


def _dp_2source(w: int) -> InsnInfo:
    opcode, sf, s = (w >> 10) & 0x3F, w >> 31, (w >> 29) & 1
    if opcode == 0:  # SUBP, SUBPS (FEAT_MTE)
        return _INT if sf else _UNKNOWN
    entry = _DP2.get(opcode)
    if entry is None or s or (entry[1] is not None and entry[1] != sf):
        return _UNKNOWN
    return entry[0]


def _dp_1source(w: int) -> InsnInfo:
    """RBIT, REV16, REV, REV32, CLZ, CLS; the FEAT_PAuth PAC*/AUT*/XPAC* forms (opcode2 = 1)."""
    opcode2, opcode, sf = (w >> 16) & 31, (w >> 10) & 0x3F, w >> 31
    if (w >> 29) & 1:
        return _UNKNOWN
    if opcode2 == 0:
        return _INT if opcode <= 5 and (sf or opcode != 3) else _UNKNOWN
    if opcode2 != 1 or not sf:
        return _UNKNOWN
    if opcode < 8 or (opcode < 18 and (w >> 5) & 31 == 31):  # Z forms, XPACI, XPACD: Rn = 31
        return _INT
    return _UNKNOWN


def _dp_3source(w: int) -> InsnInfo:
    """MADD, MSUB; SMADDL, SMSUBL, UMADDL, UMSUBL, SMULH, UMULH (64-bit only)."""
    op54, op31, o0, sf = (w >> 29) & 3, (w >> 21) & 7, (w >> 15) & 1, w >> 31
    if op54:
        return _UNKNOWN
    if op31 == 0:
        return _MUL
    if not sf:
        return _UNKNOWN
    if op31 in (1, 5) or (op31 in (2, 6) and not o0):
        return _MUL
    return _UNKNOWN


# --- Data Processing -- Scalar Floating-Point and Advanced SIMD (see _fpsimd.py) ---------------

def _fp_simd(w: int) -> InsnInfo:
    return _FP if allocated(w) else _UNKNOWN


_GROUPS = (
    _unallocated, _unallocated, _unallocated, _unallocated,  # 0000 reserved/SME, 0001, SVE, 0011
    _ldst, _dp_reg, _ldst, _fp_simd,  # 0100, 0101, 0110, 0111
    _dp_imm, _dp_imm, _branch_sys, _branch_sys,  # 100x, 101x
    _ldst, _dp_reg, _ldst, _fp_simd,  # 1100, 1101, 1110, 1111
)
