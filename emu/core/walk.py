"""A stage 1 translation table walk in Python, to classify the faults the guest's MMU raises.

Unicorn's softmmu walks the guest's tables and raises the abort, but it does not expose the
syndrome or the faulting address QEMU computed. When it reports an abort with stage 1 enabled,
emu walks the same tables again here and applies the Arm ARM's rules (D8 "The AArch64 Virtual
Memory System Architecture": D8.2 translation process, D8.3 descriptors, D8.4 access
permissions, D8.14 MMU fault types and their prioritization) to find which fault it was and
at which level. Scope: stage 1 of the EL2 regime (HCR_EL2.E2H = 0) and of the EL1&0 regime;
4, 16 and 64 KiB granules; 48-bit output addresses; no FEAT_HAFDBS, FEAT_PAN, FEAT_LPA2.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass

PA_RANGE_BITS = 44  # ID_AA64MMFR0_EL1.PARange of the Cortex-A57 (docs/qemu.md)
_PS_BITS = {0: 32, 1: 36, 2: 40, 3: 42, 4: 44, 5: 48, 6: 52}
_OA_MASK = (1 << 48) - 1


class Fault(enum.IntEnum):
    """DFSC/IFSC of a stage 1 fault, before the level is added (ESR_ELx, Data/Instruction Abort)."""

    ADDRESS_SIZE = 0b000000
    TRANSLATION = 0b000100
    ACCESS_FLAG = 0b001000
    PERMISSION = 0b001100
    EXTERNAL_ON_WALK = 0b010100


@dataclass(frozen=True)
class WalkFault:
    kind: Fault
    level: int

    @property
    def fsc(self) -> int:
        return int(self.kind) | (self.level & 3)


class Access(enum.Enum):
    READ = "read"
    WRITE = "write"
    FETCH = "fetch"


@dataclass(frozen=True)
class Regime:
    """The registers of one stage 1 translation regime."""

    el2: bool  # the EL2 regime (one VA range, one privilege level), else EL1&0
    sctlr: int
    tcr: int
    ttbr0: int
    ttbr1: int = 0


@dataclass(frozen=True)
class Translation:
    """A successful walk: the output address."""

    pa: int


def _granule_bits(tg: int, ttbr1: bool) -> int:
    if ttbr1:  # TG1: 0b01 16 KiB, 0b10 4 KiB, 0b11 64 KiB
        return {1: 14, 2: 12, 3: 16}.get(tg, 12)
    return {0: 12, 1: 16, 2: 14}.get(tg, 12)  # TG0: 0b00 4 KiB, 0b01 64 KiB, 0b10 16 KiB


def translate(regime: Regime, va: int, access: Access, unprivileged: bool,
              read64: Callable[[int], int | None]) -> Translation | WalkFault:
    """AArch64 stage 1 translation of `va` for `access` (`unprivileged`: from EL0), reading
    descriptors with `read64(pa)` (None: nothing at that physical address)."""
    tcr = regime.tcr
    va &= (1 << 64) - 1
    if regime.el2:
        tbi = bool(tcr >> 20 & 1)
        upper = False
        tsz, tg, epd = tcr & 0x3F, tcr >> 14 & 3, 0
        ps = tcr >> 16 & 7
        ttbr = regime.ttbr0
    else:
        upper = bool(va >> 55 & 1)
        tbi = bool(tcr >> (38 if upper else 37) & 1)
        if upper:
            tsz, tg, epd, ttbr = tcr >> 16 & 0x3F, tcr >> 30 & 3, tcr >> 23 & 1, regime.ttbr1
        else:
            tsz, tg, epd, ttbr = tcr & 0x3F, tcr >> 14 & 3, tcr >> 7 & 1, regime.ttbr0
        ps = tcr >> 32 & 7
    pa_bits = min(_PS_BITS.get(ps, 48), PA_RANGE_BITS)
    granule = _granule_bits(tg, upper)
    inputsize = 64 - max(16, min(tsz, 39))
    top = 55 if tbi else 63
    # The VA must lie in the range of its TTBR: bits [top:inputsize] all equal to bit 55 (two
    # ranges) or all zero (one range). Otherwise, or with the walk disabled (EPDx): translation
    # fault, level 0 (AArch64.S1Translate / AArch64.S1IsVAValid).
    bits = va >> inputsize & ((1 << (top + 1 - inputsize)) - 1)
    want = (1 << (top + 1 - inputsize)) - 1 if upper else 0
    if bits != want or epd:
        return WalkFault(Fault.TRANSLATION, 0)
    stride = granule - 3
    levels = -(-(inputsize - granule) // stride)
    level = 4 - levels
    table = ttbr & _OA_MASK & ~1
    ap_table, xn_table, pxn_table = 0, 0, 0
    while True:
        shift = granule + stride * (3 - level)
        width = inputsize - shift if level == 4 - levels else stride
        index = va >> shift & ((1 << width) - 1)
        if table >> pa_bits:
            return WalkFault(Fault.ADDRESS_SIZE, level)
        desc = read64(table + 8 * index)
        if desc is None:  # the table is not in memory: synchronous External abort on the walk
            return WalkFault(Fault.EXTERNAL_ON_WALK, level)
        if not desc & 1:
            return WalkFault(Fault.TRANSLATION, level)
        is_table = bool(desc & 2)
        if level == 3:
            if not is_table:  # 0b01 at level 3 is reserved: translation fault
                return WalkFault(Fault.TRANSLATION, level)
            break
        if is_table:
            ap_table |= desc >> 61 & 3
            xn_table |= desc >> 60 & 1
            pxn_table |= desc >> 59 & 1
            table = desc & _OA_MASK & ~((1 << granule) - 1)
            level += 1
            continue
        block_ok = level == 2 or (level == 1 and granule == 12)
        if not block_ok:
            return WalkFault(Fault.TRANSLATION, level)
        break
    out = desc & _OA_MASK & ~((1 << shift) - 1)
    if out >> pa_bits:
        return WalkFault(Fault.ADDRESS_SIZE, level)
    if not desc >> 10 & 1:  # AF = 0 and no hardware update: Access flag fault (before permissions)
        return WalkFault(Fault.ACCESS_FLAG, level)
    if not _permitted(regime, desc, ap_table, xn_table, pxn_table, access, unprivileged):
        return WalkFault(Fault.PERMISSION, level)
    return Translation(out | va & ((1 << shift) - 1))


def _permitted(regime: Regime, desc: int, ap_table: int, xn_table: int, pxn_table: int,
               access: Access, unprivileged: bool) -> bool:
    """AArch64.S1CheckPermissions for stage 1 (no PAN, no FEAT_HPDS)."""
    ap = desc >> 6 & 3
    wxn = bool(regime.sctlr >> 19 & 1)
    if regime.el2:  # one privilege level: AP[1] and APTable[0] are ignored (RES1 / RES0)
        w = not (ap & 2 or ap_table & 2)
        xn = bool(desc >> 54 & 1 or xn_table) or (wxn and w)
        return {Access.READ: True, Access.WRITE: w, Access.FETCH: not xn}[access]
    user = bool(ap & 1) and not ap_table & 1
    read_only = bool(ap & 2 or ap_table & 2)
    user_w = user and not read_only
    uxn = bool(desc >> 54 & 1 or xn_table) or (wxn and user_w)
    pxn = bool(desc >> 53 & 1 or pxn_table) or user_w or (wxn and not read_only)
    if unprivileged:
        return {Access.READ: user, Access.WRITE: user_w, Access.FETCH: not uxn}[access]
    return {Access.READ: True, Access.WRITE: not read_only, Access.FETCH: not pxn}[access]
