"""Counting from cumulative event totals: filters by EL, enables and ranges (PMCR_EL0.E,
MDCR_EL2.HPME/HPMD), PMCR_EL0.D and LC, 32-bit wrap, CHAIN, SW_INCR through PMSWINC_EL0."""

from __future__ import annotations

import pytest

from emu.arch.pmuv3 import Event
from pmu_fakes import Rig

P, U, NSK, NSU, NSH, M = (1 << i for i in range(31, 25, -1))
E, D, DP, LC = 1, 1 << 3, 1 << 5, 1 << 6
HPME, HPMD = 1 << 7, 1 << 17
INST, CYCLES = Event.INST_RETIRED, Event.CPU_CYCLES


def advance_all(rig: Rig, event: int, counts: tuple[int, int, int] = (5, 7, 11)) -> None:
    for el, n in enumerate(counts):
        rig.source.advance(el, event, n)


@pytest.mark.parametrize(("filt", "expected"), [
    (0, 5 + 7),  # EL0 and EL1; EL2 only with NSH
    (NSH, 5 + 7 + 11),
    (U | NSH, 7 + 11),
    (P, 5),
    (P | U, 0),
    (NSK | NSU | M, 5 + 7),  # RES0 without EL3: stored, no effect
    (P | U | NSK | NSU | M | NSH, 11),
])
def test_filter_by_exception_level(filt: int, expected: int) -> None:
    rig = Rig()
    rig.count(0, INST, filt=filt)
    advance_all(rig, INST)
    assert rig.read("PMEVCNTR0_EL0") == expected


def test_only_its_own_event_is_counted() -> None:
    rig = Rig()
    rig.count(1, Event.BR_RETIRED, filt=NSH)
    advance_all(rig, INST)
    rig.source.advance(1, Event.BR_RETIRED, 3)
    assert rig.read("PMEVCNTR1_EL0") == 3


@pytest.mark.parametrize("event", [0x01, 0x1F, 0x4000, 0xFFFF])
def test_unimplemented_events_do_not_count(event: int) -> None:
    rig = Rig()
    rig.count(0, event, filt=NSH)
    for el in (0, 1, 2):
        rig.source.advance(el, event, 10)
    assert rig.pmu.watches() == []
    assert rig.read("PMEVCNTR0_EL0") == 0


def test_disabled_counters_do_not_count_and_do_not_catch_up() -> None:
    rig = Rig()
    rig.write("PMEVTYPER0_EL0", INST)
    rig.write("PMCR_EL0", E)
    rig.source.advance(1, INST, 10)  # PMCNTENSET_EL0.P0 = 0
    rig.write("PMCNTENSET_EL0", 1)
    rig.source.advance(1, INST, 3)
    assert rig.read("PMEVCNTR0_EL0") == 3
    rig.write("PMCR_EL0", 0)
    rig.source.advance(1, INST, 100)
    rig.write("PMCR_EL0", E)
    assert rig.read("PMEVCNTR0_EL0") == 3


def test_a_change_counts_what_came_before_under_the_old_controls() -> None:
    rig = Rig()
    rig.count(0, INST)
    rig.source.advance(0, INST, 4)
    rig.write("PMEVTYPER0_EL0", U | INST)  # sync first: the 4 EL0 events count
    rig.source.advance(0, INST, 100)
    rig.source.advance(1, INST, 1)
    assert rig.read("PMEVCNTR0_EL0") == 5
    rig.write("PMEVTYPER0_EL0", Event.BR_RETIRED)
    rig.source.advance(1, INST, 50)
    assert rig.read("PMEVCNTR0_EL0") == 5


def test_writing_a_counter_restarts_from_the_written_value() -> None:
    rig = Rig()
    rig.count(0, INST)
    rig.source.advance(1, INST, 10)
    rig.write("PMEVCNTR0_EL0", 1000)
    rig.source.advance(1, INST, 1)
    assert rig.read("PMEVCNTR0_EL0") == 1001


def test_event_counters_are_32_bits() -> None:
    rig = Rig()
    rig.count(0, INST)
    rig.write("PMEVCNTR0_EL0", 0xFFFF_FFFE)
    rig.source.advance(1, INST, 3)
    assert rig.read("PMEVCNTR0_EL0") == 1
    assert rig.read("PMOVSSET_EL0") == 1


def test_first_and_second_range() -> None:
    """HPMN = 2: counters 0-1 are enabled by PMCR_EL0.E, counters 2-5 by MDCR_EL2.HPME."""
    rig = Rig()
    rig.write("MDCR_EL2", 2)
    rig.count(0, INST)
    rig.count(3, INST)
    rig.source.advance(1, INST, 1)
    assert (rig.read("PMEVCNTR0_EL0"), rig.read("PMEVCNTR3_EL0")) == (1, 0)
    rig.write("MDCR_EL2", 2 | HPME)
    rig.write("PMCR_EL0", 0)
    rig.source.advance(1, INST, 10)
    assert (rig.read("PMEVCNTR0_EL0"), rig.read("PMEVCNTR3_EL0")) == (1, 10)


def test_hpmd_prohibits_the_first_range_at_el2() -> None:
    rig = Rig()
    rig.write("MDCR_EL2", 2 | HPME | HPMD)
    rig.count(0, INST, filt=NSH)
    rig.count(3, INST, filt=NSH)
    advance_all(rig, INST)
    assert (rig.read("PMEVCNTR0_EL0"), rig.read("PMEVCNTR3_EL0")) == (12, 23)


@pytest.mark.parametrize(("pmcr", "expected"), [(E, 23), (E | DP, 12)])
def test_hpmd_stops_the_cycle_counter_at_el2_only_with_dp(pmcr: int, expected: int) -> None:
    rig = Rig()
    rig.write("MDCR_EL2", 6 | HPMD)
    rig.write("PMCCFILTR_EL0", NSH)
    rig.write("PMCNTENSET_EL0", 1 << 31)
    rig.write("PMCR_EL0", pmcr)
    advance_all(rig, CYCLES)
    assert rig.read("PMCCNTR_EL0") == expected


def cycle_counter(rig: Rig, pmcr: int, filt: int = NSH) -> None:
    rig.write("PMCCFILTR_EL0", filt)
    rig.write("PMCNTENSET_EL0", 1 << 31)
    rig.write("PMCR_EL0", E | pmcr)


@pytest.mark.parametrize(("filt", "expected"), [(0, 12), (NSH, 23), (P | NSH, 16), (U, 7)])
def test_cycle_counter_filter(filt: int, expected: int) -> None:
    rig = Rig()
    cycle_counter(rig, 0, filt)
    advance_all(rig, CYCLES)
    assert rig.read("PMCCNTR_EL0") == expected


def test_pmcr_d_counts_every_64th_cycle_and_keeps_the_remainder() -> None:
    rig = Rig()
    cycle_counter(rig, D)
    rig.source.advance(1, CYCLES, 63)
    assert rig.read("PMCCNTR_EL0") == 0
    rig.source.advance(2, CYCLES, 1)
    assert rig.read("PMCCNTR_EL0") == 1
    rig.source.advance(0, CYCLES, 130)
    assert rig.read("PMCCNTR_EL0") == 3
    rig.source.advance(1, CYCLES, 62)
    assert rig.read("PMCCNTR_EL0") == 4


def test_lc_makes_pmcr_d_ignored() -> None:
    rig = Rig()
    cycle_counter(rig, D | LC)
    rig.source.advance(1, CYCLES, 100)
    assert rig.read("PMCCNTR_EL0") == 100


def test_cycle_counter_overflows_at_2_32_without_lc() -> None:
    rig = Rig()
    cycle_counter(rig, 0)
    rig.write("PMCCNTR_EL0", 0x1_FFFF_FFFF)
    rig.source.advance(1, CYCLES, 2)
    assert rig.read("PMCCNTR_EL0") == 0x2_0000_0001  # 64 bits kept
    assert rig.read("PMOVSSET_EL0") == 1 << 31


def test_cycle_counter_overflows_at_2_64_with_lc() -> None:
    rig = Rig()
    cycle_counter(rig, LC)
    rig.write("PMCCNTR_EL0", 0xFFFF_FFFF)
    rig.source.advance(1, CYCLES, 1)
    assert rig.read("PMCCNTR_EL0") == 0x1_0000_0000 and rig.read("PMOVSSET_EL0") == 0
    rig.write("PMCCNTR_EL0", (1 << 64) - 1)
    rig.source.advance(1, CYCLES, 2)
    assert rig.read("PMCCNTR_EL0") == 1 and rig.read("PMOVSSET_EL0") == 1 << 31


def test_chain_counts_the_overflows_of_the_even_counter() -> None:
    rig = Rig()
    rig.count(0, INST)
    rig.count(1, Event.CHAIN)
    rig.write("PMEVCNTR0_EL0", 0xFFFF_FFFF)
    rig.source.advance(1, INST, 1)
    assert (rig.read("PMEVCNTR0_EL0"), rig.read("PMEVCNTR1_EL0"), rig.read("PMOVSSET_EL0")) == (0, 1, 0b01)
    rig.source.advance(1, INST, 3 << 32 | 5)
    assert (rig.read("PMEVCNTR0_EL0"), rig.read("PMEVCNTR1_EL0")) == (5, 4)
    rig.write("PMEVCNTR1_EL0", 0xFFFF_FFFF)
    rig.write("PMEVCNTR0_EL0", 0xFFFF_FFFF)
    rig.source.advance(1, INST, 1)
    assert (rig.read("PMEVCNTR0_EL0"), rig.read("PMEVCNTR1_EL0"), rig.read("PMOVSSET_EL0")) == (0, 0, 0b11)


def test_chain_counts_only_where_the_odd_counter_counts() -> None:
    rig = Rig()
    rig.count(0, INST)
    rig.count(1, Event.CHAIN, filt=U)  # not at EL0
    rig.write("PMEVCNTR0_EL0", 0xFFFF_FFFF)
    rig.source.advance(0, INST, 1)
    assert (rig.read("PMEVCNTR0_EL0"), rig.read("PMEVCNTR1_EL0")) == (0, 0)
    rig.write("PMEVCNTR0_EL0", 0xFFFF_FFFF)
    rig.source.advance(1, INST, 1)
    assert rig.read("PMEVCNTR1_EL0") == 1


def test_chain_needs_the_odd_counter_enabled() -> None:
    rig = Rig()
    rig.count(0, INST)
    rig.write("PMEVTYPER1_EL0", Event.CHAIN)
    rig.write("PMEVCNTR0_EL0", 0xFFFF_FFFF)
    rig.source.advance(1, INST, 1)
    assert rig.read("PMEVCNTR1_EL0") == 0


def test_chain_on_an_even_counter_does_not_count() -> None:
    rig = Rig()
    rig.count(1, INST)
    rig.count(2, Event.CHAIN)
    rig.write("PMEVCNTR1_EL0", 0xFFFF_FFFF)
    rig.source.advance(1, INST, 1)
    assert rig.read("PMEVCNTR2_EL0") == 0


def test_chain_across_the_hpmn_boundary_does_not_count() -> None:
    """CONSTRAINED UNPREDICTABLE (Unpredictable_COUNT_CHAIN): emu does not count it."""
    rig = Rig()
    rig.write("MDCR_EL2", 1 | HPME)
    rig.count(0, INST)
    rig.count(1, Event.CHAIN)
    rig.write("PMEVCNTR0_EL0", 0xFFFF_FFFF)
    rig.source.advance(1, INST, 1)
    assert (rig.read("PMEVCNTR0_EL0"), rig.read("PMEVCNTR1_EL0")) == (0, 0)


def test_pmswinc_increments_sw_incr_counters_at_the_writing_el() -> None:
    rig = Rig()
    rig.count(0, Event.SW_INCR)
    rig.count(2, Event.SW_INCR, filt=U)
    rig.count(3, INST)
    rig.write("PMSWINC_EL0", 0b1111, el=1)
    rig.write("PMSWINC_EL0", 0b1101, el=2)  # NSH = 0: not counted at EL2
    rig.write("PMUSERENR_EL0", 1)
    rig.write("PMSWINC_EL0", 0b0101, el=0)
    assert [rig.read(f"PMEVCNTR{n}_EL0") for n in range(4)] == [2, 0, 1, 0]


def test_pmswinc_ignores_counters_at_or_above_hpmn_below_el2() -> None:
    rig = Rig()
    rig.write("MDCR_EL2", 2 | HPME)
    rig.count(0, Event.SW_INCR)
    rig.count(4, Event.SW_INCR, filt=NSH)
    rig.write("PMSWINC_EL0", 0b10001, el=1)
    assert (rig.read("PMEVCNTR0_EL0"), rig.read("PMEVCNTR4_EL0")) == (1, 0)
    rig.write("PMSWINC_EL0", 0b10001, el=2)
    assert (rig.read("PMEVCNTR0_EL0"), rig.read("PMEVCNTR4_EL0")) == (1, 1)


def test_pmswinc_needs_the_counter_enabled() -> None:
    rig = Rig()
    rig.write("PMEVTYPER0_EL0", Event.SW_INCR)
    rig.write("PMCNTENSET_EL0", 1)
    rig.write("PMSWINC_EL0", 1, el=1)  # PMCR_EL0.E = 0
    assert rig.read("PMEVCNTR0_EL0") == 0


def test_chained_software_increment() -> None:
    rig = Rig()
    rig.count(0, Event.SW_INCR)
    rig.count(1, Event.CHAIN)
    rig.write("PMEVCNTR0_EL0", 0xFFFF_FFFF)
    rig.write("PMSWINC_EL0", 1, el=1)
    assert (rig.read("PMEVCNTR0_EL0"), rig.read("PMEVCNTR1_EL0"), rig.read("PMOVSSET_EL0")) == (0, 1, 1)


def test_counting_resumes_from_zero_after_pmcr_p_and_c() -> None:
    rig = Rig()
    rig.count(0, INST)
    cycle_counter(rig, 0)
    rig.source.advance(1, INST, 10)
    rig.source.advance(1, CYCLES, 20)
    rig.write("PMCR_EL0", E | 0b110)
    rig.source.advance(1, INST, 1)
    rig.source.advance(1, CYCLES, 2)
    assert (rig.read("PMEVCNTR0_EL0"), rig.read("PMCCNTR_EL0")) == (1, 2)


def test_source_events_per_el_are_independent() -> None:
    """Two counters on the same event with different filters see their own ELs."""
    rig = Rig()
    rig.count(0, INST, filt=P)
    rig.count(1, INST, filt=U | NSH)
    for _ in range(3):
        advance_all(rig, INST, (1, 2, 3))
        rig.pmu.sync()
    assert (rig.read("PMEVCNTR0_EL0"), rig.read("PMEVCNTR1_EL0")) == (3, 15)
