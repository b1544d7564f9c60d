"""Translation-time instrumentation: the first time a block runs, decode it and put code hooks
on the few instructions Python must see before they execute.

- Loads and stores with an SP base: AArch64.CheckSPAlignment (Unicorn does not check SP
  alignment). The block's record gets the residues of SP mod 16 at block entry for which one of
  them would see a misaligned SP (SP changes inside the block are constants, see
  decode.sp_write); the native block hook compares the SP with that mask, so an aligned SP costs
  no call at all. On a match, if SCTLR_ELx.SA (SA0 at EL0) is set, the block gets a code hook on
  each of those loads and stores and runs again; the hook faults at the exact one. Loads and
  stores after an SP write the decoder cannot follow (MOV SP, Xn) get the code hook at once.
  (A code hook per instruction was the first design: Unicorn walks its whole list of code hooks
  on every hooked instruction, so a few hundred of them made the C code of kvm-unit-tests'
  timer test run ten times slower.)
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
from emu.timing.native import BlockCounter, Fallback, MrsSite, NativeBlock

SCTLR_SA, SCTLR_SA0 = 1 << 3, 1 << 4
# (Unicorn CpReg order, the SCTLR bit) that enables the SP check at EL0, EL1, EL2.
_SCTLR_EL1 = (1, 0, 3, 0, 0)
_SCTLR_EL2 = (1, 0, 3, 4, 0)
_CHECK_BIT = {0: (_SCTLR_EL1, SCTLR_SA0), 1: (_SCTLR_EL1, SCTLR_SA), 2: (_SCTLR_EL2, SCTLR_SA)}

SysregAccess = Callable[[int, decode.SysInsn], None]
# void (*uc_cb_hookcode_t)(uc_engine *uc, uint64_t address, uint32_t size, void *user_data)
_CodeHook = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.c_uint64, ctypes.c_uint32, ctypes.c_void_p)


def _misaligned_entries(delta: int) -> int:
    """Bit r set: an access at SP(entry) + delta is misaligned when SP(entry) % 16 == r."""
    return sum(1 << r for r in range(16) if (r + delta) & 15)


class Instrumenter:
    """Puts code hooks on SP-based loads/stores and on accesses to Python system registers."""

    def __init__(self, uc: Uc, counter: BlockCounter, sp_fault: Callable[[int], None],
                 sysreg_access: SysregAccess, on_error: Callable[[BaseException], None]) -> None:
        self._uc = uc
        self._counter = counter
        self._sp_fault = sp_fault  # takes the SP alignment fault at this PC
        self._sysreg_access = sysreg_access  # performs the access at this PC
        self._hooked: set[int] = set()
        self._sp_hooked: set[int] = set()  # loads/stores with a code hook for the SP check
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

    def _words(self, address: int, size: int) -> tuple[int, ...]:
        try:
            return struct.unpack(f"<{size // 4}I", bytes(self._uc.mem_read(address, size - size % 4)))
        except UcError:
            return ()

    def on_new_block(self, address: int, size: int, record: NativeBlock) -> bool:
        """Hook what needs hooking in a block seen for the first time and set its SP mask; True
        if a hook was added (the caller then stops before the block and it is translated again)."""
        words = self._words(address, size)
        added = False
        delta: int | None = 0  # SP now minus SP at block entry (None: not known)
        sp_mask = 0
        for i, insn in enumerate(words):
            pc = address + 4 * i
            if decode.uses_sp_base(insn):
                if delta is not None:
                    sp_mask |= _misaligned_entries(delta)
                elif pc not in self._sp_hooked:
                    self._hook_sp(pc)
                    added = True
            elif pc not in self._hooked:
                added |= self._hook_system(pc, insn)
            if delta is not None:
                change = decode.sp_write(insn)
                delta = None if change is None else delta + change
        record.sp_mask = sp_mask
        if added:
            self._uc.ctl_remove_cache(address, address + size)
        return added

    def on_sp_match(self, address: int, size: int, record: NativeBlock) -> bool:
        """The block starts with an SP that one of its loads/stores would find misaligned: if
        the check is enabled at this EL, hook them all and have the block translated again."""
        if not self._check_enabled():
            return False
        for i, insn in enumerate(self._words(address, size)):
            pc = address + 4 * i
            if decode.uses_sp_base(insn) and pc not in self._sp_hooked:
                self._hook_sp(pc)
        record.sp_mask = 0
        self._uc.ctl_remove_cache(address, address + size)
        return True

    def _hook_sp(self, pc: int) -> None:
        self._uc.hook_add(UC_HOOK_CODE, self._check_sp, None, pc, pc)
        self._sp_hooked.add(pc)

    def _hook_system(self, pc: int, insn: int) -> bool:
        """A code hook on an access to a Python system register; False if it is none."""
        sys_insn = decode.system_insn(insn)
        if sys_insn is None or sys_insn.encoding not in self.python_registers:
            return False
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
        return True

    def _add_code_hook(self, callback: object, user_data: int | None, pc: int) -> None:
        handle = ctypes.c_size_t()
        status = uclib.uc_hook_add(self._uc._uch, ctypes.byref(handle), UC_HOOK_CODE, callback, user_data, pc, pc)
        if status:
            raise UcError(status)

    def _mrs_fallback(self, address: int) -> None:
        self._system_register(0, address, 4, 0)

    def _check_enabled(self) -> bool:
        """SCTLR_ELx.SA for the current EL (SCTLR_EL1.SA0 at EL0)."""
        sctlr, bit = _CHECK_BIT[(self._uc.reg_read(UC_ARM64_REG_PSTATE) >> 2) & 3]
        return bool(self._uc.reg_read(UC_ARM64_REG_CP_REG, sctlr) & bit)

    def _check_sp(self, uc: Uc, address: int, _size: int, _ud: object) -> None:
        if uc.reg_read(UC_ARM64_REG_SP) & 15 and self._check_enabled():
            self._sp_fault(address)

    def _system_register(self, _uc: int, address: int, _size: int, _ud: int) -> None:
        try:
            self._sysreg_access(address, self._sys_at[address])
        except BaseException as err:  # nothing may escape into the C caller
            self._on_error(err)
