"""Self-hosted debug exceptions (Arm ARM D2, "AArch64 Self-hosted Debug"): hardware breakpoints.

QEMU inside Unicorn evaluates address-match breakpoints itself (DBGBCR<n>_EL1 / DBGBVR<n>_EL1,
MDSCR_EL1.MDE and KDE, PSTATE.D, the OS lock) and raises a matching one as a Prefetch Abort,
with a syndrome Unicorn does not pass on. emu recognises it from the same registers and builds
the architectural syndrome: EC 0x30 (from a lower EL) or 0x31 (the same EL), IL, IFSC 0x22
(debug exception); ELR = the instruction, which has not run; FAR is UNKNOWN.
Routing: EL2 when HCR_EL2.TGE is set, else EL1 (AArch64.DebugTargetFrom; MDCR_EL2.TDE is kept
by emu's Python PMU and never reaches QEMU, so it is not applied).

Watchpoints and software step are not emulated: Unicorn 2.1.4 raises neither (its softmmu has
no watchpoint check, its translator no step state); docs/decisions.md, "Debug".
"""

from __future__ import annotations

from collections.abc import Callable

from emu.arch import sysregs as sr
from emu.arch.esr import EC, syndrome
from emu.core.syndromes import Context, Sync

FSC_DEBUG = 0x22  # IFSC/DFSC: debug exception
BREAKPOINTS = 6  # the Cortex-A57's (ID_AA64DFR0_EL1.BRPs + 1)
_VA = 0x0001_FFFF_FFFF_FFFC  # DBGBVR<n>_EL1 VA[48:2]

ReadSysreg = Callable[[sr.Encoding], int]


def dbgbvr(n: int) -> sr.Encoding:
    return (2, 0, 0, n, 4)


def dbgbcr(n: int) -> sr.Encoding:
    return (2, 0, 0, n, 5)


def target_el(ctx: Context) -> int:
    """AArch64.DebugTarget: EL2 with HCR_EL2.TGE, else EL1."""
    return 2 if ctx.el2_present and ctx.hcr & sr.HCR_TGE else 1


def breakpoint_at(read: ReadSysreg, pc: int) -> bool:
    """Whether an enabled unlinked address-match breakpoint (DBGBCR<n>.E, BT = 0b0000) holds `pc`
    (QEMU has already checked the EL, security state and enable conditions)."""
    for n in range(BREAKPOINTS):
        bcr = read(dbgbcr(n))
        if bcr & 1 and (bcr >> 20) & 0xF == 0 and read(dbgbvr(n)) & _VA == pc & _VA:
            return True
    return False


def breakpoint_exception(ctx: Context, pc: int) -> Sync:
    target = target_el(ctx)
    ec = EC.BKPT_LOWER if target > ctx.el else EC.BKPT_CURRENT
    return Sync(target, syndrome(ec, FSC_DEBUG), pc)
