"""SP alignment checking (Arm ARM AArch64.CheckSPAlignment): a load or store with SP as its base
register faults with EC 0x26 when SP is not 16-byte aligned and SCTLR_ELx.SA (SA0 at EL0) is set.

Unicorn does not check SP alignment. The native block hook calls `on_new_block` the first time a
block runs; the checker decodes it and puts a code hook on each load/store with an SP base, then
asks for the block to be translated again so the hooks are in it. Only those instructions pay
for the check (one Python call each).
"""

from __future__ import annotations

import struct
from typing import Callable

from unicorn import UC_HOOK_CODE, Uc, UcError
from unicorn.arm64_const import UC_ARM64_REG_CP_REG, UC_ARM64_REG_PSTATE, UC_ARM64_REG_SP

from emu.arch import decode

SCTLR_SA, SCTLR_SA0 = 1 << 3, 1 << 4
# (Unicorn CpReg order, the SCTLR bit) that enables the check at EL0, EL1, EL2.
_SCTLR_EL1 = (1, 0, 3, 0, 0)
_SCTLR_EL2 = (1, 0, 3, 4, 0)
_CHECK_BIT = {0: (_SCTLR_EL1, SCTLR_SA0), 1: (_SCTLR_EL1, SCTLR_SA), 2: (_SCTLR_EL2, SCTLR_SA)}


class SpAlignmentChecker:
    """Per-instruction SP checks on exactly the loads/stores that use SP as their base."""

    def __init__(self, uc: Uc, fault: Callable[[int], None]) -> None:
        self._uc = uc
        self._fault = fault  # takes the SP alignment fault at this PC
        self._hooked: set[int] = set()

    def on_new_block(self, address: int, size: int) -> bool:
        """Hook the SP-based loads/stores of a block seen for the first time; True if any was new."""
        try:
            words = struct.unpack(f"<{size // 4}I", bytes(self._uc.mem_read(address, size - size % 4)))
        except UcError:
            return False
        added = False
        for i, insn in enumerate(words):
            pc = address + 4 * i
            if decode.uses_sp_base(insn) and pc not in self._hooked:
                self._hooked.add(pc)
                self._uc.hook_add(UC_HOOK_CODE, self._check, None, pc, pc)
                added = True
        if added:
            self._uc.ctl_remove_cache(address, address + size)
        return added

    def _check(self, uc: Uc, address: int, _size: int, _ud: object) -> None:
        if not uc.reg_read(UC_ARM64_REG_SP) & 15:
            return
        sctlr, bit = _CHECK_BIT[(uc.reg_read(UC_ARM64_REG_PSTATE) >> 2) & 3]
        if uc.reg_read(UC_ARM64_REG_CP_REG, sctlr) & bit:
            self._fault(address)
