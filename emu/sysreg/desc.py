"""System registers as data: one frozen descriptor per register (QEMU's ARMCPRegInfo in
target/arm/cpregs.h, KVM's struct sys_reg_desc in arch/arm64/kvm/sys_regs.h).

A descriptor's access check decides what an MRS or MSR does at a given PE state (the outcome of
the register's "Accessing" pseudocode in the Arm ARM); its read and write functions never raise
and apply the architecture's masks (RES0, RAZ/WI, read-only fields). Only the router
(`emu.sysreg.router`) turns a decision into an outcome.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Callable, NamedTuple

from emu.arch.sysregs import Encoding


class Decision(enum.Enum):
    """What an access check decides."""

    OK = "ok"
    TRAP_EL1 = "trap_el1"  # AArch64.SystemAccessTrap(EL1, 0x18)
    TRAP_EL2 = "trap_el2"  # AArch64.SystemAccessTrap(EL2, 0x18)
    UNDEFINED = "undefined"  # EC 0x00, taken where UNDEFINED instructions go


class AccessContext(NamedTuple):
    """The PE state an access depends on: PSTATE.EL, the direction (MRS or MSR), HCR_EL2 and
    MDCR_EL2. With no EL2, pass hcr_el2 = 0 and MDCR_EL2's reset value (EL2Enabled() is FALSE:
    none of its controls apply, which is what those values say)."""

    el: int
    is_read: bool
    hcr_el2: int
    mdcr_el2: int


Access = Callable[[AccessContext], Decision]
Read = Callable[[AccessContext], int]
Write = Callable[[AccessContext, int], None]


@dataclass(frozen=True, slots=True)
class SysReg:
    """One system register. `reset` is the value an EL2 read returns after reset; `read_only`
    makes every MSR UNDEFINED and `write_only` every MRS (the encoding has no such direction)."""

    name: str
    encoding: Encoding
    reset: int
    access: Access
    read: Read
    write: Write
    read_only: bool = False
    write_only: bool = False


def raz(ctx: AccessContext) -> int:
    """Read-As-Zero: the read function of a write-only register."""
    return 0


def wi(ctx: AccessContext, value: int) -> None:
    """Writes Ignored: the write function of a read-only register."""
