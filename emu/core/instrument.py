"""Translation-time instrumentation: the first time a block runs, decode it and put code hooks
on the few instructions Python must see before they execute.

- Loads and stores with an SP base: AArch64.CheckSPAlignment (Unicorn does not check SP
  alignment): the hook faults when SCTLR_ELx.SA (SA0 at EL0) is set and SP is misaligned.
- MRS/MSR/SYS/SYSL to a register emulated in Python (the PMU, the GIC CPU interface, user
  registers): the hook performs the access through the processor and moves the PC past it
  (writing the PC in a code hook abandons the native instruction).

Only those instructions pay a Python call; the block is translated again so the hooks are in it.
"""

from __future__ import annotations

import struct
from typing import Callable

from unicorn import UC_HOOK_CODE, Uc, UcError
from unicorn.arm64_const import UC_ARM64_REG_CP_REG, UC_ARM64_REG_PSTATE, UC_ARM64_REG_SP

from emu.arch import decode
from emu.arch.sysregs import Encoding

SCTLR_SA, SCTLR_SA0 = 1 << 3, 1 << 4
# (Unicorn CpReg order, the SCTLR bit) that enables the SP check at EL0, EL1, EL2.
_SCTLR_EL1 = (1, 0, 3, 0, 0)
_SCTLR_EL2 = (1, 0, 3, 4, 0)
_CHECK_BIT = {0: (_SCTLR_EL1, SCTLR_SA0), 1: (_SCTLR_EL1, SCTLR_SA), 2: (_SCTLR_EL2, SCTLR_SA)}

SysregAccess = Callable[[int, decode.SysInsn], None]


class Instrumenter:
    """Puts code hooks on SP-based loads/stores and on accesses to Python system registers."""

    def __init__(self, uc: Uc, sp_fault: Callable[[int], None], sysreg_access: SysregAccess) -> None:
        self._uc = uc
        self._sp_fault = sp_fault  # takes the SP alignment fault at this PC
        self._sysreg_access = sysreg_access  # performs the access at this PC
        self._hooked: set[int] = set()
        self._sys_at: dict[int, decode.SysInsn] = {}
        self.python_registers: set[Encoding] = set()

    def on_new_block(self, address: int, size: int) -> bool:
        """Hook what needs hooking in a block seen for the first time; True if a hook was added
        (the caller then stops before the block and it is translated again)."""
        try:
            words = struct.unpack(f"<{size // 4}I", bytes(self._uc.mem_read(address, size - size % 4)))
        except UcError:
            return False
        added = False
        for i, insn in enumerate(words):
            pc = address + 4 * i
            if pc in self._hooked:
                continue
            if decode.uses_sp_base(insn):
                self._uc.hook_add(UC_HOOK_CODE, self._check_sp, None, pc, pc)
            else:
                sys_insn = decode.system_insn(insn)
                if sys_insn is None or sys_insn.encoding not in self.python_registers:
                    continue
                self._sys_at[pc] = sys_insn
                self._uc.hook_add(UC_HOOK_CODE, self._system_register, None, pc, pc)
            self._hooked.add(pc)
            added = True
        if added:
            self._uc.ctl_remove_cache(address, address + size)
        return added

    def _check_sp(self, uc: Uc, address: int, _size: int, _ud: object) -> None:
        if not uc.reg_read(UC_ARM64_REG_SP) & 15:
            return
        sctlr, bit = _CHECK_BIT[(uc.reg_read(UC_ARM64_REG_PSTATE) >> 2) & 3]
        if uc.reg_read(UC_ARM64_REG_CP_REG, sctlr) & bit:
            self._sp_fault(address)

    def _system_register(self, _uc: Uc, address: int, _size: int, _ud: object) -> None:
        self._sysreg_access(address, self._sys_at[address])
