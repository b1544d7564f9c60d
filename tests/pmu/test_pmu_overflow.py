"""Overflow: PMOVSSET_EL0 flags, the interrupt line's level, and watches() exactness (advance the
source by exactly `remaining`: the overflow happens there, and not one event earlier)."""

from __future__ import annotations

import pytest

from emu.arch.pmuv3 import Event
from emu.pmu import Watch
from pmu_fakes import Rig

P, U, NSH = 1 << 31, 1 << 30, 1 << 27
E, D, LC = 1, 1 << 3, 1 << 6
HPME = 1 << 7
INST, CYCLES = Event.INST_RETIRED, Event.CPU_CYCLES
C = 1 << 31


def levels(rig: Rig) -> list[bool]:
    seen: list[bool] = []
    rig.line.connect(seen.append)
    return seen


def test_line_follows_flags_interrupt_enables_and_pmcr_e() -> None:
    rig = Rig()
    seen = levels(rig)
    rig.count(0, INST)
    rig.write("PMEVCNTR0_EL0", 0xFFFF_FFFF)
    rig.source.advance(1, INST, 1)
    rig.pmu.sync()
    assert rig.read("PMOVSSET_EL0") == 1 and not rig.line.level  # PMINTENSET_EL1.P0 = 0
    rig.write("PMINTENSET_EL1", 1)
    assert rig.line.level
    rig.write("PMCNTENCLR_EL0", 1)  # the counter's own enable does not matter
    assert rig.line.level
    rig.write("PMCR_EL0", 0)
    assert not rig.line.level
    rig.write("PMCR_EL0", E)
    rig.write("PMINTENCLR_EL1", 1)
    assert not rig.line.level
    rig.write("PMINTENSET_EL1", 1)
    rig.write("PMOVSCLR_EL0", 1)
    assert not rig.line.level
    rig.write("PMOVSSET_EL0", 1)  # a software-set flag interrupts too
    assert rig.line.level
    assert seen == [True, False, True, False, True, False, True]


def test_second_range_overflow_interrupts_under_hpme() -> None:
    rig = Rig()
    rig.write("MDCR_EL2", 2)
    rig.write("PMINTENSET_EL1", 0b1000)
    rig.write("PMOVSSET_EL0", 0b1000)
    rig.write("PMCR_EL0", E)
    assert not rig.line.level
    rig.write("MDCR_EL2", 2 | HPME)
    assert rig.line.level
    rig.write("MDCR_EL2", 4 | HPME)  # counter 3 moves to the first range: PMCR_EL0.E
    assert rig.line.level
    rig.write("PMCR_EL0", 0)
    assert not rig.line.level


def test_cycle_counter_overflow_interrupts() -> None:
    rig = Rig()
    rig.write("PMINTENSET_EL1", C)
    rig.write("PMCNTENSET_EL0", C)
    rig.write("PMCR_EL0", E)
    rig.write("PMCCNTR_EL0", 0xFFFF_FFFF)
    rig.source.advance(1, CYCLES, 1)
    assert not rig.line.level  # nothing synced yet
    rig.pmu.sync()
    assert rig.line.level and rig.read("PMOVSCLR_EL0") == C


def test_no_watches_without_counting_counters() -> None:
    rig = Rig()
    assert rig.pmu.watches() == []
    rig.count(0, Event.SW_INCR)
    rig.count(2, Event.CHAIN)  # even: never counts
    rig.write("PMEVTYPER1_EL0", INST)  # not enabled
    rig.count(3, INST, filt=P | U)  # counts nowhere
    assert rig.pmu.watches() == []


def reach(rig: Rig, watch: Watch, els: tuple[int, ...], n: int) -> None:
    """Advance `watch.event` by `n` spread over `els` (all admitted by the watch)."""
    assert all(watch.el_mask >> el & 1 for el in els)
    share, rest = divmod(n, len(els))
    for i, el in enumerate(els):
        rig.source.advance(el, watch.event, share + (1 if i < rest else 0))
    rig.pmu.sync()


def only(rig: Rig) -> Watch:
    (watch,) = rig.pmu.watches()
    return watch


@pytest.mark.parametrize(("start", "filt", "els"), [
    (0, 0, (0, 1)),
    (0xFFFF_FFFF, P | U | NSH, (2,)),
    (0x1234_5678, U | NSH, (1, 2)),
    (0xFFFF_FF00, P, (0,)),
])
def test_event_counter_watch_is_exact(start: int, filt: int, els: tuple[int, ...]) -> None:
    rig = Rig()
    rig.count(4, INST, filt=filt)
    rig.write("PMEVCNTR4_EL0", start)
    watch = only(rig)
    mask = sum(1 << el for el in els)
    assert watch == Watch(INST, mask, (1 << 32) - start)
    for el in (0, 1, 2):
        if not mask >> el & 1:
            rig.source.advance(el, INST, 1 << 33)  # not counted: no effect on the watch
    reach(rig, watch, els, watch.remaining - 1)
    assert rig.read("PMOVSSET_EL0") == 0 and rig.read("PMEVCNTR4_EL0") == 0xFFFF_FFFF
    assert only(rig).remaining == 1
    reach(rig, watch, els, 1)
    assert rig.read("PMOVSSET_EL0") == 1 << 4 and rig.read("PMEVCNTR4_EL0") == 0
    assert only(rig).remaining == 1 << 32


@pytest.mark.parametrize(("pmcr", "start", "prescale", "remaining"), [
    (0, 0x1_FFFF_FFF0, 0, 16),  # overflow on the carry out of bit 31
    (LC, (1 << 64) - 10, 0, 10),
    (LC, 0xFFFF_FFFF, 0, (1 << 64) - 0xFFFF_FFFF),
    (D, 0xFFFF_FFFE, 5, 2 * 64 - 5),  # every 64th cycle, 5 already counted towards the next
    (D | LC, (1 << 64) - 3, 0, 3),  # D ignored under LC
])
def test_cycle_counter_watch_is_exact(pmcr: int, start: int, prescale: int, remaining: int) -> None:
    rig = Rig()
    rig.write("PMCCFILTR_EL0", NSH)
    rig.write("PMCNTENSET_EL0", C)
    rig.write("PMCR_EL0", E | pmcr)
    rig.source.advance(0, CYCLES, prescale)
    rig.pmu.sync()
    rig.write("PMCCNTR_EL0", start)
    watch = only(rig)
    assert watch == Watch(CYCLES, 0b111, remaining)
    reach(rig, watch, (0, 1, 2), remaining - 1)
    assert rig.read("PMOVSSET_EL0") == 0
    reach(rig, watch, (2,), 1)
    assert rig.read("PMOVSSET_EL0") == C


def test_chained_pair_watch_is_exact() -> None:
    rig = Rig()
    rig.count(2, Event.BR_RETIRED)
    rig.count(3, Event.CHAIN)
    rig.write("PMEVCNTR2_EL0", 0xFFFF_FFF0)
    rig.write("PMEVCNTR3_EL0", 0xFFFF_FFFE)
    even, pair = rig.pmu.watches()
    assert even == Watch(Event.BR_RETIRED, 0b011, 16)
    assert pair == Watch(Event.BR_RETIRED, 0b011, 16 + (1 << 32))
    reach(rig, pair, (0, 1), pair.remaining - 1)
    assert rig.read("PMEVCNTR3_EL0") == 0xFFFF_FFFF and rig.read("PMOVSSET_EL0") == 1 << 2
    reach(rig, pair, (1,), 1)
    assert rig.read("PMEVCNTR3_EL0") == 0 and rig.read("PMOVSSET_EL0") == 0b1100


def test_chained_pair_watch_is_never_late_when_the_odd_counter_filters_more() -> None:
    rig = Rig()
    rig.count(0, INST)
    rig.count(1, Event.CHAIN, filt=U)
    rig.write("PMEVCNTR0_EL0", 0xFFFF_FFFF)
    rig.write("PMEVCNTR1_EL0", 0xFFFF_FFFF)
    pair = rig.pmu.watches()[1]
    assert pair == Watch(INST, 0b011, 1)  # in events of counter 0, at its ELs
    reach(rig, pair, (0,), 1)  # the overflow happened at EL0: the odd counter does not count it
    assert rig.read("PMEVCNTR1_EL0") == 0xFFFF_FFFF
    assert rig.pmu.watches()[1].remaining == 1 << 32


def test_no_pair_watch_when_the_even_counter_counts_software_increments() -> None:
    rig = Rig()
    rig.count(0, Event.SW_INCR)
    rig.count(1, Event.CHAIN)
    assert rig.pmu.watches() == []


def test_one_watch_per_counting_counter() -> None:
    rig = Rig()
    rig.count(0, INST)
    rig.count(1, CYCLES, filt=NSH)
    rig.count(5, Event.MEM_ACCESS, filt=P)
    rig.write("PMCNTENSET_EL0", C)
    rig.write("PMEVCNTR5_EL0", 7)
    assert rig.pmu.watches() == [
        Watch(INST, 0b011, 1 << 32), Watch(CYCLES, 0b111, 1 << 32),
        Watch(Event.MEM_ACCESS, 0b001, (1 << 32) - 7), Watch(CYCLES, 0b011, 1 << 32),
    ]
