"""Machine: the public facade. Builds the `virt` board around one core and runs it.

    from emu.board.loader import load_image
    m = Machine(el=2)
    m.load(load_image("asm/hello.S"))
    result = m.run()          # RunResult(exit_status=0, reason='system-off', ...)

The run loop lets Unicorn execute "instructions until the next event": the native block hook
stops it before a block that would cross the instruction budget or the next deadline, before a
block where a pending interrupt is unmasked, and before a block at a misaligned PC. Synchronous
exceptions arrive in UC_HOOK_INTR (or as an unmapped-access error) and are taken architecturally
without leaving the loop.
"""

from __future__ import annotations

import struct
import sys
from dataclasses import dataclass
from typing import Callable

from capstone import CS_ARCH_ARM64, CS_MODE_ARM, Cs
from unicorn import (
    UC_HOOK_INSN, UC_HOOK_INTR, UC_HOOK_MEM_UNMAPPED, UC_MEM_FETCH_UNMAPPED, UC_MEM_WRITE_UNMAPPED, Uc, UcError,
)
from unicorn.arm64_const import UC_ARM64_INS_MSR

from emu.arch import decode
from emu.arch import pstate as ps
from emu.arch import sysregs as sr
from emu.arch.esr import EC
from emu.board import devicetree, psci, semihosting, virt
from emu.board.loader import Image
from emu.board.pl011 import PL011
from emu.bus import Bus
from emu.core import syndromes as syn
from emu.core.alignment import SpAlignmentChecker
from emu.core.cpu import Cpu
from emu.core.exceptions import Kind, Taken, interrupt_taken, physical_interrupt_target, take_exception
from emu.errors import (
    AArch32Unsupported, BudgetExhausted, EmuError, ExceptionLoop, GuestHalted, ImageDoesNotFit, InternalError,
    UsageError,
)
from emu.events import EventStream
from emu.hyp import GuestExit, Hypervisor
from emu.irq import IrqLine
from emu.sched.deadlines import NEVER, Deadlines
from emu.timing.native import BlockCounter, StopReason

DEFAULT_MAX_INSNS = 1_000_000_000
UNTIL = 0xFFFF_FFFF_FFFF_FFFF  # an odd address: never a PC, so Unicorn never stops on it by itself
LOOP_REPEATS = 3  # the same exception this many times with no instruction retired: a loop
# An MSR to SPSR_ELx at these ELs always takes effect (SPSR_EL1 from EL1 and EL2, SPSR_EL2 at EL2).
_SPSR_AT_OWN_EL = {(sr.SPSR_EL1, 1), (sr.SPSR_EL1, 2), (sr.SPSR_EL2, 2)}


@dataclass(frozen=True)
class RunResult:
    exit_status: int
    reason: str  # "system-off", "system-reset", "semihosting-exit"
    insns: int
    console: bytes


@dataclass
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
    ) -> None:
        if el not in (1, 2):
            raise UsageError(f"--el must be 1 or 2, not {el}")
        if not 1 <= ram_mib <= virt.MAX_RAM_MIB:
            raise UsageError(f"--ram must be between 1 and {virt.MAX_RAM_MIB} MiB, not {ram_mib}")
        self.ram_size = ram_mib << 20
        self.hypervisor = hypervisor
        self.el2_present = el == 2 or hypervisor is not None
        self.start_el = 1 if hypervisor is not None else el
        # PSCI conduit (PLATFORM.md): SMC when the run starts at EL2, HVC when nothing owns EL2
        # (--el 1, as QEMU's virt without virtualization=on) or when the Python hypervisor does.
        self.psci_conduit = "smc" if self.start_el == 2 else "hvc"
        self.no_reboot = no_reboot
        self.dtb_address = devicetree.dtb_address(self.ram_size)
        self.dtb = devicetree.build(self.ram_size, psci_conduit=self.psci_conduit, bootargs=bootargs)
        self.console = bytearray()
        self._console_sink = console
        self.events = EventStream()
        self.deadlines = Deadlines()
        self.irq = IrqLine("nIRQ")
        self.fiq = IrqLine("nFIQ")
        self.cpu = Cpu()
        self.uc: Uc = self.cpu.uc
        self.uc.mem_map(virt.RAM_BASE, self.ram_size)
        self.bus = Bus(self.uc)
        self.uart = PL011(self._console_write)
        self.bus.attach(virt.UART0_BASE, virt.UART0_SIZE, "pl011", self.uart)
        self.sp_alignment = SpAlignmentChecker(self.uc, self._sp_alignment_fault)
        self.counter = BlockCounter(self.uc, self._on_new_block)
        self.uc.hook_add(UC_HOOK_INTR, self._on_intr)
        self.uc.hook_add(UC_HOOK_MEM_UNMAPPED, self._on_unmapped)
        self.uc.hook_add(UC_HOOK_INSN, self._on_msr, None, 1, 0, UC_ARM64_INS_MSR)
        self.irq.connect(lambda _level: self._update_take_mask())
        self.fiq.connect(lambda _level: self._update_take_mask())
        self._disasm = Cs(CS_ARCH_ARM64, CS_MODE_ARM)
        self._image: Image | None = None
        self._finish: _Finish | None = None
        self._error: EmuError | None = None
        self._fault: tuple[int, int] | None = None
        self._reset_requested = False
        self.last_exception: Taken | None = None
        self._loop_key: tuple[int, int, int] | None = None
        self._loop_repeats = 0
        self._loop_insns = -1
        if hypervisor is not None:
            hypervisor.attach(self)

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
        for addr, data in image.segments:
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
        self.cpu.reset(self._image.entry, self.start_el)
        self.cpu.set_x(0, self.dtb_address)
        if self.hypervisor is not None:
            self.hypervisor.reset()
        self._update_take_mask()
        self.events.publish("machine.reset", self.counter.insns, entry=self._image.entry, el=self.start_el)

    # -- running -------------------------------------------------------------------------------
    def run(self, max_insns: int = DEFAULT_MAX_INSNS) -> RunResult:
        """Run until the guest powers off or exits; raise an EmuError subclass on any other stop."""
        if self._image is None:
            raise UsageError("no image loaded")
        if max_insns <= 0:
            raise UsageError(f"--max-insns must be positive, not {max_insns}")
        self._finish = None
        self._error = None
        while True:
            self._run_slice(max_insns)
            if self._error is not None:
                raise self._error
            if self._finish is not None:
                return RunResult(self._finish.status, self._finish.reason, self.counter.insns, bytes(self.console))
            if self._reset_requested:
                self._reset_requested = False
                self.reset()

    def _run_slice(self, max_insns: int) -> None:
        next_deadline = self.deadlines.next_due()
        limit = min(max_insns, next_deadline)
        self.counter.state.limit = limit
        self._update_take_mask()
        try:
            self.uc.emu_start(self.cpu.pc, UNTIL, 0, 0)
        except UcError as err:
            if self._fault is None:
                raise InternalError(self._report(f"Unicorn stopped with {err}")) from None
            self._take_abort()
            return
        except EmuError as err:
            self._error = err
            return
        if self._error is not None or self._finish is not None or self._reset_requested:
            return
        reason = self.counter.take_stop_reason()
        if reason is StopReason.LIMIT:
            if limit == next_deadline and next_deadline != NEVER:
                for action in self.deadlines.pop_due(limit):
                    action()
            else:
                self._error = BudgetExhausted(self._report(
                    f"the guest did not power off within its budget of {max_insns} instructions "
                    f"({self.counter.insns} retired)."))
        elif reason is StopReason.IRQ:
            self._take_interrupt()
        elif reason is StopReason.PC_ALIGN:
            self._take_sync(syn.pc_alignment(self._context(), self.cpu.pc))
        elif reason is StopReason.NONE:
            self._after_wfx()

    def _after_wfx(self) -> None:
        """Unicorn returns on its own only after WFI/WFE halts the core: wake it (D1.6.2,
        "Wait for Interrupt": a pending interrupt wakes it even when masked)."""
        insn = self.cpu.read_u32(self.cpu.pc - 4)
        if insn == decode.WFE or self.irq.level or self.fiq.level:
            return
        if insn != decode.WFI:
            raise InternalError(self._report("Unicorn stopped for no reason the emulator knows."))
        self.events.publish("cpu.wfi", self.counter.insns, pc=self.cpu.pc - 4)
        wake = self.deadlines.pop_next()
        if wake is None:
            self._error = GuestHalted(self._report(
                "the guest executed WFI with no interrupt pending and no device left that could "
                "raise one, so it would sleep forever."))
            return
        wake()

    # -- interrupts ----------------------------------------------------------------------------
    def _hcr(self) -> int:
        return self.cpu.read_sysreg(sr.HCR_EL2) if self.el2_present else 0

    def _update_take_mask(self, hcr: int | None = None) -> None:
        """Tell the native hook at which (EL, PSTATE.I, PSTATE.F) a pending interrupt is taken."""
        hcr = self._hcr() if hcr is None else hcr
        mask = 0
        for line, kind in ((self.irq, Kind.IRQ), (self.fiq, Kind.FIQ)):
            if not line.level:
                continue
            target = physical_interrupt_target(kind, hcr, self.el2_present)
            for el in (0, 1, 2):
                for i in (0, 1):
                    for f in (0, 1):
                        if interrupt_taken(kind, target, el, bool(i if kind is Kind.IRQ else f)):
                            mask |= 1 << (el * 4 + i * 2 + f)
        self.counter.state.take_mask = mask

    def _take_interrupt(self) -> None:
        pstate = self.cpu.pstate
        el = ps.el_of(pstate)
        hcr = self._hcr()
        for line, kind, mask_bit in ((self.fiq, Kind.FIQ, ps.F), (self.irq, Kind.IRQ, ps.I)):
            if not line.level:
                continue
            target = physical_interrupt_target(kind, hcr, self.el2_present)
            if interrupt_taken(kind, target, el, bool(pstate & mask_bit)):
                self._enter(target, kind, self.cpu.pc, None, None)
                return

    # -- Unicorn hooks -------------------------------------------------------------------------
    def _context(self) -> syn.Context:
        pstate = self.cpu.pstate
        return syn.Context(ps.el_of(pstate), pstate, self._hcr(), self.el2_present)

    def _on_msr(self, _uc: Uc, _reg: int, cp: object, _ud: object) -> bool:
        """Every MSR (register) passes here before Unicorn performs or refuses it; the value is
        `cp.val`. Only writes that cannot be refused at the current EL are acted on."""
        enc = (cp.op0, cp.op1, cp.crn, cp.crm, cp.op2)  # type: ignore[attr-defined]
        el = self.cpu.el
        if enc == sr.HCR_EL2 and el == 2:
            self._update_take_mask(cp.val)  # type: ignore[attr-defined]
        elif (enc, el) in _SPSR_AT_OWN_EL and cp.val & ps.NRW:  # type: ignore[attr-defined]
            self._stop_with(AArch32Unsupported(self._report(
                f"the guest wrote SPSR with M[4] = 1 (0x{cp.val:x}) to return to AArch32 state; "  # type: ignore[attr-defined]
                "emu implements AArch64 only.")))
            return True
        return False

    def _on_intr(self, _uc: Uc, intno: int, _ud: object) -> None:
        try:
            self._dispatch(intno)
        except EmuError as err:
            self._stop_with(err)

    def _dispatch(self, intno: int) -> None:
        ctx = self._context()
        pc = self.cpu.pc
        if intno in (syn.EXCP_SWI, syn.EXCP_HVC, syn.EXCP_SMC):
            self.counter.unretire_tail(pc)
            kind, imm16 = decode.exception_generating(self.cpu.read_u32(pc - 4) or 0) or ("?", 0)
            if kind == "smc" and self.psci_conduit != "smc":
                self._take_sync(syn.undefined(ctx, pc - 4))  # no EL3 on the board without EL2 software
            elif kind == self.psci_conduit and not (kind == "hvc" and self.hypervisor is not None):
                self.answer_psci()
            elif kind in ("svc", "hvc", "smc"):
                self._take_sync(syn.call(ctx, kind, imm16, pc))
            else:
                raise InternalError(self._report(f"Unicorn reported exception {intno} after a non-call instruction."))
            return
        if intno in (syn.EXCP_UDEF, syn.EXCP_HYP_TRAP, syn.EXCP_BKPT):
            self.counter.unretire_tail(pc)
            self._take_sync(self._classify_refused(ctx, pc, intno))
            return
        if intno in (syn.EXCP_VIRQ, syn.EXCP_VFIQ):
            self._enter(1, Kind.IRQ if intno == syn.EXCP_VIRQ else Kind.FIQ, pc, None, None)
            return
        raise InternalError(self._report(f"Unicorn reported exception number {intno}, which emu does not model yet."))

    def _classify_refused(self, ctx: syn.Context, pc: int, intno: int) -> syn.Sync | None:
        """An instruction Unicorn refused to execute: decode it and apply the Arm ARM's rules."""
        if ctx.pstate & ps.IL:
            return syn.illegal_state(ctx, pc)
        insn = self.cpu.read_u32(pc)
        if insn is None:
            return syn.external_instruction_abort(ctx, pc)
        exc = decode.exception_generating(insn)
        if exc == ("hlt", semihosting.HLT_IMM) and ctx.el > 0:
            self._semihost()
            return None
        if exc is not None and exc[0] == "brk":
            return syn.breakpoint_insn(ctx, pc, exc[1])
        if exc is not None and exc[0] == "smc" and intno == syn.EXCP_HYP_TRAP:
            return syn.smc_trap(exc[1], pc)
        if insn in (decode.WFI, decode.WFE):
            sctlr = self.cpu.read_sysreg(sr.SCTLR_EL1)
            return syn.wfx_trap(ctx, pc, int(insn == decode.WFE), sctlr) or syn.undefined(ctx, pc)
        sys_insn = decode.system_insn(insn)
        if sys_insn is not None:
            return syn.system_access(ctx, pc, sys_insn)
        return syn.undefined(ctx, pc)

    def _on_new_block(self, address: int, size: int) -> bool:
        """First run of a block (from the native hook): let the translation-time checkers see it."""
        try:
            return self.sp_alignment.on_new_block(address, size)
        except Exception as err:  # never let an exception die inside the ctypes callback
            self._stop_with(InternalError(f"while decoding the block at 0x{address:x}: {err!r}"))
            return True

    def _sp_alignment_fault(self, pc: int) -> None:
        """From a code hook before the load/store runs: the PC write abandons the instruction."""
        self.counter.unretire_tail(pc)
        try:
            self._take_sync(syn.sp_alignment(self._context(), pc))
        except EmuError as err:
            self._stop_with(err)

    def _on_unmapped(self, _uc: Uc, access: int, address: int, _size: int, _value: int, _ud: object) -> bool:
        self._fault = (access, address)
        return False

    def _take_abort(self) -> None:
        assert self._fault is not None
        access, address = self._fault
        self._fault = None
        ctx = self._context()
        pc = self.cpu.pc
        self.counter.unretire_tail(pc)
        if access == UC_MEM_FETCH_UNMAPPED:
            sync = syn.pc_alignment(ctx, pc) if pc & 3 else syn.external_instruction_abort(ctx, pc)
        else:
            sync = syn.external_data_abort(ctx, pc, address, access == UC_MEM_WRITE_UNMAPPED)
        try:
            self._take_sync(sync)
        except EmuError as err:
            self._error = err

    # -- exception entry -----------------------------------------------------------------------
    def _take_sync(self, sync: syn.Sync | None) -> None:
        if sync is None:
            return
        key = (sync.target_el, sync.esr, sync.elr)
        if key == self._loop_key and self.counter.insns == self._loop_insns:
            self._loop_repeats += 1
            if self._loop_repeats >= LOOP_REPEATS - 1:
                raise ExceptionLoop(self._report(
                    f"the same exception was taken {LOOP_REPEATS} times in a row with no instruction "
                    f"retired in between (VBAR_EL{sync.target_el} = "
                    f"0x{self.cpu.read_sysreg(sr.VBAR[sync.target_el]):x}: is a vector table installed?)."))
        else:
            self._loop_key, self._loop_repeats = key, 0
        self._loop_insns = self.counter.insns
        self._enter(sync.target_el, Kind.SYNC, sync.elr, sync.esr, sync.far)

    def _enter(self, target_el: int, kind: Kind, elr: int, esr: int | None, far: int | None) -> None:
        """Take an exception, or hand it to the Python hypervisor when it targets EL2 and one owns EL2."""
        if target_el == 2 and self.hypervisor is not None:
            guest_pstate = self.cpu.pstate
            self.cpu.write_sysreg(sr.SPSR_EL2, guest_pstate)
            self.cpu.write_sysreg(sr.ELR_EL2, elr)
            if esr is not None:
                self.cpu.write_sysreg(sr.ESR_EL2, esr)
            if far is not None:
                self.cpu.write_sysreg(sr.FAR_EL2, far)
            self.cpu.pc = elr
            exit = GuestExit(kind, esr, elr, far, guest_pstate)
            self.events.publish("hyp.exit", self.counter.insns, kind=kind.name, esr=esr, elr=elr)
            self.hypervisor.handle_exit(exit)
            self._update_take_mask()
            return
        taken = take_exception(self.cpu, target_el, kind, elr, esr, far)
        self.last_exception = taken
        self.events.publish("exception.taken", self.counter.insns, taken=taken)

    # -- firmware services ---------------------------------------------------------------------
    def is_psci_call(self) -> bool:
        """Whether X0 holds a PSCI function ID (SMCCC service "standard secure", 0x84/0xC4 0000 xx)."""
        fid = self.cpu.x(0) & 0xFFFF_FFFF
        return fid & 0xBFFF_FF00 == 0x8400_0000

    def answer_psci(self) -> None:
        """Perform the PSCI call in X0-X3 as the firmware would, then return after the call."""
        cpu = self.cpu
        result = psci.call(cpu.x(0), cpu.x(1), cpu.x(2), cpu.x(3))
        self.events.publish("psci.call", self.counter.insns, function=cpu.x(0) & 0xFFFF_FFFF, action=result.action.value)
        if result.action is psci.Action.RETURN or result.action is psci.Action.SUSPEND:
            cpu.set_x(0, result.value)
        elif result.action is psci.Action.SYSTEM_OFF:
            self._finish_with(0, "system-off")
        elif result.action is psci.Action.SYSTEM_RESET:
            if self.no_reboot:
                self._finish_with(0, "system-reset")
            else:
                self._reset_requested = True
                self.uc.emu_stop()
        else:
            raise GuestHalted(self._report("the guest turned its only CPU off with PSCI CPU_OFF."))

    def _semihost(self) -> None:
        cpu = self.cpu
        try:
            out = semihosting.call(cpu.x(0) & 0xFFFF_FFFF, cpu.x(1), lambda a, n: bytes(self.uc.mem_read(a, n)))
        except UcError:
            out = semihosting.Outcome(x0=0xFFFF_FFFF_FFFF_FFFF)
        self.events.publish("semihosting.call", self.counter.insns, op=cpu.x(0) & 0xFFFF_FFFF)
        if out.output:
            self._console_write(out.output)
        if out.exit_status is not None:
            self._finish_with(out.exit_status, "semihosting-exit")
            return
        if out.x0 is not None:
            cpu.set_x(0, out.x0)
        cpu.pc = cpu.pc + 4

    def _console_write(self, data: bytes) -> None:
        self.console += data
        if self._console_sink is not None:
            self._console_sink(data)

    # -- stopping ------------------------------------------------------------------------------
    def _finish_with(self, status: int, reason: str) -> None:
        self._finish = _Finish(status, reason)
        self.uc.emu_stop()

    def _stop_with(self, err: EmuError) -> None:
        self._error = err
        self.uc.emu_stop()

    def power_off(self, status: int = 0) -> None:
        """For Python hypervisors and tests: end the run as SYSTEM_OFF does, with `status`."""
        self._finish_with(status, "system-off")

    def _report(self, what: str) -> str:
        """One paragraph: what happened, then PC, EL, the instruction there and the last exception."""
        pc, pstate = self.cpu.pc, self.cpu.pstate
        word = self.cpu.read_u32(pc)
        if word is None:
            insn = "nothing mapped there"
        else:
            found = list(self._disasm.disasm(struct.pack("<I", word), pc, 1))
            text = f"{found[0].mnemonic} {found[0].op_str}".strip() if found else "an undecodable word"
            insn = f"'{text}' (0x{word:08x})"
        last = self.last_exception.describe() if self.last_exception else "none"
        return (f"{what} Stopped at PC=0x{pc:x} in {ps.mode_name(pstate)} after {self.counter.insns} "
                f"instructions; the instruction there is {insn}; last exception taken: {last}.")


def console_to_stdout(data: bytes) -> None:
    """The CLI's console: bytes to standard output, unbuffered."""
    sys.stdout.buffer.write(data)
    sys.stdout.buffer.flush()


__all__ = ["Machine", "RunResult", "DEFAULT_MAX_INSNS", "EC", "console_to_stdout"]
