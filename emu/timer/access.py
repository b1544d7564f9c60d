"""Who may access the generic timer registers: each register's "Accessing" pseudocode (Arm ARM
D24.10) on this PE, where EL3 is not implemented (so EL2Enabled() is HaveEL(EL2), the timer's
`el2_present`), FEAT_VHE is not (ELIsInHost() is always FALSE: HCR_EL2.E2H is RES0), nor FEAT_ECV
(no CNTHCTL_EL2.EL1TVT/EL1TVCT traps, no CNTPOFF_EL2), nor FEAT_NV (EL2 registers are UNDEFINED at
EL1, never trapped), nor FEAT_FGT. What is left, in the pseudocode's order:

- CNTPCT_EL0, CNTVCT_EL0, CNTP_{CTL,CVAL,TVAL}_EL0, CNTV_{CTL,CVAL,TVAL}_EL0: at EL0, the
  CNTKCTL_EL1 enable of the register (EL0PCTEN, EL0VCTEN, EL0PTEN, EL0VTEN) is 0: trap to EL1, or
  to EL2 if HCR_EL2.TGE. Then, at EL0 or EL1 with EL2 enabled, CNTPCT_EL0 when
  CNTHCTL_EL2.EL1PCTEN is 0 and CNTP_* when CNTHCTL_EL2.EL1PCEN is 0: trap to EL2 (at EL0 whatever
  HCR_EL2.TGE is). The virtual counter and timer have no EL2 control without FEAT_ECV.
- CNTFRQ_EL0: an MRS at EL0 traps as above when CNTKCTL_EL1.EL0PCTEN and EL0VCTEN are both 0;
  an MSR is UNDEFINED below the highest implemented Exception level (IsHighestEL), EL0 included.
- CNTKCTL_EL1: UNDEFINED at EL0.
- CNTHCTL_EL2, CNTVOFF_EL2, CNTHP_{CTL,CVAL,TVAL}_EL2: UNDEFINED below EL2 (and absent without EL2).

CNTPCT_EL0 and CNTVCT_EL0 are read-only encodings: the router makes an MSR to them UNDEFINED.
HCR_EL2 comes from the AccessContext (0 when no EL2 is implemented), CNTKCTL_EL1 and CNTHCTL_EL2
from the timer.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from emu.arch.sysregs import HCR_TGE
from emu.sysreg.desc import Access, AccessContext, Decision
from emu.timer.fields import KCTL_EL0PCTEN, KCTL_EL0VCTEN

if TYPE_CHECKING:
    from emu.timer.timer import GenericTimer


def _el0_trap(gt: GenericTimer, ctx: AccessContext) -> Decision:
    """AArch64.SystemAccessTrap(EL2 if EL2Enabled() && HCR_EL2.TGE == '1' else EL1, 0x18)."""
    return Decision.TRAP_EL2 if gt.el2_present and ctx.hcr_el2 & HCR_TGE else Decision.TRAP_EL1


def counter_or_timer(gt: GenericTimer, el0_enable: int, el1_enable: int = 0) -> Access:
    """A counter or EL1 timer register: EL0 needs the CNTKCTL_EL1 bit `el0_enable`; EL0 and EL1
    need the CNTHCTL_EL2 bit `el1_enable` (if any) when EL2 is enabled."""

    def check(ctx: AccessContext) -> Decision:
        if ctx.el == 0 and not gt.cntkctl & el0_enable:
            return _el0_trap(gt, ctx)
        if ctx.el < 2 and el1_enable and gt.el2_present and not gt.cnthctl & el1_enable:
            return Decision.TRAP_EL2
        return Decision.OK

    return check


def cntfrq(gt: GenericTimer) -> Access:
    """CNTFRQ_EL0: EL0 reads need CNTKCTL_EL1.EL0PCTEN or EL0VCTEN; only the highest Exception
    level may write."""

    def check(ctx: AccessContext) -> Decision:
        if not ctx.is_read:
            return Decision.OK if ctx.el == gt.highest_el else Decision.UNDEFINED
        if ctx.el == 0 and not gt.cntkctl & (KCTL_EL0PCTEN | KCTL_EL0VCTEN):
            return _el0_trap(gt, ctx)
        return Decision.OK

    return check


def el1_register(ctx: AccessContext) -> Decision:
    """CNTKCTL_EL1: UNDEFINED at EL0."""
    return Decision.UNDEFINED if ctx.el == 0 else Decision.OK


def el2_register(gt: GenericTimer) -> Access:
    """CNTHCTL_EL2, CNTVOFF_EL2, CNTHP_*_EL2: only EL2 has them."""

    def check(ctx: AccessContext) -> Decision:
        return Decision.OK if gt.el2_present and ctx.el == 2 else Decision.UNDEFINED

    return check
