"""Self-hosted debug exceptions (Arm ARM D2, "AArch64 Self-hosted Debug"): hardware breakpoints
and software step.

QEMU inside Unicorn evaluates address-match breakpoints itself (DBGBCR<n>_EL1 / DBGBVR<n>_EL1,
MDSCR_EL1.MDE and KDE, PSTATE.D, the OS lock) and raises a matching one as a Prefetch Abort,
with a syndrome Unicorn does not pass on. emu recognises it from the same registers and builds
the architectural syndrome: EC 0x30 (from a lower EL) or 0x31 (the same EL), IL, IFSC 0x22
(debug exception); ELR = the instruction, which has not run; FAR is UNKNOWN.
Routing: EL2 when HCR_EL2.TGE is set, else EL1 (AArch64.DebugTargetFrom; MDCR_EL2.TDE is kept
by emu's Python PMU and never reaches QEMU, so it is not applied).

Software step (D2, "Software Step exceptions") is emu's own: Unicorn 2.1.4 ignores
MDSCR_EL1.SS. MDSCR_EL1 is a Python register (writes go on to Unicorn's copy, which QEMU's
breakpoint check reads), and while its SS bit is set a code hook before every instruction runs
the step state machine (`SoftwareStep`): with debug exceptions enabled from the current EL, an
instruction with PSTATE.SS = 1 runs and clears PSTATE.SS (active-not-pending); before the next
one, or before any with PSTATE.SS = 0 (active-pending), the Software Step exception is taken:
EC 0x32 (from a lower EL) / 0x33, IFSC 0x22, ISV = 1 and EX (a load-exclusive was stepped) when
it follows a stepped instruction, ISV = 0 otherwise; ELR = the instruction not yet run.

Watchpoints are not emulated: Unicorn 2.1.4 raises none (its softmmu has no watchpoint check);
docs/decisions.md, "Debug".
"""

from __future__ import annotations

from collections.abc import Callable

from emu.arch import sysregs as sr
from emu.arch.esr import EC, syndrome
from emu.core.syndromes import Context, Sync

FSC_DEBUG = 0x22  # IFSC/DFSC: debug exception
MDSCR_EL1: sr.Encoding = (2, 0, 0, 2, 2)
OSLSR_EL1: sr.Encoding = (2, 0, 1, 1, 4)
MDSCR_SS, MDSCR_KDE = 1 << 0, 1 << 13
OSLSR_OSLK = 1 << 1
PSTATE_SS, PSTATE_D = 1 << 21, 1 << 9
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


def enabled_from(read: ReadSysreg, ctx: Context) -> bool:
    """AArch64.GenerateDebugExceptionsFrom(PSTATE.EL, non-secure, PSTATE.D), with the OS lock
    (OSLSR_EL1.OSLK, set at reset until OSLAR_EL1 is written with 0) blocking everything."""
    if read(OSLSR_EL1) & OSLSR_OSLK:
        return False
    target = target_el(ctx)
    if ctx.el == target:
        return bool(read(MDSCR_EL1) & MDSCR_KDE) and not ctx.pstate & PSTATE_D
    return ctx.el < target


def is_load_exclusive(word: int) -> bool:
    """LDXR, LDAXR, LDXP, LDAXP and their B/H forms: load/store exclusive with L = 1, o2 = 0."""
    return word & 0x3FC0_0000 == 0x0840_0000


def software_step_exception(ctx: Context, pc: int, stepped: int | None) -> Sync:
    """Before the instruction at `pc`. `stepped`: the instruction word just stepped (ISV = 1,
    EX), or None when the step was pending before it (ISV = 0)."""
    iss = FSC_DEBUG if stepped is None else (1 << 24) | (int(is_load_exclusive(stepped)) << 6) | FSC_DEBUG
    target = target_el(ctx)
    return Sync(target, syndrome(EC.SSTEP_LOWER if target > ctx.el else EC.SSTEP_CURRENT, iss), pc)
