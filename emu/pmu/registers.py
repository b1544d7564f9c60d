"""The PMU's system registers (Arm ARM D24.5; MDCR_EL2 D24.3.17) as descriptors bound to one `Pmu`.

SET/CLR pairs are two views of one state (QEMU's ARM_CP_ALIAS). Counter bits at or above the
counters accessible at the current EL (MDCR_EL2.HPMN at EL0 and EL1) read as zero and ignore
writes, and PMCR_EL0.N reads as HPMN there. PMXEVTYPER_EL0 and PMXEVCNTR_EL0 view the counter that
PMSELR_EL0.SEL selects (31: PMCCFILTR_EL0 for PMXEVTYPER_EL0; PMXEVCNTR_EL0 is then UNDEFINED,
see emu.pmu.access). Reads of counters and overflow flags sync first; writes that change counting
go through `Pmu.update`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable, Literal

from emu.arch.pmuv3 import pmceid
from emu.arch.sysregs import Encoding
from emu.pmu import access as acc
from emu.pmu.access import accessible, effective_hpmn
from emu.pmu.fields import (
    C, CYCLE, FILTER_RW, MDCR_RW, MDCR_RW_P5, PMCR_C, PMCR_IMP_IDCODE, PMCR_N_SHIFT, PMCR_P, PMCR_RW,
    PMCR_RW_P5, PMEVTYPER_RW, PMSELR_SEL, PMUSERENR_CR, PMUSERENR_EN, PMUSERENR_ER, PMUSERENR_RW, PMUSERENR_SW,
)
from emu.sysreg.desc import AccessContext, Read, SysReg, Write, raz, wi

if TYPE_CHECKING:
    from emu.pmu.pmu import Pmu

EN, SW, CR, ER = PMUSERENR_EN, PMUSERENR_SW, PMUSERENR_CR, PMUSERENR_ER
CounterBits = Literal["pmcntenset", "pmovsset", "pmintenset"]


def pmevcntr_encoding(n: int) -> Encoding:
    """PMEVCNTR<n>_EL0: op0 3, op1 3, CRn 14, CRm 0b10:n<4:3>, op2 n<2:0>."""
    return (3, 3, 14, 0b1000 | n >> 3, n & 7)


def pmevtyper_encoding(n: int) -> Encoding:
    """PMEVTYPER<n>_EL0: op0 3, op1 3, CRn 14, CRm 0b11:n<4:3>, op2 n<2:0>."""
    return (3, 3, 14, 0b1100 | n >> 3, n & 7)


class _Views:
    """Reads and writes of one PMU's registers."""

    def __init__(self, pmu: Pmu) -> None:
        self.pmu = pmu
        self.pmcr_rw = PMCR_RW_P5 if pmu.pmuv3p5 else PMCR_RW
        self.mdcr_rw = MDCR_RW_P5 if pmu.pmuv3p5 else MDCR_RW

    def pmcr(self, ctx: AccessContext) -> int:
        pmu = self.pmu
        n = pmu.n if ctx.el == 2 else effective_hpmn(ctx.mdcr_el2, pmu.n)
        return PMCR_IMP_IDCODE | n << PMCR_N_SHIFT | pmu.pmcr

    def set_pmcr(self, ctx: AccessContext, value: int) -> None:
        """E, D, X, DP, LC (LP with FEAT_PMUv3p5); C zeroes PMCCNTR_EL0; P zeroes the event
        counters accessible here."""
        pmu = self.pmu
        rw = self.pmcr_rw

        def change() -> None:
            pmu.pmcr = value & rw
            if value & PMCR_C:
                pmu.pmccntr = 0
            if value & PMCR_P:
                pmu.reset_event_counters(accessible(ctx, pmu.n))

        pmu.update(change)

    def bits(self, name: CounterBits, sync: bool) -> Read:
        """A counter-bit register (P<n> per event counter, C for the cycle counter) through
        GetPMUAccessMask; with `sync`, counting is brought up to date first (overflow flags)."""
        pmu = self.pmu

        def read(ctx: AccessContext) -> int:
            if sync:
                pmu.sync()
            value: int = getattr(pmu, name)
            return value & accessible(ctx, pmu.n)

        return read

    def set_bits(self, name: CounterBits, set_: bool) -> Write:
        """The write-one-to-set (`set_`) or write-one-to-clear view of a counter-bit register."""
        pmu = self.pmu

        def write(ctx: AccessContext, value: int) -> None:
            bits = value & accessible(ctx, pmu.n)

            def change() -> None:
                old: int = getattr(pmu, name)
                setattr(pmu, name, old | bits if set_ else old & ~bits)

            pmu.update(change)

        return write

    def pmswinc(self, ctx: AccessContext, value: int) -> None:
        pmu = self.pmu
        counters = value & accessible(ctx, pmu.n) & ~C
        pmu.update(lambda: pmu.software_increment(ctx.el, counters))

    def pmselr(self, ctx: AccessContext) -> int:
        return self.pmu.pmselr

    def set_pmselr(self, ctx: AccessContext, value: int) -> None:
        self.pmu.pmselr = value & PMSELR_SEL

    def pmuserenr(self, ctx: AccessContext) -> int:
        return self.pmu.pmuserenr

    def set_pmuserenr(self, ctx: AccessContext, value: int) -> None:
        self.pmu.pmuserenr = value & PMUSERENR_RW

    def pmccntr(self, ctx: AccessContext) -> int:
        self.pmu.sync()
        return self.pmu.pmccntr

    def set_pmccntr(self, ctx: AccessContext, value: int) -> None:
        pmu = self.pmu

        def change() -> None:
            pmu.pmccntr = value

        pmu.update(change)

    def pmccfiltr(self, ctx: AccessContext) -> int:
        return self.pmu.pmccfiltr

    def set_pmccfiltr(self, ctx: AccessContext, value: int) -> None:
        pmu = self.pmu

        def change() -> None:
            pmu.pmccfiltr = value & FILTER_RW

        pmu.update(change)

    def pmevcntr(self, index: Callable[[], int]) -> tuple[Read, Write]:
        """PMEVCNTR<index()>_EL0: 64 bits with FEAT_PMUv3p5, else 32 bits with [63:32] RES0. An
        index the access check let through is always a counter; anything else reads as zero and
        ignores writes."""
        pmu = self.pmu

        def read(ctx: AccessContext) -> int:
            m = index()
            if m >= pmu.n:
                return 0
            pmu.sync()
            return pmu.pmevcntr[m]

        def write(ctx: AccessContext, value: int) -> None:
            m = index()

            def change() -> None:
                pmu.pmevcntr[m] = value & pmu.counter_mask

            if m < pmu.n:
                pmu.update(change)

        return read, write

    def pmevtyper(self, index: Callable[[], int]) -> tuple[Read, Write]:
        """PMEVTYPER<index()>_EL0, or PMCCFILTR_EL0 for index 31 (the PMXEVTYPER_EL0 view)."""
        pmu = self.pmu

        def read(ctx: AccessContext) -> int:
            m = index()
            if m == CYCLE:
                return pmu.pmccfiltr
            return pmu.pmevtyper[m] if m < pmu.n else 0

        def write(ctx: AccessContext, value: int) -> None:
            m = index()

            def change() -> None:
                pmu.pmevtyper[m] = value & PMEVTYPER_RW

            if m == CYCLE:
                self.set_pmccfiltr(ctx, value)
            elif m < pmu.n:
                pmu.update(change)

        return read, write

    def mdcr_el2(self, ctx: AccessContext) -> int:
        return self.pmu.mdcr_el2

    def set_mdcr_el2(self, ctx: AccessContext, value: int) -> None:
        """The implemented fields are stored, reserved HPMN values included (a direct read returns
        them; their effect is effective_hpmn's); HLP and HCCD only with FEAT_PMUv3p5."""
        pmu = self.pmu
        rw = self.mdcr_rw

        def change() -> None:
            pmu.mdcr_el2 = value & rw

        pmu.update(change)


def build(pmu: Pmu) -> tuple[SysReg, ...]:
    """The registers of `pmu`, PMEVCNTR<n>_EL0 and PMEVTYPER<n>_EL0 for n = 0 to 30 (those at or
    above N are UNDEFINED, by their access check)."""
    v = _Views(pmu)
    n = pmu.n
    pmceid0, pmceid1 = pmceid()
    el0_rw = acc.userenr(pmu, EN, EN)

    def sel() -> int:
        return pmu.pmselr & PMSELR_SEL

    xevcntr = v.pmevcntr(sel)
    xevtyper = v.pmevtyper(sel)
    regs = [
        SysReg("PMCR_EL0", (3, 3, 9, 12, 0), PMCR_IMP_IDCODE | n << PMCR_N_SHIFT,
               acc.userenr(pmu, EN, EN, tpmcr=True), v.pmcr, v.set_pmcr),
        SysReg("PMCNTENSET_EL0", (3, 3, 9, 12, 1), 0, el0_rw, v.bits("pmcntenset", False), v.set_bits("pmcntenset", True)),
        SysReg("PMCNTENCLR_EL0", (3, 3, 9, 12, 2), 0, el0_rw, v.bits("pmcntenset", False), v.set_bits("pmcntenset", False)),
        SysReg("PMOVSCLR_EL0", (3, 3, 9, 12, 3), 0, el0_rw, v.bits("pmovsset", True), v.set_bits("pmovsset", False)),
        SysReg("PMSWINC_EL0", (3, 3, 9, 12, 4), 0, acc.userenr(pmu, 0, EN | SW), raz, v.pmswinc, write_only=True),
        SysReg("PMSELR_EL0", (3, 3, 9, 12, 5), 0, acc.userenr(pmu, EN | ER, EN | ER), v.pmselr, v.set_pmselr),
        SysReg("PMCEID0_EL0", (3, 3, 9, 12, 6), pmceid0, el0_rw, lambda ctx: pmceid0, wi, read_only=True),
        SysReg("PMCEID1_EL0", (3, 3, 9, 12, 7), pmceid1, el0_rw, lambda ctx: pmceid1, wi, read_only=True),
        SysReg("PMCCNTR_EL0", (3, 3, 9, 13, 0), 0, acc.userenr(pmu, EN | CR, EN), v.pmccntr, v.set_pmccntr),
        SysReg("PMXEVTYPER_EL0", (3, 3, 9, 13, 1), 0, acc.indexed(pmu, sel, EN, EN, cycle_filter=True), *xevtyper),
        SysReg("PMXEVCNTR_EL0", (3, 3, 9, 13, 2), 0, acc.indexed(pmu, sel, EN | ER, EN), *xevcntr),
        SysReg("PMUSERENR_EL0", (3, 3, 9, 14, 0), 0, acc.pmuserenr, v.pmuserenr, v.set_pmuserenr),
        SysReg("PMINTENSET_EL1", (3, 0, 9, 14, 1), 0, acc.el1_register,
               v.bits("pmintenset", False), v.set_bits("pmintenset", True)),
        SysReg("PMINTENCLR_EL1", (3, 0, 9, 14, 2), 0, acc.el1_register,
               v.bits("pmintenset", False), v.set_bits("pmintenset", False)),
        SysReg("PMOVSSET_EL0", (3, 3, 9, 14, 3), 0, el0_rw, v.bits("pmovsset", True), v.set_bits("pmovsset", True)),
        SysReg("PMCCFILTR_EL0", (3, 3, 14, 15, 7), 0, el0_rw, v.pmccfiltr, v.set_pmccfiltr),
        SysReg("MDCR_EL2", (3, 4, 1, 1, 1), n, acc.el2_register, v.mdcr_el2, v.set_mdcr_el2),
    ]
    if pmu.pmuv3p5:
        # FEAT_PMUv3p4 (which FEAT_PMUv3p5 implies): PMMIR_EL1, SLOTS = 0 (no STALL_SLOT event).
        regs.append(SysReg("PMMIR_EL1", (3, 0, 9, 14, 6), 0, acc.el1_register, raz, wi, read_only=True))
    for m in range(31):
        def index(m: int = m) -> int:
            return m

        regs.append(SysReg(f"PMEVCNTR{m}_EL0", pmevcntr_encoding(m), 0,
                           acc.indexed(pmu, index, EN | ER, EN), *v.pmevcntr(index)))
        regs.append(SysReg(f"PMEVTYPER{m}_EL0", pmevtyper_encoding(m), 0,
                           acc.indexed(pmu, index, EN, EN), *v.pmevtyper(index)))
    return tuple(regs)
