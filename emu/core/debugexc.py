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
MDSCR_EL1.SS. MDSCR_EL1 is a Python register (emu.sysreg.debugregs: SS stays in Python, the
other bits go on to Unicorn's copy, which QEMU's breakpoint check reads), and while SS is set a
code hook before every instruction runs the step state machine (emu.core.debugging, after an
ERET with PSTATE.SS from the SPSR): with debug exceptions enabled from the current EL, an
instruction with PSTATE.SS = 1 runs and clears PSTATE.SS (active-not-pending); before the next
one, or before any with PSTATE.SS = 0 (active-pending), the Software Step exception is taken:
EC 0x32 (from a lower EL) / 0x33, IFSC 0x22, ISV = 1 and EX (a load-exclusive was stepped) when
it follows a stepped instruction, ISV = 0 otherwise; ELR = the instruction not yet run.

Watchpoints are emu's own too (Unicorn 2.1.4's softmmu has no watchpoint check): DBGWVR<n>_EL1
and DBGWCR<n>_EL1 are Python registers; an enabled watchpoint's range (BAS byte lanes or MASK)
is translated through the EL1&0 stage 1 tables when it is written and its pages are protected
(emu.core.watch); an access to them that a watchpoint matches (the load/store's VA and size,
LSC, PAC/HMC for the EL, MDSCR_EL1.MDE, debug exceptions enabled) takes the Watchpoint
exception before the instruction: EC 0x34 (from a lower EL) / 0x35, WnR, DFSC 0x22, FAR = the
first byte of the access inside the watched range (as QEMU reports it).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from emu.arch import sysregs as sr
from emu.arch.esr import EC, syndrome
from emu.core.syndromes import Context, Sync

FSC_DEBUG = 0x22  # IFSC/DFSC: debug exception
MDSCR_EL1: sr.Encoding = (2, 0, 0, 2, 2)
OSLSR_EL1: sr.Encoding = (2, 0, 1, 1, 4)
MDSCR_SS, MDSCR_KDE, MDSCR_MDE = 1 << 0, 1 << 13, 1 << 15
OSLSR_OSLK = 1 << 1
PSTATE_SS, PSTATE_D = 1 << 21, 1 << 9
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
    for n in range(sr.BREAKPOINTS):
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


LSC_KIND = {1: "read", 2: "write", 3: "access"}  # DBGWCR<n>_EL1.LSC: loads, stores, both


@dataclass(frozen=True)
class GuestWatch:
    """An enabled watchpoint: the VAs [lo, hi) it watches, LSC, and its DBGWCR for the EL match."""

    lo: int
    hi: int
    lsc: int
    wcr: int

    def matches(self, el: int, va: int, size: int, is_write: bool) -> int | None:
        """The first byte of the access inside the range, if this watchpoint takes it at `el`
        (AArch64.StateMatch with SSC = 0b00 or 0b01, non-secure: PAC<0> EL1, PAC<1> EL0, HMC EL2)."""
        pac, hmc = (self.wcr >> 1) & 3, self.wcr >> 13 & 1
        el_match = {0: pac >> 1 & 1, 1: pac & 1, 2: hmc}.get(el, 0)
        if not el_match or not self.lsc & (2 if is_write else 1):
            return None
        if va < self.hi and self.lo < va + size:
            return max(va, self.lo)
        return None


def dbgwvr(n: int) -> sr.Encoding:
    return (2, 0, 0, n, 6)


def dbgwcr(n: int) -> sr.Encoding:
    return (2, 0, 0, n, 7)


def guest_watch(read: ReadSysreg, n: int) -> GuestWatch | None:
    """Watchpoint `n` if enabled (DBGWCR.E, a non-zero LSC and byte lanes or MASK)."""
    wcr = read(dbgwcr(n))
    lsc = (wcr >> 3) & 3
    if not wcr & 1 or not lsc:
        return None
    base = read(dbgwvr(n)) & 0x0001_FFFF_FFFF_FFF8
    mask = (wcr >> 24) & 0x1F
    if mask >= 3:  # MASK: a 2^MASK-byte aligned block (1 and 2 are reserved)
        lo = base & ~((1 << mask) - 1)
        return GuestWatch(lo, lo + (1 << mask), lsc, wcr)
    lanes = [i for i in range(8) if (wcr >> 5) >> i & 1]
    if not lanes:
        return None
    return GuestWatch(base + lanes[0], base + lanes[-1] + 1, lsc, wcr)


def watchpoint_exception(ctx: Context, pc: int, far: int, is_write: bool) -> Sync:
    target = target_el(ctx)
    ec = EC.WPT_LOWER if target > ctx.el else EC.WPT_CURRENT
    return Sync(target, syndrome(ec, FSC_DEBUG | (int(is_write) << 6)), pc, far=far)
