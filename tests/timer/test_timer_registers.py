"""Generic timer registers: encodings (Arm ARM D24.10), reset values, read-only and reserved bits,
the TVAL view of CVAL (negative values and wrap), CNTVOFF_EL2 and the virtual count."""

from __future__ import annotations

import pytest

from emu.sysreg import Decision
from timer_fakes import TICK, Rig

ONES = (1 << 64) - 1
MASK32 = (1 << 32) - 1

# name: (op0, op1, CRn, CRm, op2), reset value read at EL2 with the time source at 0
REGISTERS = {
    "CNTFRQ_EL0": ((3, 3, 14, 0, 0), 62_500_000),
    "CNTPCT_EL0": ((3, 3, 14, 0, 1), 0),
    "CNTVCT_EL0": ((3, 3, 14, 0, 2), 0),
    "CNTVOFF_EL2": ((3, 4, 14, 0, 3), 0),
    "CNTKCTL_EL1": ((3, 0, 14, 1, 0), 0),
    "CNTHCTL_EL2": ((3, 4, 14, 1, 0), 3),
    "CNTP_TVAL_EL0": ((3, 3, 14, 2, 0), 0),
    "CNTP_CTL_EL0": ((3, 3, 14, 2, 1), 0),
    "CNTP_CVAL_EL0": ((3, 3, 14, 2, 2), 0),
    "CNTV_TVAL_EL0": ((3, 3, 14, 3, 0), 0),
    "CNTV_CTL_EL0": ((3, 3, 14, 3, 1), 0),
    "CNTV_CVAL_EL0": ((3, 3, 14, 3, 2), 0),
    "CNTHP_TVAL_EL2": ((3, 4, 14, 2, 0), 0),
    "CNTHP_CTL_EL2": ((3, 4, 14, 2, 1), 0),
    "CNTHP_CVAL_EL2": ((3, 4, 14, 2, 2), 0),
}
TIMERS = [("CNTP", "EL0", "el1_physical"), ("CNTV", "EL0", "el1_virtual"), ("CNTHP", "EL2", "el2_physical")]
# register: the bits a write of all ones leaves set
WRITABLE = {
    "CNTFRQ_EL0": MASK32, "CNTVOFF_EL2": ONES, "CNTKCTL_EL1": 0x3FF, "CNTHCTL_EL2": 0xFF,
    "CNTP_CVAL_EL0": ONES, "CNTV_CVAL_EL0": ONES, "CNTHP_CVAL_EL2": ONES,
}


def test_encodings_and_reset_values() -> None:
    rig = Rig()
    assert {reg.name for reg in rig.registry} == set(REGISTERS)
    for name, (encoding, reset) in REGISTERS.items():
        reg = rig.registry.by_name(name)
        assert reg.encoding == encoding, name
        assert rig.read(name) == reset == reg.reset, name
    for timer in rig.timer.timers:
        assert not timer.irq.level


def test_counters_are_read_only() -> None:
    rig = Rig()
    for name in ("CNTPCT_EL0", "CNTVCT_EL0"):
        assert rig.registry.by_name(name).read_only
        for el in (0, 1, 2):
            assert rig.access(name, el, False, 5).decision is Decision.UNDEFINED
    assert not any(reg.write_only for reg in rig.registry)


@pytest.mark.parametrize("name", sorted(WRITABLE))
def test_reserved_bits_ignore_writes(name: str) -> None:
    rig = Rig()
    rig.write(name, ONES)
    assert rig.read(name) == WRITABLE[name]
    rig.write(name, 0)
    assert rig.read(name) == 0


@pytest.mark.parametrize("prefix, el, attr", TIMERS)
def test_ctl_stores_enable_and_imask_and_istatus_is_read_only(prefix: str, el: str, attr: str) -> None:
    rig = Rig()
    ctl, cval = f"{prefix}_CTL_{el}", f"{prefix}_CVAL_{el}"
    rig.write(cval, 10)
    rig.write(ctl, ONES)  # ENABLE, IMASK; ISTATUS and [63:3] ignored
    assert rig.read(ctl) == 0b011
    assert getattr(rig.timer, attr).ctl == 0b011
    rig.at_tick(10)
    assert rig.read(ctl) == 0b111
    rig.write(ctl, 0b100)  # disabled: ISTATUS reads 0 (UNKNOWN in the Arm ARM; QEMU's 0)
    assert rig.read(ctl) == 0
    rig.write(ctl, 0b001)
    assert rig.read(ctl) == 0b101


@pytest.mark.parametrize("prefix, el, attr", TIMERS)
def test_tval_is_cval_minus_count_in_32_bits(prefix: str, el: str, attr: str) -> None:
    rig = Rig()
    tval, cval = f"{prefix}_TVAL_{el}", f"{prefix}_CVAL_{el}"
    rig.at_tick(1000)
    rig.write(tval, 250)
    assert rig.read(cval) == 1250
    assert rig.read(tval) == 250
    rig.at_tick(1200)
    assert rig.read(tval) == 50
    rig.at_tick(1300)  # past CVAL: -50, bits [31:0] zero-extended
    assert rig.read(tval) == (-50) & MASK32 == 0xFFFF_FFCE
    rig.write(tval, 0xFFFF_FFFF_FFFF_FF9C)  # -100: only bits [31:0] count, sign-extended
    assert rig.read(cval) == 1200
    rig.write(tval, 0xDEAD_BEEF_8000_0000)  # INT32_MIN
    assert rig.read(cval) == (1300 - 2**31) & ONES  # before the counter's zero: wraps
    rig.write(tval, 0x7FFF_FFFF)  # INT32_MAX
    assert rig.read(cval) == 1300 + 2**31 - 1
    rig.write(cval, 1300 + 2**33)  # more than 32 bits ahead: TVAL keeps bits [31:0] only
    assert rig.read(tval) == 0


@pytest.mark.parametrize("prefix, el, attr", TIMERS)
def test_negative_tval_before_the_counter_reaches_it_wraps_cval(prefix: str, el: str, attr: str) -> None:
    rig = Rig()
    rig.at_tick(5)
    rig.write(f"{prefix}_TVAL_{el}", -10 & MASK32)
    assert rig.read(f"{prefix}_CVAL_{el}") == 2**64 - 5
    rig.write(f"{prefix}_CTL_{el}", 1)
    assert rig.read(f"{prefix}_CTL_{el}") == 1  # count 5 < CVAL 2^64 - 5: not met
    assert rig.read(f"{prefix}_TVAL_{el}") == -10 & MASK32
    assert not getattr(rig.timer, attr).irq.level


def test_tval_reads_while_disabled_follow_the_counter() -> None:
    rig = Rig()
    rig.write("CNTP_CVAL_EL0", 100)
    rig.at_tick(40)
    assert rig.read("CNTP_TVAL_EL0") == 60  # UNKNOWN in the Arm ARM; QEMU's CVAL - count


def test_counters_follow_the_time_source() -> None:
    rig = Rig()
    for cycles, ticks in [(0, 0), (15, 0), (16, 1), (16_000, 1000), (10**12, 10**12 // 16)]:
        rig.time.now = cycles
        assert rig.read("CNTPCT_EL0") == rig.read("CNTVCT_EL0") == ticks
    rig.time.now = TICK * (2**64 + 3)  # PhysicalCountInt is 64 bits
    assert rig.read("CNTPCT_EL0") == 3


def test_cntfrq_writes_do_not_change_counting() -> None:
    rig = Rig()
    rig.write("CNTFRQ_EL0", 0x1_0000_1234)
    assert rig.read("CNTFRQ_EL0") == 0x1234
    rig.time.now = 160
    assert rig.read("CNTPCT_EL0") == 10


def test_cntvoff_offsets_the_virtual_count_and_timer() -> None:
    rig = Rig()
    rig.at_tick(1000)
    rig.write("CNTVOFF_EL2", 300)
    for el in (1, 2):
        assert rig.read("CNTVCT_EL0", el) == 700
    assert rig.read("CNTPCT_EL0") == 1000
    rig.write("CNTV_TVAL_EL0", 50)  # CVAL = CNTVCT + 50
    assert rig.read("CNTV_CVAL_EL0") == 750
    rig.write("CNTV_CTL_EL0", 1)
    rig.at_tick(1049)
    assert not rig.timer.el1_virtual.irq.level and rig.read("CNTV_TVAL_EL0") == 1
    rig.at_tick(1050)
    assert rig.timer.el1_virtual.irq.level and rig.read("CNTV_CTL_EL0") == 0b101
    rig.write("CNTVOFF_EL2", 301)  # the virtual count goes back below CVAL: the line falls
    assert not rig.timer.el1_virtual.irq.level


def test_a_virtual_count_ahead_of_the_physical_one_wraps() -> None:
    rig = Rig()
    rig.at_tick(10)
    rig.write("CNTVOFF_EL2", 20)
    assert rig.read("CNTVCT_EL0") == 2**64 - 10
    rig.write("CNTV_CVAL_EL0", 2**64 - 5)
    rig.write("CNTV_CTL_EL0", 1)
    rig.at_tick(15)
    assert rig.timer.el1_virtual.irq.level
    rig.at_tick(20)  # CNTVCT wraps to 0, below CVAL again
    assert rig.read("CNTVCT_EL0") == 0
    assert not rig.timer.el1_virtual.irq.level


def test_without_el2_the_virtual_count_is_the_physical_count() -> None:
    rig = Rig(el2_present=False)
    rig.timer.cntvoff = 123  # not reachable by software without EL2; ignored
    rig.time.now = 16 * 500
    assert rig.read("CNTVCT_EL0", el=1) == rig.read("CNTPCT_EL0", el=1) == 500


def test_reset_restores_every_register_and_lowers_the_lines() -> None:
    rig = Rig()
    for name, value in [("CNTFRQ_EL0", 1), ("CNTVOFF_EL2", 7), ("CNTKCTL_EL1", 0x3FF), ("CNTHCTL_EL2", 0)]:
        rig.write(name, value)
    for prefix, el, _ in TIMERS:
        rig.write(f"{prefix}_CVAL_{el}", 0)
        rig.write(f"{prefix}_CTL_{el}", 1)
    assert all(t.irq.level for t in rig.timer.timers)
    rig.timer.reset()
    rig.time.now = 0
    for name, (_, reset) in REGISTERS.items():
        assert rig.read(name) == reset, name
    assert not any(t.irq.level for t in rig.timer.timers)
