"""The state a world switch saves and restores: an EL1 context (KVM's kvm_cpu_context) and a PMU
context. Save and restore list the same registers in the same order (KVM's
__sysreg_save_state / __sysreg_restore_state in arch/arm64/kvm/hyp/include/hyp/sysreg-sr.h).

Not switched, and so shared by host and guest: the generic timer's EL1 registers and the FP/SIMD
registers (no scenario uses them; a strategy that needs them adds them to its own context)."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from emu.arch.sysregs import Encoding
from emu.core.cpu import Cpu
from emu.pmu.pmu import Pmu

# The EL1 (and EL0) system registers of one world (Arm ARM D23.2), as Unicorn holds them.
EL1_SYSREGS: tuple[tuple[str, Encoding], ...] = (
    ("SCTLR_EL1", (3, 0, 1, 0, 0)),
    ("CPACR_EL1", (3, 0, 1, 0, 2)),
    ("TTBR0_EL1", (3, 0, 2, 0, 0)),
    ("TTBR1_EL1", (3, 0, 2, 0, 1)),
    ("TCR_EL1", (3, 0, 2, 0, 2)),
    ("SPSR_EL1", (3, 0, 4, 0, 0)),
    ("ELR_EL1", (3, 0, 4, 0, 1)),
    ("AFSR0_EL1", (3, 0, 5, 1, 0)),
    ("AFSR1_EL1", (3, 0, 5, 1, 1)),
    ("ESR_EL1", (3, 0, 5, 2, 0)),
    ("FAR_EL1", (3, 0, 6, 0, 0)),
    ("PAR_EL1", (3, 0, 7, 4, 0)),
    ("MAIR_EL1", (3, 0, 10, 2, 0)),
    ("AMAIR_EL1", (3, 0, 10, 3, 0)),
    ("VBAR_EL1", (3, 0, 12, 0, 0)),
    ("CONTEXTIDR_EL1", (3, 0, 13, 0, 1)),
    ("TPIDR_EL1", (3, 0, 13, 0, 4)),
    ("TPIDR_EL0", (3, 3, 13, 0, 2)),
    ("TPIDRRO_EL0", (3, 3, 13, 0, 3)),
)


@dataclass
class El1Context:
    """One world's EL1 view of the core: X0-X30, SP_EL0, SP_EL1, the EL1 system registers, and
    where it resumes (PC, PSTATE)."""

    x: list[int] = field(default_factory=lambda: [0] * 31)
    sp_el0: int = 0
    sp_el1: int = 0
    sysregs: dict[str, int] = field(default_factory=dict)
    pc: int = 0
    pstate: int = 0

    def save(self, cpu: Cpu, pc: int, pstate: int) -> None:
        """Capture the core (running this world at EL1 or EL0) into the context."""
        self.x = [cpu.x(n) for n in range(31)]
        self.sp_el0 = cpu.banked_sp(0)
        self.sp_el1 = cpu.banked_sp(1)
        self.sysregs = {name: cpu.read_sysreg(enc) for name, enc in EL1_SYSREGS}
        self.pc, self.pstate = pc, pstate

    def restore(self, cpu: Cpu) -> None:
        """Load the context into the core; PSTATE last, so that the banked SP it selects is loaded."""
        for n, value in enumerate(self.x):
            cpu.set_x(n, value)
        for name, enc in EL1_SYSREGS:
            if name in self.sysregs:
                cpu.write_sysreg(enc, self.sysregs[name])
        cpu.set_banked_sp(0, self.sp_el0)
        cpu.set_banked_sp(1, self.sp_el1)
        cpu.set_pstate(self.pstate)
        cpu.pc = self.pc


@dataclass
class PmuContext:
    """The PMU registers a world owns (D24.5): the controls, overflow and interrupt-enable bits,
    and every counter with its filter. MDCR_EL2 belongs to EL2 and is not part of it."""

    pmcr: int = 0
    pmcntenset: int = 0
    pmovsset: int = 0
    pmintenset: int = 0
    pmselr: int = 0
    pmuserenr: int = 0
    pmccntr: int = 0
    pmccfiltr: int = 0
    pmevcntr: list[int] = field(default_factory=list)
    pmevtyper: list[int] = field(default_factory=list)
    prescale: int = 0

    @classmethod
    def reset_value(cls, n: int) -> "PmuContext":
        return cls(pmevcntr=[0] * n, pmevtyper=[0] * n)

    def copy(self) -> "PmuContext":
        return replace(self, pmevcntr=list(self.pmevcntr), pmevtyper=list(self.pmevtyper))

    def irq_level(self, hpmn: int, n: int) -> bool:
        """CheckForPMUOverflow on this (saved) state, for a world whose counters are all in the
        first range: an overflow flag with its interrupt enabled, and PMCR_EL0.E set."""
        counters = (1 << min(hpmn, n)) - 1 | 1 << 31
        return bool(self.pmcr & 1 and self.pmovsset & self.pmintenset & counters)


def save_pmu(pmu: Pmu, mask: int = ~0) -> PmuContext:
    """Bring the PMU up to date and capture it. `mask` limits the per-counter bits and counters
    taken (a partitioned PMU switches only the guest's counters); the rest reads as zero."""
    pmu.sync()
    return PmuContext(
        pmcr=pmu.pmcr, pmcntenset=pmu.pmcntenset & mask, pmovsset=pmu.pmovsset & mask,
        pmintenset=pmu.pmintenset & mask, pmselr=pmu.pmselr, pmuserenr=pmu.pmuserenr,
        pmccntr=pmu.pmccntr if mask >> 31 & 1 else 0, pmccfiltr=pmu.pmccfiltr if mask >> 31 & 1 else 0,
        pmevcntr=[v if mask >> i & 1 else 0 for i, v in enumerate(pmu.pmevcntr)],
        pmevtyper=[v if mask >> i & 1 else 0 for i, v in enumerate(pmu.pmevtyper)],
        prescale=pmu._prescale,
    )


def restore_pmu(pmu: Pmu, ctx: PmuContext, mask: int = ~0, *, controls: bool = True) -> None:
    """Load `ctx` into the PMU for the counters and bits of `mask` (the others keep their
    values); `controls` also loads PMCR_EL0, PMSELR_EL0 and PMUSERENR_EL0. Counting continues
    from the new values; the interrupt line follows at once (Pmu.update)."""
    def load() -> None:
        keep = ~mask
        pmu.pmcntenset = pmu.pmcntenset & keep | ctx.pmcntenset & mask
        pmu.pmovsset = pmu.pmovsset & keep | ctx.pmovsset & mask
        pmu.pmintenset = pmu.pmintenset & keep | ctx.pmintenset & mask
        if mask >> 31 & 1:
            pmu.pmccntr, pmu.pmccfiltr, pmu._prescale = ctx.pmccntr, ctx.pmccfiltr, ctx.prescale
        for i in range(pmu.n):
            if mask >> i & 1:
                pmu.pmevcntr[i], pmu.pmevtyper[i] = ctx.pmevcntr[i], ctx.pmevtyper[i]
        if controls:
            pmu.pmcr, pmu.pmselr, pmu.pmuserenr = ctx.pmcr, ctx.pmselr, ctx.pmuserenr
    pmu.update(load)
