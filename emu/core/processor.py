"""The processor: one AArch64 core on Unicorn with the architecture Unicorn leaves out.

Unicorn executes instructions and reports exceptions to UC_HOOK_INTR without taking them; it
reports unmapped accesses as errors; it has no interrupt input. `Processor` turns each report
into the architectural exception (emu.core.syndromes), takes it (AArch64.TakeException, emu.core.
exceptions) or hands it to whoever owns EL2, drives the native block hook that stops the run at
budgets, deadlines and unmasked interrupts, and delivers IRQ/FIQ from its two input lines.
What lies outside the core (PSCI firmware, semihosting, a Python EL2) is reached through the
`Platform` protocol, so nothing here imports the board or the hypervisor.
"""

from __future__ import annotations

import enum
import struct
from typing import Callable, Protocol

from capstone import CS_ARCH_ARM64, CS_MODE_ARM, Cs
from unicorn import (
    UC_HOOK_CODE,
    UC_HOOK_INSN,
    UC_HOOK_INTR,
    UC_HOOK_MEM_UNMAPPED,
    UC_MEM_FETCH_UNMAPPED,
    UC_MEM_WRITE_UNMAPPED,
    Uc,
    UcError,
)
from unicorn.arm64_const import UC_ARM64_INS_MSR, UC_ARM64_REG_PC

from emu.arch import decode
from emu.arch import pstate as ps
from emu.arch import sysregs as sr
from emu.core import syndromes as syn
from emu.core import walk
from emu.core.instrument import Instrumenter
from emu.core.debugging import DebugMixin
from emu.core.address import effective_address
from emu.core.cpu import Cpu
from emu.core.exceptions import GuestExit, Kind, Taken, interrupt_taken, physical_interrupt_target, take_exception
from emu.errors import AArch32Unsupported, EmuError, ExceptionLoop, InternalError
from emu.events import EventStream
from emu.irq import IrqLine
from emu.arch.pmuv3 import Event
from emu.timing.blocks import BlockTiming, DecodedBlock
from emu.timing.costmodel import CostModel, default_cost_model
from emu.timing.native import EL_UNKNOWN, NO_ADDRESS, SLOTS, BlockCounter, NativeBlock, StopReason

UNTIL = 0xFFFF_FFFF_FFFF_FFFF  # an odd address: never a PC, so Unicorn never stops on it by itself
LOOP_REPEATS = 3  # the same exception this many times with no instruction retired: a loop
# An MSR to SPSR_ELx at these ELs always takes effect (SPSR_EL1 from EL1 and EL2, SPSR_EL2 at EL2).
# Stage 1 translation registers (op0, op1, CRn, CRm, op2), read when the guest's MMU faults.
_TTBR0_EL1, _TTBR1_EL1, _TCR_EL1 = (3, 0, 2, 0, 0), (3, 0, 2, 0, 1), (3, 0, 2, 0, 2)
_TTBR0_EL2, _TCR_EL2 = (3, 4, 2, 0, 0), (3, 4, 2, 0, 2)
_HCR_DC, _HCR_E2H = 1 << 12, 1 << 34
_SPSR_AT_OWN_EL = {(sr.SPSR_EL1, 1), (sr.SPSR_EL1, 2), (sr.SPSR_EL2, 2)}


class CallRoute(enum.Enum):
    """What the platform says about an SVC, HVC or SMC."""

    ARCHITECTURAL = "architectural"  # take the exception (to EL1/EL2 vectors or the Python EL2)
    ANSWERED = "answered"  # firmware answered it (PSCI); go on after the call
    UNDEFINED = "undefined"  # no one implements the target EL: UNDEFINED instruction


class AccessOutcome(Protocol):
    """What the sysreg router answers: a decision named OK, TRAP_EL1, TRAP_EL2 or UNDEFINED,
    and the value read (for an OK read)."""

    @property
    def decision(self) -> enum.Enum: ...

    @property
    def value(self) -> int: ...


class Platform(Protocol):
    """What the core asks of the machine around it."""

    def route_call(self, kind: str, imm16: int) -> CallRoute:
        """SVC/HVC/SMC just executed (the PC is after it): answer it or say how to route it."""
        ...

    def semihosting_call(self) -> None:
        """`hlt #0xf000` at the PC: perform it and step over it (or end the run)."""
        ...

    def el2_exit(self, exit: GuestExit) -> bool:
        """An exception targets EL2: True if a Python EL2 took it instead of VBAR_EL2."""
        ...

    def system_register(self, ctx: syn.Context, insn: decode.SysInsn, value: int) -> AccessOutcome:
        """An access to a register in `Processor.instrument.python_registers`, at `ctx`."""
        ...


class Stop(enum.Enum):
    """Why `Processor.run` returned, for the run loop."""

    AGAIN = "again"  # something was serviced (an exception, an interrupt, a poll): run on
    WATCH = "watch"  # one or more watches were reached exactly (`Processor.fired`)
    WFI = "wfi"  # WFI with no interrupt line high: the core sleeps until an event
    HALTED = "halted"  # `halt` or `fail` was called: the machine decides what comes next


ALL_ELS = 0b111
FIRST_SOURCE_WATCH = 2  # watch indices below are the run loop's (budget, deadline)
_INSNS = SLOTS[Event.INST_RETIRED]


def no_watches() -> list[tuple[int, int, int]]:
    return []


class Processor(DebugMixin):
    """The core and its exception model."""

    def __init__(self, platform: Platform, *, el2_present: bool, events: EventStream,
                 cost_model: CostModel | None = None, functional: bool = False) -> None:
        self._platform = platform
        self.el2_present = el2_present
        self.events = events
        self.cpu = Cpu()
        self.uc: Uc = self.cpu.uc
        self.irq = IrqLine("nIRQ")
        self.fiq = IrqLine("nFIQ")
        self.virq = IrqLine("nVIRQ")  # the GIC virtual CPU interface's request (IHI 0069 vIRQ)
        for line in (self.irq, self.fiq, self.virq):
            line.connect(lambda _level: self.update_take_mask())
        self.timing = BlockTiming(self.uc, cost_model or default_cost_model())
        self.counter = BlockCounter(self.uc, self._on_new_block, self._on_sp_match)
        self.instrument = Instrumenter(self.uc, self.counter, self._sp_alignment_fault, self._system_register,
                                       self._hook_error)
        # Functional mode: instructions are counted (budgets, deadlines) but no other event
        # and no cycle is, so the PMU and cycle-derived time stand still.
        self.counter.state.counting = 0 if functional else 1
        self.counter.state.mispredict_penalty = self.timing.model.branch_mispredict_penalty
        self.fired = 0
        self._aborted = False
        self._stops: Callable[[], dict[int, int]] = dict
        # (event, EL mask, remaining) of each further watch, e.g. the PMU's next overflows.
        self.watch_source: Callable[[], list[tuple[int, int, int]]] = no_watches
        self.uc.hook_add(UC_HOOK_INTR, self._on_intr)
        self.uc.hook_add(UC_HOOK_MEM_UNMAPPED, self._on_unmapped)
        self.uc.hook_add(UC_HOOK_INSN, self._on_msr, None, 1, 0, UC_ARM64_INS_MSR)
        self._disasm = Cs(CS_ARCH_ARM64, CS_MODE_ARM)
        self.last_exception: Taken | None = None
        self.error: EmuError | None = None
        self._halted = False
        self.stop_requested = False
        # A debugger's look at each access to a Python system register before it happens; True:
        # the access is not performed now (the debugger restarts the instruction).
        self.before_system_access: Callable[[int, decode.SysInsn], bool] | None = None
        self._fault: tuple[int, int] | None = None
        self._init_debug()
        self._loop_key: tuple[int, int, int] | None = None
        self._loop_repeats = 0
        self._loop_insns = -1

    @property
    def insns(self) -> int:
        """Instructions retired so far."""
        return self.counter.insns

    def reset(self, entry: int, el: int) -> None:
        self.cpu.reset(entry, el)
        self.update_take_mask()

    # -- running -------------------------------------------------------------------------------
    def run(self, stops: Callable[[], dict[int, int]]) -> Stop:
        """Run from the PC until something needs the run loop. `stops()` maps a watch index to an
        instruction count: the run stops right after the instruction that brings the count
        there (Stop.WATCH, with `fired` holding the indices reached). The `watch_source`
        (the PMU's next overflows) is armed from index FIRST_SOURCE_WATCH on. Both are asked
        again at every re-arm, the source first (bringing devices up to date may schedule)."""
        self._stops = stops
        self.rearm()
        self.update_take_mask()
        self._halted = False
        self._start(self.cpu.pc)
        if self.error is not None or self._halted:
            return Stop.HALTED
        if self._aborted:
            return Stop.AGAIN
        reason = self.counter.take_stop_reason()
        if reason is StopReason.WATCH:
            return self._reach_watches()
        if reason is StopReason.IRQ:
            self.counter.settle(self.cpu.pc)
            self._take_interrupt()
        elif reason is StopReason.PC_ALIGN:
            self.counter.settle(self.cpu.pc)
            self._take_sync(syn.pc_alignment(self._context(), self.cpu.pc))
        elif reason is StopReason.NONE:
            return self._after_unicorn_returned()
        return Stop.AGAIN

    def rearm(self) -> None:
        """Arm the watches again: after every stop, and whenever Python changed what they
        depend on (a PMU register written)."""
        watches = {i: (SLOTS[Event(event)], el_mask, remaining)
                   for i, (event, el_mask, remaining) in enumerate(self.watch_source(), FIRST_SOURCE_WATCH)}
        insns = self.insns
        for i, at in self._stops().items():
            watches[i] = (_INSNS, ALL_ELS, max(0, at - insns))
        self.counter.set_watches(watches)

    def _start(self, begin: int) -> None:
        """One emu_start, with unmapped accesses turned into aborts and hook errors kept."""
        self._aborted = False
        self.counter.state.el = EL_UNKNOWN  # Python may have moved the core since the last run
        try:
            self.uc.emu_start(begin, UNTIL, 0, 0)
        except UcError as err:
            if self._watch_fault is not None:
                self._on_watch_fault()
            elif self._fault is None:
                raise InternalError(self.report(f"Unicorn stopped with {err}.")) from None
            else:
                self._take_abort()
            self._aborted = True
        except EmuError as err:  # raised inside a hook and re-raised by the binding
            self.error = err

    def _reach_watches(self) -> Stop:
        """The native hook stopped before a block in which a watch would be reached (or right
        after a branch outcome reached it). Run exactly up to the instruction that reaches the
        earliest one, then report the watches reached there."""
        state = self.counter.state
        fired = self.counter.take_fired()
        block = state.stop_block
        if block:
            info = self.timing.get(block.contents.address, block.contents.size)
            assert info is not None
            wanted = {i: (int(state.watch[i].slot), int(state.watch[i].remaining))
                      for i in range(len(state.watch)) if fired >> i & 1}
            k = min(info.first_crossing(slot, remaining) for slot, remaining in wanted.values())
            fired = sum(1 << i for i, (slot, remaining) in wanted.items() if info.prefix[slot][k] >= remaining)
            if k and not self._step(info.address, info.size, k):
                return Stop.HALTED if self.error is not None or self._halted else Stop.AGAIN
        self.fired = fired
        return Stop.WATCH if fired else Stop.AGAIN

    def _step(self, address: int, size: int, k: int) -> bool:
        """Run exactly the first `k` instructions of the block at `address` (the PC), past its
        watches: a code hook on the next instruction stops the run before it (writing the PC
        abandons it), or a poll stops before the next block when the whole block runs. False
        if something else (an exception, a halt) ended the step."""
        state = self.counter.state
        stop_at = address + 4 * k
        hook = None
        if k < size // 4:
            hook = self.uc.hook_add(UC_HOOK_CODE, self._stop_here, None, stop_at, stop_at)
            self.uc.ctl_remove_cache(address, address + size)
        state.pass_address = address
        state.stop_after_pass = int(hook is None)
        # Other hooks at stop_at (a Python system register, a native counter MRS) run before
        # the step's and would perform the instruction; they stand down for it.
        state.step_stop = stop_at if hook is not None else NO_ADDRESS
        self._start(address)
        if hook is not None:
            self.uc.hook_del(hook)
            self.uc.ctl_remove_cache(address, address + size)
        state.pass_address, state.stop_after_pass, state.poll = NO_ADDRESS, 0, 0
        state.step_stop = NO_ADDRESS
        self.counter.take_stop_reason()
        self.counter.take_fired()
        if self.error is not None or self._halted or self._aborted:
            return False
        if hook is None:
            return True  # the whole block ran; the PC is wherever its last instruction went
        if self.cpu.pc != stop_at:
            return False
        self._unretire(stop_at)  # the block was charged whole; the rest of it did not run
        return True

    def _stop_here(self, uc: Uc, address: int, _size: int, _ud: object) -> None:
        uc.reg_write(UC_ARM64_REG_PC, address)
        uc.emu_stop()

    def halt(self) -> None:
        """Stop the current run as soon as possible (power off, reset): `run` returns HALTED."""
        self._halted = True
        self.uc.emu_stop()

    def restart_at(self, pc: int) -> None:
        """From a hook before the instruction at `pc`: abandon the rest of the current block
        (take back what it charged from `pc` on), end this emu_start, and start the next one at
        `pc`, as the first instruction of a new block (so that counts are exact from there)."""
        self._unretire(pc)
        self.cpu.pc = pc
        self.request_stop()

    def request_stop(self) -> None:
        """From another thread (a debugger's Ctrl-C): end the current emu_start at the next
        instruction boundary Unicorn checks; the run loop simply runs on, and its watch source
        (where a debugger pauses) is asked again first."""
        self.stop_requested = True
        self.uc.emu_stop()

    def fail(self, err: EmuError) -> None:
        """Stop the current run with an emulator-level error (`error` is set, `run` returns HALTED)."""
        self.error = err
        self.uc.emu_stop()

    def _after_unicorn_returned(self) -> Stop:
        """Unicorn returns on its own only when WFI halts the core. A pending interrupt wakes it
        even when masked (D1.6.2, "Wait for Interrupt"); otherwise the run loop must find an event."""
        if self.stop_requested:
            self.stop_requested = False
            return Stop.AGAIN
        if self.cpu.read_u32(self.cpu.pc - 4) != decode.WFI:
            raise InternalError(self.report("Unicorn stopped for no reason the emulator knows."))
        if self.irq.level or self.fiq.level:
            return Stop.AGAIN
        self.events.publish("cpu.wfi", self.insns, pc=self.cpu.pc - 4)
        return Stop.WFI

    def _unretire(self, pc: int) -> DecodedBlock | None:
        """The current block stopped at `pc` (the address after the last instruction that
        retired: an exception in the middle, or Python taking over the instruction at `pc`):
        take back the events of the instructions that did not run, and forget the block's
        branch outcome (its last instruction did not execute). Returns the block."""
        state = self.counter.state
        start, n = state.block_start, state.block_insns
        block = None
        if start <= pc <= start + 4 * n:
            block = self.timing.get(start, 4 * n)
            if block is not None and pc < start + 4 * n:
                self.counter.unretire((pc - start) // 4, block.table)
        self.counter.redirect()
        return block

    # -- interrupts ----------------------------------------------------------------------------
    def hcr(self) -> int:
        return self.cpu.read_sysreg(sr.HCR_EL2) if self.el2_present else 0

    def update_take_mask(self, hcr: int | None = None) -> None:
        """Tell the native hook at which (EL, PSTATE.I, PSTATE.F) a pending interrupt is taken."""
        hcr = self.hcr() if hcr is None else hcr
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
        if self.virq.level and self._virtual_irqs_enabled(hcr):
            for el in (0, 1):  # a virtual IRQ goes to EL1, masked by PSTATE.I; never at EL2
                mask |= 1 << (el * 4 + 0 * 2 + 0) | 1 << (el * 4 + 0 * 2 + 1)
        self.counter.state.take_mask = mask

    def _virtual_irqs_enabled(self, hcr: int) -> bool:
        """Virtual IRQs are taken below EL2 when HCR_EL2.IMO is set and TGE is not (D1.3.3)."""
        return self.el2_present and bool(hcr & sr.HCR_IMO) and not hcr & sr.HCR_TGE

    def _take_interrupt(self) -> None:
        """FIQ before IRQ, as QEMU checks them; the preferred return is the next instruction."""
        pstate = self.cpu.pstate
        hcr = self.hcr()
        for line, kind, mask_bit in ((self.fiq, Kind.FIQ, ps.F), (self.irq, Kind.IRQ, ps.I)):
            if not line.level:
                continue
            target = physical_interrupt_target(kind, hcr, self.el2_present)
            if interrupt_taken(kind, target, ps.el_of(pstate), bool(pstate & mask_bit)):
                self.enter(target, kind, self.cpu.pc, None, None)
                return
        if (self.virq.level and self._virtual_irqs_enabled(hcr) and ps.el_of(pstate) < 2
                and not pstate & ps.I):
            self.enter(1, Kind.IRQ, self.cpu.pc, None, None)

    # -- Unicorn hooks -------------------------------------------------------------------------
    def _context(self) -> syn.Context:
        pstate = self.cpu.pstate
        return syn.Context(ps.el_of(pstate), pstate, self.hcr(), self.el2_present)

    def _on_msr(self, _uc: Uc, _reg: int, cp: object, _ud: object) -> bool:
        """Every MSR (register) passes here before Unicorn performs or refuses it; the value is
        `cp.val`. Only writes that cannot be refused at the current EL are acted on."""
        enc = (cp.op0, cp.op1, cp.crn, cp.crm, cp.op2)  # type: ignore[attr-defined]
        value: int = cp.val  # type: ignore[attr-defined]
        el = self.cpu.el
        if enc == sr.HCR_EL2 and el == 2:
            self.update_take_mask(value)
        elif (enc, el) in _SPSR_AT_OWN_EL and value & ps.NRW:
            self.fail(AArch32Unsupported(self.report(
                f"the guest wrote SPSR with M[4] = 1 (0x{value:x}) to return to AArch32 state; "
                "emu implements AArch64 only.")))
            return True
        return False

    def _on_intr(self, _uc: Uc, intno: int, _ud: object) -> None:
        try:
            self._dispatch(intno)
        except EmuError as err:
            self.fail(err)

    def _dispatch(self, intno: int) -> None:
        pc = self.cpu.pc
        if intno in (syn.EXCP_SWI, syn.EXCP_HVC, syn.EXCP_SMC):
            self._unretire(pc)
            found = decode.exception_generating(self.cpu.read_u32(pc - 4) or 0)
            if found is None or found[0] not in ("svc", "hvc", "smc"):
                raise InternalError(self.report(f"Unicorn reported exception {intno} after a non-call instruction."))
            kind, imm16 = found
            route = self._platform.route_call(kind, imm16)
            if route is CallRoute.ARCHITECTURAL:
                self._take_sync(syn.call(self._context(), kind, imm16, pc))
            elif route is CallRoute.UNDEFINED:
                self._take_sync(syn.undefined(self._context(), pc - 4))
            return
        if intno in (syn.EXCP_UDEF, syn.EXCP_HYP_TRAP, syn.EXCP_BKPT):
            self._unretire(pc)
            self._take_sync(self._classify_refused(self._context(), pc, intno))
            return
        if intno in (syn.EXCP_PREFETCH_ABORT, syn.EXCP_DATA_ABORT):
            self._unretire(pc)
            self._take_sync(self._qemu_abort(self._context(), pc, intno))
            return
        if intno in (syn.EXCP_VIRQ, syn.EXCP_VFIQ):
            self.counter.settle(pc)  # taken between blocks: the last branch went to `pc`
            self.enter(1, Kind.IRQ if intno == syn.EXCP_VIRQ else Kind.FIQ, pc, None, None)
            return
        raise InternalError(self.report(f"Unicorn reported exception number {intno}, which emu does not model yet."))

    def _qemu_abort(self, ctx: syn.Context, pc: int, intno: int) -> syn.Sync:
        """An abort QEMU raised itself (or a hardware breakpoint: _debug_exception). Unicorn
        gives neither FAR nor syndrome. With stage 1 of
        the current regime enabled, emu walks the guest's tables again (emu.core.walk) to find
        the fault and its level (translation, access flag, permission, address size, External
        abort on the walk); FAR is the VA (the PC for a fetch, else computed from the
        instruction's operands). With the MMU off the only abort is an address beyond the
        physical address range (an Address size fault, level 0)."""
        regime = self._stage1_regime(ctx.el)
        fetch = intno == syn.EXCP_PREFETCH_ABORT
        debug = self._debug_exception(ctx, pc, fetch, regime)
        if debug is not None:
            return debug
        if ctx.hcr & (_HCR_E2H | sr.HCR_VM | _HCR_DC):
            raise InternalError(self.report(
                "the guest's MMU raised a fault with HCR_EL2.E2H, VM or DC set; emu classifies "
                "faults of the EL2 and EL1&0 stage 1 regimes only (no stage 2, no VHE)."))
        if regime is not None:
            unprivileged = ctx.el == 0
            if fetch:
                found = walk.translate(regime, pc, walk.Access.FETCH, unprivileged, self._read_phys_u64)
                if isinstance(found, walk.WalkFault):
                    return syn.instruction_abort(ctx, pc, found.fsc)
            else:
                word = self._insn_word(regime, ctx.el, pc)
                address = None if word is None else effective_address(self.cpu, pc, word)
                if word is not None and address is not None:
                    is_write = decode.mem_access(word).is_write
                    access = walk.Access.WRITE if is_write else walk.Access.READ
                    found = walk.translate(regime, address, access, unprivileged, self._read_phys_u64)
                    if isinstance(found, walk.WalkFault):
                        return syn.data_abort(ctx, pc, address, is_write, found.fsc)
                    # An access that crosses into the next page (at most 64 bytes: DC ZVA, pairs
                    # of Q registers) faults there: FAR = the start of that page, as QEMU gives it.
                    nxt = (address | 0xFFF) + 1
                    found = walk.translate(regime, nxt, access, unprivileged, self._read_phys_u64)
                    if nxt - address < 64 and isinstance(found, walk.WalkFault):
                        return syn.data_abort(ctx, pc, nxt, is_write, found.fsc)
            raise InternalError(self.report(
                "the guest's MMU raised a fault that emu's stage 1 walk does not find (a stage 2 "
                "fault, or a translation feature emu does not model)."))
        if fetch:
            return syn.address_size_instruction_abort(ctx, pc)
        address = effective_address(self.cpu, pc)
        word = self.cpu.read_u32(pc) or 0
        return syn.address_size_data_abort(ctx, pc, 0 if address is None else address,
                                           decode.mem_access(word).is_write)

    def _stage1_regime(self, el: int) -> walk.Regime | None:
        """The registers of the translation regime at `el` if its stage 1 is enabled (SCTLR.M)."""
        if el == 2:
            sctlr = self.cpu.read_sysreg(sr.SCTLR_EL2)
            if not sctlr & 1:
                return None
            return walk.Regime(True, sctlr, self.cpu.read_sysreg(_TCR_EL2), self.cpu.read_sysreg(_TTBR0_EL2))
        sctlr = self.cpu.read_sysreg(sr.SCTLR_EL1)
        if not sctlr & 1 or self.hcr() & sr.HCR_TGE:  # TGE: EL1&0 stage 1 disabled (E2H = 0)
            return None
        return walk.Regime(False, sctlr, self.cpu.read_sysreg(_TCR_EL1), self.cpu.read_sysreg(_TTBR0_EL1),
                           self.cpu.read_sysreg(_TTBR1_EL1))

    def _insn_word(self, regime: walk.Regime, el: int, pc: int) -> int | None:
        """The instruction at virtual address `pc`, read through the guest's stage 1 tables."""
        where = walk.translate(regime, pc, walk.Access.FETCH, el == 0, self._read_phys_u64)
        return self.cpu.read_u32(where.pa) if isinstance(where, walk.Translation) else None

    def _data_va(self, regime: walk.Regime, el: int, pc: int) -> int | None:
        """The virtual address the load/store at `pc` accesses (None if it cannot be found)."""
        word = self._insn_word(regime, el, pc)
        return None if word is None else effective_address(self.cpu, pc, word)

    def _read_phys_u64(self, pa: int) -> int | None:
        """A translation table descriptor at physical address `pa`; None if no memory is there."""
        try:
            return struct.unpack("<Q", self.uc.mem_read(pa, 8))[0]
        except UcError:
            return None

    def _classify_refused(self, ctx: syn.Context, pc: int, intno: int) -> syn.Sync | None:
        """An instruction Unicorn refused to execute: decode it and apply the Arm ARM's rules."""
        if ctx.pstate & ps.IL:
            return syn.illegal_state(ctx, pc)
        insn = self.cpu.read_u32(pc)
        if insn is None:
            return syn.external_instruction_abort(ctx, pc)
        exc = decode.exception_generating(insn)
        if exc == ("hlt", decode.SEMIHOSTING_HLT_IMM) and ctx.el > 0:
            self._platform.semihosting_call()
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

    def _on_new_block(self, address: int, size: int, record: NativeBlock) -> bool:
        """First run of a block (from the native hook): decode its events, let the
        translation-time checkers see it."""
        try:
            self.timing.fill(address, size, record)
            return self.instrument.on_new_block(address, size, record)
        except Exception as err:  # never let an exception die inside the ctypes callback
            self.fail(InternalError(f"while decoding the block at 0x{address:x}: {err!r}"))
            return True

    def _on_sp_match(self, address: int, size: int, record: NativeBlock) -> bool:
        """The block starts with an SP one of its loads/stores would find misaligned (from the
        native hook): see Instrumenter.on_sp_match."""
        try:
            return self.instrument.on_sp_match(address, size, record)
        except Exception as err:  # as _on_new_block
            self.fail(InternalError(f"while checking SP alignment in the block at 0x{address:x}: {err!r}"))
            return True

    def _system_register(self, pc: int, insn: decode.SysInsn) -> None:
        """From a code hook before an MRS/MSR/SYS to a Python register: take back what the block
        charged from this instruction on (a PMU read must see only what retired before it), ask
        the platform (the sysreg router), then either retire the instruction and step over it,
        or take the trap."""
        if pc == self.counter.state.step_stop:
            return  # an exact step stops the run before this instruction (see _step)
        if self.before_system_access is not None and self.before_system_access(pc, insn):
            return  # a debugger stopped before it; the instruction runs again when it resumes
        block = self._unretire(pc)
        ctx = self._context()
        value = 0 if insn.is_read else self.cpu.x(insn.rt)
        try:
            outcome = self._platform.system_register(ctx, insn, value)
            if outcome.decision.name == "OK":
                if insn.is_read:
                    self.cpu.set_x(insn.rt, outcome.value)
                if block is not None:
                    self.counter.retire_to((pc - block.address) // 4 + 1, block.table)
                self.cpu.pc = pc + 4
                if not insn.is_read:
                    self.rearm()  # a write may have moved a counter's next overflow
            else:
                self._take_sync(syn.refused_system_access(ctx, pc, insn, outcome.decision))
        except EmuError as err:
            self.fail(err)

    def _hook_error(self, err: BaseException) -> None:
        """An unexpected error inside a directly registered hook: stop the run with it."""
        self.fail(err if isinstance(err, EmuError) else InternalError(f"in a system-register hook: {err!r}"))

    def _sp_alignment_fault(self, pc: int) -> None:
        """From a code hook before the load/store runs: the PC write abandons the instruction."""
        self._unretire(pc)
        try:
            self._take_sync(syn.sp_alignment(self._context(), pc))
        except EmuError as err:
            self.fail(err)

    def _on_unmapped(self, _uc: Uc, access: int, address: int, _size: int, _value: int, _ud: object) -> bool:
        self._fault = (access, address)
        return False

    def _take_abort(self) -> None:
        assert self._fault is not None
        access, address = self._fault
        self._fault = None
        ctx = self._context()
        pc = self.cpu.pc
        self._unretire(pc)
        if access == UC_MEM_FETCH_UNMAPPED:
            sync = syn.pc_alignment(ctx, pc) if pc & 3 else syn.external_instruction_abort(ctx, pc)
        else:
            # Unicorn reports the physical address; FAR holds the virtual address (the same
            # with stage 1 off).
            regime = self._stage1_regime(ctx.el)
            if regime is not None:
                va = self._data_va(regime, ctx.el, pc)
                address = address if va is None else va
            sync = syn.external_data_abort(ctx, pc, address, access == UC_MEM_WRITE_UNMAPPED)
        try:
            self._take_sync(sync)
        except EmuError as err:
            self.error = err

    # -- exception entry -----------------------------------------------------------------------
    def _take_sync(self, sync: syn.Sync | None) -> None:
        if sync is None:
            return
        key = (sync.target_el, sync.esr, sync.elr)
        if key == self._loop_key and self.insns == self._loop_insns:
            self._loop_repeats += 1
            if self._loop_repeats >= LOOP_REPEATS - 1:
                raise ExceptionLoop(self.report(
                    f"the same exception was taken {LOOP_REPEATS} times in a row with no instruction "
                    f"retired in between (VBAR_EL{sync.target_el} = "
                    f"0x{self.cpu.read_sysreg(sr.VBAR[sync.target_el]):x}: is a vector table installed?)."))
        else:
            self._loop_key, self._loop_repeats = key, 0
        self._loop_insns = self.insns
        self.enter(sync.target_el, Kind.SYNC, sync.elr, sync.esr, sync.far)

    def enter(self, target_el: int, kind: Kind, elr: int, esr: int | None, far: int | None) -> None:
        """Take an exception, or hand it to a Python EL2 when it targets EL2 and one owns EL2.
        A Python EL2 sees ESR/ELR/SPSR/FAR_EL2 written as AArch64.TakeException writes them,
        with the guest's PSTATE unchanged and its PC at the preferred return address."""
        if target_el == 2 and self.el2_present:
            exit = GuestExit(kind, esr, elr, far, self.cpu.pstate)
            self.counter.redirect()
            if self._platform.el2_exit(exit):
                self.update_take_mask()
                return
        from_el = ps.el_of(self.cpu.pstate)
        self.counter.charge(from_el, SLOTS[Event.EXC_TAKEN], 1)
        self.counter.charge(from_el, SLOTS[Event.CPU_CYCLES], self.timing.model.exception_entry)
        self.counter.redirect()
        taken = take_exception(self.cpu, target_el, kind, elr, esr, far)
        self.last_exception = taken
        self.events.publish("exception.taken", self.insns, taken=taken)

    # -- reports -------------------------------------------------------------------------------
    def report(self, what: str) -> str:
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
        return (f"{what} Stopped at PC=0x{pc:x} in {ps.mode_name(pstate)} after {self.insns} "
                f"instructions; the instruction there is {insn}; last exception taken: {last}.")
