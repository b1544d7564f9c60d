"""The generic timer's system registers (Arm ARM D24.10) as descriptors bound to one
`GenericTimer`.

CTL reads add ISTATUS (RO) to the stored ENABLE and IMASK. TVAL is a view of CVAL: a read returns
(CVAL - count)<31:0>, zero-extended (software takes bits [31:0] as a signed 32-bit value); a write
sets CVAL = count + SignExtend(value<31:0>) modulo 2^64, where `count` is the timer's view of the
counter (CNTVCT_EL0 for the virtual timer). CNTFRQ_EL0 only tells software a frequency: writing it
changes no count. Reserved bits read 0 and ignore writes. Writes that can move a line (CTL, CVAL,
TVAL, CNTVOFF_EL2) end with the timer's `update()`, and CTL reads start with it, so a line never
disagrees with the ISTATUS software reads.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from emu.sysreg.desc import Access, AccessContext, SysReg, wi
from emu.timer import access as acc
from emu.timer.fields import (
    CTL_RW, FREQUENCY_HZ, HCTL_EL1PCEN, HCTL_EL1PCTEN, HCTL_RESET, HCTL_RW, KCTL_EL0PCTEN, KCTL_EL0PTEN,
    KCTL_EL0VCTEN, KCTL_EL0VTEN, KCTL_RW, MASK32, MASK64,
)

if TYPE_CHECKING:
    from emu.timer.timer import GenericTimer, Timer


def _sign_extend32(value: int) -> int:
    """SignExtend(value<31:0>)."""
    value &= MASK32
    return value - (1 << 32) if value >> 31 else value


def _timer_registers(gt: GenericTimer, timer: Timer, name: str, op1: int, crm: int, check: Access) -> list[SysReg]:
    """The TVAL (op2 0), CTL (op2 1) and CVAL (op2 2) views of `timer`, named `name` with the view
    for "{}", at op0 3, `op1`, CRn 14, `crm`."""

    def ctl(ctx: AccessContext) -> int:
        gt.update()
        return gt.ctl_value(timer)

    def set_ctl(ctx: AccessContext, value: int) -> None:
        timer.ctl = value & CTL_RW
        gt.update()

    def cval(ctx: AccessContext) -> int:
        return timer.cval

    def set_cval(ctx: AccessContext, value: int) -> None:
        timer.cval = value & MASK64
        gt.update()

    def tval(ctx: AccessContext) -> int:
        return (timer.cval - gt.count(timer)) & MASK32

    def set_tval(ctx: AccessContext, value: int) -> None:
        timer.cval = (gt.count(timer) + _sign_extend32(value)) & MASK64
        gt.update()

    return [
        SysReg(name.format("TVAL"), (3, op1, 14, crm, 0), 0, check, tval, set_tval),
        SysReg(name.format("CTL"), (3, op1, 14, crm, 1), 0, check, ctl, set_ctl),
        SysReg(name.format("CVAL"), (3, op1, 14, crm, 2), 0, check, cval, set_cval),
    ]


def build(gt: GenericTimer) -> tuple[SysReg, ...]:
    """The registers of `gt`. Reset values are those of GenericTimer.reset() with the time
    source at 0."""
    el2_only = acc.el2_register(gt)

    def cntfrq(ctx: AccessContext) -> int:
        return gt.cntfrq

    def set_cntfrq(ctx: AccessContext, value: int) -> None:
        gt.cntfrq = value & MASK32

    def cntpct(ctx: AccessContext) -> int:
        return gt.physical_count()

    def cntvct(ctx: AccessContext) -> int:
        return gt.virtual_count()

    def cntvoff(ctx: AccessContext) -> int:
        return gt.cntvoff

    def set_cntvoff(ctx: AccessContext, value: int) -> None:
        gt.cntvoff = value & MASK64
        gt.update()

    def cntkctl(ctx: AccessContext) -> int:
        return gt.cntkctl

    def set_cntkctl(ctx: AccessContext, value: int) -> None:
        gt.cntkctl = value & KCTL_RW

    def cnthctl(ctx: AccessContext) -> int:
        return gt.cnthctl

    def set_cnthctl(ctx: AccessContext, value: int) -> None:
        gt.cnthctl = value & HCTL_RW

    return (
        SysReg("CNTFRQ_EL0", (3, 3, 14, 0, 0), FREQUENCY_HZ, acc.cntfrq(gt), cntfrq, set_cntfrq),
        SysReg("CNTPCT_EL0", (3, 3, 14, 0, 1), 0, acc.counter_or_timer(gt, KCTL_EL0PCTEN, HCTL_EL1PCTEN),
               cntpct, wi, read_only=True),
        SysReg("CNTVCT_EL0", (3, 3, 14, 0, 2), 0, acc.counter_or_timer(gt, KCTL_EL0VCTEN), cntvct, wi, read_only=True),
        SysReg("CNTVOFF_EL2", (3, 4, 14, 0, 3), 0, el2_only, cntvoff, set_cntvoff),
        SysReg("CNTKCTL_EL1", (3, 0, 14, 1, 0), 0, acc.el1_register, cntkctl, set_cntkctl),
        SysReg("CNTHCTL_EL2", (3, 4, 14, 1, 0), HCTL_RESET, el2_only, cnthctl, set_cnthctl),
        *_timer_registers(gt, gt.el1_physical, "CNTP_{}_EL0", 3, 2, acc.counter_or_timer(gt, KCTL_EL0PTEN, HCTL_EL1PCEN)),
        *_timer_registers(gt, gt.el1_virtual, "CNTV_{}_EL0", 3, 3, acc.counter_or_timer(gt, KCTL_EL0VTEN)),
        *_timer_registers(gt, gt.el2_physical, "CNTHP_{}_EL2", 4, 2, el2_only),
    )
