"""The processor's side of debugging (a mixin of emu.core.processor.Processor): the guest's own
self-hosted debug exceptions (emu.core.debugexc: breakpoints QEMU raises, software step and
watchpoints emu runs itself) and a debugger's data watchpoints (emu.core.watch), which share
the watched-page faults."""

from __future__ import annotations

from typing import TYPE_CHECKING

from unicorn import UC_HOOK_CODE, UC_HOOK_MEM_PROT, UC_MEM_WRITE_PROT, Uc
from unicorn.unicorn_const import UC_CTL_IO_WRITE, UC_CTL_TB_FLUSH

from emu.arch import decode
from emu.arch import sysregs as sr
from emu.core import debugexc, walk
from emu.core import syndromes as syn
from emu.core.address import effective_address
from emu.core.watch import DataWatch, Watch, WatchHit
from emu.errors import EmuError

if TYPE_CHECKING:
    from emu.core.cpu import Cpu
    from emu.timing.blocks import DecodedBlock
    from emu.timing.native import BlockCounter


class DebugMixin:
    """Breakpoint recognition, software step, the guest's watchpoints and the debugger's."""

    if TYPE_CHECKING:  # what it uses of the Processor
        cpu: Cpu
        uc: Uc
        counter: BlockCounter

        @property
        def insns(self) -> int: ...
        def fail(self, err: EmuError) -> None: ...
        def _unretire(self, pc: int) -> DecodedBlock | None: ...
        def _context(self) -> syn.Context: ...
        def _take_sync(self, sync: syn.Sync | None) -> None: ...
        def _step(self, address: int, size: int, k: int) -> bool: ...
        def _stage1_regime(self, el: int) -> walk.Regime | None: ...
        def _insn_word(self, regime: walk.Regime, el: int, pc: int) -> int | None: ...
        def _read_phys_u64(self, pa: int) -> int | None: ...

    def _init_debug(self) -> None:
        # Data watchpoints (a debugger's), set up on first use: see emu.core.watch.
        self.data_watch: DataWatch | None = None
        self.watch_hit: WatchHit | None = None  # the last hit, for the debugger to take
        self._watch_fault: tuple[bool, int, int] | None = None
        self._watch_passed: tuple[int, int] | None = None  # (pc, insns) of a hit reported already
        self._guest_watches: list[debugexc.GuestWatch] = []  # the guest's own (DBGW*)
        # Software step (emu.core.debugexc): a code hook on every instruction while MDSCR_EL1.SS.
        self._step_hook: int | None = None
        self._stepped: int | None = None  # the word of the instruction just stepped
        self._eret: tuple[int, int] | None = None  # (ELR, SPSR) of an ERET about to run

    def _debug_exception(self, ctx: syn.Context, pc: int, fetch: bool, regime: walk.Regime | None) -> syn.Sync | None:
        """A hardware breakpoint QEMU raised as a Prefetch Abort (emu.core.debugexc), unless the
        fetch also faults in the guest's stage 1 tables (then that abort is taken)."""
        if not fetch or not debugexc.breakpoint_at(self.cpu.read_sysreg, pc):
            return None
        if regime is not None and isinstance(
                walk.translate(regime, pc, walk.Access.FETCH, ctx.el == 0, self._read_phys_u64), walk.WalkFault):
            return None
        return debugexc.breakpoint_exception(ctx, pc)

    def software_step(self, armed: bool) -> None:
        """MDSCR_EL1.SS was written: run the step state machine before every instruction while
        it is set. Translated code is dropped so that it is translated again with (or without)
        the hook; the write is a Python register's, whose hook ends the block after it."""
        if armed == (self._step_hook is not None):
            return
        if armed:
            self._step_hook = self.uc.hook_add(UC_HOOK_CODE, self._software_step)
        else:
            assert self._step_hook is not None
            self.uc.hook_del(self._step_hook)
            self._step_hook = None
        self._stepped = self._eret = None
        self.uc.ctl(UC_CTL_TB_FLUSH, UC_CTL_IO_WRITE)

    def _software_step(self, _uc: Uc, address: int, _size: int, _ud: object) -> None:
        """Before the instruction at `address` (Arm ARM D2, "Software Step exceptions")."""
        if address == self.counter.state.step_stop:
            return  # an exact step stops before this instruction: it does not run now
        try:
            if self._eret is not None:
                # The previous instruction was an ERET: PSTATE.SS comes from the SPSR it used
                # (QEMU, which does not know that stepping is on, cleared it).
                target, spsr = self._eret
                self._eret = None
                pstate = self.cpu.pstate
                if address == target and (pstate ^ spsr) & debugexc.PSTATE_SS:
                    self.cpu.set_pstate_bits(pstate ^ debugexc.PSTATE_SS)
            ctx = self._context()
            word = self.cpu.read_u32(address) or 0
            if not debugexc.enabled_from(self.cpu.read_sysreg, ctx):
                self._stepped = None  # inactive
            elif ctx.pstate & debugexc.PSTATE_SS:  # active-not-pending: this one runs
                self.cpu.set_pstate_bits(ctx.pstate & ~debugexc.PSTATE_SS)
                self._stepped = word
            else:  # active-pending: the exception, before this instruction
                stepped, self._stepped = self._stepped, None
                self._unretire(address)
                self._take_sync(debugexc.software_step_exception(ctx, address, stepped))
                return
            if word == decode.ERET and ctx.el in (1, 2):
                self._eret = (self.cpu.read_sysreg(sr.ELR[ctx.el]), self.cpu.read_sysreg(sr.SPSR[ctx.el]))
        except EmuError as err:
            self.fail(err)

    def guest_watchpoints(self, ram: tuple[int, int]) -> None:
        """DBGWVR/DBGWCR<n>_EL1 were written: protect the pages of the enabled watchpoints, their
        VAs translated through the EL1&0 stage 1 tables when those are on (a later change of the
        tables is not followed: docs/decisions.md, "Debug")."""
        read = self.cpu.read_sysreg
        self._guest_watches = [w for n in range(sr.WATCHPOINTS) if (w := debugexc.guest_watch(read, n))]
        regime = self._stage1_regime(1) if self.cpu.el < 2 else None
        base, size = ram
        ranges: list[Watch] = []
        for w in self._guest_watches:
            va = w.lo
            while va < w.hi:
                chunk = min(w.hi, (va | 0xFFF) + 1) - va
                pa: int | None = va
                if regime is not None:
                    found = walk.translate(regime, va, walk.Access.READ, False, self._read_phys_u64)
                    pa = found.pa if isinstance(found, walk.Translation) else None
                if pa is not None and base <= pa and pa + chunk <= base + size:
                    ranges.append(Watch(pa, chunk, debugexc.LSC_KIND[w.lsc]))
                va += chunk
        if ranges or self.data_watch is not None:
            self.watchpoints(ram).set_guest(ranges)

    def _guest_watchpoint(self, pc: int, is_write: bool) -> syn.Sync | None:
        """The guest's Watchpoint exception for the load/store at `pc`, if one of its watchpoints
        takes the access (MDSCR_EL1.MDE, debug exceptions enabled from this EL)."""
        if not self._guest_watches:
            return None
        ctx = self._context()
        read = self.cpu.read_sysreg
        if not read(debugexc.MDSCR_EL1) & debugexc.MDSCR_MDE or not debugexc.enabled_from(read, ctx):
            return None
        regime = self._stage1_regime(ctx.el)
        word = self._insn_word(regime, ctx.el, pc) if regime is not None else self.cpu.read_u32(pc)
        va = None if word is None else effective_address(self.cpu, pc, word)
        if word is None or va is None:
            return None
        size = decode.access_size(word)
        for w in self._guest_watches:
            far = w.matches(ctx.el, va, size, is_write)
            if far is not None:
                return debugexc.watchpoint_exception(ctx, pc, far, is_write)
        return None

    def watchpoints(self, ram: tuple[int, int]) -> DataWatch:
        """The data watchpoints (made on first use, with the hook their faults need)."""
        if self.data_watch is None:
            self.data_watch = DataWatch(self.uc, ram)
            self.uc.hook_add(UC_HOOK_MEM_PROT, self._on_protected)
        return self.data_watch

    def _on_protected(self, _uc: Uc, access: int, address: int, size: int, _value: int, _ud: object) -> bool:
        """Only watched pages lose permissions: the instruction stops before its access."""
        self._watch_fault = (access == UC_MEM_WRITE_PROT, address, size)
        return False

    def _on_watch_fault(self) -> None:
        """An access to a watched page (the instruction at the PC has done nothing): a hit not
        reported yet stops the run there (`watch_hit`); anything else runs that instruction
        alone with the pages' permissions back."""
        assert self._watch_fault is not None and self.data_watch is not None
        is_write, address, size = self._watch_fault
        self._watch_fault = None
        pc = self.cpu.pc
        self._unretire(pc)
        hit = self.data_watch.match(is_write, address, size, pc)
        if hit is not None and self._watch_passed != (pc, self.insns):
            self.watch_hit = hit
            self._watch_passed = (pc, self.insns)
            return
        self._watch_passed = None
        guest = self._guest_watchpoint(pc, is_write)
        if guest is not None:
            self._take_sync(guest)
            return
        self.data_watch.unprotect()
        try:
            self._step(pc, 8, 1)
        finally:
            self.data_watch.protect()
