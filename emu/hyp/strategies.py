"""How host and guest share the PMU and its interrupt: the designs of the 2014 thread and after,
as small classes whose methods are the policy points of the world switch (emu.hyp.world).

    reset()                 hypervisor init (kvm_pmu_hyp_init): forwarding mode at init or not
    flush_hwstate()         host, IRQs masked, before kvm_call_hyp (kvm_pmu_flush_hwstate +
                            kvm_vgic_flush_hwstate: populate the list register)
    switch_pmu_to_guest()   hyp, after the host's context is saved
    enter()                 hyp, last thing before the ERET
    switch_pmu_to_host()    hyp, after the guest's context is saved
    sync_hwstate()          host, IRQs still masked, after kvm_call_hyp returned
    guest_mdcr()/host_mdcr() MDCR_EL2 in each world (HPMN, HPME, TPM)
    owner_of(counter)       whose counter it is right now ("host" or "guest"), for the verdict
    traps_sysreg()/emulate_sysreg()  trapped guest PMU accesses (the emulated PMU)

A new design is one subclass registered in STRATEGIES (docs/world-switch.md shows one).
Each method may use `self.hyp` (the KvmHypervisor): its vcpu, the PMU, the GIC's physical INTID
state, the list-register helpers, the host's forwarding flag.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from emu.arch.esr import EC
from emu.core.exceptions import GuestExit
from emu.gic.vcpuif import LR_ACTIVE, LR_PENDING
from emu.hyp.context import PmuContext, restore_pmu, save_pmu
from emu.hyp.vpmu import VirtualPmu
from emu.hyp.world import PMU_LR
from emu.pmu.fields import MDCR_HPME, MDCR_TPM, MDCR_TPMCR

if TYPE_CHECKING:
    from emu.hyp.world import KvmHypervisor

HOST_COUNTER = 5  # the host's perf counter in the scenario images (asm/scenarios/world.S)


class Strategy:
    """The base: a full PMU context switch in hyp and no interrupt forwarding at all (the PMU
    interrupt is the host's; a guest's overflow reaches the guest only if a subclass says so)."""

    name: ClassVar[str] = "base"
    forward_at_init: ClassVar[bool] = False
    hyp: "KvmHypervisor"

    def attach(self, hyp: "KvmHypervisor") -> None:
        self.hyp = hyp

    def reset(self) -> None:
        self.hyp.host_pmu = None

    # -- MDCR_EL2 ---------------------------------------------------------------------------------
    def host_mdcr(self) -> int:
        return self.hyp.machine.pmu.n  # HPMN = N: every counter in the first range

    def guest_mdcr(self) -> int:
        return self.hyp.machine.pmu.n

    def guest_hcr(self) -> int:
        """HCR_EL2 bits to set while the guest runs, beyond RW, IMO, FMO, AMO and TWI."""
        return 0

    # -- the PMU switch -----------------------------------------------------------------------------
    def switch_pmu_to_guest(self) -> None:
        """__pmu_switch_to_guest: save the host's PMU state, load the guest's (the counters and
        bits of `switched_mask`)."""
        hyp = self.hyp
        mask = self.switched_mask()
        hyp.host_pmu = save_pmu(hyp.machine.pmu, mask)
        assert hyp.vcpu.pmu is not None
        restore_pmu(hyp.machine.pmu, hyp.vcpu.pmu, mask)
        hyp.pmu_owner = "guest"

    def switch_pmu_to_host(self) -> None:
        """__pmu_switch_to_host: save the guest's PMU state, load the host's."""
        hyp = self.hyp
        mask = self.switched_mask()
        hyp.vcpu.pmu = save_pmu(hyp.machine.pmu, mask)
        assert hyp.host_pmu is not None
        restore_pmu(hyp.machine.pmu, hyp.host_pmu, mask)
        hyp.host_pmu = None
        hyp.pmu_owner = "host"

    def switched_mask(self) -> int:
        """The counters (bit n: PMEVCNTR<n>, bit 31: the cycle counter) the switch saves and
        restores: all of them."""
        return ~0

    def owner_of(self, counter: int) -> str:
        return self.hyp.pmu_owner

    def switches(self, counter: int) -> bool:
        """Whether the world switch saves and restores this counter."""
        return bool(self.switched_mask() >> counter & 1)

    def inject_guest_overflow(self, counter: int) -> None:
        """Set the guest counter's overflow flag where the guest's PMU state is now."""
        hyp = self.hyp
        pmu = hyp.machine.pmu
        if hyp.pmu_owner == "guest":
            pmu.update(lambda: setattr(pmu, "pmovsset", pmu.pmovsset | 1 << counter))
        else:
            assert hyp.vcpu.pmu is not None
            hyp.vcpu.pmu.pmovsset |= 1 << counter

    # -- vGIC and interrupt policy ------------------------------------------------------------------
    def flush_hwstate(self) -> None:
        pass

    def enter(self) -> None:
        pass

    def sync_hwstate(self) -> None:
        pass

    # -- trapped guest PMU accesses -----------------------------------------------------------------
    def traps_sysreg(self, exit: GuestExit) -> bool:
        return False

    def emulate_sysreg(self, exit: GuestExit) -> None:
        pass


class Forwarding(Strategy):
    """The HW-forwarding designs of 2014 (Marc Zyngier's IRQ forwarding, as for the arch timer):
    the PMU interrupt the guest should get is made active on the physical side and put in a
    list register with HW = 1, so the guest's EOI deactivates it. Common to all of them, at
    entry after the guest's PMU state is loaded: a physical PMU interrupt pending now is the
    guest's (its line is the guest's state), as kvm_timer_flush_hwstate does for the timer.
    The subclasses differ in what `sync_hwstate` takes for the guest's and when the host's
    handler sees the IRQ as forwarded."""

    def enter(self) -> None:
        hyp = self.hyp
        if self.guest_interrupt_now():
            hyp.vcpu.pmu_irq_pending = True
        if hyp.vcpu.pmu_irq_pending:
            hyp.set_physical_active(True)
            hyp.populate_pmu_lr(hw=True)
            hyp.machine.vcpuif.set_lr(PMU_LR, hyp.vcpu.lrs[PMU_LR])

    def guest_interrupt_now(self) -> bool:
        """At entry, with the guest's PMU state loaded: whether the guest has a PMU interrupt
        to be given now (here: the physical INTID is pending, its line being the guest's)."""
        return self.hyp.physical().pending

    def fold(self) -> None:
        """fold_lr_state: the guest deactivated it (LR invalid): nothing waits any more."""
        if self.hyp.fold_pmu_lr() == 0:
            self.hyp.vcpu.pmu_irq_pending = False

    def flush_hwstate(self) -> None:
        self.hyp.write_fwd_flag(True)

    def sync_hwstate(self) -> None:
        self.fold()
        self.hyp.write_fwd_flag(self.forward_at_init)


class AlwaysForward(Forwarding):
    """`always-forward`: kvm_pmu_hyp_init puts the PMU IRQ in forwarding mode for good, as the
    timer's was. The thread's Scenario 1: with no guest, the host's handler leaves every PMU
    interrupt active for a guest that never comes, and the host gets no further interrupts."""

    name = "always-forward"
    forward_at_init = True

    def sync_hwstate(self) -> None:
        self.fold()
        hyp = self.hyp
        irq = hyp.physical()
        if irq.pending or irq.active:  # whatever is there is taken for the guest's
            hyp.vcpu.pmu_irq_pending = True
            hyp.set_physical_active(True)


class ToggleNaive(Forwarding):
    """`toggle-naive`: forwarding on only around the run (Anup's first answer); sync takes any
    pending or active PMU IRQ for the guest's. The thread's Scenario 2: a host overflow between
    the return of kvm_call_hyp and the sync is handed to the guest."""

    name = "toggle-naive"

    def sync_hwstate(self) -> None:
        self.fold()
        hyp = self.hyp
        irq = hyp.physical()
        if irq.pending or irq.active:
            hyp.vcpu.pmu_irq_pending = True
            hyp.set_physical_active(True)
        hyp.write_fwd_flag(False)


class ActiveState(Forwarding):
    """`active-state`: Christoffer's reply. sync = (1) capture the guest's active state of the
    PMU IRQ, (2) deactivate it on the host, (3) switch the PMU to the host, (4) re-enable IRQs;
    flush = (a) disable IRQs, (b) restore the guest's active state, (c) restore the guest's PMU
    state, (d) enter. The PMU switches move out of hyp into these host-side steps, so the host's
    PMU state is never live while the host cannot yet tell whose interrupt it is."""

    name = "active-state"

    def switch_pmu_to_guest(self) -> None:
        pass  # done in flush, step (c)

    def switch_pmu_to_host(self) -> None:
        pass  # done in sync, step (3)

    def flush_hwstate(self) -> None:
        hyp = self.hyp
        # (a) IRQs are masked: the host masked them before HVC_RUN.
        if hyp.vcpu.pmu_irq_pending:  # (b) the guest's active state back on the physical side
            hyp.set_physical_active(True)
        Strategy.switch_pmu_to_guest(self)  # (c)
        hyp.write_fwd_flag(True)

    def sync_hwstate(self) -> None:
        hyp = self.hyp
        self.fold()
        irq = hyp.physical()
        # (1) capture: the guest's interrupt is whatever is pending or active now, while the
        # guest's PMU state is still the live one.
        if irq.pending or irq.active:
            hyp.vcpu.pmu_irq_pending = True
        hyp.set_physical_active(False)  # (2)
        Strategy.switch_pmu_to_host(self)  # (3)
        hyp.write_fwd_flag(False)
        # (4) the host unmasks IRQs when kvm_call_hyp has returned.


class GuestStateCheck(Forwarding):
    """`guest-state-check`: forward only when the vcpu's own PMU state has an enabled overflow
    (PMOVSSET & PMINTENSET & PMCR_EL0.E); a physical PMU IRQ seen at sync without one is the
    host's and is left to the host."""

    name = "guest-state-check"

    def sync_hwstate(self) -> None:
        self.fold()
        hyp = self.hyp
        guest = hyp.vcpu.pmu
        assert guest is not None
        if guest.irq_level(hyp.machine.pmu.n, hyp.machine.pmu.n):
            hyp.vcpu.pmu_irq_pending = True
        elif not hyp.vcpu.lrs[PMU_LR]:
            hyp.vcpu.pmu_irq_pending = False
            if hyp.physical().active:  # left active for a guest that has no overflow: give it back
                hyp.set_physical_active(False)
        hyp.write_fwd_flag(False)

    def guest_interrupt_now(self) -> bool:
        return self.hyp.machine.pmu.irq_level()  # the vcpu's own PMU state, loaded now


class Emulated(Strategy):
    """`emulated` (upstream since 2016, arch/arm64/kvm/pmu-emul.c): no forwarding and no PMU
    switch. The guest's PMU registers trap (MDCR_EL2.TPM, TPMCR) to an emulated PMU whose
    counters count the guest's own events (KVM backs them with host perf events), and the guest
    gets a purely virtual, level-triggered PMU interrupt whose level is recomputed at flush and
    sync (kvm_pmu_update_state). An emulated counter overflowing while the guest runs kicks the
    vcpu (an SGI to self, as kvm_vcpu_kick), and the next flush delivers it."""

    name = "emulated"

    def attach(self, hyp: "KvmHypervisor") -> None:
        super().attach(hyp)
        self.vpmu = VirtualPmu(hyp.machine)
        self.vpmu.on_level = self._level_changed
        self.vpmu.pmu.on_overflow = lambda counters: hyp.report_overflow(counters, "guest")

    def reset(self) -> None:
        super().reset()
        self.vpmu.reset()

    def guest_mdcr(self) -> int:
        return self.hyp.machine.pmu.n | MDCR_TPM | MDCR_TPMCR

    def inject_guest_overflow(self, counter: int) -> None:
        vpmu = self.vpmu.pmu
        vpmu.update(lambda: setattr(vpmu, "pmovsset", vpmu.pmovsset | 1 << counter))

    def switch_pmu_to_guest(self) -> None:
        self.vpmu.start()

    def switch_pmu_to_host(self) -> None:
        self.vpmu.stop()

    def owner_of(self, counter: int) -> str:
        return "host"  # the physical PMU is the host's, always

    def _update_lr(self) -> None:
        """kvm_pmu_update_state + the vGIC: the virtual line's level into the list register."""
        hyp = self.hyp
        if self.vpmu.pmu.irq_level():
            hyp.populate_pmu_lr(hw=False)
        elif hyp.vcpu.lrs[PMU_LR] & LR_PENDING and not hyp.vcpu.lrs[PMU_LR] & LR_ACTIVE:
            hyp.vcpu.lrs[PMU_LR] = 0  # pending only, and the level is gone: retire it

    def flush_hwstate(self) -> None:
        self.hyp.fold_pmu_lr()
        self._update_lr()

    def sync_hwstate(self) -> None:
        self.hyp.fold_pmu_lr()
        self._update_lr()

    def _level_changed(self, level: bool) -> None:
        if level and self.hyp.in_guest:
            self.hyp.kick()

    def traps_sysreg(self, exit: GuestExit) -> bool:
        return exit.ec == EC.SYS64 and self.vpmu.handles(exit)

    def emulate_sysreg(self, exit: GuestExit) -> None:
        self.vpmu.emulate(exit)


class Partitioned(Strategy):
    """`partitioned` (the 2025-2026 partitioned-PMU series): MDCR_EL2.HPMN splits the counters;
    the guest owns those below HPMN and reaches them directly, the host keeps the others (and
    enables them with MDCR_EL2.HPME). Only the guest's counters and bits are switched. The
    PMU interrupt is shared: a guest overflow while the guest runs exits to the host, whose
    handler finds it is not its own; the hypervisor records the guest's overflow bits at sync and
    injects a virtual interrupt at the next flush."""

    name = "partitioned"
    hpmn = HOST_COUNTER

    def switched_mask(self) -> int:
        return (1 << self.hpmn) - 1  # only the guest's counters, below HPMN

    def host_mdcr(self) -> int:
        # The host kernel here runs at EL1 (split mode), where counters at or above HPMN are
        # out of reach: its world has HPMN = N. (The series' host runs at EL2 with VHE.)
        return self.hyp.machine.pmu.n

    def guest_mdcr(self) -> int:
        return self.hpmn | MDCR_HPME

    def owner_of(self, counter: int) -> str:
        return "guest" if counter < self.hpmn and self.hyp.pmu_owner == "guest" else "host"

    def enter(self) -> None:
        # The shared physical PMU interrupt stays disabled while the guest runs: a guest
        # overflow would otherwise exit at once, every time, before the guest could clear it.
        # The host's overflows meanwhile wait, pending, until sync enables it again.
        self.hyp.set_physical_enabled(False)

    def sync_hwstate(self) -> None:
        hyp = self.hyp
        hyp.fold_pmu_lr()
        guest = hyp.vcpu.pmu
        assert guest is not None
        if guest.irq_level(self.hpmn, hyp.machine.pmu.n):
            hyp.vcpu.pmu_irq_pending = True
        hyp.set_physical_enabled(True)

    def flush_hwstate(self) -> None:
        hyp = self.hyp
        guest = hyp.vcpu.pmu
        assert guest is not None
        if hyp.vcpu.pmu_irq_pending or guest.irq_level(self.hpmn, hyp.machine.pmu.n):
            hyp.populate_pmu_lr(hw=False)
            hyp.vcpu.pmu_irq_pending = False


STRATEGIES: dict[str, type[Strategy]] = {
    cls.name: cls for cls in (AlwaysForward, ToggleNaive, ActiveState, GuestStateCheck, Emulated, Partitioned)
}


def strategy(name: str) -> Strategy:
    """A fresh strategy by name, or from `path/to/file.py:Class` / `package.module:Class` (a
    Strategy subclass, registered under its `name`); an unknown name lists the valid ones."""
    from emu.errors import UsageError

    if name not in STRATEGIES and ":" in name:
        return load_strategy(name)()
    if name not in STRATEGIES:
        raise UsageError(f"unknown strategy {name!r}; the strategies are: {', '.join(STRATEGIES)} "
                         "(or FILE.py:Class for your own)")
    return STRATEGIES[name]()


def load_strategy(spec: str) -> type[Strategy]:
    """Import `file.py:Class` or `module:Class`, check it is a Strategy, register it."""
    from emu.plugins import load_class

    cls = load_class(spec, Strategy, "the strategy")
    STRATEGIES.setdefault(spec, cls)
    return cls


__all__ = ["Strategy", "STRATEGIES", "strategy", "HOST_COUNTER", "PmuContext"]
