"""ISR_EL1 (Arm ARM D23.2 ISR_EL1): which interrupts are pending at the PE. At EL2, or at EL1
when HCR_EL2.IMO (FMO) is 0, I (F) is the physical IRQ (FIQ) the interrupt controller signals;
at EL1 with IMO (FMO) set it is the virtual one, HCR_EL2.VI (VF). A (SError) is never pending
here. UNDEFINED at EL0; a read at EL1 is never trapped (no FEAT_FGT)."""

from __future__ import annotations

from typing import Callable

from emu.sysreg.desc import AccessContext, Decision, SysReg, wi

ISR_EL1 = (3, 0, 12, 1, 0)
I, F = 1 << 7, 1 << 6
HCR_FMO, HCR_IMO, HCR_VF, HCR_VI = 1 << 3, 1 << 4, 1 << 6, 1 << 7


def _access(ctx: AccessContext) -> Decision:
    return Decision.UNDEFINED if ctx.el == 0 else Decision.OK


def build(irq: Callable[[], bool], fiq: Callable[[], bool]) -> SysReg:
    """ISR_EL1 reading the physical request levels `irq()` and `fiq()`."""

    def read(ctx: AccessContext) -> int:
        virtual = ctx.el == 1
        i = ctx.hcr_el2 & HCR_VI if virtual and ctx.hcr_el2 & HCR_IMO else irq()
        f = ctx.hcr_el2 & HCR_VF if virtual and ctx.hcr_el2 & HCR_FMO else fiq()
        return (I if i else 0) | (F if f else 0)

    return SysReg("ISR_EL1", ISR_EL1, 0, _access, read, wi, read_only=True)
