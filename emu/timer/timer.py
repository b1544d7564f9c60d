"""The generic timer of one PE (Arm ARM D12 "The Generic Timer in AArch64 state"): the system
counter seen through CNTPCT_EL0 and CNTVCT_EL0, and three timers, each with its interrupt line:
the EL1 physical timer (CNTP_*, PPI 14 on virt), the EL1 virtual timer (CNTV_*, PPI 11) and the
EL2 physical timer (CNTHP_*, PPI 10). The board connects the lines to the GIC.

Nothing here counts: the physical count is a function of the `TimeSource`'s cycles
(PhysicalCountInt = Clock.ticks(cycles) mod 2^64), ISTATUS is computed when read, and a line level
only changes when time passes or a register changes. So register writes that can move a line end
with `update()`, and the run loop calls `update()` whenever time may have passed (`next_deadline_cycles()` says
exactly when the next change is due).

FEAT_VHE is not implemented (the A57 is Armv8.0: HCR_EL2.E2H is RES0), so HCR_EL2.E2H is ignored:
there are no EL02/EL12 views, no CNTHV_* timer, and the EL2 physical timer is only CNTHP_*.
The event streams (EVNTEN, EVNTDIR, EVNTI of CNTKCTL_EL1 and CNTHCTL_EL2) are stored but generate
no events: nothing here wakes a WFE.

Choices where the Arm ARM leaves the value UNKNOWN (all QEMU's):
- ISTATUS reads 0 while ENABLE is 0 (QEMU clears it in gt_recalc_timer).
- CNTx_TVAL reads CVAL - count while ENABLE is 0 too (QEMU's gt_tval_read).
- Warm reset: CNTFRQ_EL0 = 62.5 MHz, CNTHCTL_EL2 = 3 (EL1PCTEN = EL1PCEN = 1: nothing trapped),
  CNTKCTL_EL1 = 0 (EL0 access trapped), CNTVOFF_EL2 = 0, every CTL and CVAL 0.

The state attributes are the registers' storage, for inspection and for a Python hypervisor's
save/restore; after changing them directly, call `update()`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from emu.irq import IrqLine
from emu.pmu.pmu import FastView
from emu.sysreg.desc import SysReg
from emu.timer import registers
from emu.timer.fields import CTL_ENABLE, CTL_IMASK, CTL_ISTATUS, FREQUENCY_HZ, HCTL_RESET, MASK64
from emu.timer.source import DEFAULT_CLOCK_HZ, Clock, TimeSource

_WRAP = 1 << 64


@dataclass(eq=False)
class Timer:
    """One timer's CompareValue view (D12.2.4 "Operation of the CompareValue views of the
    timers"): `ctl` holds ENABLE and IMASK as written, `cval` the 64-bit CompareValue. `virtual`
    timers compare against the virtual count (physical count - CNTVOFF_EL2)."""

    irq: IrqLine
    virtual: bool
    ctl: int = 0
    cval: int = 0

    def istatus(self, count: int) -> bool:
        """CTL.ISTATUS at `count` (this timer's view of the counter): ENABLE and
        TimerConditionMet, count - CVAL >= 0 with both unsigned 64-bit values."""
        return bool(self.ctl & CTL_ENABLE) and count >= self.cval

    def level(self, count: int) -> bool:
        """The interrupt request: ISTATUS and not IMASK."""
        return self.istatus(count) and not self.ctl & CTL_IMASK

    def ticks_to_change(self, count: int) -> int | None:
        """For an enabled, unmasked timer, how many counter ticks from `count` until its interrupt
        request changes: until the count reaches CVAL, or, once it has, until the 64-bit count
        wraps to 0 (below a non-zero CVAL again). None if it never changes."""
        if self.ctl & (CTL_ENABLE | CTL_IMASK) != CTL_ENABLE:
            return None
        if count < self.cval:
            return self.cval - count
        return _WRAP - count if self.cval else None

    def ticks_to_status_change(self, count: int) -> int | None:
        """For an enabled timer, masked or not, how many counter ticks from `count` until its
        ISTATUS changes (the count reaching CVAL, or wrapping below a non-zero CVAL again); None
        if it never changes (a disabled timer's ISTATUS reads 0 until a register write)."""
        if not self.ctl & CTL_ENABLE:
            return None
        if count < self.cval:
            return self.cval - count
        return _WRAP - count if self.cval else None


class GenericTimer:
    """The generic timer driven by `source`, a CPU of `clock_hz` cycles per second (default
    1 GHz: 16 cycles per 62.5 MHz counter tick). Without EL2 (`el2_present` False) the EL2
    registers are UNDEFINED, CNTHCTL_EL2 traps nothing, the virtual count equals the physical
    count, and EL1 is the highest Exception level (the one that may write CNTFRQ_EL0)."""

    def __init__(self, source: TimeSource, *, clock_hz: int = DEFAULT_CLOCK_HZ, el2_present: bool = True) -> None:
        self.source = source
        self.clock = Clock(clock_hz)
        self.el2_present = el2_present
        self.el1_physical = Timer(IrqLine("EL1 physical timer"), virtual=False)
        self.el1_virtual = Timer(IrqLine("EL1 virtual timer"), virtual=True)
        self.el2_physical = Timer(IrqLine("EL2 physical timer"), virtual=False)
        self.timers = (self.el1_physical, self.el1_virtual, self.el2_physical)
        self.reset()
        self.sysregs: tuple[SysReg, ...] = registers.build(self)

    def reset(self) -> None:
        """Warm reset, to QEMU's values for the architecturally UNKNOWN fields."""
        self.cntfrq = FREQUENCY_HZ
        self.cntkctl = 0
        self.cnthctl = HCTL_RESET
        self.cntvoff = 0
        for timer in self.timers:
            timer.ctl = 0
            timer.cval = 0
        self.update()

    @property
    def highest_el(self) -> int:
        """The Exception level IsHighestEL() names (no EL3 here)."""
        return 2 if self.el2_present else 1

    # -- counting -----------------------------------------------------------------------------------
    def ticks(self) -> int:
        """Counter ticks since the time source's zero (not reduced to 64 bits)."""
        return self.clock.ticks(self.source.cycles())

    def virtual_offset(self) -> int:
        """CNTVOFF_EL2 where EL2 is implemented, otherwise 0 (CNTVCT_EL0's pseudocode)."""
        return self.cntvoff if self.el2_present else 0

    def count(self, timer: Timer) -> int:
        """The count `timer` compares against now: CNTPCT_EL0's or CNTVCT_EL0's value."""
        return self._count_at(timer, self.ticks())

    def _count_at(self, timer: Timer, ticks: int) -> int:
        offset = self.virtual_offset() if timer.virtual else 0
        return (ticks - offset) & MASK64

    def physical_count(self) -> int:
        """CNTPCT_EL0: PhysicalCountInt()."""
        return self.ticks() & MASK64

    def virtual_count(self) -> int:
        """CNTVCT_EL0: PhysicalCountInt() - CNTVOFF_EL2 (modulo 2^64)."""
        return (self.ticks() - self.virtual_offset()) & MASK64

    def cycles_per_tick_shift(self) -> int | None:
        """log2 of the CPU cycles per counter tick when that is a whole power of two (1 GHz: 16
        cycles, shift 4), so that ticks(c) = c >> shift; None otherwise."""
        per_tick, rest = divmod(self.clock.hz, FREQUENCY_HZ)
        if rest or per_tick & (per_tick - 1):
            return None
        return per_tick.bit_length() - 1

    def counter_view(self, virtual: bool, event: int, base: tuple[int, int, int]) -> FastView | None:
        """CNTVCT_EL0 (`virtual`) or CNTPCT_EL0 as the native MRS hook may compute it from now on
        (like Pmu.fast_view): value + (cycles since now + prescale) >> shift, where the cycles are
        the totals of `event` at all ELs, `base` their per-EL values now (the time source's
        cycles() must be their sum plus whatever it adds that changes only with a new view, such
        as the cycles slept in WFI). None when the clock has no power-of-two cycles per tick."""
        shift = self.cycles_per_tick_shift()
        if shift is None:
            return None
        cycles = self.source.cycles()
        ticks = cycles >> shift
        value = (ticks - self.virtual_offset()) & MASK64 if virtual else ticks & MASK64
        return FastView(event, 0b111, value, base, shift, cycles & ((1 << shift) - 1), MASK64)

    def ctl_value(self, timer: Timer) -> int:
        """`timer`'s CTL as an MRS reads it now: ENABLE and IMASK as written, ISTATUS computed."""
        return timer.ctl | (CTL_ISTATUS if timer.istatus(self.count(timer)) else 0)

    def next_status_cycles(self, timers: Iterable[Timer]) -> int | None:
        """The earliest CPU cycle count at which the ISTATUS of one of `timers` (enabled, masked
        or not) changes with time alone, so that a constant copy of their CTL (the native MRS
        hook's) can be refreshed exactly there. Always later than now; None if none can change."""
        ticks = self.ticks()
        changes = [d for d in (timer.ticks_to_status_change(self._count_at(timer, ticks)) for timer in timers)
                   if d is not None]
        return self.clock.first_cycle(ticks + min(changes)) if changes else None

    # -- interrupts ---------------------------------------------------------------------------------
    def update(self) -> None:
        """Drive each timer's line from the current time (CTL.ENABLE and not IMASK and ISTATUS).
        Call it whenever time may have passed; register writes call it themselves."""
        ticks = self.ticks()
        for timer in self.timers:
            timer.irq.set(timer.level(self._count_at(timer, ticks)))

    def next_deadline_cycles(self) -> int | None:
        """Bring the lines up to date, then return the earliest CPU cycle count at which an
        enabled, unmasked timer's line changes: for one that has not fired, the smallest c with
        Clock.ticks(c) >= CVAL (+ CNTVOFF_EL2 for the virtual timer); for one that has, the
        wrap of its 64-bit count. Always later than now; None if no line can change."""
        self.update()
        ticks = self.ticks()
        changes = [d for d in (timer.ticks_to_change(self._count_at(timer, ticks)) for timer in self.timers)
                   if d is not None]
        return self.clock.first_cycle(ticks + min(changes)) if changes else None
