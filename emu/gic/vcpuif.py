"""The GICv3 virtual CPU interface of the one PE (IHI 0069 chapter 6 "Virtual interrupt handling and
prioritization"): the ICH_*_EL2 registers of chapter 12 as descriptors, and the ICV_* operations an
EL1 guest performs when HCR_EL2.IMO = 1, as methods the ICC_* descriptors dispatch to.

Virtual Group 1 only, as the physical interface: ICH_VMCR_EL2.VENG0, VAckCtl and VCBPR are RAZ/WI,
VBPR0 reads as its minimum, VFIQEn is RES1, ICH_AP0R<n>_EL2 are not implemented (UNDEFINED), and a
Group 0 list register is never signalled nor acknowledged. No vLPIs (ICH_VTR_EL2.nV4 = 1), no
SEI (SEIS = 0: ICH_HCR_EL2.TSEI is RES0). ICH_HCR_EL2.TALL1, TC and TDIR trap EL1 accesses to
EL2 (emu.gic.icv.trapped); TALL0 is stored only (the Group 0 registers it would trap are UNDEFINED).

ICH_VTR_EL2 is QEMU's (hw/intc/arm_gicv3_cpuif.c, ich_vtr_read): ListRegs = n - 1, TDS = 1, nV4 = 1,
A3V = 1, IDbits = 0b001 (24-bit vINTIDs), SEIS = 0, PREbits = min(bits, 7) - 1, PRIbits = bits - 1.
ICH_LR<n>_EL2 RES0 bits ([59:56], [47:42], unimplemented priority bits) are RAZ/WI here, where
QEMU only clears the unimplemented priority bits. UNPREDICTABLE cases resolved as QEMU: an EOIR or
DIR naming an INTID >= the physical GIC's INTID count (special INTIDs included) is ignored; an EOIR
with no active priority is ignored without looking at the list registers; an EOIR naming no active
list register increments ICH_HCR_EL2.EOIcount whatever VEOIM; an EOIR deactivates only when the
list register's group priority is the one dropped; a pINTID >= 1020 deactivates nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from emu.irq import IrqLine
from emu.sysreg.desc import AccessContext, Decision, SysReg, wi

from .cpuif import (
    CTLR_A3V,
    CTLR_EOIMODE,
    CTLR_IDBITS,
    CTLR_PRIBITS_SHIFT,
    IDLE_PRIORITY,
    INTID_MASK,
    SPURIOUS,
)

if TYPE_CHECKING:
    from .gic import GICv3

ICH_HCR_EL2 = (3, 4, 12, 11, 0)
ICH_VTR_EL2 = (3, 4, 12, 11, 1)
ICH_MISR_EL2 = (3, 4, 12, 11, 2)
ICH_EISR_EL2 = (3, 4, 12, 11, 3)
ICH_ELRSR_EL2 = (3, 4, 12, 11, 5)
ICH_VMCR_EL2 = (3, 4, 12, 11, 7)


def ich_ap1r_encoding(n: int) -> tuple[int, int, int, int, int]:
    """ICH_AP1R<n>_EL2: op0 3, op1 4, CRn 12, CRm 9, op2 n."""
    return (3, 4, 12, 9, n)


def ich_lr_encoding(n: int) -> tuple[int, int, int, int, int]:
    """ICH_LR<n>_EL2: op0 3, op1 4, CRn 12, CRm 12 + n[3], op2 n[2:0]."""
    return (3, 4, 12, 12 + (n >> 3), n & 7)


# ICH_HCR_EL2 fields.
HCR_EN, HCR_UIE, HCR_LRENPIE, HCR_NPIE = 1 << 0, 1 << 1, 1 << 2, 1 << 3
HCR_VGRP0EIE, HCR_VGRP0DIE, HCR_VGRP1EIE, HCR_VGRP1DIE = 1 << 4, 1 << 5, 1 << 6, 1 << 7
HCR_TC, HCR_TALL0, HCR_TALL1, HCR_TDIR = 1 << 10, 1 << 11, 1 << 12, 1 << 14
HCR_EOICOUNT_SHIFT, HCR_EOICOUNT = 27, 0x1F << 27
HCR_WRITABLE = (HCR_EN | HCR_UIE | HCR_LRENPIE | HCR_NPIE | HCR_VGRP0EIE | HCR_VGRP0DIE | HCR_VGRP1EIE
                | HCR_VGRP1DIE | HCR_TC | HCR_TALL0 | HCR_TALL1 | HCR_TDIR | HCR_EOICOUNT)

# ICH_VTR_EL2 fields.
VTR_TDS, VTR_NV4, VTR_A3V = 1 << 19, 1 << 20, 1 << 21
VTR_IDBITS_24 = 1 << 23
VTR_PREBITS_SHIFT, VTR_PRIBITS_SHIFT = 26, 29

# ICH_VMCR_EL2 fields.
VMCR_VENG1, VMCR_VFIQEN, VMCR_VEOIM = 1 << 1, 1 << 3, 1 << 9
VMCR_VBPR1_SHIFT, VMCR_VBPR0_SHIFT, VMCR_VPMR_SHIFT = 18, 21, 24

# ICH_LR<n>_EL2 fields. pINTID [41:32] holds the physical INTID when HW = 1; bit 41 is EOI when HW = 0.
LR_VINTID = 0xFFFF_FFFF
LR_PINTID_SHIFT, LR_PINTID = 32, 0x3FF << 32
LR_EOI = 1 << 41
LR_PRIORITY_SHIFT = 48
LR_GROUP, LR_HW = 1 << 60, 1 << 61
LR_STATE_SHIFT, LR_STATE = 62, 3 << 62
LR_PENDING, LR_ACTIVE = 1 << 62, 2 << 62  # State 0b01 and 0b10; 0b11 is active and pending

# ICH_MISR_EL2 fields.
MISR_EOI, MISR_U, MISR_LRENP, MISR_NP = 1 << 0, 1 << 1, 1 << 2, 1 << 3
MISR_VGRP0E, MISR_VGRP0D, MISR_VGRP1E, MISR_VGRP1D = 1 << 4, 1 << 5, 1 << 6, 1 << 7

FIRST_SPECIAL = 1020


def lr_priority(lr: int) -> int:
    """ICH_LR<n>_EL2.Priority, bits [55:48]."""
    return lr >> LR_PRIORITY_SHIFT & 0xFF


class VirtualCpuInterface:
    """The ICH_* state of the PE, the ICV_* operations and two outputs: `virq_out` (a virtual IRQ is
    signalled to EL1) and `maintenance` (the maintenance interrupt, for PPI 9 = INTID 25). `sysregs`
    are the ICH_* descriptors to add to the machine's registry."""

    def __init__(self, gic: GICv3, *, list_registers: int = 4, priority_bits: int = 5) -> None:
        if not 1 <= list_registers <= 16:
            raise ValueError(f"list_registers must be 1..16, not {list_registers}")
        if not 5 <= priority_bits <= 8:
            raise ValueError(f"priority_bits must be 5..8, not {priority_bits}")
        self._gic = gic
        self.list_registers = list_registers
        self.priority_bits = priority_bits
        self.preemption_bits = min(priority_bits, 7)
        self.priority_mask = (0xFF << (8 - priority_bits)) & 0xFF
        # Minimum VBPR0 is 7 - PREbits (ICV_BPR0_EL1), minimum VBPR1 one more; the latter is also
        # the shift from a group priority to its active priority bit (ICH_AP1R<n>_EL2).
        self.min_bpr1 = 8 - self.preemption_bits
        self.ap_registers = 1 << (self.preemption_bits - 5)
        self.lr_mask = (LR_STATE | LR_HW | LR_GROUP | self.priority_mask << LR_PRIORITY_SHIFT | LR_PINTID
                        | LR_VINTID)
        self.virq_out = IrqLine("gic.virq")
        self.maintenance = IrqLine("gic.maintenance")
        self.reset()
        self.sysregs = _build(self)

    def reset(self) -> None:
        """Reset values (QEMU's): ICH_HCR_EL2 0, every list register 0, VBPR1 its minimum, VPMR 0,
        VENG1 and VEOIM 0, no active priority."""
        self.hcr = 0
        self.lrs = [0] * self.list_registers
        self.veng1 = False
        self.veoim = False
        self.vbpr1 = self.min_bpr1
        self.vpmr = 0
        self.active_priorities = 0  # bit i: group priority i << min_bpr1 is active
        self._update()

    # ICH_* registers.

    @property
    def vtr(self) -> int:
        """ICH_VTR_EL2."""
        return (self.list_registers - 1 | VTR_TDS | VTR_NV4 | VTR_A3V | VTR_IDBITS_24
                | (self.preemption_bits - 1) << VTR_PREBITS_SHIFT | (self.priority_bits - 1) << VTR_PRIBITS_SHIFT)

    def set_hcr(self, value: int) -> None:
        """ICH_HCR_EL2: the fields listed in HCR_WRITABLE; the rest RES0."""
        self.hcr = value & HCR_WRITABLE
        self._update()

    @property
    def eoi_count(self) -> int:
        """ICH_HCR_EL2.EOIcount, bits [31:27]."""
        return (self.hcr & HCR_EOICOUNT) >> HCR_EOICOUNT_SHIFT

    @property
    def vmcr(self) -> int:
        """ICH_VMCR_EL2: VENG1, VFIQEn (RES1), VEOIM, VBPR1, VBPR0 (its minimum), VPMR."""
        return ((VMCR_VENG1 if self.veng1 else 0) | VMCR_VFIQEN | (VMCR_VEOIM if self.veoim else 0)
                | self.vbpr1 << VMCR_VBPR1_SHIFT | (self.min_bpr1 - 1) << VMCR_VBPR0_SHIFT
                | self.vpmr << VMCR_VPMR_SHIFT)

    def set_vmcr(self, value: int) -> None:
        self.veng1 = bool(value & VMCR_VENG1)
        self.veoim = bool(value & VMCR_VEOIM)
        self.vbpr1 = max(value >> VMCR_VBPR1_SHIFT & 7, self.min_bpr1)
        self.vpmr = value >> VMCR_VPMR_SHIFT & self.priority_mask
        self._update()

    def lr(self, n: int) -> int:
        """ICH_LR<n>_EL2."""
        return self.lrs[n]

    def set_lr(self, n: int, value: int) -> None:
        """ICH_LR<n>_EL2: RES0 bits and unimplemented priority bits are not stored."""
        self.lrs[n] = value & self.lr_mask
        self._update()

    def ap1r(self, n: int) -> int:
        """ICH_AP1R<n>_EL2 (aliased by ICV_AP1R<n>_EL1): 32 active priority bits."""
        return self.active_priorities >> (32 * n) & 0xFFFF_FFFF

    def set_ap1r(self, n: int, value: int) -> None:
        self.active_priorities = (self.active_priorities & ~(0xFFFF_FFFF << (32 * n))
                                  | (value & 0xFFFF_FFFF) << (32 * n))
        self._update()

    def eisr(self) -> int:
        """ICH_EISR_EL2: bit n set when ICH_LR<n>_EL2 has State 0b00, HW 0 and EOI 1."""
        return sum(1 << n for n, lr in enumerate(self.lrs) if lr & (LR_STATE | LR_HW | LR_EOI) == LR_EOI)

    def elrsr(self) -> int:
        """ICH_ELRSR_EL2: bit n set when ICH_LR<n>_EL2 is free: State 0b00, and HW 1 or EOI 0."""
        return sum(1 << n for n, lr in enumerate(self.lrs)
                   if not lr & LR_STATE and (lr & LR_HW or not lr & LR_EOI))

    def misr(self) -> int:
        """ICH_MISR_EL2: the maintenance interrupt conditions (U: UIE with at most one valid list
        register; NP: NPIE with none pending; LRENP: LRENPIE with EOIcount != 0; EOI: EISR != 0;
        VGrp<g>E/D: VGrp<g>EIE/DIE with VENG<g> 1/0)."""
        hcr = self.hcr
        valid = sum(1 for lr in self.lrs if lr & LR_STATE)
        pending = any(lr & LR_STATE == LR_PENDING for lr in self.lrs)
        conditions = (
            (MISR_EOI, self.eisr() != 0),
            (MISR_U, bool(hcr & HCR_UIE) and valid <= 1),
            (MISR_LRENP, bool(hcr & HCR_LRENPIE) and self.eoi_count != 0),
            (MISR_NP, bool(hcr & HCR_NPIE) and not pending),
            (MISR_VGRP0D, bool(hcr & HCR_VGRP0DIE)),  # VENG0 is RAZ
            (MISR_VGRP1E, bool(hcr & HCR_VGRP1EIE) and self.veng1),
            (MISR_VGRP1D, bool(hcr & HCR_VGRP1DIE) and not self.veng1),
        )
        return sum(bit for bit, holds in conditions if holds)

    # Priorities.

    def group_priority(self, priority: int) -> int:
        """The group priority field of `priority`: bits [7:VBPR1] (IHI 0069 4.7, ICV_BPR1_EL1)."""
        return priority & (0xFF << self.vbpr1) & 0xFF

    def _hppvi(self) -> int | None:
        """HighestPriorityVirtualInterrupt: the index of the pending (State 0b01) Group 1 list
        register with the lowest priority value below 0xFF, lowest index first; None when VENG1 = 0
        or none."""
        if not self.veng1:
            return None
        best: int | None = None
        best_priority = IDLE_PRIORITY
        for n, lr in enumerate(self.lrs):
            if lr & (LR_STATE | LR_GROUP) == LR_PENDING | LR_GROUP and lr_priority(lr) < best_priority:
                best, best_priority = n, lr_priority(lr)
        return best

    def _can_signal(self, lr: int) -> bool:
        """CanSignalVirtualInterrupt: ICH_HCR_EL2.En, priority below VPMR, and a group priority
        below the virtual running priority's (IHI 0069 4.7 "preemption")."""
        priority, running = lr_priority(lr), self.virtual_running_priority()
        return (bool(self.hcr & HCR_EN) and priority < self.vpmr
                and (running == IDLE_PRIORITY or self.group_priority(priority) < self.group_priority(running)))

    def _signalled(self) -> int | None:
        """The list register a read of ICV_IAR1_EL1 acknowledges, if any."""
        n = self._hppvi()
        return n if n is not None and self._can_signal(self.lrs[n]) else None

    def _update(self) -> None:
        self.virq_out.set(self._signalled() is not None)
        self.maintenance.set(bool(self.hcr & HCR_EN) and self.misr() != 0)

    # ICV_* operations (EL1 with HCR_EL2.IMO = 1).

    def virtual_acknowledge(self) -> int:
        """ICV_IAR1_EL1: the vINTID of the signalled list register, now active with its group priority
        marked active (a special vINTID 1020-1023 goes to invalid instead); 1023 if none."""
        n = self._signalled()
        observer = self._gic.observer
        if n is None:
            if observer is not None:
                observer("ack", intid=SPURIOUS, virtual=True)
            return SPURIOUS
        lr = self.lrs[n]
        vintid = lr & LR_VINTID
        if observer is not None:
            observer("ack", intid=vintid, virtual=True)
        if FIRST_SPECIAL <= vintid <= SPURIOUS:
            self.lrs[n] = lr & ~LR_STATE
        else:
            self.lrs[n] = lr & ~LR_STATE | LR_ACTIVE
            self.active_priorities |= 1 << (self.group_priority(lr_priority(lr)) >> self.min_bpr1)
        self._update()
        return vintid

    def virtual_eoi(self, value: int) -> None:
        """ICV_EOIR1_EL1: priority drop of the highest active priority; with VEOIM = 0 also
        deactivation of the active list register naming the vINTID; none names it: EOIcount + 1."""
        intid = value & INTID_MASK
        if intid >= self._gic.num_irqs or not self.active_priorities:
            return
        dropped = self.virtual_running_priority()
        self.active_priorities &= self.active_priorities - 1
        if self._gic.observer is not None:
            self._gic.observer("eoi", intid=intid, virtual=True)
        n = self._find_active(intid)
        if n is None:
            self._increment_eoi_count()
        elif (not self.veoim and self.lrs[n] & LR_GROUP
              and self.group_priority(lr_priority(self.lrs[n])) == dropped):
            self._deactivate(n)
        self._update()

    def virtual_deactivate(self, value: int) -> None:
        """ICV_DIR_EL1: with VEOIM = 1, deactivation of the active list register naming the vINTID;
        none names it: EOIcount + 1."""
        intid = value & INTID_MASK
        if intid >= self._gic.num_irqs or not self.veoim:
            return
        n = self._find_active(intid)
        if n is None:
            self._increment_eoi_count()
        else:
            self._deactivate(n)
        self._update()

    def _find_active(self, intid: int) -> int | None:
        """FindActiveVirtualInterrupt: the first list register, active or active and pending, with
        this vINTID."""
        return next((n for n, lr in enumerate(self.lrs) if lr & LR_ACTIVE and lr & LR_VINTID == intid), None)

    def _deactivate(self, n: int) -> None:
        """Active to invalid, active and pending to pending; HW = 1 deactivates the pINTID too."""
        lr = self.lrs[n]
        pintid = (lr & LR_PINTID) >> LR_PINTID_SHIFT
        if self._gic.observer is not None:
            self._gic.observer("deactivate", intid=lr & LR_VINTID, virtual=True, was_active=True)
        if lr & LR_HW and pintid < FIRST_SPECIAL:
            self._gic.deactivate(pintid)
        self.lrs[n] = lr & ~LR_ACTIVE

    def _increment_eoi_count(self) -> None:
        """ICH_HCR_EL2.EOIcount + 1, wrapping at 32."""
        self.hcr = self.hcr & ~HCR_EOICOUNT | (self.eoi_count + 1) % 32 << HCR_EOICOUNT_SHIFT

    def virtual_hppi(self) -> int:
        """ICV_HPPIR1_EL1: the vINTID of the highest-priority pending Group 1 list register, whatever
        VPMR, the running priority and En say; 1023 when there is none."""
        n = self._hppvi()
        return SPURIOUS if n is None else self.lrs[n] & LR_VINTID

    def virtual_running_priority(self) -> int:
        """ICV_RPR_EL1: the group priority of the highest active priority bit, 0xFF when none."""
        active = self.active_priorities
        if not active:
            return IDLE_PRIORITY
        return ((active & -active).bit_length() - 1) << self.min_bpr1

    def virtual_pmr(self) -> int:
        """ICV_PMR_EL1: ICH_VMCR_EL2.VPMR."""
        return self.vpmr

    def set_virtual_pmr(self, value: int) -> None:
        self.vpmr = value & self.priority_mask
        self._update()

    def virtual_bpr1(self) -> int:
        """ICV_BPR1_EL1: ICH_VMCR_EL2.VBPR1; values below the minimum set the minimum."""
        return self.vbpr1

    def set_virtual_bpr1(self, value: int) -> None:
        self.vbpr1 = max(value & 7, self.min_bpr1)
        self._update()

    def virtual_igrpen1(self) -> int:
        """ICV_IGRPEN1_EL1: ICH_VMCR_EL2.VENG1."""
        return int(self.veng1)

    def set_virtual_igrpen1(self, value: int) -> None:
        self.veng1 = bool(value & 1)
        self._update()

    def virtual_ctlr(self) -> int:
        """ICV_CTLR_EL1: EOImode is ICH_VMCR_EL2.VEOIM; PRIbits, IDbits and A3V as ICH_VTR_EL2."""
        return (CTLR_A3V | CTLR_IDBITS | (self.priority_bits - 1) << CTLR_PRIBITS_SHIFT
                | (CTLR_EOIMODE if self.veoim else 0))

    def set_virtual_ctlr(self, value: int) -> None:
        self.veoim = bool(value & CTLR_EOIMODE)


def _el2(ctx: AccessContext) -> Decision:
    """An ICH_*_EL2 register: UNDEFINED below EL2 (no FEAT_NV)."""
    return Decision.OK if ctx.el == 2 else Decision.UNDEFINED


def _build(v: VirtualCpuInterface) -> tuple[SysReg, ...]:
    regs = [
        SysReg("ICH_HCR_EL2", ICH_HCR_EL2, 0, _el2, lambda ctx: v.hcr, lambda ctx, x: v.set_hcr(x)),
        SysReg("ICH_VTR_EL2", ICH_VTR_EL2, v.vtr, _el2, lambda ctx: v.vtr, wi, read_only=True),
        SysReg("ICH_VMCR_EL2", ICH_VMCR_EL2, v.vmcr, _el2, lambda ctx: v.vmcr, lambda ctx, x: v.set_vmcr(x)),
        SysReg("ICH_MISR_EL2", ICH_MISR_EL2, 0, _el2, lambda ctx: v.misr(), wi, read_only=True),
        SysReg("ICH_EISR_EL2", ICH_EISR_EL2, 0, _el2, lambda ctx: v.eisr(), wi, read_only=True),
        SysReg("ICH_ELRSR_EL2", ICH_ELRSR_EL2, (1 << v.list_registers) - 1, _el2, lambda ctx: v.elrsr(), wi,
               read_only=True),
    ]
    regs.extend(_ap1r(v, n) for n in range(v.ap_registers))
    regs.extend(_lr(v, n) for n in range(v.list_registers))
    return tuple(regs)


def _ap1r(v: VirtualCpuInterface, n: int) -> SysReg:
    def read(ctx: AccessContext) -> int:
        return v.ap1r(n)

    def write(ctx: AccessContext, value: int) -> None:
        v.set_ap1r(n, value)

    return SysReg(f"ICH_AP1R{n}_EL2", ich_ap1r_encoding(n), 0, _el2, read, write)


def _lr(v: VirtualCpuInterface, n: int) -> SysReg:
    def read(ctx: AccessContext) -> int:
        return v.lr(n)

    def write(ctx: AccessContext, value: int) -> None:
        v.set_lr(n, value)

    return SysReg(f"ICH_LR{n}_EL2", ich_lr_encoding(n), 0, _el2, read, write)
