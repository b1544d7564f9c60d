"""Who may access the PMU registers: each register's "Accessing" pseudocode (Arm ARM D24.5) on this
PE, where EL2 is implemented and enabled (Non-secure, no EL3) and FEAT_FGT, FEAT_PMUv3p9 and
FEAT_PMUv3_EXTPMN are not (so no HDFGxTR_EL2, PMUSERENR_EL0.UEN, PMUACR_EL1, PMCCR.EPMN). What is
left, in the pseudocode's order:

1. An event counter index (the <n> of PMEVCNTR<n>_EL0 and PMEVTYPER<n>_EL0, PMSELR_EL0.SEL for
   PMXEVCNTR_EL0, and for PMXEVTYPER_EL0 unless it is 31) >= PMCR_EL0.N: CONSTRAINED
   UNPREDICTABLE without FEAT_FGT; emu chooses UNDEFINED (what FEAT_FGT mandates).
2. At EL0, the PMUSERENR_EL0 enable of the access is 0: trap to EL1, or to EL2 if HCR_EL2.TGE.
3. At EL0 or EL1, MDCR_EL2.TPM (and MDCR_EL2.TPMCR for PMCR_EL0): trap to EL2.
4. At EL0 or EL1, an index >= the effective MDCR_EL2.HPMN: CONSTRAINED UNPREDICTABLE without
   FEAT_FGT (which would trap it to EL2); emu chooses UNDEFINED.

HCR_EL2 and MDCR_EL2 come from the AccessContext, whose mdcr_el2 must be the MDCR_EL2 register
this PMU holds (`Pmu.mdcr_el2`); PMUSERENR_EL0 and PMSELR_EL0 from the PMU.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable

from emu.arch.sysregs import HCR_TGE
from emu.pmu.fields import C, CYCLE, MDCR_HPMN, MDCR_TPM, MDCR_TPMCR
from emu.sysreg.desc import Access, AccessContext, Decision

if TYPE_CHECKING:
    from emu.pmu.pmu import Pmu


def effective_hpmn(mdcr_el2: int, n: int) -> int:
    """EffectiveHPMN(): MDCR_EL2.HPMN, where its reserved values (0 without FEAT_HPMN0, > N) are
    CONSTRAINED UNPREDICTABLE. emu's choice: min(HPMN, N), so 0 puts every counter in the second
    range and a value above N puts every counter in the first (both permitted behaviours)."""
    return min(mdcr_el2 & MDCR_HPMN, n)


def accessible(ctx: AccessContext, n: int) -> int:
    """GetPMUAccessMask(): the cycle counter, and the event counters below
    GetNumEventCountersAccessible() (HPMN at EL0 and EL1, N at EL2)."""
    counters = effective_hpmn(ctx.mdcr_el2, n) if ctx.el < 2 else n
    return (1 << counters) - 1 | C


def _el0_trap(ctx: AccessContext) -> Decision:
    """AArch64.SystemAccessTrap(EL2 if EL2Enabled() && HCR_EL2.TGE == '1' else EL1, 0x18)."""
    return Decision.TRAP_EL2 if ctx.hcr_el2 & HCR_TGE else Decision.TRAP_EL1


def userenr(pmu: Pmu, read: int, write: int, *, tpmcr: bool = False) -> Access:
    """A PMU register EL0 may use: an MRS at EL0 needs one of the PMUSERENR_EL0 bits in `read`,
    an MSR one of `write` (steps 2 and 3)."""
    traps = MDCR_TPM | MDCR_TPMCR if tpmcr else MDCR_TPM

    def check(ctx: AccessContext) -> Decision:
        if ctx.el == 0 and not pmu.pmuserenr & (read if ctx.is_read else write):
            return _el0_trap(ctx)
        if ctx.el < 2 and ctx.mdcr_el2 & traps:
            return Decision.TRAP_EL2
        return Decision.OK

    return check


def el1_register(ctx: AccessContext) -> Decision:
    """PMINTENSET_EL1, PMINTENCLR_EL1: UNDEFINED at EL0, MDCR_EL2.TPM traps EL1."""
    if ctx.el == 0:
        return Decision.UNDEFINED
    return Decision.TRAP_EL2 if ctx.el == 1 and ctx.mdcr_el2 & MDCR_TPM else Decision.OK


def pmuserenr(ctx: AccessContext) -> Decision:
    """PMUSERENR_EL0: EL0 may read it (MDCR_EL2.TPM permitting), an MSR at EL0 is UNDEFINED."""
    if ctx.el == 0 and not ctx.is_read:
        return Decision.UNDEFINED
    return Decision.TRAP_EL2 if ctx.el < 2 and ctx.mdcr_el2 & MDCR_TPM else Decision.OK


def el2_register(ctx: AccessContext) -> Decision:
    """MDCR_EL2: UNDEFINED below EL2 (no FEAT_NV)."""
    return Decision.OK if ctx.el == 2 else Decision.UNDEFINED


def indexed(pmu: Pmu, index: Callable[[], int], read: int, write: int, *, cycle_filter: bool = False) -> Access:
    """An event counter register selected by `index()` (steps 1 to 4); with `cycle_filter`,
    index 31 selects PMCCFILTR_EL0 and skips the index checks (PMXEVTYPER_EL0)."""
    inner = userenr(pmu, read, write)

    def check(ctx: AccessContext) -> Decision:
        m = index()
        counter = not (cycle_filter and m == CYCLE)
        if counter and m >= pmu.n:
            return Decision.UNDEFINED
        decision = inner(ctx)
        if decision is Decision.OK and counter and ctx.el < 2 and m >= effective_hpmn(ctx.mdcr_el2, pmu.n):
            return Decision.UNDEFINED
        return decision

    return check
