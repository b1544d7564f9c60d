"""The CPU clock: cycles to counter ticks and back, exactly, for clocks that are and are not
multiples of 62.5 MHz."""

from __future__ import annotations

import pytest

from emu.timer import DEFAULT_CLOCK_HZ, FREQUENCY_HZ, Clock

CLOCKS = [DEFAULT_CLOCK_HZ, 62_500_000, 100_000_000, 1_234_567_891, 2_000_000_001, 7, 31_250_000]


def test_default_is_one_ghz_sixteen_cycles_per_tick() -> None:
    clock = Clock()
    assert clock.hz == 1_000_000_000 and FREQUENCY_HZ == 62_500_000
    assert [clock.ticks(c) for c in (0, 15, 16, 31, 32, 16 * 10**9)] == [0, 0, 1, 1, 2, 10**9]


@pytest.mark.parametrize("hz", CLOCKS)
def test_ticks_is_floor_of_the_exact_ratio(hz: int) -> None:
    clock = Clock(hz)
    for c in [0, 1, 2, 15, 16, 17, 999, 10**6 + 3, 10**12 + 7, 2**70 + 1]:
        assert clock.ticks(c) == c * FREQUENCY_HZ // hz
        assert clock.ticks(c) * hz <= c * FREQUENCY_HZ < (clock.ticks(c) + 1) * hz


@pytest.mark.parametrize("hz", CLOCKS)
def test_first_cycle_is_the_smallest_cycle_reaching_a_tick(hz: int) -> None:
    clock = Clock(hz)
    for t in [0, 1, 2, 3, 61, 62, 63, 10**6 + 1, 2**64 - 1, 2**64, 2**64 + 5]:
        c = clock.first_cycle(t)
        assert clock.ticks(c) >= t
        assert c == 0 or clock.ticks(c - 1) < t


@pytest.mark.parametrize("hz", [0, -1])
def test_bad_clock(hz: int) -> None:
    with pytest.raises(ValueError, match="positive number of Hz"):
        Clock(hz)
