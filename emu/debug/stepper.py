"""Stepping a Machine: run to the next instruction, phase, EL change, exception, system-register
access, address, or for N instructions or cycles, and report each stop.

The machine runs in a worker thread; every place where a stop can happen (a deadline after an
instruction, a code hook before one, an event of the stream, the watch source asked at every
re-arm) calls `_point`, which pauses the worker there when the current target says so and
hands a `StopReport` to the controlling thread. While the worker is paused the controller may
read (and write) anything in the machine: registers, memory, the PMU and the GIC. A world-switch
phase is a stop inside the Python hypervisor, between two of its phases.
"""

from __future__ import annotations

import queue
import struct
import threading
from dataclasses import dataclass, field
from typing import Any

from capstone import CS_ARCH_ARM64, CS_MODE_ARM, Cs
from unicorn import UC_HOOK_BLOCK, UC_HOOK_CODE

from emu.arch import decode
from emu.arch import pstate as ps
from emu.arch.pmuv3 import Event as PmuEvent
from emu.arch.sysregs import Encoding
from emu.core.watch import Watch, WatchHit
from emu.errors import EmuError, UsageError
from emu.events import Event
from emu.machine import Machine

REGISTERS = tuple(f"x{n}" for n in range(31)) + ("sp", "pc", "cpsr")


@dataclass
class StopReport:
    """Where the machine stopped and why. `changed` maps each register whose value changed since
    the previous stop to (old, new)."""

    reason: str  # entry, step, insns, cycles, breakpoint, watchpoint, address, phase, el, exception, sysreg,
    #              interrupt, exit, error
    pc: int
    el: int
    insns: int
    cycles: int
    disasm: str
    changed: dict[str, tuple[int, int]] = field(default_factory=dict)
    detail: str = ""  # the phase, the exception, the register, the exit status...
    exit_status: int | None = None
    watch: WatchHit | None = None  # a watchpoint stop: the access (its instruction has not run)

    def describe(self) -> str:
        head = f"[{self.reason}{': ' + self.detail if self.detail else ''}]"
        if self.reason in ("exit", "error"):
            return head
        lines = [f"{head} EL{self.el} pc=0x{self.pc:x}  {self.disasm}  (insns {self.insns}, cycles {self.cycles})"]
        for name, (old, new) in self.changed.items():
            lines.append(f"    {name:<4} 0x{old:016x} -> 0x{new:016x}")
        return "\n".join(lines)


@dataclass
class _Target:
    kind: str  # step, insns, cycles, cont, phase, el, exception, sysreg, address
    until_insns: int | None = None
    until_cycles: int | None = None
    el: int | None = None
    encoding: Encoding | None = None
    address: int | None = None


class _Finished(Exception):
    pass


class Stepper:
    """Drive `machine` (image loaded) stop by stop. `start()` returns the stop at the entry
    point, before the first instruction; then one method per kind of run."""

    def __init__(self, machine: Machine, *, max_insns: int = 1_000_000_000) -> None:
        self.machine = machine
        self.max_insns = max_insns
        self.breakpoints: set[int] = set()
        self._hooks: dict[int, int] = {}
        self._target = _Target("step")
        self._to_controller: queue.Queue[StopReport] = queue.Queue()
        self._to_worker: queue.Queue[_Target | None] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._regs = self._read_regs()
        self._disasm = Cs(CS_ARCH_ARM64, CS_MODE_ARM)
        self._interrupt = False
        self._finished = False
        self._dynamic_hooks: list[int] = []
        self._el_at_start = 0
        self._in_python_el2 = False  # inside a Python EL2's handling of an exit (the core shows the guest's EL)
        self._skip_at: tuple[int, int] | None = None  # (pc, retired) of the instruction a stop was made before
        self.last: StopReport | None = None
        machine.events.subscribe(self._on_event)
        machine.extra_watches.append(self._watch_point)
        machine.processor.before_system_access = self._before_access

    # -- the controller's side ---------------------------------------------------------------------
    def start(self) -> StopReport:
        if self._thread is not None:
            raise UsageError("the stepper has already started")
        self._thread = threading.Thread(target=self._worker, name="emu-stepper", daemon=True)
        self._thread.start()
        return self._wait()

    def step(self, n: int = 1) -> StopReport:
        """Exactly `n` instructions (breakpoints on the way stop it earlier)."""
        return self._resume(_Target("step", until_insns=self.machine.processor.insns + max(1, n)))

    def run_insns(self, n: int) -> StopReport:
        return self._resume(_Target("insns", until_insns=self.machine.processor.insns + max(1, n)))

    def run_cycles(self, n: int) -> StopReport:
        return self._resume(_Target("cycles", until_cycles=self.machine.time.cycles() + max(1, n)))

    def cont(self) -> StopReport:
        """Until a breakpoint, the end of the run, or `interrupt()`."""
        return self._resume(_Target("cont"))

    def until_phase(self) -> StopReport:
        """Until the next world-switch phase of a Python EL2 (emu.hyp.world) has run."""
        return self._resume(_Target("phase"))

    def until_el_change(self) -> StopReport:
        return self._resume(_Target("el", el=self.machine.cpu.el))

    def until_exception(self) -> StopReport:
        """Until an exception or interrupt is taken (or reaches a Python EL2)."""
        return self._resume(_Target("exception"))

    def until_sysreg(self, register: str | Encoding) -> StopReport:
        """Until an MRS/MSR of `register` (a name emu knows, S<op0>_<op1>_C<n>_C<m>_<op2>, or an
        encoding) is about to execute."""
        return self._resume(_Target("sysreg", encoding=self.encoding_of(register)))

    def until_address(self, address: int) -> StopReport:
        return self._resume(_Target("address", address=address))

    def add_breakpoint(self, address: int) -> None:
        if address in self.breakpoints:
            return
        self.breakpoints.add(address)
        self._hooks[address] = self.machine.uc.hook_add(UC_HOOK_CODE, self._on_code, None, address, address)

    def remove_breakpoint(self, address: int) -> None:
        self.breakpoints.discard(address)
        hook = self._hooks.pop(address, None)
        if hook is not None:
            self.machine.uc.hook_del(hook)

    def add_watchpoint(self, address: int, length: int, kind: str = "write") -> None:
        """Stop before an instruction that writes (`write`), reads (`read`) or accesses
        (`access`) any of `length` bytes of RAM at physical `address` (emu.core.watch)."""
        self.machine.processor.watchpoints(self.machine.ram).add(address, length, kind)

    def remove_watchpoint(self, address: int, length: int, kind: str = "write") -> bool:
        watch = self.machine.processor.data_watch
        return watch is not None and watch.remove(address, length, kind)

    @property
    def watchpoints(self) -> list[Watch]:
        watch = self.machine.processor.data_watch
        return [] if watch is None else list(watch.watches)

    def interrupt(self) -> None:
        """From any thread, while running: stop at the next instruction boundary Unicorn checks."""
        self._interrupt = True
        self.machine.processor.request_stop()

    def close(self) -> None:
        if self._thread is not None and self._thread.is_alive() and not self._finished:
            self._to_worker.put(None)
            self._thread.join(timeout=5)

    @property
    def finished(self) -> bool:
        return self._finished

    # -- reading state -----------------------------------------------------------------------------
    def registers(self) -> dict[str, int]:
        return self._read_regs()

    def _known(self) -> dict[str, Encoding]:
        """Register names the stepper understands: Python's registers and Unicorn's EL1/EL2 ones."""
        from emu.arch.sysregs import VM_CONTROL_REGISTERS
        from emu.hyp.context import EL1_SYSREGS
        known = {n: e for n, e in EL1_SYSREGS} | {n: e for e, n in VM_CONTROL_REGISTERS.items()}
        known.update({"HCR_EL2": (3, 4, 1, 1, 0), "VBAR_EL2": (3, 4, 12, 0, 0), "SCTLR_EL2": (3, 4, 1, 0, 0),
                      "ELR_EL2": (3, 4, 4, 0, 1), "SPSR_EL2": (3, 4, 4, 0, 0), "ESR_EL2": (3, 4, 5, 2, 0),
                      "FAR_EL2": (3, 4, 6, 0, 0), "MDCR_EL2": (3, 4, 1, 1, 1), "CPTR_EL2": (3, 4, 1, 1, 2)})
        known.update({r.name: r.encoding for r in self.machine.sysregs})
        return known

    def encoding_of(self, register: str | Encoding) -> Encoding:
        if isinstance(register, tuple):
            return register
        name = register.upper()
        known = self._known()
        if name in known:
            return known[name]
        parts = name.split("_")
        if len(parts) == 5 and parts[0].startswith("S") and parts[2].startswith("C") and parts[3].startswith("C"):
            try:
                return (int(parts[0][1:]), int(parts[1]), int(parts[2][1:]), int(parts[3][1:]), int(parts[4]))
            except ValueError:
                pass
        raise UsageError(f"unknown system register {register!r}: use an architectural name emu knows or "
                         "S<op0>_<op1>_C<n>_C<m>_<op2>")

    # -- the worker's side -------------------------------------------------------------------------
    def _worker(self) -> None:
        m = self.machine
        try:
            self._point("entry")
            result = m.run(self.max_insns)
            self._finished = True
            self._to_controller.put(self._report("exit", f"exit status {result.exit_status} ({result.reason})",
                                                 exit_status=result.exit_status))
        except _Finished:
            self._finished = True
        except EmuError as err:
            self._finished = True
            self._to_controller.put(self._report("error", err.report(), exit_status=err.exit_status))
        except Exception as err:  # a bug: report, never hang the controller
            self._finished = True
            self._to_controller.put(self._report("error", f"emu: internal error: {type(err).__name__}: {err}",
                                                 exit_status=70))

    def _resume(self, target: _Target) -> StopReport:
        if self._thread is None:
            raise UsageError("start() the stepper first")
        if self._finished:
            assert self.last is not None
            return self.last
        self._to_worker.put(target)
        return self._wait()

    def _wait(self) -> StopReport:
        while True:
            try:
                report = self._to_controller.get()
                break
            except KeyboardInterrupt:  # Ctrl-C while the guest runs: stop it where it is
                self.interrupt()
        self.last = report
        return report

    def _point(self, reason: str, detail: str = "", watch: WatchHit | None = None) -> None:
        """Pause here: report the stop, wait for the next target (None: abandon the run)."""
        report = self._report(reason, detail)
        report.watch = watch
        self._to_controller.put(report)
        target = self._to_worker.get()
        if target is None:
            raise _Finished
        self._arm(target)

    def _arm(self, target: _Target) -> None:
        m = self.machine
        for hook in self._dynamic_hooks:
            m.uc.hook_del(hook)
        self._dynamic_hooks = []
        self._target = target
        self._interrupt = False
        if target.until_insns is not None:
            when = target.until_insns
            m.deadlines.at(when, lambda: self._at_count(when))
        if target.kind == "el":
            self._el_at_start = m.cpu.el
            self._dynamic_hooks.append(m.uc.hook_add(UC_HOOK_BLOCK, self._on_block))
        elif target.kind == "sysreg":
            self._dynamic_hooks.append(m.uc.hook_add(UC_HOOK_CODE, self._on_sysreg_code))
        elif target.kind == "address":
            assert target.address is not None
            self._dynamic_hooks.append(m.uc.hook_add(UC_HOOK_CODE, self._on_address, None, target.address,
                                                     target.address))
        m.fast_counter_reads = target.kind != "sysreg"  # counter MRS through Python, where we see them
        m.processor.rearm()  # the watch source (cycles, interrupt) is asked again

    def _report(self, reason: str, detail: str = "", exit_status: int | None = None) -> StopReport:
        m = self.machine
        regs = self._read_regs()
        changed = {name: (self._regs[name], value) for name, value in regs.items() if self._regs[name] != value}
        self._regs = regs
        pc = m.cpu.pc
        el = 2 if self._in_python_el2 else m.cpu.el
        return StopReport(reason, pc, el, m.processor.insns, m.time.cycles(), self._disassemble(pc), changed,
                          detail, exit_status)

    def _read_regs(self) -> dict[str, int]:
        cpu = self.machine.cpu
        regs = {f"x{n}": cpu.x(n) for n in range(31)}
        regs["sp"], regs["pc"], regs["cpsr"] = cpu.sp, cpu.pc, cpu.pstate
        return regs

    def _disassemble(self, pc: int) -> str:
        word = self.machine.cpu.read_u32(pc)
        if word is None:
            return "(nothing mapped)"
        found = list(self._disasm.disasm(struct.pack("<I", word), pc, 1))
        return f"{found[0].mnemonic} {found[0].op_str}".strip() if found else f".word 0x{word:08x}"

    # -- the places where a stop can happen --------------------------------------------------------------
    def _at_count(self, when: int) -> None:
        if self._target.until_insns == when:
            self._point("step" if self._target.kind == "step" else "insns")

    def _retired_before(self, address: int) -> int:
        state = self.machine.processor.counter.state
        return int(state.insns - state.block_insns + (address - state.block_start) // 4)

    def _skip(self, address: int) -> bool:
        """Whether hooks at `address` stand down: for the execution of the instruction a stop
        was made before (in the pass the stop abandoned and in the one that runs it), known by
        its address and the count of instructions retired before it."""
        return self._skip_at == (address, self._retired_before(address))

    def _on_code(self, _uc: Any, address: int, _size: int, _ud: Any) -> None:
        if address in self.breakpoints and not self._skip(address):
            self._pause_in_hook("breakpoint", f"0x{address:x}", address)

    def _on_address(self, _uc: Any, address: int, _size: int, _ud: Any) -> None:
        if self._target.kind == "address" and not self._skip(address):
            self._pause_in_hook("address", f"0x{address:x}", address)

    def _on_sysreg_code(self, _uc: Any, address: int, _size: int, _ud: Any) -> None:
        if self._skip(address):
            return
        word = self.machine.cpu.read_u32(address)
        insn = decode.system_insn(word) if word is not None else None
        if insn is not None and insn.encoding == self._target.encoding:
            self._pause_at_access(address, insn)

    def _before_access(self, pc: int, insn: decode.SysInsn) -> bool:
        """Before a Python system register's access is performed (its hook runs before ours)."""
        if self._skip(pc):
            return False
        if self._target.kind == "sysreg" and insn.encoding == self._target.encoding:
            self._pause_at_access(pc, insn)
            return True
        if pc in self.breakpoints:
            self._pause_in_hook("breakpoint", f"0x{pc:x}", pc)
            return True
        if self._target.kind == "address" and self._target.address == pc:
            self._pause_in_hook("address", f"0x{pc:x}", pc)
            return True
        return False

    def _pause_at_access(self, pc: int, insn: decode.SysInsn) -> None:
        op = "MRS" if insn.is_read else "MSR"
        self._pause_in_hook("sysreg", f"{op} {self._name_of(insn.encoding)}", pc)

    def _name_of(self, enc: Encoding) -> str:
        found = next((n for n, e in self._known().items() if e == enc), None)
        if found is not None:
            return found
        from emu.arch.sysregs import name
        return name(enc)

    def _on_block(self, _uc: Any, address: int, _size: int, _ud: Any) -> None:
        el = ps.el_of(self.machine.cpu.pstate)
        if self._target.kind == "el" and el != self._el_at_start and not self._skip(address):
            self._pause_in_hook("el", f"EL{self._el_at_start} -> EL{el}", address)

    def _pause_in_hook(self, reason: str, detail: str, pc: int) -> None:
        """A stop before the instruction at `pc`, from a hook inside a block: the block is
        charged whole at its start, so take back its part from `pc` on, stop, and restart the
        run at `pc` as a new block; hooks there stand down for this pass and the next."""
        processor = self.machine.processor
        processor.restart_at(pc)
        self._skip_at = (pc, int(processor.counter.state.insns))
        self._point(reason, detail)

    def _on_event(self, event: Event) -> None:
        if event.name == "hyp.exit":
            self._in_python_el2 = True
        elif event.name == "hyp.world" and event.fields["world"] in ("guest", "host"):
            self._in_python_el2 = False
        kind = self._target.kind
        if kind == "phase" and event.name == "hyp.phase_end":
            self._point("phase", event.fields["phase"])
        elif kind == "exception" and event.name in ("exception.taken", "hyp.exit"):
            what = event.fields["taken"].describe() if "taken" in event.fields else _python_el2_exit(event.fields)
            self._point("exception", what)
        elif kind == "el" and event.name == "exception.taken":
            taken = event.fields["taken"]
            if taken.target_el != self._el_at_start:
                self._point("el", f"EL{taken.from_el} -> EL{taken.target_el} ({taken.kind.name})")
        elif kind == "el" and event.name == "hyp.exit":
            self._point("el", f"EL{self.machine.cpu.el} -> EL2 (the Python EL2: {event.fields['kind']})")
        elif kind == "el" and event.name == "hyp.world" and event.fields["world"] in ("guest", "host"):
            self._point("el", f"EL2 -> EL1 ({event.fields['world']})")

    def _watch_point(self) -> list[tuple[int, int, int]]:
        """Asked at every re-arm: an interrupt request or a cycle target reached pauses here;
        the cycle target also is a watch, so the run stops right after the instruction that
        reaches it."""
        if self._interrupt:
            self._interrupt = False
            self._point("interrupt")
        hit = self.machine.processor.watch_hit
        if hit is not None:
            self.machine.processor.watch_hit = None
            access = "write" if hit.is_write else "read"
            self._point("watchpoint", f"{access} of 0x{hit.address:x} ({hit.watch.kind} watch on "
                                      f"{hit.watch.length} byte(s) at 0x{hit.watch.address:x})", hit)
        until = self._target.until_cycles
        if until is None:
            return []
        now = self.machine.time.cycles()
        if now >= until:
            self._target.until_cycles = None
            self._point("cycles")
            return []
        return [(int(PmuEvent.CPU_CYCLES), 0b111, until - now)]


def _python_el2_exit(fields: dict[str, Any]) -> str:
    esr = fields.get("esr")
    syndrome = f" ESR=0x{esr:08x}" if esr is not None else ""
    return f"{fields['kind']}{syndrome} to the Python EL2 at ELR=0x{fields['elr']:x}"


def pmu_state(machine: Machine) -> str:
    """The PMU at a glance: controls, overflow and interrupt bits, every counter."""
    p = machine.pmu
    p.sync()
    lines = [f"PMCR_EL0=0x{p.pmcr:x} PMCNTENSET=0x{p.pmcntenset:x} PMINTENSET=0x{p.pmintenset:x} "
             f"PMOVSSET=0x{p.pmovsset:x} MDCR_EL2=0x{p.mdcr_el2:x} irq={'high' if p.irq_level() else 'low'}",
             f"PMCCNTR_EL0=0x{p.pmccntr:016x} PMCCFILTR_EL0=0x{p.pmccfiltr:08x}"]
    for i in range(p.n):
        lines.append(f"PMEVCNTR{i}_EL0=0x{p.pmevcntr[i]:08x} PMEVTYPER{i}_EL0=0x{p.pmevtyper[i]:08x}")
    return "\n".join(lines)


def gic_state(machine: Machine) -> str:
    from emu.gic.view import format_state
    return format_state(machine.gic, machine.cpuif, machine.vcpuif)


__all__ = ["Stepper", "StopReport", "REGISTERS", "pmu_state", "gic_state"]
