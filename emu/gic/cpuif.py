"""The physical GICv3 CPU interface of the one PE, Group 1 only, security disabled (GICD_CTLR.DS = 1,
no EL3): the ICC_* system registers of IHI 0069 chapter 12 as descriptors bound to one GIC.

The interface owns the PE-side state: ICC_PMR_EL1, ICC_BPR1_EL1, ICC_CTLR_EL1.EOImode,
ICC_IGRPEN1_EL1 and the active priorities (ICC_AP1R<n>_EL1). After every change it sets
`GICv3.threshold` to the priority a pending Group 1 interrupt must beat to be signalled
(IHI 0069 4.7 "Interrupt prioritization"): ICC_PMR_EL1 and the running priority by
group priority (ICC_BPR1_EL1), or 0 when ICC_IGRPEN1_EL1.Enable = 0. `GICv3.irq_out` is then
exactly "an IRQ is signalled to the PE", and ICC_IAR1_EL1 acknowledges exactly what it signals.

Group 0 (ICC_IGRPEN0_EL1, IAR0, EOIR0, HPPIR0, BPR0, AP0R<n>, SGI0R) and ICC_ASGI1R_EL1 are not
implemented: their encodings are UNDEFINED and Group 0 interrupts never reach the PE, as with
ICC_IGRPEN0_EL1.Enable = 0. ICC_CTLR_EL1.CBPR and PMHE are RAZ/WI. EL1 accesses reach
this physical interface whatever HCR_EL2.IMO says.

UNPREDICTABLE cases resolved as QEMU 7.2 (hw/intc/arm_gicv3_cpuif.c) does: an EOI of a special or
out-of-range INTID, or with no active priority, is ignored; ICC_DIR_EL1 with EOImode = 0 is
ignored; ICC_EOIR1_EL1 always drops the highest active priority, whatever INTID it names.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from emu.arch.sysregs import HCR_FMO, HCR_IMO
from emu.sysreg.desc import AccessContext, Decision, SysReg, raz, wi

from .state import SGI_COUNT

if TYPE_CHECKING:
    from .gic import GICv3

SPURIOUS = 1023
INTID_MASK = 0xFF_FFFF  # the INTID field of IAR/EOIR/DIR/HPPIR, bits [23:0]
IDLE_PRIORITY = 0xFF  # ICC_RPR_EL1 with no active priority

ICC_PMR_EL1 = (3, 0, 4, 6, 0)
ICC_DIR_EL1 = (3, 0, 12, 11, 1)
ICC_RPR_EL1 = (3, 0, 12, 11, 3)
ICC_SGI1R_EL1 = (3, 0, 12, 11, 5)
ICC_IAR1_EL1 = (3, 0, 12, 12, 0)
ICC_EOIR1_EL1 = (3, 0, 12, 12, 1)
ICC_HPPIR1_EL1 = (3, 0, 12, 12, 2)
ICC_BPR1_EL1 = (3, 0, 12, 12, 3)
ICC_CTLR_EL1 = (3, 0, 12, 12, 4)
ICC_SRE_EL1 = (3, 0, 12, 12, 5)
ICC_IGRPEN1_EL1 = (3, 0, 12, 12, 7)
ICC_SRE_EL2 = (3, 4, 12, 9, 5)


def icc_ap1r_encoding(n: int) -> tuple[int, int, int, int, int]:
    """ICC_AP1R<n>_EL1: op0 3, op1 0, CRn 12, CRm 9, op2 n."""
    return (3, 0, 12, 9, n)


# ICC_SRE_EL1: SRE, DFB, DIB RAO/WI (no legacy interface, no IRQ/FIQ bypass).
# ICC_SRE_EL2: SRE, DFB, DIB and Enable RAO/WI, as QEMU 7.2 (value 0xF).
SRE_EL1_VALUE, SRE_EL2_VALUE = 0x7, 0xF
# ICC_CTLR_EL1: EOImode [1]; PRIbits [10:8] = priority bits - 1; IDbits [13:11] = 0b001
# (24-bit INTID fields) and A3V [15] = 1 as QEMU 7.2; CBPR, PMHE, SEIS, RSS, ExtRange 0.
CTLR_EOIMODE = 1 << 1
CTLR_PRIBITS_SHIFT, CTLR_IDBITS, CTLR_A3V = 8, 1 << 11, 1 << 15
IGRPEN_ENABLE = 1
# ICC_SGI1R_EL1: TargetList [15:0], Aff1 [23:16], INTID [27:24], Aff2 [39:32], IRM [40],
# RS [47:44], Aff3 [55:48].
SGI_TARGET_SELF, SGI_IRM = 1, 1 << 40
SGI_AFFINITY = 0xFF << 16 | 0xFF << 32 | 0xF << 44 | 0xFF << 48


class CpuInterface:
    """The ICC_* state of the PE and the operations behind its registers; `sysregs` are the
    descriptors to add to the machine's registry."""

    def __init__(self, gic: GICv3) -> None:
        self._gic = gic
        self.priority_bits = bin(gic.priority_mask).count("1")
        # The minimum ICC_BPR1_EL1 is the minimum ICC_BPR0_EL1 (7 - PRIbits, at least 0) plus one
        # (ICC_BPR1_EL1); it is also the shift from a group priority to its active priority bit.
        self.min_bpr1 = max(1, 8 - self.priority_bits)
        self.ap_registers = max(1, (256 >> self.min_bpr1) // 32)
        self.reset()
        self.sysregs = _build(self)

    def reset(self) -> None:
        """Reset values (the register descriptions): PMR 0, BPR1 its minimum, EOImode 0, Group 1
        disabled, no active priority."""
        self.pmr = 0
        self.bpr1 = self.min_bpr1
        self.eoi_mode = False
        self.group1_enabled = False
        self.active_priorities = 0  # bit i: group priority i << min_bpr1 is active
        self._update()

    @property
    def ctlr(self) -> int:
        return (CTLR_A3V | CTLR_IDBITS | (self.priority_bits - 1) << CTLR_PRIBITS_SHIFT
                | (CTLR_EOIMODE if self.eoi_mode else 0))

    def group_priority(self, priority: int) -> int:
        """The group priority field of `priority`: bits [7:BPR1] (IHI 0069 4.7, ICC_BPR1_EL1)."""
        return priority & (0xFF << self.bpr1) & 0xFF

    def running_priority(self) -> int:
        """ICC_RPR_EL1: the group priority of the highest active priority bit, 0xFF when none is
        set (IHI 0069 4.7 "running priority", ICC_RPR_EL1)."""
        active = self.active_priorities
        if not active:
            return IDLE_PRIORITY
        return ((active & -active).bit_length() - 1) << self.min_bpr1

    def threshold(self) -> int:
        """The priority a pending Group 1 interrupt must be numerically below to be signalled: below
        ICC_PMR_EL1, with a group priority below the running priority (IHI 0069 4.7 "priority
        masking", "preemption"), and Group 1 enabled."""
        if not self.group1_enabled:
            return 0
        # Group priority of p < running  <=>  p < the lowest priority whose group priority is not
        # (0 when the running priority is 0).
        granule = 1 << self.bpr1
        return min(self.pmr, ((self.running_priority() - 1) & -granule) + granule)

    def _update(self) -> None:
        self._gic.threshold = self.threshold()

    def acknowledge(self) -> int:
        """ICC_IAR1_EL1 (IHI 0069 chapter 12): the INTID of the highest-priority pending Group 1
        interrupt if it is signalled, now active, its group priority marked active; otherwise 1023."""
        best = self._gic.hppi(1)
        observer = self._gic.observer
        if best is None or best[1] >= self.threshold():
            if observer is not None:
                observer("ack", intid=SPURIOUS, virtual=False)
            return SPURIOUS
        intid, priority = best
        if observer is not None:
            observer("ack", intid=intid, virtual=False)
        self.active_priorities |= 1 << (self.group_priority(priority) >> self.min_bpr1)
        self._update()  # the INTID no longer beats the threshold: irq_out falls before the ack
        self._gic.acknowledge(intid)
        return intid

    def end_of_interrupt(self, value: int) -> None:
        """ICC_EOIR1_EL1 (IHI 0069 chapter 12): priority drop of the highest active priority; with
        EOImode = 0 also deactivation of the INTID written."""
        intid = value & INTID_MASK
        if intid >= self._gic.num_irqs or not self.active_priorities:
            return
        self.active_priorities &= self.active_priorities - 1
        if self._gic.observer is not None:
            self._gic.observer("eoi", intid=intid, virtual=False)
        self._update()
        if not self.eoi_mode:
            self._gic.deactivate(intid)

    def deactivate(self, value: int) -> None:
        """ICC_DIR_EL1 (IHI 0069 chapter 12): deactivation of the INTID written, when EOImode = 1."""
        if self.eoi_mode:
            self._gic.deactivate(value & INTID_MASK)

    def highest_pending(self) -> int:
        """ICC_HPPIR1_EL1 (IHI 0069 chapter 12): the highest-priority pending Group 1 INTID,
        whatever PMR and the running priority say; 1023 when there is none."""
        best = self._gic.hppi(1)
        return SPURIOUS if best is None else best[0]

    def generate_sgi(self, value: int) -> None:
        """ICC_SGI1R_EL1 (IHI 0069 chapter 12): an SGI to the PEs named; this one is affinity
        0.0.0.0, so only IRM = 0 with every affinity field 0 and TargetList bit 0 reaches a PE. With
        DS = 1 a Group 0 SGI is not forwarded by ICC_SGI1R_EL1 (its table of SGI forwarding; QEMU 7.2
        likewise)."""
        if value & SGI_IRM or value & SGI_AFFINITY or not value & SGI_TARGET_SELF:
            return
        s = self._gic.irqs[value >> 24 & (SGI_COUNT - 1)]
        if s.group1:
            s.set_pending()
            self._gic.update()

    def set_pmr(self, value: int) -> None:
        self.pmr = value & self._gic.priority_mask
        self._update()

    def set_bpr1(self, value: int) -> None:
        """Values below the minimum set the minimum (ICC_BPR1_EL1)."""
        self.bpr1 = max(value & 0x7, self.min_bpr1)
        self._update()

    def set_ctlr(self, value: int) -> None:
        self.eoi_mode = bool(value & CTLR_EOIMODE)

    def set_group1_enabled(self, value: int) -> None:
        self.group1_enabled = bool(value & IGRPEN_ENABLE)
        self._update()

    def ap1r(self, n: int) -> int:
        """ICC_AP1R<n>_EL1 (IHI 0069 chapter 12): 32 active priority bits; those past the
        implemented group priorities are RES0."""
        return self.active_priorities >> (32 * n) & 0xFFFF_FFFF

    def set_ap1r(self, n: int, value: int) -> None:
        levels = 256 >> self.min_bpr1
        implemented = ((1 << levels) - 1) >> (32 * n) & 0xFFFF_FFFF
        self.active_priorities = (self.active_priorities & ~(0xFFFF_FFFF << (32 * n))
                                  | (value & implemented) << (32 * n))
        self._update()


def _el1(ctx: AccessContext) -> Decision:
    """An ICC_*_EL1 register: UNDEFINED at EL0 (ICC_SRE_EL1.SRE and ICC_SRE_EL2.Enable are RAO)."""
    return Decision.UNDEFINED if ctx.el == 0 else Decision.OK


def _sgi(ctx: AccessContext) -> Decision:
    """ICC_SGI1R_EL1: as `_el1`, and trapped to EL2 from EL1 when HCR_EL2.IMO or FMO is set
    (its "Accessing" pseudocode)."""
    if ctx.el == 0:
        return Decision.UNDEFINED
    if ctx.el == 1 and ctx.hcr_el2 & (HCR_IMO | HCR_FMO):
        return Decision.TRAP_EL2
    return Decision.OK


def _el2(ctx: AccessContext) -> Decision:
    """ICC_SRE_EL2: UNDEFINED below EL2 (no FEAT_NV)."""
    return Decision.OK if ctx.el == 2 else Decision.UNDEFINED


def _build(c: CpuInterface) -> tuple[SysReg, ...]:
    regs = [
        SysReg("ICC_SRE_EL1", ICC_SRE_EL1, SRE_EL1_VALUE, _el1, lambda ctx: SRE_EL1_VALUE, wi),
        SysReg("ICC_SRE_EL2", ICC_SRE_EL2, SRE_EL2_VALUE, _el2, lambda ctx: SRE_EL2_VALUE, wi),
        SysReg("ICC_PMR_EL1", ICC_PMR_EL1, 0, _el1, lambda ctx: c.pmr, lambda ctx, v: c.set_pmr(v)),
        SysReg("ICC_IAR1_EL1", ICC_IAR1_EL1, SPURIOUS, _el1, lambda ctx: c.acknowledge(), wi, read_only=True),
        SysReg("ICC_EOIR1_EL1", ICC_EOIR1_EL1, 0, _el1, raz, lambda ctx, v: c.end_of_interrupt(v),
               write_only=True),
        SysReg("ICC_DIR_EL1", ICC_DIR_EL1, 0, _el1, raz, lambda ctx, v: c.deactivate(v), write_only=True),
        SysReg("ICC_HPPIR1_EL1", ICC_HPPIR1_EL1, SPURIOUS, _el1, lambda ctx: c.highest_pending(), wi,
               read_only=True),
        SysReg("ICC_RPR_EL1", ICC_RPR_EL1, IDLE_PRIORITY, _el1, lambda ctx: c.running_priority(), wi,
               read_only=True),
        SysReg("ICC_BPR1_EL1", ICC_BPR1_EL1, c.min_bpr1, _el1, lambda ctx: c.bpr1, lambda ctx, v: c.set_bpr1(v)),
        SysReg("ICC_CTLR_EL1", ICC_CTLR_EL1, c.ctlr, _el1, lambda ctx: c.ctlr, lambda ctx, v: c.set_ctlr(v)),
        SysReg("ICC_IGRPEN1_EL1", ICC_IGRPEN1_EL1, 0, _el1, lambda ctx: int(c.group1_enabled),
               lambda ctx, v: c.set_group1_enabled(v)),
        SysReg("ICC_SGI1R_EL1", ICC_SGI1R_EL1, 0, _sgi, raz, lambda ctx, v: c.generate_sgi(v), write_only=True),
    ]
    regs.extend(_ap1r(c, n) for n in range(c.ap_registers))
    return tuple(regs)


def _ap1r(c: CpuInterface, n: int) -> SysReg:
    def read(ctx: AccessContext) -> int:
        return c.ap1r(n)

    def write(ctx: AccessContext, value: int) -> None:
        c.set_ap1r(n, value)

    return SysReg(f"ICC_AP1R{n}_EL1", icc_ap1r_encoding(n), 0, _el1, read, write)
