"""The outcomes the 2014 thread predicts, as the scenario matrix and the race explorer find them."""

from __future__ import annotations

import pytest

from emu.hyp.strategies import STRATEGIES
from emu.race.explorer import Spec, sweep
from emu.race.scenarios import SCENARIOS, run_scenario, scenario
from emu.race.verdict import KEYS, Verdict


def test_always_forward_loses_host_interrupts_in_host_only() -> None:
    """Scenario 1: the PMU IRQ in forwarding mode from init; the host's handler leaves it active
    for a guest that never runs, so the host handles none of its overflows."""
    v = run_scenario("host-only", "always-forward")
    assert (v.host_raised, v.host_handled, v.host_lost, v.host_left_active, v.left_active) == (1, 0, 1, 1, 1)


@pytest.mark.parametrize("name", [n for n in STRATEGIES if n != "always-forward"])
def test_every_other_strategy_serves_host_only(name: str) -> None:
    v = run_scenario("host-only", name)
    assert (v.host_raised, v.host_handled, v.host_lost, v.host_delay_max) == (8, 8, 0, 59)


def test_toggle_naive_gives_the_hosts_overflow_to_the_guest() -> None:
    """Scenario 2: the host counter overflows after the guest exits, before sync; sync takes the
    pending PMU IRQ for the guest's, the guest finds no overflow of its own (spurious), and the
    host never handles it."""
    v = run_scenario("host-and-guest", "toggle-naive")
    assert (v.host_raised, v.host_handled, v.host_lost) == (1, 0, 1)
    assert v.guest_spurious == 2 and v.guest_raised == v.guest_delivered == 2
    assert v.left_active == 1


def test_toggle_naive_for_every_offset_between_guest_exit_and_sync() -> None:
    result = sweep(Spec("host-and-guest", "toggle-naive", "guest_yield:host_between_loop"))
    sync = next(p.offset for p in result.points if p.phase == "sync")
    before = result.verdicts[:sync]
    assert [p.where() for p in result.points[:sync]] == [
        "guest_yield", "phase save_guest", "phase vgic_save", "phase switch_pmu_to_host",
        "phase deactivate_traps", "phase restore_host"]
    assert all(v.host_lost == 1 and v.host_handled == 0 and v.guest_spurious >= 1 for v in before)
    assert all(v.outcome() == "ok" and v.host_handled == 1 for v in result.verdicts[sync:])


@pytest.mark.parametrize("name", ["guest-state-check", "emulated"])
@pytest.mark.parametrize("scenario_name", list(SCENARIOS))
def test_guest_state_check_and_emulated_lose_nothing(name: str, scenario_name: str) -> None:
    v = run_scenario(scenario_name, name)
    assert v.outcome() == "ok", v
    assert v.host_lost == v.guest_missed == v.guest_spurious == v.left_active == 0
    assert v.host_handled == v.host_raised and v.guest_delivered == v.guest_raised


@pytest.mark.parametrize("name", ["guest-state-check", "emulated"])
@pytest.mark.parametrize("scenario_name", list(SCENARIOS))
def test_guest_state_check_and_emulated_lose_nothing_at_any_point(name: str, scenario_name: str) -> None:
    sc = scenario(scenario_name)
    result = sweep(Spec(scenario_name, name, sc.window, sc.event))
    assert {v.outcome() for v in result.verdicts} == {"ok"}
    if sc.event == "host-overflow":
        assert all(v.host_raised >= 1 and v.host_handled == v.host_raised for v in result.verdicts)
    else:
        assert all(v.guest_raised >= 1 and v.guest_delivered == v.guest_raised for v in result.verdicts)


def test_guest_overflow_at_exit_is_delivered_by_every_strategy() -> None:
    for name in STRATEGIES:
        v = run_scenario("guest-overflow-at-exit", name)
        assert (v.guest_raised, v.guest_delivered, v.guest_missed, v.guest_spurious) == (1, 1, 0, 0), name


def test_active_state_what_the_explorer_finds() -> None:
    """The reply's order keeps the host's state off the PMU until sync has captured and cleared
    the guest's: an overflow placed anywhere from the guest's exit to the host's unmask reaches
    the host (README, "What the explorer finds")."""
    result = sweep(Spec("host-and-guest", "active-state", "guest_yield:host_between_loop"))
    assert {v.outcome() for v in result.verdicts} == {"ok"}
    assert all(v.host_handled == 1 for v in result.verdicts)


def test_partitioned_delays_the_guest_to_its_next_entry() -> None:
    """The partitioned PMU keeps the shared IRQ disabled while the guest runs: a guest overflow
    is seen at the next exit and delivered at the entry after (README)."""
    v = run_scenario("guest-only", "partitioned")
    w = run_scenario("guest-only", "guest-state-check")
    assert v.outcome() == "ok"
    assert v.guest_delay_max > w.guest_delay_max
    assert v.guest_raised < w.guest_raised  # the counter is reloaded only when the guest handles it


def test_verdict_keys_are_fixed() -> None:
    assert KEYS == ("host_raised", "host_handled", "host_lost", "host_delay_max", "host_left_active",
                    "guest_raised", "guest_delivered", "guest_missed", "guest_delay_max", "guest_spurious",
                    "left_active", "spi_raised", "spi_handled")
    assert list(Verdict().as_dict()) == list(KEYS) + ["error"]


@pytest.mark.parametrize("name", list(STRATEGIES))
def test_an_spi_anywhere_in_the_window_reaches_the_host(name: str) -> None:
    """The explorer's SPI event: with HCR_EL2.IMO the SPI exits the guest, and the host takes
    it once it unmasks; no strategy touches it."""
    result = sweep(Spec("host-and-guest", name, "guest_yield:host_between_loop", "spi"))
    assert all((v.spi_raised, v.spi_handled) == (1, 1) for v in result.verdicts)
