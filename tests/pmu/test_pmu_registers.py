"""PMU registers: reset values, read-only and reserved bits, SET/CLR views of one state, the
PMSELR_EL0 indirection and the EL0/EL1 view of the counters below MDCR_EL2.HPMN."""

from __future__ import annotations

import pytest

from emu.arch.pmuv3 import Event, pmceid
from emu.irq import IrqLine
from emu.pmu import Pmu
from emu.sysreg import Decision
from pmu_fakes import FakeSource, Rig

ONES = (1 << 64) - 1
A57_PMCR = 0x4101_3000  # IMP 0x41, IDCODE 0x01, N 6

RESET = {
    "PMCR_EL0": A57_PMCR, "PMCNTENSET_EL0": 0, "PMCNTENCLR_EL0": 0, "PMOVSSET_EL0": 0, "PMOVSCLR_EL0": 0,
    "PMINTENSET_EL1": 0, "PMINTENCLR_EL1": 0, "PMSELR_EL0": 0, "PMCEID0_EL0": pmceid()[0],
    "PMCEID1_EL0": pmceid()[1], "PMCCNTR_EL0": 0, "PMXEVTYPER_EL0": 0, "PMXEVCNTR_EL0": 0, "PMUSERENR_EL0": 0,
    "PMCCFILTR_EL0": 0, "MDCR_EL2": 6,
} | {f"PMEVCNTR{n}_EL0": 0 for n in range(6)} | {f"PMEVTYPER{n}_EL0": 0 for n in range(6)}


def test_reset_values() -> None:
    rig = Rig()
    for name, value in RESET.items():
        assert rig.read(name) == value == rig.registry.by_name(name).reset, name
    assert rig.registry.by_name("PMSWINC_EL0").write_only
    assert rig.registry.by_name("PMCEID0_EL0").read_only and rig.registry.by_name("PMCEID1_EL0").read_only
    assert not rig.line.level


def test_pmceid_advertises_the_implemented_events() -> None:
    rig = Rig()
    low, high = rig.read("PMCEID0_EL0"), rig.read("PMCEID1_EL0")
    assert {e for e in range(32) if low >> e & 1} == {e for e in Event if e < 32}
    assert {32 + e for e in range(32) if high >> e & 1} == {
        Event.BR_RETIRED, Event.STALL_FRONTEND, Event.STALL_BACKEND}


def test_pmceid1_has_the_events_pmuv3p1_requires() -> None:
    # FEAT_PMUv3p1 (PMUVer 0b0100) requires STALL_FRONTEND (0x23) and STALL_BACKEND (0x24):
    # PMCEID1_EL0 bit n is event 0x20 + n.
    assert Rig().read("PMCEID1_EL0") == 1 << 1 | 1 << 3 | 1 << 4 == 0x1A


def test_every_counter_register_exists_for_31_counters() -> None:
    rig = Rig()
    for n in range(31):
        assert rig.registry.by_name(f"PMEVCNTR{n}_EL0").encoding == (3, 3, 14, 8 + n // 8, n % 8)
        assert rig.registry.by_name(f"PMEVTYPER{n}_EL0").encoding == (3, 3, 14, 12 + n // 8, n % 8)
    assert len(rig.registry) == 17 + 62


@pytest.mark.parametrize("n", [0, 1, 6, 31])
def test_pmcr_n_is_configurable_and_hpmn_resets_to_it(n: int) -> None:
    rig = Rig(n)
    assert rig.read("PMCR_EL0") >> 11 & 0x1F == n
    assert rig.read("MDCR_EL2") == n
    assert rig.registry.by_name("PMCR_EL0").reset == 0x4101_0000 | n << 11


@pytest.mark.parametrize("n", [-1, 32])
def test_bad_n(n: int) -> None:
    with pytest.raises(ValueError, match="PMCR_EL0.N must be 0 to 31"):
        Pmu(FakeSource(), IrqLine("pmu"), n=n)


@pytest.mark.parametrize(("name", "readback"), [
    ("PMCR_EL0", A57_PMCR | 0x79),  # E D X DP LC; P C write-only; N IDCODE IMP read-only; rest RES0
    ("PMCNTENSET_EL0", 1 << 31 | 0x3F),  # C and P0..P5: unimplemented counters RAZ/WI
    ("PMINTENSET_EL1", 1 << 31 | 0x3F),
    ("PMOVSSET_EL0", 1 << 31 | 0x3F),
    ("PMSELR_EL0", 0x1F),
    ("PMUSERENR_EL0", 0xF),
    ("PMCCNTR_EL0", ONES),  # 64 bits
    ("PMCCFILTR_EL0", 0xFC00_0000),  # P U NSK NSU NSH M
    ("PMEVCNTR3_EL0", 0xFFFF_FFFF),  # 32 bits
    ("PMEVTYPER3_EL0", 0xFC00_FFFF),  # P U NSK NSU NSH M, evtCount[15:0]
    ("MDCR_EL2", 0x2_0FFF),  # HPMN TPMCR TPM HPME TDE TDA TDOSA TDRA, HPMD
])
def test_writable_bits(name: str, readback: int) -> None:
    rig = Rig()
    rig.write(name, ONES)
    assert rig.read(name) == readback


def test_pmcr_p_and_c_read_as_zero_and_reset_counters() -> None:
    rig = Rig()
    for n in range(6):
        rig.write(f"PMEVCNTR{n}_EL0", 100 + n)
    rig.write("PMCCNTR_EL0", 1 << 40)
    rig.write("PMOVSSET_EL0", 0x8000_0003)
    rig.write("PMCR_EL0", 0b100)  # C
    assert rig.read("PMCCNTR_EL0") == 0 and rig.read("PMEVCNTR0_EL0") == 100
    rig.write("PMCR_EL0", 0b010)  # P
    assert [rig.read(f"PMEVCNTR{n}_EL0") for n in range(6)] == [0] * 6
    assert rig.read("PMCR_EL0") & 0b110 == 0
    assert rig.read("PMOVSSET_EL0") == 0x8000_0003  # overflow flags untouched


def test_pmcr_p_from_el1_resets_only_the_first_range() -> None:
    rig = Rig()
    for n in range(6):
        rig.write(f"PMEVCNTR{n}_EL0", 7)
    rig.write("MDCR_EL2", 4)  # HPMN = 4
    rig.write("PMCR_EL0", 0b010, el=1)
    assert [rig.read(f"PMEVCNTR{n}_EL0") for n in range(6)] == [0, 0, 0, 0, 7, 7]


@pytest.mark.parametrize(("state", "set_", "clr"), [
    ("pmcntenset", "PMCNTENSET_EL0", "PMCNTENCLR_EL0"),
    ("pmovsset", "PMOVSSET_EL0", "PMOVSCLR_EL0"),
    ("pmintenset", "PMINTENSET_EL1", "PMINTENCLR_EL1"),
])
def test_set_and_clear_are_views_of_one_state(state: str, set_: str, clr: str) -> None:
    rig = Rig()
    rig.write(set_, 0b1010)
    rig.write(set_, 1 << 31 | 0b0001)
    assert rig.read(set_) == rig.read(clr) == 1 << 31 | 0b1011 == getattr(rig.pmu, state)
    rig.write(clr, 0b0011)
    assert rig.read(set_) == rig.read(clr) == 1 << 31 | 0b1000
    rig.write(clr, 0)  # writing zeros changes nothing
    rig.write(set_, 0)
    assert rig.read(clr) == 1 << 31 | 0b1000


def test_counter_bits_at_or_above_hpmn_are_raz_wi_below_el2() -> None:
    rig = Rig()
    rig.write("MDCR_EL2", 2)  # HPMN = 2
    rig.write("PMCNTENSET_EL0", 0x8000_003F, el=1)
    assert rig.read("PMCNTENSET_EL0", el=2) == 0x8000_0003
    rig.write("PMCNTENSET_EL0", 0x3C, el=2)
    assert rig.read("PMCNTENSET_EL0", el=1) == 0x8000_0003
    assert rig.read("PMCNTENCLR_EL0", el=2) == 0x8000_003F
    rig.write("PMCNTENCLR_EL0", 0x3F, el=1)
    assert rig.read("PMCNTENSET_EL0", el=2) == 0x8000_003C
    rig.write("PMUSERENR_EL0", 1)
    assert rig.read("PMCNTENSET_EL0", el=0) == 0x8000_0000
    rig.write("PMINTENSET_EL1", 0xFF, el=1)
    rig.write("PMOVSSET_EL0", 0xFF, el=0)
    assert rig.read("PMINTENSET_EL1", el=2) == 0x3 and rig.read("PMOVSSET_EL0", el=2) == 0x3


def test_pmcr_n_reads_hpmn_below_el2() -> None:
    rig = Rig()
    rig.write("MDCR_EL2", 3)
    rig.write("PMUSERENR_EL0", 1)
    assert [rig.read("PMCR_EL0", el) >> 11 & 0x1F for el in (0, 1, 2)] == [3, 3, 6]


@pytest.mark.parametrize(("hpmn", "effective"), [(0, 0), (7, 6), (31, 6)])
def test_reserved_hpmn_values(hpmn: int, effective: int) -> None:
    """CONSTRAINED UNPREDICTABLE: emu reads back what was written and uses min(HPMN, N)."""
    rig = Rig()
    rig.write("MDCR_EL2", hpmn)
    assert rig.read("MDCR_EL2") == hpmn
    assert rig.read("PMCR_EL0", el=1) >> 11 & 0x1F == effective
    assert rig.pmu.hpmn == effective


def test_pmselr_selects_the_counter_pmxev_registers_view() -> None:
    rig = Rig()
    rig.write("PMSELR_EL0", 3)
    rig.write("PMXEVTYPER_EL0", 0x8000_0011)
    rig.write("PMXEVCNTR_EL0", 1234)
    assert rig.read("PMEVTYPER3_EL0") == 0x8000_0011 and rig.read("PMEVCNTR3_EL0") == 1234
    rig.write("PMEVCNTR3_EL0", 99)
    rig.write("PMEVTYPER3_EL0", 0x21)
    assert rig.read("PMXEVCNTR_EL0") == 99 and rig.read("PMXEVTYPER_EL0") == 0x21
    rig.write("PMSELR_EL0", 0)
    assert rig.read("PMXEVCNTR_EL0") == 0 and rig.read("PMXEVTYPER_EL0") == 0


def test_pmselr_31_selects_pmccfiltr_for_pmxevtyper() -> None:
    rig = Rig()
    rig.write("PMSELR_EL0", 31)
    rig.write("PMXEVTYPER_EL0", ONES)
    assert rig.read("PMCCFILTR_EL0") == 0xFC00_0000 == rig.read("PMXEVTYPER_EL0")
    rig.write("PMCCFILTR_EL0", 1 << 31)
    assert rig.read("PMXEVTYPER_EL0") == 1 << 31
    # PMXEVCNTR_EL0 with SEL = 31 is CONSTRAINED UNPREDICTABLE: emu makes it UNDEFINED.
    assert rig.access("PMXEVCNTR_EL0", 2, True).decision is Decision.UNDEFINED
    assert rig.access("PMXEVCNTR_EL0", 2, False, 5).decision is Decision.UNDEFINED


def test_pmswinc_reads_are_undefined_and_writes_do_not_store() -> None:
    rig = Rig()
    rig.write("PMSWINC_EL0", ONES)
    assert rig.access("PMSWINC_EL0", 2, True).decision is Decision.UNDEFINED
    assert rig.access("PMCEID0_EL0", 2, False, 1).decision is Decision.UNDEFINED


def test_reset_restores_everything() -> None:
    rig = Rig()
    for name in RESET:
        rig.access(name, 2, False, ONES)  # PMXEVCNTR_EL0 is UNDEFINED once PMSELR_EL0.SEL is 31
    assert rig.read("PMCCNTR_EL0") == ONES and rig.read("MDCR_EL2") == 0x2_0FFF
    rig.pmu.reset()
    for name, value in RESET.items():
        assert rig.read(name) == value, name
