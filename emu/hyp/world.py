"""A KVM-shaped Python EL2: split-mode kvm_arch_vcpu_ioctl_run + __kvm_vcpu_run as a script of
named phases, each with a cycle cost (emu/hyp/costs.toml), between a host and a guest that are
both real AArch64 code at EL1 (docs/world-switch.md).

The host enters the guest with `hvc #0`, X0 = HVC_RUN (kvm_call_hyp(__kvm_vcpu_run)); the call
returns X0 = an ExitCode when the guest exits (a hypercall, a physical IRQ under HCR_EL2.IMO, the
guest being done). The phases, in order:

    entry: flush, call_hyp                                         (host EL1, IRQs masked)
           save_host, activate_traps, switch_pmu_to_guest,
           restore_guest, vgic_restore, enter                      (hyp)
    exit:  save_guest, vgic_save, switch_pmu_to_host,
           deactivate_traps, restore_host                          (hyp)
           sync                                                    (host EL1, IRQs masked)

This is the 2014 order the thread argues about: the PMU is switched back to the host inside hyp,
so between `switch_pmu_to_host` and `sync` a host counter can overflow while the host still has
IRQs masked. What each phase does with the PMU and the vGIC is the strategy's
(emu.hyp.strategies): flush_hwstate / sync_hwstate and the PMU switch are policy points.

Every phase publishes `hyp.phase` (name, seq, cycle) before it acts and `hyp.phase_end` after its
cycles are spent, so the stepper, the tracer and the race explorer see the same script.
"""

from __future__ import annotations

import enum
import tomllib
from dataclasses import dataclass, field
from importlib import resources
from typing import TYPE_CHECKING, Callable

from emu.arch import pstate as ps
from emu.arch import sysregs as sr
from emu.arch.esr import EC, decode_sys64
from emu.core.exceptions import GuestExit, Kind
from emu.errors import EmuError
from emu.events import Event as StreamEvent
from emu.gic import vcpuif as vgic
from emu.gic.state import IntState
from emu.hyp import Hypervisor
from emu.hyp.context import El1Context, PmuContext
from emu.pmu import Pmu

if TYPE_CHECKING:
    from emu.hyp.strategies import Strategy
    from emu.machine import Machine

HVC_RUN = 0xC600_0001  # host: run the vcpu until it exits
HVC_YIELD = 0xC600_0002  # guest: a null hypercall
HVC_DONE = 0xC600_0003  # guest: finished; the host's run returns ExitCode.DONE

INTID_PMU = 23
INTID_SPI = 48  # the SPI of the race explorer's `spi` event (asm/scenarios/world.S enables it)
INTID_KICK = 0  # the SGI a vcpu kick sends (KVM: kvm_vcpu_kick's reschedule IPI)
PMU_LR = 0  # the list register the PMU's virtual interrupt uses
PMU_PRIORITY = 0xA0

ENTRY_PHASES = ("flush", "call_hyp", "save_host", "activate_traps", "switch_pmu_to_guest", "restore_guest",
                "vgic_restore", "enter")
EXIT_PHASES = ("save_guest", "vgic_save", "switch_pmu_to_host", "deactivate_traps", "restore_host", "sync")
PHASES = ENTRY_PHASES + EXIT_PHASES + ("emulate_sysreg",)

# HCR_EL2 while the guest runs: EL1 is AArch64, physical IRQs/FIQs/SErrors go to EL2 and virtual
# ones come from the GIC's list registers (no stage 2: host and guest share physical memory).
GUEST_HCR = sr.HCR_RW | sr.HCR_IMO | sr.HCR_FMO | sr.HCR_AMO | sr.HCR_TWI
HOST_HCR = sr.HCR_RW


class ExitCode(enum.IntEnum):
    """What the host's HVC_RUN returns in X0 (KVM's ARM_EXCEPTION_* folded into exit reasons)."""

    HVC = 1
    IRQ = 2
    WFI = 3
    DONE = 4
    SYSREG = 5  # a trapped system register access, emulated against the vcpu's context


class StrategyError(EmuError):
    """A strategy's method raised: reported with the strategy's name and the phase."""

    exit_status = 76
    kind = "strategy error"


@dataclass(frozen=True)
class PhaseCost:
    el: int
    cycles: int


def load_costs(text: str | None = None) -> dict[str, PhaseCost]:
    """The phase costs of costs.toml (or of `text`, a TOML document of the same shape)."""
    if text is None:
        text = resources.files("emu.hyp").joinpath("costs.toml").read_text()
    table = tomllib.loads(text)["phases"]
    costs = {name: PhaseCost(int(v["el"]), int(v["cycles"])) for name, v in table.items()}
    missing = set(PHASES) - set(costs)
    if missing:
        raise ValueError(f"costs.toml lacks the phases {sorted(missing)}")
    return costs


@dataclass
class Vcpu:
    """The guest's state while it is not running: its EL1 context, its PMU context (strategies
    that switch the PMU), its virtual CPU interface registers, and the vGIC's view of the PMU
    interrupt (KVM's ap_list, one entry)."""

    context: El1Context = field(default_factory=El1Context)
    pmu: PmuContext | None = None
    lrs: list[int] = field(default_factory=list)
    vmcr: int = 0
    ap1r: int = 0
    pmu_irq_pending: bool = False  # the PMU interrupt is the guest's and waits for delivery
    pmu_irq_hw: bool = False  # ... as a forwarded (HW = 1) interrupt
    done: bool = False


class KvmHypervisor(Hypervisor):
    """The world switch between the host (the image's entry) and one guest (`guest_start`),
    with `strategy` deciding how the PMU and its interrupt are shared."""

    def __init__(self, strategy: "Strategy", costs: dict[str, PhaseCost] | None = None,
                 guest_entry: str = "guest_start", fwd_flag: str = "host_pmu_fwd") -> None:
        self.strategy = strategy
        self.costs = costs if costs is not None else load_costs()
        self.guest_entry = guest_entry
        self.fwd_flag_symbol = fwd_flag
        self.phase_seq = 0
        self.phase_hooks: list[Callable[[str], None]] = []

    # -- set-up ----------------------------------------------------------------------------------
    def attach(self, machine: "Machine") -> None:
        super().attach(machine)
        self.host = El1Context()
        self.vcpu = Vcpu()
        self.in_guest = False
        self.pmu_owner = "host"
        self.host_pmu: PmuContext | None = None
        machine.pmu.on_overflow = self._on_overflow
        machine.events.subscribe(self._on_event)
        self.strategy.attach(self)

    def reset(self) -> None:
        m = self.machine
        image = m.image
        if image is None or self.guest_entry not in image.symbols:
            raise StrategyError(f"the image has no `{self.guest_entry}` label: the KVM world switch needs a guest entry point")
        self.host = El1Context()
        n = m.pmu.n
        self.vcpu = Vcpu(lrs=[0] * m.vcpuif.list_registers)
        ctx = self.vcpu.context
        ctx.pc = image.symbols[self.guest_entry]
        ctx.pstate = ps.DAIF | ps.mode(1, True)
        ctx.sysregs = {"SCTLR_EL1": m.cpu.read_sysreg(sr.SCTLR_EL1)}
        self.in_guest = False
        self.pmu_owner = "host"
        self.host_pmu = None
        self.vcpu.pmu = PmuContext.reset_value(n)
        m.cpu.write_sysreg(sr.HCR_EL2, HOST_HCR)
        m.cpu.write_sysreg(sr.SCTLR_EL2, 0x30C5_0830)
        self.phase_seq = 0
        self._call("reset", self.strategy.reset)
        self.write_fwd_flag(self.strategy.forward_at_init)

    # -- what the hypervisor offers strategies ---------------------------------------------------
    @property
    def pmu(self) -> Pmu:
        return self.machine.pmu

    def write_fwd_flag(self, forwarded: bool) -> None:
        """The host's irqd "forwarded to vcpu" flag for the PMU IRQ (host memory its handler reads)."""
        image = self.machine.image
        if image is not None and self.fwd_flag_symbol in image.symbols:
            self.machine.uc.mem_write(image.symbols[self.fwd_flag_symbol], int(forwarded).to_bytes(8, "little"))

    def physical(self, intid: int = INTID_PMU) -> IntState:
        """The physical INTID's state in the GIC (IntState: pending, active)."""
        return self.machine.gic.irqs[intid]

    def set_physical_active(self, active: bool, intid: int = INTID_PMU) -> None:
        """GICR_ISACTIVER0 / GICR_ICACTIVER0 from the hypervisor (irq_set_irqchip_state ACTIVE)."""
        irq = self.machine.gic.irqs[intid]
        if active:
            irq.active = True
        else:
            irq.deactivate()
        self.machine.gic.update()

    def set_physical_enabled(self, enabled: bool) -> None:
        """GICR_ISENABLER0 / GICR_ICENABLER0 for the PMU's INTID, from the hypervisor."""
        self.machine.gic.irqs[INTID_PMU].enabled = enabled
        self.machine.gic.update()

    def inject_host_overflow(self, counter: int = 5) -> None:
        """The race explorer's event: the host's counter overflows now. Its overflow flag is set
        where the host's PMU state lives at this moment: in the PMU when the host's state is
        loaded (or the counter is the host's partition), else in the saved host context, whose
        restore then raises the interrupt (a counter cannot count while switched out; this is the
        overflow that happened just before the switch)."""
        pmu = self.machine.pmu
        saved = self.host_pmu
        if saved is None or not self.strategy.switches(counter):
            pmu.update(lambda: setattr(pmu, "pmovsset", pmu.pmovsset | 1 << counter))
        else:
            saved.pmovsset |= 1 << counter
        self.report_overflow(1 << counter, "host", injected=True)

    def inject_guest_overflow(self, counter: int = 0) -> None:
        """The race explorer's other event: the guest's counter overflows now, in the guest's PMU
        state wherever it lives (the PMU, the vcpu's saved context, or an emulated PMU)."""
        self._call("inject", lambda: self.strategy.inject_guest_overflow(counter))
        self.report_overflow(1 << counter, "guest", injected=True)

    def inject_spi(self, intid: int = INTID_SPI) -> None:
        """The race explorer's third event: a device raises SPI `intid` (an edge: pending until
        acknowledged), for the host (the scenario host routes and enables INTID 48)."""
        gic = self.machine.gic
        gic.irqs[intid].set_pending()
        gic.update()
        m = self.machine
        m.events.publish("vm.spi", m.processor.insns, intid=intid, cycle=m.time.cycles())

    def kick(self) -> None:
        """kvm_vcpu_kick: make the running guest exit soon (a physical SGI to self, taken to EL2)."""
        gic = self.machine.gic
        gic.irqs[INTID_KICK].set_pending()
        gic.update()

    # -- exits -----------------------------------------------------------------------------------
    def handle_exit(self, exit: GuestExit) -> None:
        cpu = self.machine.cpu
        if not self.in_guest:
            if exit.ec == EC.HVC64 and cpu.x(0) & 0xFFFF_FFFF == HVC_RUN:
                self._run(exit)
                return
            super().handle_exit(exit)
            return
        if exit.ec == EC.HVC64:
            fid = cpu.x(0) & 0xFFFF_FFFF
            self._exit(exit, ExitCode.DONE if fid == HVC_DONE else ExitCode.HVC)
        elif exit.kind in (Kind.IRQ, Kind.FIQ):
            self._exit(exit, ExitCode.IRQ)
        elif exit.ec == EC.WFX:
            cpu.pc = exit.elr + 4
            self._exit(exit, ExitCode.WFI)
        elif exit.ec == EC.SYS64 and self.strategy.traps_sysreg(exit):
            self.phase("emulate_sysreg", lambda: self.strategy.emulate_sysreg(exit))
            self.machine.cpu.pc = exit.elr + 4
        elif exit.ec == EC.SYS64:
            self._exit(exit, ExitCode.SYSREG)
        else:
            self.unhandled(exit)

    def _run(self, exit: GuestExit) -> None:
        """kvm_arch_vcpu_ioctl_run from the HVC_RUN on: flush, then __kvm_vcpu_run's entry."""
        if self.vcpu.done:
            self.machine.cpu.set_x(0, ExitCode.DONE)
            return
        cpu = self.machine.cpu
        s = self.strategy
        self.phase("flush", s.flush_hwstate)
        self.phase("call_hyp")
        self.phase("save_host", lambda: self.host.save(cpu, exit.elr, exit.spsr))
        self.phase("activate_traps", self._activate_traps)
        self.phase("switch_pmu_to_guest", s.switch_pmu_to_guest)
        self.phase("restore_guest", lambda: self.vcpu.context.restore(cpu))
        self.phase("vgic_restore", self._vgic_restore)
        self.in_guest = True
        self.phase("enter", s.enter)
        self.machine.events.publish("hyp.world", self.machine.processor.insns, world="guest",
                                    cycle=self.machine.time.cycles())

    def _exit(self, exit: GuestExit, code: ExitCode) -> None:
        s = self.strategy
        self.in_guest = False
        self.machine.events.publish("hyp.world", self.machine.processor.insns, world="hyp", exit=code.name,
                                    cycle=self.machine.time.cycles())
        self.phase("save_guest", lambda: self._save_guest(exit, code))
        self.phase("vgic_save", self._vgic_save)
        self.phase("switch_pmu_to_host", s.switch_pmu_to_host)
        self.phase("deactivate_traps", self._deactivate_traps)
        self.phase("restore_host", lambda: self._restore_host(code))
        self.phase("sync", s.sync_hwstate)
        self.machine.events.publish("hyp.world", self.machine.processor.insns, world="host",
                                    cycle=self.machine.time.cycles())
        if code is ExitCode.DONE:
            self.vcpu.done = True

    def _save_guest(self, exit: GuestExit, code: ExitCode) -> None:
        cpu = self.machine.cpu
        self.vcpu.context.save(cpu, cpu.pc, exit.spsr)
        if code is ExitCode.SYSREG:
            self._emulate_trapped_sysreg(exit)

    def _emulate_trapped_sysreg(self, exit: GuestExit) -> None:
        """KVM's access_vm_reg: a trapped MSR/MRS of an EL1 register acts on the vcpu's saved
        copy (HCR_EL2.TVM/TRVM); any other trapped register reads as zero and ignores writes
        (emu's choice, docs/world-switch.md). The guest resumes after the instruction."""
        from emu.hyp.context import EL1_SYSREGS

        assert exit.esr is not None
        enc, rt, is_read = decode_sys64(exit.esr & 0x1FF_FFFF)
        ctx = self.vcpu.context
        name = next((n for n, e in EL1_SYSREGS if e == enc), None)
        if is_read and rt != 31:
            ctx.x[rt] = ctx.sysregs.get(name, 0) if name else 0
        elif not is_read and name:
            ctx.sysregs[name] = ctx.x[rt] if rt != 31 else 0
        ctx.pc = exit.elr + 4

    def _restore_host(self, code: ExitCode) -> None:
        self.host.restore(self.machine.cpu)
        self.machine.cpu.set_x(0, int(code))

    def _activate_traps(self) -> None:
        m = self.machine
        m.cpu.write_sysreg(sr.HCR_EL2, GUEST_HCR | self.strategy.guest_hcr())
        m.pmu.update(lambda: setattr(m.pmu, "mdcr_el2", self.strategy.guest_mdcr()))

    def _deactivate_traps(self) -> None:
        m = self.machine
        m.cpu.write_sysreg(sr.HCR_EL2, HOST_HCR)
        m.pmu.update(lambda: setattr(m.pmu, "mdcr_el2", self.strategy.host_mdcr()))

    def _vgic_restore(self) -> None:
        """__vgic_v3_restore_state: the vcpu's list registers, VMCR and AP1R0 into ICH_*, En = 1."""
        v, cif = self.vcpu, self.machine.vcpuif
        cif.set_vmcr(v.vmcr)  # 0 for a vcpu that has not run: VPMR 0 masks all until the guest sets ICV_PMR_EL1
        cif.set_ap1r(0, v.ap1r)
        for n, value in enumerate(v.lrs):
            cif.set_lr(n, value)
        cif.set_hcr(vgic.HCR_EN)

    def _vgic_save(self) -> None:
        """__vgic_v3_save_state: ICH_LR<n>, VMCR, AP1R0 back into the vcpu, En = 0, LRs cleared."""
        v, cif = self.vcpu, self.machine.vcpuif
        v.lrs = [cif.lr(n) for n in range(cif.list_registers)]
        v.vmcr, v.ap1r = cif.vmcr, cif.ap1r(0)
        for n in range(cif.list_registers):
            cif.set_lr(n, 0)
        cif.set_ap1r(0, 0)
        cif.set_hcr(0)

    # -- the vGIC's PMU entry (KVM's populate_lr / fold_lr_state for one interrupt) -------------------
    def populate_pmu_lr(self, hw: bool) -> None:
        """Put the PMU interrupt in the vcpu's list register as pending: HW = 1 with pINTID 23
        (forwarded: the guest's deactivation deactivates the physical INTID), or purely virtual."""
        value = vgic.LR_PENDING | vgic.LR_GROUP | PMU_PRIORITY << vgic.LR_PRIORITY_SHIFT | INTID_PMU
        if hw:
            value |= vgic.LR_HW | INTID_PMU << vgic.LR_PINTID_SHIFT
        state = self.vcpu.lrs[PMU_LR] & vgic.LR_STATE
        if state:  # already there (pending or active): keep its state
            value = value & ~vgic.LR_STATE | state
        self.vcpu.lrs[PMU_LR] = value

    def fold_pmu_lr(self) -> int:
        """The PMU list register's state after the guest ran (0 invalid, 1 pending, 2 active,
        3 both); an invalid entry is dropped (the guest has deactivated it)."""
        value = self.vcpu.lrs[PMU_LR]
        state = (value & vgic.LR_STATE) >> vgic.LR_STATE_SHIFT
        if value and not state:
            self.vcpu.lrs[PMU_LR] = 0
        return state

    # -- phases ----------------------------------------------------------------------------------
    def phase(self, name: str, action: Callable[[], None] | None = None) -> None:
        """Run one phase: publish it, act, spend its cycles at its EL, publish its end."""
        m = self.machine
        cost = self.costs[name]
        m.events.publish("hyp.phase", m.processor.insns, phase=name, seq=self.phase_seq, cycle=m.time.cycles())
        if action is not None:
            self._call(name, action)
        m.spend(cost.el, cost.cycles)
        m.events.publish("hyp.phase_end", m.processor.insns, phase=name, seq=self.phase_seq, cycle=m.time.cycles())
        self.phase_seq += 1
        for hook in self.phase_hooks:
            hook(name)

    def _call(self, phase: str, action: Callable[[], None]) -> None:
        try:
            action()
        except EmuError:
            raise
        except Exception as err:  # a user's strategy: report it, never a traceback
            raise StrategyError(f"the strategy {self.strategy.name!r} raised {type(err).__name__}: {err} "
                                f"in the phase {phase!r}") from None

    # -- observing the PMU -------------------------------------------------------------------------
    def _on_overflow(self, counters: int) -> None:
        """The PMU counted an overflow: say whose counter it was (the world whose PMU state is
        loaded, or the strategy's partition) for the verdict."""
        self.report_overflow(counters, None)

    def report_overflow(self, counters: int, owner: str | None, injected: bool = False) -> None:
        """Publish `vm.overflow` for each counter of `counters` (owner None: ask the strategy)."""
        m = self.machine
        for idx in range(32):
            if counters >> idx & 1:
                who = owner if owner is not None else self.strategy.owner_of(idx)
                m.events.publish("vm.overflow", m.processor.insns, owner=who, counter=idx, cycle=m.time.cycles(),
                                 injected=injected)

    def _on_event(self, event: StreamEvent) -> None:
        if event.name in ("pmu.write", "vpmu.write") and event.fields["register"] == "PMOVSCLR_EL0":
            m = self.machine
            value = event.fields["value"]
            for idx in range(32):
                if value >> idx & 1:
                    owner = "guest" if event.name == "vpmu.write" else self.strategy.owner_of(idx)
                    m.events.publish("vm.overflow_cleared", event.insns, owner=owner, counter=idx,
                                     cycle=m.time.cycles())
