"""The one place that talks to Unicorn's AArch64 register file and papers over its gaps
(see ../shared/docs/UNICORN_NOTES.md):

- Unicorn starts at EL1h with an EL3 whose SCR_EL3 makes EL2 Secure: `reset` fixes SCR_EL3 first.
- Writing PSTATE does not rebuild the translator's cached flags (EL, SP selection): `set_pstate`
  follows the write with a CP_REG write, which does.
- Writing PSTATE does not bank the stack pointer: `set_pstate` saves and loads SP_ELx itself.
- Unicorn's CpReg tuple is (CRn, CRm, op0, op1, op2[, value]): `read_sysreg`/`write_sysreg` take the
  architectural order (op0, op1, CRn, CRm, op2).
"""

from __future__ import annotations

import ctypes
import struct

from unicorn import UC_ARCH_ARM64, UC_MODE_ARM, Uc, UcError
from unicorn import arm64_const as r
from unicorn.unicorn_py3.unicorn import uclib

from emu.arch import pstate as ps
from emu.arch import sysregs as sr

_X = [getattr(r, f"UC_ARM64_REG_X{n}") for n in range(29)] + [r.UC_ARM64_REG_X29, r.UC_ARM64_REG_X30]
X_REGIDS: tuple[int, ...] = tuple(_X)  # Unicorn's ids of X0-X30
_SP_BANK = {0: r.UC_ARM64_REG_SP_EL0, 1: r.UC_ARM64_REG_SP_EL1, 2: r.UC_ARM64_REG_SP_EL2}
RESET_PSTATE = {2: ps.DAIF | ps.mode(2, True), 1: ps.DAIF | ps.mode(1, True)}


class _CpReg(ctypes.Structure):
    """uc_arm64_cp_reg (unicorn/arm64.h), in Unicorn's field order."""

    _fields_ = [("crn", ctypes.c_uint32), ("crm", ctypes.c_uint32), ("op0", ctypes.c_uint32),
                ("op1", ctypes.c_uint32), ("op2", ctypes.c_uint32), ("val", ctypes.c_uint64)]


class Cpu:
    """One AArch64 core on a Unicorn engine: registers, PSTATE with banked SPs, system registers."""

    def __init__(self) -> None:
        # Unicorn's default AArch64 model is a Cortex-A72; the platform is a Cortex-A57.
        self.uc = Uc(UC_ARCH_ARM64, UC_MODE_ARM, cpu=r.UC_CPU_ARM64_A57)  # type: ignore[call-arg]  # mypy reads the py2 shim
        # Register accesses from hooks are the hot part of every Python path: call the library
        # directly with preallocated buffers (the binding's reg_read costs several times more).
        self._uch = self.uc._uch
        self._word = ctypes.c_uint64()
        self._word_ref = ctypes.byref(self._word)
        self._cp = _CpReg()
        self._cp_ref = ctypes.byref(self._cp)
        self._read = uclib.uc_reg_read
        self._write = uclib.uc_reg_write

    def _get(self, regid: int) -> int:
        self._read(self._uch, regid, self._word_ref)
        return self._word.value

    def _set(self, regid: int, value: int) -> None:
        self._word.value = value & 0xFFFF_FFFF_FFFF_FFFF
        self._write(self._uch, regid, self._word_ref)

    def reset(self, entry: int, el: int) -> None:
        """Architectural reset as PLATFORM.md gives it: PC = entry, ELxh with DAIF masked, X0-X30 = 0.
        EL3 is the emulator's firmware: SCR_EL3 = NS | HCE | RW so that EL2 is Non-secure AArch64."""
        self.write_sysreg(sr.SCR_EL3, sr.SCR_EL3_NS_HCE_RW)
        for reg in _X:
            self.uc.reg_write(reg, 0)
        for reg in _SP_BANK.values():
            self.uc.reg_write(reg, 0)
        self.uc.reg_write(r.UC_ARM64_REG_SP, 0)
        self.write_sysreg(sr.HCR_EL2, sr.HCR_RW if el == 1 else 0)
        self.uc.reg_write(r.UC_ARM64_REG_PSTATE, RESET_PSTATE[el])
        self._rebuild_flags()
        self.pc = entry

    # -- general registers -------------------------------------------------------------------
    def x(self, n: int) -> int:
        """X<n>; X31 reads as zero (XZR) here, use `sp` for the stack pointer."""
        return 0 if n == 31 else self._get(_X[n])

    def set_x(self, n: int, value: int) -> None:
        if n != 31:
            self._set(_X[n], value)

    @property
    def pc(self) -> int:
        return self._get(r.UC_ARM64_REG_PC)

    @pc.setter
    def pc(self, value: int) -> None:
        self._set(r.UC_ARM64_REG_PC, value)

    @property
    def sp(self) -> int:
        return self._get(r.UC_ARM64_REG_SP)

    # -- PSTATE --------------------------------------------------------------------------------
    @property
    def pstate(self) -> int:
        return self._get(r.UC_ARM64_REG_PSTATE)

    @property
    def el(self) -> int:
        return ps.el_of(self.pstate)

    def set_pstate(self, new: int) -> None:
        """Write PSTATE as an exception entry does: bank the old SP, switch EL/SP selection, load
        the new SP, and make Unicorn's translator see the new EL."""
        old = self.pstate
        old_bank = ps.el_of(old) if old & ps.SP_SEL else 0
        new_bank = ps.el_of(new) if new & ps.SP_SEL else 0
        if old_bank != new_bank:
            self._set(_SP_BANK[old_bank], self._get(r.UC_ARM64_REG_SP))
        self._set(r.UC_ARM64_REG_PSTATE, new)
        if old_bank != new_bank:
            self._set(r.UC_ARM64_REG_SP, self._get(_SP_BANK[new_bank]))
        self._rebuild_flags()

    def set_pstate_bits(self, value: int) -> None:
        """Write PSTATE bits that neither the EL nor the SP selection depend on (NZCV, DAIF, SS)."""
        old = self.pstate
        assert ps.el_of(value) == ps.el_of(old) and value & ps.SP_SEL == old & ps.SP_SEL
        self._set(r.UC_ARM64_REG_PSTATE, value)

    def banked_sp(self, el: int) -> int:
        """SP_EL<el>, whether or not it is the SP in use (D1.2.2 "The stack pointer registers")."""
        if self._sp_bank() == el:
            return self._get(r.UC_ARM64_REG_SP)
        return self._get(_SP_BANK[el])

    def set_banked_sp(self, el: int, value: int) -> None:
        if self._sp_bank() == el:
            self._set(r.UC_ARM64_REG_SP, value)
        self._set(_SP_BANK[el], value)

    def _sp_bank(self) -> int:
        pstate = self.pstate
        return ps.el_of(pstate) if pstate & ps.SP_SEL else 0

    def _rebuild_flags(self) -> None:
        # Any CP_REG write makes Unicorn recompute hflags; SCR_EL3 is ours and constant.
        self.write_sysreg(sr.SCR_EL3, sr.SCR_EL3_NS_HCE_RW)

    # -- system registers ----------------------------------------------------------------------
    def read_sysreg(self, enc: sr.Encoding) -> int:
        cp = self._cp
        cp.op0, cp.op1, cp.crn, cp.crm, cp.op2 = enc
        self._read(self._uch, r.UC_ARM64_REG_CP_REG, self._cp_ref)
        return cp.val

    def write_sysreg(self, enc: sr.Encoding, value: int) -> None:
        cp = self._cp
        cp.op0, cp.op1, cp.crn, cp.crm, cp.op2 = enc
        cp.val = value & 0xFFFF_FFFF_FFFF_FFFF
        self._write(self._uch, r.UC_ARM64_REG_CP_REG, self._cp_ref)

    # -- memory --------------------------------------------------------------------------------
    def read_u32(self, addr: int) -> int | None:
        """The word at `addr`, or None if nothing is mapped there."""
        try:
            return struct.unpack("<I", self.uc.mem_read(addr, 4))[0]
        except UcError:
            return None
