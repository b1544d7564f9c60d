"""The PMUv3 model (FEAT_PMUv3p1, Arm ARM D12 "The Performance Monitors Extension"): the counters,
their controls, overflow and the overflow interrupt line; with `pmuv3p5`, FEAT_PMUv3p5 too.

FEAT_PMUv3p5 (AArch64.IncrementEventCounter, PMCR_EL0.LP, MDCR_EL2.HLP and HCCD): the event
counters are 64 bits wide (a write stores all 64 bits, and counting carries into bits [63:32]
whatever LP says); a counter of the first range (below HPMN) overflows on a carry out of bit 63
when PMCR_EL0.LP is 1 and out of bit 31 when it is 0, one of the second range likewise under
MDCR_EL2.HLP; an even counter that overflows as a 64-bit counter does not generate CHAIN for the
odd one above it; MDCR_EL2.HCCD stops the cycle counter at EL2. Without it the event counters are
32 bits ([63:32] RES0), LP, HLP and HCCD are RES0, and PMMIR_EL1 does not exist.

Counting follows AArch64.PMUCycle without stepping cycles: `sync()` reads how many events of each
kind happened at each Exception level since the previous sync (an `EventSource`) and adds to every
counter the events its enables and filter admit (CountPMUEvents). Every change of a control is
sync, change, recompute (`update`, after QEMU's pmu_op_start/pmu_op_finish), so a sync always
counts under the controls that were in force. `watches()` says how far each counter is from its
next overflow, for a hook that stops exactly there before the next sync. A sync applies EL0's
events, then EL1's, then EL2's; the order only matters to a CHAIN counter that filters differently
from the even counter below it, and not at all if the caller also syncs when the EL changes.

Filtering (CountPMUEvents with no EL3 and the PE Non-secure): U excludes EL0, P excludes EL1, NSH
includes EL2; NSK, NSU and M are stored but have no effect. MDCR_EL2.HPMD prohibits counting at
EL2 by the first range (counters below HPMN), and by the cycle counter when PMCR_EL0.DP is 1
(ExternalSecureNoninvasiveDebugEnabled() is taken as FALSE: no external debugger).

Skid: the model is architectural, so `irq` follows CheckForPMUOverflow at the instruction that
overflows. A skid of k instructions belongs between this line and the interrupt controller (a
line that repeats rising edges k instructions late); nothing in the PMU changes.

The state attributes are the registers' storage, for inspection; change them only through the
registers (`sysregs`), which keep the counting consistent.
"""

from __future__ import annotations

from typing import Callable, NamedTuple

from emu.arch.pmuv3 import IMPLEMENTED, Event
from emu.irq import IrqLine
from emu.pmu import registers
from emu.pmu.access import effective_hpmn
from emu.pmu.fields import (
    C, CYCLE, EVTCOUNT, FILTER_NSH, FILTER_P, FILTER_U, MASK32, MASK64, MDCR_HCCD, MDCR_HLP, MDCR_HPMD,
    MDCR_HPME, PMCR_D, PMCR_DP, PMCR_E, PMCR_LC, PMCR_LP,
)
from emu.pmu.source import EventSource, Watch
from emu.sysreg.desc import SysReg

# Events the source counts; SW_INCR comes from PMSWINC_EL0 and CHAIN from the counter below.
SOURCE_EVENTS = frozenset(int(e) for e in IMPLEMENTED - {Event.SW_INCR, Event.CHAIN})
ELS = (0, 1, 2)
_WRAP = 1 << 32
_CHAIN, _SW_INCR, _CPU_CYCLES = int(Event.CHAIN), int(Event.SW_INCR), int(Event.CPU_CYCLES)
class FastView(NamedTuple):
    """See `Pmu.fast_view`."""

    event: int
    el_mask: int
    value: int
    base: tuple[int, int, int]
    shift: int
    prescale: int
    mask: int


# One counter's part of a sync at one EL: (counter, counts CHAIN, the (EL, event) it adds).
_Step = tuple[int, bool, tuple[int, int]]


class Pmu:
    """PMCR_EL0.N = `n` event counters (0 to 31) and the cycle counter, counting the events of
    `source`, with its overflow interrupt request on `irq`; `pmuv3p5` adds FEAT_PMUv3p5 (64-bit
    event counters)."""

    def __init__(self, source: EventSource, irq: IrqLine, *, n: int = 6, pmuv3p5: bool = False) -> None:
        if not 0 <= n <= 31:
            raise ValueError(f"PMCR_EL0.N must be 0 to 31, not {n}")
        self.source = source
        self.irq = irq
        self.n = n
        self.pmuv3p5 = pmuv3p5
        # The width of PMEVCNTR<n>_EL0: 64 bits with FEAT_PMUv3p5, else 32 ([63:32] RES0).
        self.counter_mask = MASK64 if pmuv3p5 else MASK32
        self._long = 0  # the event counters that overflow at bit 63 (LP/HLP), one bit each
        self._base: dict[tuple[int, int], int] = {}
        # Called with the counters that wrapped (bit 31: the cycle counter) after each sync or
        # change that counted: the overflow events themselves, not writes of PMOVSSET_EL0.
        self.on_overflow: Callable[[int], None] | None = None
        # Further observers of the same overflows (a tracer), called after `on_overflow`.
        self.overflow_listeners: list[Callable[[int], None]] = []
        self._wrapped = 0
        self.reset()
        self.sysregs: tuple[SysReg, ...] = registers.build(self)

    def reset(self) -> None:
        """Warm reset. Architecturally UNKNOWN fields reset to 0, as on QEMU; PMCR_EL0.E and
        MDCR_EL2.HPMD reset to 0 and MDCR_EL2.HPMN to N, as the Arm ARM says."""
        self.pmcr = 0  # the stored fields: E, D, X, DP, LC (and LP with FEAT_PMUv3p5)
        self.pmcntenset = 0  # PMCNTENSET_EL0 and PMCNTENCLR_EL0 are views of it
        self.pmovsset = 0  # PMOVSSET_EL0 / PMOVSCLR_EL0
        self.pmintenset = 0  # PMINTENSET_EL1 / PMINTENCLR_EL1
        self.pmselr = 0
        self.pmuserenr = 0
        self.pmccntr = 0
        self.pmccfiltr = 0
        self.pmevcntr = [0] * self.n
        self.pmevtyper = [0] * self.n
        self.mdcr_el2 = self.n  # HPMN = N
        self._prescale = 0  # cycles counted since PMCCNTR_EL0's last increment under PMCR_EL0.D
        self._recompute()
        self._update_irq()

    @property
    def hpmn(self) -> int:
        """The counters below it are the first range (PMCR_EL0.E), the others the second
        (MDCR_EL2.HPME): GetPMUCounterRange."""
        return effective_hpmn(self.mdcr_el2, self.n)

    # -- counting ---------------------------------------------------------------------------------
    def is_long(self, idx: int) -> bool:
        """Whether event counter `idx` overflows on a carry out of bit 63 (FEAT_PMUv3p5 with
        PMCR_EL0.LP for the first range, MDCR_EL2.HLP for the second) rather than bit 31."""
        if not self.pmuv3p5:
            return False
        return bool(self.pmcr & PMCR_LP if idx < self.hpmn else self.mdcr_el2 & MDCR_HLP)

    def counting_els(self, idx: int) -> int:
        """CountPMUEvents(idx) at each Exception level, one bit per EL (idx = 31: the cycle counter)."""
        if idx == CYCLE:
            enabled = self.pmcr & PMCR_E and self.pmcntenset & C
            filt = self.pmccfiltr
            prohibited_at_el2 = (self.mdcr_el2 & MDCR_HPMD and self.pmcr & PMCR_DP
                                 or self.pmuv3p5 and self.mdcr_el2 & MDCR_HCCD)
        else:
            first_range = idx < self.hpmn
            global_enable = self.pmcr & PMCR_E if first_range else self.mdcr_el2 & MDCR_HPME
            enabled = global_enable and self.pmcntenset >> idx & 1
            filt = self.pmevtyper[idx]
            prohibited_at_el2 = first_range and self.mdcr_el2 & MDCR_HPMD
        if not enabled:
            return 0
        el2 = 4 if filt & FILTER_NSH and not prohibited_at_el2 else 0
        return (0 if filt & FILTER_U else 1) | (0 if filt & FILTER_P else 2) | el2

    def _counts(self, idx: int, event: int) -> bool:
        """An implemented event; CHAIN only on an odd counter in the same range as the even one
        below it (across ranges it is CONSTRAINED UNPREDICTABLE: emu does not count it)."""
        if event == _CHAIN:
            return idx & 1 == 1 and (idx < self.hpmn) == (idx - 1 < self.hpmn)
        return event in IMPLEMENTED

    def _recompute(self) -> None:
        """After a change: for each EL, the counters counting there in index order and the source
        total each one reads; the watches' shape; the source totals to start from; the overflow
        flags that can interrupt."""
        self._long = sum(1 << idx for idx in range(self.n) if self.is_long(idx))
        plan = []
        for idx in range(self.n):
            mask, event = self.counting_els(idx), self.pmevtyper[idx] & EVTCOUNT
            if mask and self._counts(idx, event):
                plan.append((idx, event, mask))
        self._steps = tuple(tuple((idx, event == _CHAIN, (el, event)) for idx, event, mask in plan if mask >> el & 1)
                            for el in ELS)
        self._cycle_els = self.counting_els(CYCLE)
        self._cycle_keys = tuple((el, _CPU_CYCLES) for el in ELS if self._cycle_els >> el & 1)
        counting = {idx: (event, mask) for idx, event, mask in plan}
        watched = []
        for idx, event, mask in plan:
            if event in SOURCE_EVENTS:
                watched.append((idx, idx, event, mask))
            elif event == _CHAIN and idx - 1 in counting and not self._long >> (idx - 1) & 1:
                below, below_mask = counting[idx - 1]
                if below in SOURCE_EVENTS and below_mask & mask:
                    watched.append((idx, idx - 1, below, below_mask))
        self._watched = tuple(watched)
        first = (1 << self.hpmn) - 1
        self._interrupting = ((first | C if self.pmcr & PMCR_E else 0)
                              | ((1 << self.n) - 1 & ~first if self.mdcr_el2 & MDCR_HPME else 0))
        keys = {key for steps in self._steps for _, _, key in steps if key[1] in SOURCE_EVENTS}
        keys.update(self._cycle_keys)
        old = self._base  # up to date: a sync came first
        self._base = {key: old[key] if key in old else self.source.total(*key) for key in keys}

    def sync(self) -> None:
        """Bring every counter up to date: add the events of the source since the previous sync,
        set the overflow flags of the counters that wrapped, drive the interrupt line."""
        total = self.source.total
        base = self._base
        deltas: dict[tuple[int, int], int] = {}
        for key, before in base.items():
            now = total(*key)
            if now != before:
                deltas[key] = now - before
                base[key] = now
        if not deltas:
            return
        flags = self.pmovsset
        for steps in self._steps:
            self._increment(steps, deltas)
        cycles = 0
        for key in self._cycle_keys:
            cycles += deltas.get(key, 0)
        if cycles:
            self._count_cycles(cycles)
        if self.pmovsset != flags:
            self._update_irq()
        self._report_wraps()

    def _report_wraps(self) -> None:
        wrapped, self._wrapped = self._wrapped, 0
        if wrapped:
            if self.on_overflow is not None:
                self.on_overflow(wrapped)
            for listener in self.overflow_listeners:
                listener(wrapped)

    def _increment(self, steps: tuple[_Step, ...], deltas: dict[tuple[int, int], int]) -> None:
        """The event counters' part of AArch64.PMUCycle at one EL: each counter adds the
        delta of its (EL, event) (AArch64.IncrementEventCounter: an overflow flag on each carry
        out of bit 31, or of bit 63 for a long counter); a CHAIN counter adds the 32-bit wraps of
        the even counter below it (none when that one is long)."""
        counters = self.pmevcntr
        width, long_ = self.counter_mask, self._long
        prev_idx, prev_wraps = -1, 0
        for idx, chain, key in steps:
            if chain:
                inc = prev_wraps if prev_idx == idx - 1 else 0
            else:
                inc = deltas.get(key, 0)
            wraps = 0
            if inc:
                old = counters[idx]
                value = old + inc
                counters[idx] = value & width
                if long_ >> idx & 1:
                    overflow, wraps = value >> 64, 0  # a long counter generates no CHAIN
                else:
                    overflow = wraps = ((old & MASK32) + inc) >> 32
                if overflow:
                    self.pmovsset |= 1 << idx
                    self._wrapped |= 1 << idx
            prev_idx, prev_wraps = idx, wraps

    def _count_cycles(self, cycles: int) -> None:
        """AArch64.IncrementCycleCounter for `cycles` cycles: one count every 64 under PMCR_EL0.D
        (ignored when LC is 1); overflow on a carry out of bit 31 (LC = 0) or bit 63 (LC = 1)."""
        if self.pmcr & PMCR_LC:
            value = self.pmccntr + cycles
            overflow = value >> 64
        else:
            if self.pmcr & PMCR_D:
                cycles, self._prescale = divmod(self._prescale + cycles, 64)
            value = self.pmccntr + cycles
            overflow = ((self.pmccntr & MASK32) + cycles) >> 32
        self.pmccntr = value & MASK64
        if overflow:
            self.pmovsset |= C
            self._wrapped |= C

    def software_increment(self, el: int, counters: int) -> None:
        """PMUSwIncrement at `el` for the counters of `counters` (already limited to the
        accessible ones): SW_INCR to those counting it, CHAIN carries included. Call it inside
        `update`."""
        steps = tuple(step for step in self._steps[el]
                      if step[1] or (step[2][1] == _SW_INCR and counters >> step[0] & 1))
        self._increment(steps, {(el, _SW_INCR): 1})

    def reset_event_counters(self, counters: int) -> None:
        """PMCR_EL0.P for the counters of `counters`: zero them, overflow flags untouched."""
        for idx in range(self.n):
            if counters >> idx & 1:
                self.pmevcntr[idx] = 0

    def update(self, change: Callable[[], None]) -> None:
        """Every change of PMU state: sync, change, recompute (and drive the interrupt line)."""
        self.sync()
        change()
        self._recompute()
        self._update_irq()
        self._report_wraps()

    # -- overflow -----------------------------------------------------------------------------------
    def watches(self) -> list[Watch]:
        """For each counter that counts events of the source: how many more of them, at the ELs
        it counts at, until its next overflow (a carry out of bit 31, or of bit 63 for a long
        counter under FEAT_PMUv3p5). For an odd CHAIN counter: until its own overflow,
        in events of the even counter below it (exact when the odd counter counts at every EL the
        even one does; otherwise never late). For the cycle counter: in cycles, PMCR_EL0.D and the
        cycles already counted towards the next increment included."""
        out: list[Watch] = []
        for idx, even, event, mask in self._watched:
            if self._long >> idx & 1:  # FEAT_PMUv3p5, LP/HLP: a carry out of bit 63
                remaining = (1 << 64) - self.pmevcntr[idx]
            else:
                remaining = _WRAP - (self.pmevcntr[even] & MASK32)
                if idx != even:
                    remaining += (MASK32 - (self.pmevcntr[idx] & MASK32)) * _WRAP
            out.append(Watch(event, mask, remaining))
        if self._cycle_els:
            if self.pmcr & PMCR_LC:
                cycles = (1 << 64) - self.pmccntr
            else:
                ticks = _WRAP - (self.pmccntr & MASK32)
                cycles = ticks * 64 - self._prescale if self.pmcr & PMCR_D else ticks
            out.append(Watch(_CPU_CYCLES, self._cycle_els, cycles))
        return out

    def fast_view(self, idx: int) -> FastView | None:
        """Counter `idx` (31: the cycle counter) as a reader outside Python may compute it right
        after a sync: value + (events of `event` since `base` at the ELs of `el_mask` +
        `prescale`) >> `shift`, masked to its width. None when only the model can say (an odd
        counter that counts CHAIN)."""
        if idx == CYCLE:
            els = self._cycle_els
            lc = self.pmcr & PMCR_LC
            shift = 6 if self.pmcr & PMCR_D and not lc else 0
            return FastView(_CPU_CYCLES, els, self.pmccntr, self._bases(els, _CPU_CYCLES), shift,
                            self._prescale if shift else 0, MASK64)
        event = self.pmevtyper[idx] & EVTCOUNT
        if event == _CHAIN:
            return None
        els = self.counting_els(idx) if event in SOURCE_EVENTS else 0
        return FastView(event, els, self.pmevcntr[idx], self._bases(els, event), 0, 0, self.counter_mask)

    def _bases(self, els: int, event: int) -> tuple[int, int, int]:
        base = self._base
        return (base.get((0, event), 0) if els & 1 else 0, base.get((1, event), 0) if els & 2 else 0,
                base.get((2, event), 0) if els & 4 else 0)

    def irq_level(self) -> bool:
        """CheckForPMUOverflow's interrupt request: an overflow flag whose PMINTENSET_EL1 bit is
        set, for a counter whose range is enabled (PMCR_EL0.E for the first range and the cycle
        counter, MDCR_EL2.HPME for the second)."""
        return bool(self.pmovsset & self.pmintenset & self._interrupting)

    def _update_irq(self) -> None:
        self.irq.set(self.irq_level())
