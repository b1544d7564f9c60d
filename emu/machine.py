"""Machine: the public facade. Builds the `virt` board around one core and runs it.

    from emu.board.loader import load_image
    m = Machine(el=2)
    m.load(load_image("asm/hello.S"))
    result = m.run()          # RunResult(exit_status=0, reason='system-off', ...)

The machine wires the processor (emu.core.processor) to RAM, the MMIO bus and its devices, the
PSCI firmware, semihosting and an optional Python EL2, and runs it with emu.sched.runloop.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import Callable

from unicorn import Uc, UcError

from emu.board import devicetree, psci, semihosting, virt
from emu.board.loader import Image
from emu.board.pl011 import PL011
from emu.bus import Bus, Region
from emu.core.cpu import Cpu
from emu.core.exceptions import GuestExit, Taken, write_exit_registers
from emu.arch import decode
from emu.arch.pmuv3 import Event
from emu.core import debugexc
from emu.core import syndromes as syn
from emu.core.processor import CallRoute, Processor
from emu.errors import GuestHalted, ImageDoesNotFit, UsageError
from emu.events import EventStream
from emu.hyp import Hypervisor
from emu.irq import IrqLine, SkidLine
from emu.pmu import Pmu
from emu.pmu.pmu import FastView
from emu.sched import runloop
from emu.sched.deadlines import Deadlines
from emu.sysreg import debugregs, idregs, isr, router
from emu.arch.sysregs import HCR_FMO, HCR_IMO, WATCHPOINTS
from emu.gic import CpuInterface, GICv3, VirtualCpuInterface, icv
from emu.timer import GenericTimer
from emu.timer.fields import MASK64
from emu.timer.timer import Timer
from emu.pmu.fields import CYCLE
from emu.pmu.registers import pmevcntr_encoding
from emu.sysreg.desc import AccessContext, Decision, SysReg
from emu.sysreg.registry import Registry
from emu.sysreg import custom
from emu.timing.costmodel import CostModel
from emu.timing.native import SLOTS, BlockCounter, FastCounter

DEFAULT_MAX_INSNS = 1_000_000_000
# The budget the test harness and tools/qemu_compare.py give a kernel in asm/ without `@max-insns`:
# every kernel there runs in far fewer instructions, so a runaway one fails in seconds.
KERNEL_MAX_INSNS = 100_000_000
# The native fast-counter entries that answer MRS CNTPCT_EL0 and CNTVCT_EL0 (the PMU's
# PMEVCNTR<n> use 0 to N - 1 and PMCCNTR 31): used only when PMCR_EL0.N leaves them free.
TIMER_FAST_COUNTERS = {29: "CNTPCT_EL0", 30: "CNTVCT_EL0"}
# The entries that answer MRS CNTP_CTL_EL0 and CNTV_CTL_EL0 as constants (ISTATUS included),
# republished at every timer register write and at every ISTATUS flip; likewise only when free.
TIMER_FAST_CTLS = {27: "CNTP_CTL_EL0", 28: "CNTV_CTL_EL0"}
# FEAT_PMUv3p5 unless asked otherwise (Machine(pmuv3p5=...), emu run --cpu-pmuv3p5 on|off).
DEFAULT_PMUV3P5 = False


@dataclass(frozen=True)
class RunResult:
    exit_status: int
    reason: str  # "system-off", "system-reset", "semihosting-exit"
    insns: int
    console: bytes


class CoreTime:
    """The timer's TimeSource: emulated CPU cycles (all ELs) plus the cycles the core slept in
    WFI; in functional mode one cycle per instruction."""

    def __init__(self, counter: BlockCounter, functional: bool) -> None:
        self._state = counter.state
        self._functional = functional
        self._cycles = SLOTS[Event.CPU_CYCLES]
        self.idle = 0

    @property
    def event(self) -> Event:
        """The event whose per-EL totals (plus `idle`) make the time."""
        return Event.INST_RETIRED if self._functional else Event.CPU_CYCLES

    def cycles(self) -> int:
        if self._functional:
            return int(self._state.insns) + self.idle
        totals = self._state.totals
        return int(totals[0][self._cycles] + totals[1][self._cycles] + totals[2][self._cycles]) + self.idle


class CoreEvents:
    """The PMU's EventSource: the native hook's per-EL totals."""

    def __init__(self, counter: BlockCounter) -> None:
        self._totals = counter.state.totals
        self._slot = {int(event): slot for event, slot in SLOTS.items()}

    def total(self, el: int, event: int) -> int:
        return int(self._totals[el][self._slot[event]])


@dataclass(frozen=True)
class _Finish:
    status: int
    reason: str


class Machine:
    """One AArch64 core (EL0-EL2) on QEMU's virt board: RAM, PL011, PSCI, semihosting."""

    def __init__(
        self,
        *,
        ram_mib: int = virt.DEFAULT_RAM_MIB,
        el: int = 2,
        hypervisor: Hypervisor | None = None,
        console: Callable[[bytes], None] | None = None,
        no_reboot: bool = False,
        bootargs: str = "",
        dtb: bytes | None = None,
        pmu_counters: int = 6,
        cost_model: CostModel | None = None,
        functional: bool = False,
        pmu_skid: int = 0,
        pmuv3p5: bool = DEFAULT_PMUV3P5,
    ) -> None:
        if el not in (1, 2):
            raise UsageError(f"--el must be 1 or 2, not {el}")
        if not 1 <= ram_mib <= virt.MAX_RAM_MIB:
            raise UsageError(f"--ram must be between 1 and {virt.MAX_RAM_MIB} MiB, not {ram_mib}")
        self.ram_size = ram_mib << 20
        self.hypervisor = hypervisor
        self.start_el = 1 if hypervisor is not None else el
        # PSCI conduit (PLATFORM.md): SMC when the run starts at EL2, HVC when nothing owns EL2
        # (--el 1, as QEMU's virt without virtualization=on) or when the Python hypervisor does.
        self.psci_conduit = "smc" if self.start_el == 2 else "hvc"
        self.no_reboot = no_reboot
        self.dtb_address = devicetree.dtb_address(self.ram_size)
        # The device tree in x0: emu's own, or a user's (`dtb`, already checked by
        # devicetree.load_blob); it must fit in RAM where QEMU puts it.
        self.dtb = dtb if dtb is not None else devicetree.build(self.ram_size, psci_conduit=self.psci_conduit,
                                                                bootargs=bootargs)
        if self.dtb_address + len(self.dtb) > virt.RAM_BASE + self.ram_size:
            raise ImageDoesNotFit(f"the device tree ({len(self.dtb)} bytes) does not fit in RAM at "
                                  f"0x{self.dtb_address:x}; use more RAM (--ram)")
        self.console = bytearray()
        self._console_sink = console
        self.events = EventStream()
        self.deadlines = Deadlines()
        self.processor = Processor(self, el2_present=el == 2 or hypervisor is not None, events=self.events,
                                   cost_model=cost_model, functional=functional)
        self.cpu: Cpu = self.processor.cpu
        self.uc: Uc = self.processor.uc
        self.irq: IrqLine = self.processor.irq
        self.fiq: IrqLine = self.processor.fiq
        self.uc.mem_map(virt.RAM_BASE, self.ram_size)
        self.ram = (virt.RAM_BASE, self.ram_size)  # (base, size) of guest RAM
        self.bus = Bus(self.uc)
        self.uart = PL011(self._console_write)
        self.bus.attach(virt.UART0_BASE, virt.UART0_SIZE, "pl011", self.uart)
        # PMU overflow request, PPI 7 (INTID 23): observable here until the GIC connects it.
        # `pmu_overflow` is the architectural level at the overflowing instruction; `pmu_irq`
        # is what reaches the interrupt controller, `pmu_skid` instructions later (default 0).
        if pmu_skid < 0:
            raise UsageError(f"--pmu-skid must be 0 or more instructions, not {pmu_skid}")
        self.pmu_overflow = IrqLine("PMU overflow")
        # FEAT_PMUv3p5 (64-bit event counters, PMCR_EL0.LP, MDCR_EL2.HLP): `pmuv3p5`, which
        # ID_AA64DFR0_EL1.PMUVer reports (docs/decisions.md, "PMU", for the default).
        self.pmu = Pmu(CoreEvents(self.processor.counter), self.pmu_overflow, n=pmu_counters, pmuv3p5=pmuv3p5)
        self.pmu_irq: IrqLine = SkidLine("PMU interrupt request", self.pmu_overflow, pmu_skid,
                                         lambda n, action: self.deadlines.at(self.processor.insns + n, action))
        # GICv3 (PLATFORM.md): distributor and redistributor on the bus, the CPU interface as
        # system registers, its output on the core's nIRQ, the PMU and timer PPIs on its inputs.
        self.gic = GICv3()
        self.cpuif = CpuInterface(self.gic)
        self.vcpuif = VirtualCpuInterface(self.gic)
        self.vcpuif.maintenance.connect(self.gic.line(virt.INTID_MAINTENANCE).set)
        self.vcpuif.virq_out.connect(self.processor.virq.set)
        self._icv_reads, self._icv_writes = icv.reads(self.vcpuif), icv.writes(self.vcpuif)
        self.bus.attach(virt.GICD_BASE, virt.GICD_SIZE, "gicd", self.gic.distributor)
        self.bus.attach(virt.GICR_BASE, virt.GICR_SIZE, "gicr", self.gic.redistributor)
        self.gic.irq_out.connect(self.irq.set)
        self.pmu_irq.connect(self.gic.line(virt.INTID_PMU).set)
        self.time = CoreTime(self.processor.counter, functional)
        self.timer = GenericTimer(self.time, el2_present=self.processor.el2_present)
        self._time_slot = SLOTS[Event.INST_RETIRED if functional else Event.CPU_CYCLES]
        for timer, intid in ((self.timer.el1_physical, virt.INTID_EL1_PHYS_TIMER),
                             (self.timer.el1_virtual, virt.INTID_EL1_VIRT_TIMER),
                             (self.timer.el2_physical, virt.INTID_EL2_PHYS_TIMER)):
            timer.irq.connect(self.gic.line(intid).set)
        mdscr_el1, self._reset_mdscr = debugregs.build(lambda: self.cpu.read_sysreg(debugregs.MDSCR_EL1),
                                                       lambda v: self.cpu.write_sysreg(debugregs.MDSCR_EL1, v),
                                                       self.processor.software_step)
        watchpoint_regs = debugregs.watchpoint_registers(self.cpu.read_sysreg, self.cpu.write_sysreg,
                                                         lambda: self.processor.guest_watchpoints(self.ram))
        self.sysregs = Registry(self.pmu.sysregs + self.timer.sysregs + self.cpuif.sysregs + self.vcpuif.sysregs
                                + idregs.build(self.processor.el2_present, gic_sysregs=True, pmuv3p5=pmuv3p5)
                                + (isr.build(lambda: self.irq.level, lambda: self.fiq.level), mdscr_el1)
                                + watchpoint_regs)
        self.processor.instrument.python_registers = {reg.encoding for reg in self.sysregs}
        self._pmu_encodings = frozenset(reg.encoding for reg in self.pmu.sysregs)
        self._fast_counters = list(range(pmu_counters)) + [CYCLE]
        self.processor.instrument.fast_reads = {pmevcntr_encoding(i): i for i in range(pmu_counters)}
        self.processor.instrument.fast_reads[self.sysregs.by_name("PMCCNTR_EL0").encoding] = CYCLE
        # CNTPCT_EL0 and CNTVCT_EL0 through the same native hook (fast index -> virtual?), when
        # their entries are free: a busy-wait on the counter then never enters Python.
        self._timer_counters: dict[int, bool] = {}
        # Not in functional mode: the native totals stand still there (only the instruction
        # count moves), so the hook could not count the time on.
        if not functional and all(idx >= pmu_counters for idx in TIMER_FAST_COUNTERS):
            for idx, name in TIMER_FAST_COUNTERS.items():
                self._timer_counters[idx] = name == "CNTVCT_EL0"
                self.processor.instrument.fast_reads[self.sysregs.by_name(name).encoding] = idx
        # CNTP_CTL_EL0 and CNTV_CTL_EL0 likewise (fast index -> timer): a poll of ISTATUS then
        # never enters Python either; _watches stops the run at each ISTATUS flip to republish.
        self._timer_ctls: dict[int, Timer] = {}
        if not functional and all(idx >= pmu_counters for idx in TIMER_FAST_CTLS):
            for idx, name in TIMER_FAST_CTLS.items():
                self._timer_ctls[idx] = self.timer.el1_physical if name == "CNTP_CTL_EL0" else self.timer.el1_virtual
                self.processor.instrument.fast_reads[self.sysregs.by_name(name).encoding] = idx
        self.processor.watch_source = self._watches
        # Further event counters outside the PMU (a Python EL2's emulated guest PMU): their
        # watches (event, EL mask, remaining) and their syncs, asked with the PMU's.
        self._ok_els: dict[tuple[int, int, int, int], int] = {}
        self._fast_written: dict[int, tuple[FastView | None, int, int]] = {}  # see _write_fast
        self._timer_counters_key: tuple[object, ...] | None = None  # see _publish_timer_counters
        self.fast_counter_reads = True
        self.extra_watches: list[Callable[[], list[tuple[int, int, int]]]] = []
        self.extra_syncs: list[Callable[[], None]] = []
        self._custom: dict[tuple[int, int, int, int, int], custom.CustomRegister] = {}
        self._image: Image | None = None
        self._finish: _Finish | None = None
        self._reset_requested = False
        self.events.on_first_listener.append(self._observe_devices)
        if hypervisor is not None:
            hypervisor.attach(self)

    @property
    def image(self) -> Image | None:
        """The image loaded (its symbols name the labels of an assembled one)."""
        return self._image

    @property
    def last_exception(self) -> Taken | None:
        return self.processor.last_exception

    # -- loading and reset ---------------------------------------------------------------------
    def load(self, image: Image) -> None:
        """Copy the image into RAM and reset the core to its entry point."""
        end = virt.RAM_BASE + self.ram_size
        for addr, data in image.segments:
            if addr < virt.RAM_BASE or addr + len(data) > end:
                raise ImageDoesNotFit(
                    f"{image.path}: a segment of {len(data)} bytes at 0x{addr:x} does not fit in RAM "
                    f"[0x{virt.RAM_BASE:x}, 0x{end:x}) ({self.ram_size >> 20} MiB)"
                )
            if addr < self.dtb_address + len(self.dtb) and self.dtb_address < addr + len(data):
                raise ImageDoesNotFit(
                    f"{image.path}: a segment at 0x{addr:x}-0x{addr + len(data):x} overlaps the device tree, "
                    f"which QEMU's virt and emu place at 0x{self.dtb_address:x} (RAM base + min(RAM / 2, 128 MiB)); "
                    "use more RAM (--ram) or a smaller image")
        if not virt.RAM_BASE <= image.entry < end:
            raise ImageDoesNotFit(f"{image.path}: entry point 0x{image.entry:x} is outside RAM [0x{virt.RAM_BASE:x}, 0x{end:x})")
        self._image = image
        self.reset()

    def reset(self) -> None:
        """Power-on reset (also PSCI SYSTEM_RESET): reload the image and the device tree, reset
        the core with X0 = the device tree's address (Linux arm64 boot protocol; X1-X3 = 0)."""
        if self._image is None:
            raise UsageError("no image loaded")
        for addr, data in self._image.segments:
            self.uc.mem_write(addr, data)
        self.uc.mem_write(self.dtb_address, self.dtb)
        self.processor.reset(self._image.entry, self.start_el)
        self.pmu.sync()  # events before the reset must not count after it
        self.pmu.reset()
        self.timer.reset()
        self.gic.reset()
        self.cpuif.reset()
        self.vcpuif.reset()
        self._reset_mdscr()
        for n in range(WATCHPOINTS):  # no watchpoint survives a reset (DBGWCR<n>.E = 0)
            self.cpu.write_sysreg(debugexc.dbgwcr(n), 0)
        self.processor.guest_watchpoints(self.ram)
        for reg in self._custom.values():
            reg.reset_state()
        self.cpu.set_x(0, self.dtb_address)
        if self.hypervisor is not None:
            self.hypervisor.reset()
            self.processor.update_take_mask()
        self.events.publish("machine.reset", self.processor.insns, entry=self._image.entry, el=self.start_el)

    # -- running -------------------------------------------------------------------------------
    def run(self, max_insns: int = DEFAULT_MAX_INSNS) -> RunResult:
        """Run until the guest powers off or exits; raise an EmuError subclass on any other stop."""
        if self._image is None:
            raise UsageError("no image loaded")
        if max_insns <= 0:
            raise UsageError(f"--max-insns must be positive, not {max_insns}")
        self._finish = None
        while True:
            runloop.run(self.processor, self.deadlines, max_insns,
                        lambda: self._finish is not None or self._reset_requested, self._sleep)
            if self._finish is not None:
                return RunResult(self._finish.status, self._finish.reason, self.processor.insns, bytes(self.console))
            self._reset_requested = False
            self.reset()

    def power_off(self, status: int = 0) -> None:
        """For Python hypervisors and tests: end the run as SYSTEM_OFF does, with `status`."""
        self._finish_with(status, "system-off")

    def _finish_with(self, status: int, reason: str) -> None:
        self._finish = _Finish(status, reason)
        self.processor.halt()

    # -- user extensions (emu.sysreg.custom) ----------------------------------------------------
    def sysreg(self, reg: custom.RegisterSpec, fn: custom.AccessFn | None = None, *, reset: int = 0,
               el: object = None, read_el: object = None, write_el: object = None,
               read: custom.ReadFn | None = None, write: custom.WriteFn | None = None,
               trap: custom.TrapRule | None = None, trap_to: int | str | None = None,
               when: custom.Condition | None = None, on: str = "both", name: str | None = None,
               ) -> custom.CustomRegister:
        """Define or override a system register by name or (op0, op1, CRn, CRm, op2); usable as a
        decorator. See emu.sysreg.custom for the arguments."""
        return custom.define(self, reg, fn, reset=reset, el=el, read_el=read_el, write_el=write_el, read=read,
                             write=write, trap=trap, trap_to=trap_to, when=when, on=on, name=name)

    def mmio(self, base: int, size: int, device: custom.DeviceLike | None = None, *, name: str = "mmio",
             read: Callable[[int, int], int] | None = None,
             write: Callable[[int, int, int], object] | None = None) -> Region:
        """Map a user MMIO device (an object with read/write, or two functions) at [base, base + size)."""
        return custom.attach_device(self, base, size, device, name=name, read=read, write=write)

    def install_sysreg(self, reg: custom.CustomRegister) -> None:
        """Put a user register in the registry in place of whatever had its encoding, and make every
        MRS/MSR of the encoding reach it, in code translated before too."""
        enc = reg.encoding
        self.sysregs.add(reg.descriptor(), replace=True)
        self._custom[enc] = reg
        self._icv_reads.pop(enc, None)  # the user's register wins over the ICV_* view of ICC_*
        self._icv_writes.pop(enc, None)
        instrument = self.processor.instrument
        counter = instrument.fast_reads.pop(enc, None)
        if counter is not None:  # a counter the native hook read: Python answers from now on
            if counter in self._timer_counters:
                del self._timer_counters[counter]
            elif counter in self._timer_ctls:
                del self._timer_ctls[counter]
            else:
                self._fast_counters.remove(counter)
            self._write_fast(counter, None, 0, 0)
        if enc not in instrument.python_registers:
            instrument.python_registers.add(enc)
            # Blocks already seen have no hook on this encoding: forget them (their next run is a
            # first run again, which hooks it) and drop their translations.
            self.processor.counter.settle(self.cpu.pc)
            self.processor.counter.forget_blocks()
            self.uc.ctl_remove_cache(virt.RAM_BASE, virt.RAM_BASE + self.ram_size)

    # -- the Platform the processor asks -------------------------------------------------------
    def route_call(self, kind: str, imm16: int) -> CallRoute:
        """SMC is the PSCI conduit when the run starts at EL2 (the firmware plays EL3); without
        EL2 software there is no EL3 either and SMC is UNDEFINED. HVC is the conduit when no
        software owns EL2 (--el 1); under a Python EL2 it exits to the hypervisor, which answers PSCI."""
        if kind == self.psci_conduit and not (kind == "hvc" and self.hypervisor is not None):
            self.answer_psci()
            return CallRoute.ANSWERED
        if kind == "smc":
            return CallRoute.UNDEFINED
        return CallRoute.ARCHITECTURAL

    def el2_exit(self, exit: GuestExit) -> bool:
        if self.hypervisor is None:
            return False
        write_exit_registers(self.cpu, exit)
        self.events.publish("hyp.exit", self.processor.insns, kind=exit.kind.name, esr=exit.esr, elr=exit.elr)
        self.hypervisor.handle_exit(exit)
        self.processor.rearm()  # the hypervisor may have changed counters, ELs and deadlines
        return True

    def semihosting_call(self) -> None:
        cpu = self.cpu
        try:
            out = semihosting.call(cpu.x(0) & 0xFFFF_FFFF, cpu.x(1), lambda a, n: bytes(self.uc.mem_read(a, n)))
        except UcError:
            out = semihosting.Outcome(x0=0xFFFF_FFFF_FFFF_FFFF)
        self.events.publish("semihosting.call", self.processor.insns, op=cpu.x(0) & 0xFFFF_FFFF)
        if out.output:
            self._console_write(out.output)
        if out.exit_status is not None:
            self._finish_with(out.exit_status, "semihosting-exit")
            return
        if out.x0 is not None:
            cpu.set_x(0, out.x0)
        cpu.pc = cpu.pc + 4

    def system_register(self, ctx: syn.Context, insn: decode.SysInsn, value: int) -> router.Outcome:
        """An access to a register emulated in Python, through the sysreg router; at EL1 with
        HCR_EL2.IMO set, the ICC_* Group 1 registers are the virtual interface's ICV_* view.
        Publishes `sysreg.access` (name, access, value, el, decision) when the stream has listeners."""
        outcome = self._system_register(ctx, insn, value)
        if self.events.active:
            virtual = bool(ctx.el == 1 and ctx.hcr & HCR_IMO
                           and insn.encoding in (self._icv_reads if insn.is_read else self._icv_writes))
            reg = self.sysregs.get(insn.encoding)
            if reg is not None:
                name = "ICV_" + reg.name[4:] if virtual and reg.name.startswith("ICC_") else reg.name
            else:
                from emu.arch.sysregs import name as encoding_name
                name = encoding_name(insn.encoding)
            ok = outcome.decision is Decision.OK
            self.events.publish("sysreg.access", self.processor.insns, name=name,
                                access="read" if insn.is_read else "write",
                                value=(outcome.value if ok else None) if insn.is_read else value,
                                el=ctx.el, decision=outcome.decision.name)
        return outcome

    def _system_register(self, ctx: syn.Context, insn: decode.SysInsn, value: int) -> router.Outcome:
        if ctx.el == 1 and ctx.hcr & (HCR_IMO | HCR_FMO) and icv.trapped(self.vcpuif.hcr, insn.encoding, insn.is_read):
            return router.Outcome(Decision.TRAP_EL2)
        if ctx.el == 1 and ctx.hcr & HCR_IMO:
            if insn.is_read and insn.encoding in self._icv_reads:
                return router.Outcome(Decision.OK, self._icv_reads[insn.encoding]() & 0xFFFF_FFFF_FFFF_FFFF)
            if not insn.is_read and insn.encoding in self._icv_writes:
                self._icv_writes[insn.encoding](value)
                return router.Outcome(Decision.OK)
        access = AccessContext(ctx.el, insn.is_read, ctx.hcr, self.pmu.mdcr_el2)
        outcome = router.access(self.sysregs, insn.encoding, access, value)
        if insn.encoding in self._pmu_encodings:
            self._publish_counters(ctx.hcr)  # the access may have synced or changed the PMU
            if not insn.is_read and outcome.decision is Decision.OK:
                reg = self.sysregs.get(insn.encoding)
                self.events.publish("pmu.write", self.processor.insns, register=reg.name if reg else "?", value=value,
                                    el=ctx.el)
        return outcome

    def _observe_devices(self) -> None:
        """Wire the devices' observers to the event stream: `irq.line` (the GIC's inputs and the
        core's nIRQ, nFIQ, nVIRQ), `gic.ack` / `gic.eoi` / `gic.deactivate` / `gic.active`, and
        `pmu.overflow` (counter bits, bit 31 the cycle counter). Done when the first listener
        subscribes, so that a stream nobody reads costs the devices nothing."""
        events, processor = self.events, self.processor

        def gic_event(kind: str, **fields: object) -> None:
            if kind == "line":
                events.publish("irq.line", processor.insns, name=f"gic.intid{fields['intid']}", **fields)
            else:
                events.publish("gic." + kind, processor.insns, **fields)

        def core_line(line: IrqLine) -> None:
            line.connect(lambda level: events.publish("irq.line", processor.insns, name=line.name, level=level))

        self.gic.observer = gic_event
        for line in (processor.irq, processor.fiq, processor.virq):
            core_line(line)
        self.pmu.overflow_listeners.append(
            lambda counters: events.publish("pmu.overflow", processor.insns, counters=counters, cycle=self.time.cycles()))

    def _watches(self) -> list[tuple[int, int, int]]:
        """Bring the PMU and the timers up to date (flagging what was reached), then say how far
        each counter is from its next overflow and how far the next timer event is."""
        self.pmu.sync()
        self._publish_counters(self.processor.hcr())
        watches = [(w.event, w.el_mask, w.remaining) for w in self.pmu.watches()]
        for source in self.extra_watches:
            watches.extend(source())
        deadline = self.timer.next_deadline_cycles()
        if self._timer_ctls:  # also where a natively read ISTATUS flips (a masked timer's too)
            flip = self.timer.next_status_cycles(self._timer_ctls.values())
            if flip is not None and (deadline is None or flip < deadline):
                deadline = flip
        if deadline is not None:
            event = Event.INST_RETIRED if self._time_slot == SLOTS[Event.INST_RETIRED] else Event.CPU_CYCLES
            watches.append((int(event), 0b111, max(1, deadline - self.time.cycles())))
        return watches

    def spend(self, el: int, cycles: int) -> None:
        """Time passes at `el` with no instruction retiring (a phase of a Python EL2): `cycles`
        CPU cycles are charged there, and the PMU and the timers are brought up to date, so a
        counter that counts at `el` can overflow (and raise its interrupt) in the middle of it."""
        if cycles <= 0:
            return
        self.processor.counter.charge(el, SLOTS[Event.CPU_CYCLES], cycles)
        self.pmu.sync()
        for sync in self.extra_syncs:
            sync()
        self._publish_counters(self.processor.hcr())
        self.timer.update()

    def _sleep(self) -> bool:
        """WFI with nothing pending: let time jump to the next timer event, if there is one."""
        deadline = self.timer.next_deadline_cycles()
        if deadline is None:
            return False
        self.time.idle += max(0, deadline - self.time.cycles())
        self.timer.update()
        self._publish_counters(self.processor.hcr())  # the counter views include the idle cycles
        return True

    def _publish_counters(self, hcr: int) -> None:
        """Refresh the native hook's view of each counter (right after a sync): the value, the
        totals it was synced at, and at which ELs an MRS of it is allowed (else Python decides)."""
        pmu = self.pmu
        for idx in self._fast_counters:
            view = pmu.fast_view(idx) if self.fast_counter_reads else None  # off: a debugger sees every MRS
            if view is None:
                self._write_fast(idx, None, 0, 0)
                continue
            reg = self.sysregs.get(pmevcntr_encoding(idx)) if idx != CYCLE else self.sysregs.by_name("PMCCNTR_EL0")
            assert reg is not None
            # The access checks read HCR_EL2, MDCR_EL2 and PMUSERENR_EL0 only.
            ok_els = self._read_els((idx, hcr, pmu.mdcr_el2, pmu.pmuserenr), reg, hcr)
            self._write_fast(idx, view, SLOTS[Event(view.event)] if view.el_mask else 0, ok_els)
        if self._timer_counters:
            self._publish_timer_counters(hcr)
        if self._timer_ctls:
            self._publish_timer_ctls(hcr)

    def _publish_timer_counters(self, hcr: int) -> None:
        """The native hook's view of CNTPCT_EL0 and CNTVCT_EL0: the count now, counting on with
        the time source's event at every EL (see GenericTimer.counter_view); an MRS of them at an
        EL where the timer's access check says OK is answered natively, else by Python."""
        timer, time = self.timer, self.time
        # A view taken later only re-bases the same function of the totals (value + events since
        # base), so nothing needs writing unless what shapes it changed: the virtual offset, the
        # cycles slept in WFI, the access rules' inputs, or a debugger's switch.
        key = (self.fast_counter_reads, timer.virtual_offset(), time.idle, hcr, timer.cntkctl, timer.cnthctl)
        if key == self._timer_counters_key:
            return
        self._timer_counters_key = key
        totals = self.processor.counter.state.totals
        slot = self._time_slot
        base = (int(totals[0][slot]), int(totals[1][slot]), int(totals[2][slot]))
        for idx, virtual in self._timer_counters.items():
            view = timer.counter_view(virtual, int(time.event), base) if self.fast_counter_reads else None
            if view is None:
                self._write_fast(idx, None, 0, 0)
                continue
            self._write_fast(idx, view, slot, self._timer_read_els(idx, TIMER_FAST_COUNTERS[idx], hcr))

    def _publish_timer_ctls(self, hcr: int) -> None:
        """The native hook's view of CNTP_CTL_EL0 and CNTV_CTL_EL0: a constant (EL mask 0), the
        register as an MRS reads it now. Valid until a timer register write (a Python MSR, which
        re-arms and so republishes) or the next ISTATUS flip (a watch in _watches stops the run
        exactly there); an MRS at an EL where the access check is not OK goes to Python."""
        for idx, t in self._timer_ctls.items():
            if not self.fast_counter_reads:
                self._write_fast(idx, None, 0, 0)
                continue
            constant = FastView(0, 0, self.timer.ctl_value(t), (0, 0, 0), 0, 0, MASK64)
            self._write_fast(idx, constant, 0, self._timer_read_els(idx, TIMER_FAST_CTLS[idx], hcr))

    def _write_fast(self, idx: int, view: FastView | None, slot: int, ok_els: int) -> None:
        """One native fast-counter entry (None: Python answers every MRS), written only when it
        changed: between two syncs most do not (a counter not counting, a timer's CTL)."""
        key = (view, slot, ok_els)
        if self._fast_written.get(idx) == key:
            return
        self._fast_written[idx] = key
        entry = self.processor.counter.state.fast[idx]
        if view is None:
            entry.ok_els = 0
        else:
            _load_fast_entry(entry, view, slot, ok_els)

    def _timer_read_els(self, idx: int, name: str, hcr: int) -> int:
        """At which ELs an MRS of the timer register `name` is allowed now; its access check
        reads CNTKCTL_EL1, CNTHCTL_EL2 and (for a trap's target) HCR_EL2."""
        timer = self.timer
        return self._read_els((idx, hcr, timer.cntkctl, timer.cnthctl), self.sysregs.by_name(name), hcr)

    def _read_els(self, key: tuple[int, int, int, int], reg: SysReg, hcr: int) -> int:
        """At which ELs (bit n: ELn) a read of `reg` is allowed, cached under `key`: the fast
        index and the register values its access check reads."""
        ok_els = self._ok_els.get(key)
        if ok_els is None:
            ok_els = self._ok_els[key] = sum(
                1 << el for el in (0, 1, 2) if reg.access(AccessContext(el, True, hcr, self.pmu.mdcr_el2)) is Decision.OK)
        return ok_els

    # -- firmware services ---------------------------------------------------------------------
    def is_psci_call(self) -> bool:
        """Whether X0 holds a PSCI function ID (SMCCC service "standard secure", 0x84/0xC4 0000 xx)."""
        fid = self.cpu.x(0) & 0xFFFF_FFFF
        return fid & 0xBFFF_FF00 == 0x8400_0000

    def answer_psci(self) -> None:
        """Perform the PSCI call in X0-X3 as the firmware would, then return after the call."""
        cpu = self.cpu
        result = psci.call(cpu.x(0), cpu.x(1), cpu.x(2), cpu.x(3))
        self.events.publish("psci.call", self.processor.insns, function=cpu.x(0) & 0xFFFF_FFFF, action=result.action.value)
        if result.action is psci.Action.RETURN or result.action is psci.Action.SUSPEND:
            cpu.set_x(0, result.value)
        elif result.action is psci.Action.SYSTEM_OFF:
            self._finish_with(0, "system-off")
        elif result.action is psci.Action.SYSTEM_RESET:
            if self.no_reboot:
                self._finish_with(0, "system-reset")
            else:
                self._reset_requested = True
                self.processor.halt()
        else:
            self.processor.fail(GuestHalted(self.processor.report("the guest turned its only CPU off with PSCI CPU_OFF.")))

    def _console_write(self, data: bytes) -> None:
        self.console += data
        if self._console_sink is not None:
            self._console_sink(data)


def _load_fast_entry(entry: FastCounter, view: FastView, slot: int, ok_els: int) -> None:
    """Write one native fast-counter entry: value + ((events of `slot` at the ELs of the view
    since its base) + prescale) >> shift, masked; answered natively at the ELs of `ok_els`."""
    entry.ok_els, entry.slot = ok_els, slot
    entry.el_mask, entry.value, entry.shift = view.el_mask, view.value, view.shift
    entry.base[0], entry.base[1], entry.base[2] = view.base
    entry.prescale, entry.mask = view.prescale, view.mask


def console_to_stdout(data: bytes) -> None:
    """The CLI's console: bytes to standard output, unbuffered."""
    sys.stdout.buffer.write(data)
    sys.stdout.buffer.flush()


__all__ = ["Machine", "RunResult", "DEFAULT_MAX_INSNS", "console_to_stdout"]
