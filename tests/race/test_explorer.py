"""The race explorer: windows, points, determinism across serial, process-pool and Dask sweeps,
and bad input."""

from __future__ import annotations

import json

import pytest

from emu.errors import UsageError
from emu.hyp.strategies import STRATEGIES, GuestStateCheck
from emu.race.explorer import Spec, WindowError, dumps, run_points, select_window, sweep, timeline
from emu.race.scenarios import scenario_image

WINDOW = "guest_yield:host_between_loop"


def _symbols(name: str) -> dict[str, int]:
    return dict(scenario_image(name).symbols)


def test_the_window_lists_instructions_and_phases_in_order() -> None:
    points, reference = timeline(Spec("host-and-guest", "toggle-naive", WINDOW))
    window = select_window(points, WINDOW, _symbols("host-and-guest"))
    assert [p.where() for p in window] == [
        "guest_yield", "phase save_guest", "phase vgic_save", "phase switch_pmu_to_host",
        "phase deactivate_traps", "phase restore_host", "phase sync", "host_back", "host_back+0x4",
        "host_back+0x8", "host_back+0xc", "host_between_loop"]
    assert [p.offset for p in window] == list(range(12))
    assert all(a.cycle <= b.cycle for a, b in zip(window, window[1:]))
    assert reference.outcome() == "ok" and reference.host_raised == 0  # no natural host overflow in race mode


def test_sweeping_twice_gives_identical_results() -> None:
    spec = Spec("host-and-guest", "toggle-naive", WINDOW)
    first, second = sweep(spec), sweep(spec)
    assert first.verdicts == second.verdicts
    assert dumps(first) == dumps(second)


def test_the_process_pool_gives_the_serial_results() -> None:
    spec = Spec("host-and-guest", "toggle-naive", "host_back:guest_yield")
    serial, pooled = sweep(spec, jobs=1), sweep(spec, jobs=2)
    assert len(serial.points) > 100
    assert pooled.verdicts == serial.verdicts


def test_dask_gives_the_serial_results() -> None:
    distributed = pytest.importorskip("distributed")
    spec = Spec("host-and-guest", "active-state", WINDOW)
    serial = sweep(spec)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster, distributed.Client(cluster) as client:
        on_dask = sweep(spec, dask=client, chunk=5)
    assert on_dask.verdicts == serial.verdicts
    assert [p.offset for p in on_dask.points] == list(range(len(serial.points)))


def test_an_injection_at_a_point_matches_a_run_from_reset() -> None:
    """The forked snapshot adds nothing: the point's verdict equals a fresh run with the event."""
    spec = Spec("host-and-guest", "toggle-naive", WINDOW)
    points, _ = timeline(spec)
    window = select_window(points, WINDOW, _symbols("host-and-guest"))
    from emu.race.explorer import _arm
    from emu.race.scenarios import build, finish, scenario
    for point in (window[0], window[5], window[7]):
        machine, hyp, recorder = build("host-and-guest", "toggle-naive", patch=scenario("host-and-guest").race_patch)
        _arm(machine, hyp, point)
        fresh = finish(machine, recorder, lambda: machine.run(2_000_000))
        assert run_points(spec, [point])[0] == fresh


def test_json_output_has_every_point() -> None:
    result = sweep(Spec("host-and-guest", "toggle-naive", WINDOW))
    data = json.loads(dumps(result))
    assert data["points"] == len(data["results"]) == 12
    assert data["results"][0]["outcome"] == "host-lost+guest-spurious+left-active"
    assert data["results"][6]["phase"] == "sync" and data["results"][6]["outcome"] == "ok"
    assert [r["outcome"] for r in data["ranges"]] == ["host-lost+guest-spurious+left-active", "ok"]


@pytest.mark.parametrize("window, message", [
    ("nowhere:host_back", "'nowhere' is neither a label"),
    ("guest_yield:guest_yield", "is empty"),
    ("host_between_loop:host_perf_done", "window is reversed"),
    ("guest_stuck:host_back", "never reached"),
    ("host_back", "FROM:TO"),
])
def test_bad_windows(window: str, message: str) -> None:
    with pytest.raises((WindowError, UsageError), match=message):
        sweep(Spec("host-and-guest", "toggle-naive", window))


class Boom(GuestStateCheck):
    name = "boom"

    def sync_hwstate(self) -> None:
        if self.hyp.machine.pmu.pmovsset & 1 << 5:
            raise ValueError("the host's flag is set")
        super().sync_hwstate()


def test_a_raising_strategy_is_reported_and_the_sweep_goes_on() -> None:
    STRATEGIES["boom"] = Boom
    try:
        result = sweep(Spec("host-and-guest", "boom", WINDOW))
    finally:
        del STRATEGIES["boom"]
    errors = [v for v in result.verdicts if v.error]
    fine = [v for v in result.verdicts if not v.error]
    assert errors and fine
    assert all(v.error == "the strategy 'boom' raised ValueError: the host's flag is set in the phase 'sync'"
               for v in errors)
    assert {r["outcome"] for r in result.ranges} >= {"error", "ok"}
