"""Interrupt lines and deadlines: each line is ENABLE and not IMASK and ISTATUS as the time source
advances, and next_deadline_cycles() names the exact cycle at which the next one changes, for CPU
clocks that are and are not multiples of 62.5 MHz."""

from __future__ import annotations

import pytest

from emu.timer import FREQUENCY_HZ
from timer_fakes import Rig

CLOCKS = [1_000_000_000, 62_500_000, 100_000_000, 1_234_567_891, 7_777_777, 31_250_000]
TIMERS = [("CNTP", "EL0", "el1_physical"), ("CNTV", "EL0", "el1_virtual"), ("CNTHP", "EL2", "el2_physical")]


def ticks(hz: int, cycles: int) -> int:
    return cycles * FREQUENCY_HZ // hz


@pytest.mark.parametrize("prefix, el, attr", TIMERS)
def test_istatus_and_level_as_time_advances(prefix: str, el: str, attr: str) -> None:
    rig = Rig()
    line = getattr(rig.timer, attr).irq
    changes: list[bool] = []
    line.connect(changes.append)
    ctl = f"{prefix}_CTL_{el}"
    rig.write(f"{prefix}_CVAL_{el}", 100)
    rig.write(ctl, 1)
    for tick, istatus in [(0, 0), (50, 0), (99, 0), (100, 1), (101, 1), (10**6, 1)]:
        rig.at_tick(tick)
        assert rig.read(ctl) == 1 | istatus << 2, tick
        assert line.level == bool(istatus), tick
    rig.write(ctl, 0b011)  # IMASK: ISTATUS still 1, the line falls
    assert rig.read(ctl) == 0b111 and not line.level
    rig.write(ctl, 0b001)
    assert line.level
    rig.write(ctl, 0)  # disabled: no interrupt
    assert not line.level
    rig.write(ctl, 1)
    rig.write(f"{prefix}_CVAL_{el}", 2 * 10**6)  # CVAL moved ahead: the line falls
    assert not line.level
    assert changes == [True, False, True, False, True, False]
    others = [t.irq for t in rig.timer.timers if t.irq is not line]
    assert not any(other.level for other in others)


def test_lines_are_independent() -> None:
    rig = Rig()
    for prefix, el, _ in TIMERS:
        rig.write(f"{prefix}_CTL_{el}", 1)
    rig.write("CNTP_CVAL_EL0", 10)
    rig.write("CNTV_CVAL_EL0", 20)
    rig.write("CNTHP_CVAL_EL2", 30)
    levels = []
    for tick in (9, 10, 20, 30):
        rig.at_tick(tick)
        levels.append(tuple(t.irq.level for t in rig.timer.timers))
    assert levels == [(False, False, False), (True, False, False), (True, True, False), (True, True, True)]


def test_update_is_needed_for_time_to_show_on_the_lines() -> None:
    rig = Rig()
    rig.write("CNTP_CVAL_EL0", 1)
    rig.write("CNTP_CTL_EL0", 1)
    rig.time.now = 16
    assert not rig.timer.el1_physical.irq.level
    assert rig.read("CNTP_CTL_EL0") == 0b101  # a CTL read updates the lines first
    assert rig.timer.el1_physical.irq.level


def test_no_deadline_when_nothing_can_change() -> None:
    rig = Rig()
    assert rig.timer.next_deadline_cycles() is None
    rig.write("CNTP_CVAL_EL0", 100)
    rig.write("CNTP_CTL_EL0", 0b011)  # enabled but masked
    rig.write("CNTV_CVAL_EL0", 100)  # unmasked but disabled
    rig.write("CNTHP_CVAL_EL2", 0)
    rig.write("CNTHP_CTL_EL2", 1)  # CVAL 0: met forever
    assert rig.timer.el2_physical.irq.level
    assert rig.timer.next_deadline_cycles() is None


@pytest.mark.parametrize("hz", CLOCKS)
@pytest.mark.parametrize("prefix, el, attr", TIMERS)
def test_deadline_is_exact(hz: int, prefix: str, el: str, attr: str) -> None:
    rig = Rig(clock_hz=hz)
    line = getattr(rig.timer, attr).irq
    rig.time.now = 12_345
    if prefix == "CNTV":
        rig.write("CNTVOFF_EL2", 77)
    offset = 77 if prefix == "CNTV" else 0
    for cval in [ticks(hz, 12_345) - offset + d for d in (1, 2, 3, 1000, 987_654)]:
        rig.write(f"{prefix}_CVAL_{el}", cval)
        rig.write(f"{prefix}_CTL_{el}", 1)
        c = rig.timer.next_deadline_cycles()
        assert c is not None and c > rig.time.now
        assert ticks(hz, c) >= cval + offset > ticks(hz, c - 1)  # the smallest such c
        rig.time.now = c - 1
        rig.timer.update()
        assert not line.level and rig.timer.next_deadline_cycles() == c
        rig.time.now = c
        rig.timer.update()
        assert line.level
        rig.write(f"{prefix}_CTL_{el}", 0)
        rig.time.now = 12_345


@pytest.mark.parametrize("hz", CLOCKS)
def test_deadline_is_the_earliest_timer(hz: int) -> None:
    rig = Rig(clock_hz=hz)
    rig.time.now = rig.timer.clock.first_cycle(1000)
    rig.write("CNTVOFF_EL2", 5)
    for name, cval in [("CNTP", 1300), ("CNTV", 1100), ("CNTHP", 1200)]:
        el = "EL2" if name == "CNTHP" else "EL0"
        rig.write(f"{name}_CVAL_{el}", cval)
        rig.write(f"{name}_CTL_{el}", 1)
    clock = rig.timer.clock
    for target, levels in [(1105, (False, True, False)), (1200, (False, True, True)), (1300, (True, True, True))]:
        c = rig.timer.next_deadline_cycles()
        assert c == clock.first_cycle(target)
        rig.time.now = c
        rig.timer.update()
        assert tuple(t.irq.level for t in rig.timer.timers) == levels
    # All fired: the next change is the 64-bit physical count wrapping to 0, below CVAL again.
    assert rig.timer.next_deadline_cycles() == clock.first_cycle(2**64)


def test_deadline_of_a_fired_virtual_timer_is_the_wrap_of_its_count() -> None:
    rig = Rig(clock_hz=100_000_000)
    rig.write("CNTVOFF_EL2", 1000)  # CNTVCT = 2^64 - 1000 at tick 0
    rig.write("CNTV_CVAL_EL0", 2**64 - 2000)
    rig.write("CNTV_CTL_EL0", 1)
    assert rig.timer.el1_virtual.irq.level
    c = rig.timer.next_deadline_cycles()
    assert c is not None and ticks(100_000_000, c) >= 1000 > ticks(100_000_000, c - 1)
    rig.time.now = c - 1
    rig.timer.update()
    assert rig.timer.el1_virtual.irq.level
    rig.time.now = c
    rig.timer.update()
    assert not rig.timer.el1_virtual.irq.level  # CNTVCT wrapped to 0
    assert rig.read("CNTVCT_EL0") == 0


def test_deadline_updates_the_lines_first() -> None:
    rig = Rig()
    rig.write("CNTP_CVAL_EL0", 10)
    rig.write("CNTP_CTL_EL0", 1)
    rig.time.now = 16 * 10  # time passed without an update
    assert rig.timer.next_deadline_cycles() == 16 * 2**64  # fired: only the counter's wrap is left
    assert rig.timer.el1_physical.irq.level
