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

import ctypes
import struct
from typing import Callable

from unicorn import UC_HOOK_CODE, Uc, UcError
from unicorn.arm64_const import UC_ARM64_REG_CP_REG, UC_ARM64_REG_PSTATE, UC_ARM64_REG_SP
from unicorn.unicorn_py3.unicorn import uclib

from emu.arch import decode
from emu.arch.sysregs import Encoding
from emu.core.cpu import X_REGIDS
from emu.timing.native import BlockCounter, Fallback, MrsSite

SCTLR_SA, SCTLR_SA0 = 1 << 3, 1 << 4
# (Unicorn CpReg order, the SCTLR bit) that enables the SP check at EL0, EL1, EL2.
_SCTLR_EL1 = (1, 0, 3, 0, 0)
_SCTLR_EL2 = (1, 0, 3, 4, 0)
_CHECK_BIT = {0: (_SCTLR_EL1, SCTLR_SA0), 1: (_SCTLR_EL1, SCTLR_SA), 2: (_SCTLR_EL2, SCTLR_SA)}

SysregAccess = Callable[[int, decode.SysInsn], None]
# void (*uc_cb_hookcode_t)(uc_engine *uc, uint64_t address, uint32_t size, void *user_data)
_CodeHook = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.c_uint64, ctypes.c_uint32, ctypes.c_void_p)


class Instrumenter:
    """Puts code hooks on SP-based loads/stores and on accesses to Python system registers."""

    def __init__(self, uc: Uc, counter: BlockCounter, sp_fault: Callable[[int], None],
                 sysreg_access: SysregAccess, on_error: Callable[[BaseException], None]) -> None:
        self._uc = uc
        self._counter = counter
        self._sp_fault = sp_fault  # takes the SP alignment fault at this PC
        self._sysreg_access = sysreg_access  # performs the access at this PC
        self._hooked: set[int] = set()
        self._sys_at: dict[int, decode.SysInsn] = {}
        self.python_registers: set[Encoding] = set()
        # MRS of these (PMU counters, by their index in the native fast-counter table) are read
        # by the native hook itself while the access is allowed; Python only when it is not.
        self.fast_reads: dict[Encoding, int] = {}
        self._sites: list[MrsSite] = []
        self._fallback = Fallback(self._mrs_fallback)
        self._on_error = on_error
        # The system-register hook is registered with the library directly: the binding's
        # callback wrapper costs about a microsecond per call on a path that wants a few.
        self._sysreg_hook = _CodeHook(self._system_register)

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
                counter = self.fast_reads.get(sys_insn.encoding) if sys_insn.is_read else None
                if counter is None:
                    self._add_code_hook(ctypes.cast(self._sysreg_hook, ctypes.c_void_p), None, pc)
                else:
                    site = MrsSite(ctypes.addressof(self._counter.state), counter,
                                   X_REGIDS[sys_insn.rt] if sys_insn.rt < 31 else 0, int(sys_insn.rt == 31),
                                   ctypes.cast(self._fallback, ctypes.c_void_p))
                    self._sites.append(site)
                    self._add_code_hook(self._counter.mrs_hook(), ctypes.addressof(site), pc)
            self._hooked.add(pc)
            added = True
        if added:
            self._uc.ctl_remove_cache(address, address + size)
        return added

    def _add_code_hook(self, callback: object, user_data: int | None, pc: int) -> None:
        handle = ctypes.c_size_t()
        status = uclib.uc_hook_add(self._uc._uch, ctypes.byref(handle), UC_HOOK_CODE, callback, user_data, pc, pc)
        if status:
            raise UcError(status)

    def _mrs_fallback(self, address: int) -> None:
        self._system_register(0, address, 4, 0)

    def _check_sp(self, uc: Uc, address: int, _size: int, _ud: object) -> None:
        if not uc.reg_read(UC_ARM64_REG_SP) & 15:
            return
        sctlr, bit = _CHECK_BIT[(uc.reg_read(UC_ARM64_REG_PSTATE) >> 2) & 3]
        if uc.reg_read(UC_ARM64_REG_CP_REG, sctlr) & bit:
            self._sp_fault(address)

    def _system_register(self, _uc: int, address: int, _size: int, _ud: int) -> None:
        try:
            self._sysreg_access(address, self._sys_at[address])
        except BaseException as err:  # nothing may escape into the C caller
            self._on_error(err)
