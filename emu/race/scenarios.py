"""The KVM PMU scenarios of the 2014 thread (asm/scenarios/) and how to run one under a strategy.

A scenario is an image with a host and a guest (asm/scenarios/world.S) and its parameters; a
run builds a Machine with emu.hyp.world.KvmHypervisor and the strategy, records the verdict's
events, and returns the Verdict."""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from emu.board.loader import Image, load_image
from emu.errors import EmuError, UsageError
from emu.hyp.strategies import strategy as make_strategy
from emu.hyp.world import KvmHypervisor, PhaseCost
from emu.machine import Machine
from emu.race.verdict import Recorder, Verdict

SCENARIO_DIR = Path(__file__).resolve().parents[2] / "asm" / "scenarios"
MAX_INSNS = 2_000_000


@dataclass(frozen=True)
class Scenario:
    name: str
    file: str
    summary: str
    window: str  # the race explorer's default --window
    event: str  # the race explorer's default --event: whose counter overflows at each point
    # Words the race explorer writes over the image's parameters: its own event replaces the
    # scenario's natural host overflow.
    race_patch: dict[str, int] = field(default_factory=dict)

    @property
    def path(self) -> Path:
        return SCENARIO_DIR / self.file


QUIET = 0x8000_0000  # a preset 2^31 cycles from overflow: none during a run
EVENTS = ("host-overflow", "guest-overflow", "spi")
SCENARIOS: dict[str, Scenario] = {s.name: s for s in (
    Scenario("host-only", "host_only.S", "host perf, no guest (the thread's Scenario 1)",
             "host_perf_done:host_work_loop", "host-overflow", {"quiet": 1}),
    Scenario("host-and-guest", "host_and_guest.S",
             "host and guest perf; a host overflow after the guest exits, before sync (Scenario 2)",
             "guest_yield:host_between_loop", "host-overflow", {"host_preset": QUIET, "quiet": 1}),
    Scenario("guest-only", "guest_only.S", "guest perf alone", "guest_yield:host_between_loop", "guest-overflow",
             {"quiet": 1}),
    Scenario("guest-overflow-at-exit", "guest_overflow_at_exit.S",
             "the guest's counter overflows just as the guest exits", "guest_yield:host_between_loop",
             "guest-overflow", {"guest_preset": QUIET, "quiet": 1}),
)}


def scenario(name: str) -> Scenario:
    if name not in SCENARIOS:
        raise UsageError(f"unknown scenario {name!r}; the scenarios are: {', '.join(SCENARIOS)}")
    return SCENARIOS[name]


@functools.lru_cache(maxsize=None)
def scenario_image(name: str) -> Image:
    """The assembled image (cached: keystone runs once per process and scenario)."""
    return load_image(scenario(name).path)


def build(scenario_name: str, strategy_name: str, *, costs: dict[str, PhaseCost] | None = None,
          patch: dict[str, int] | None = None) -> tuple[Machine, KvmHypervisor, Recorder]:
    """A machine loaded with the scenario under the strategy, reset and ready to run."""
    hyp = KvmHypervisor(make_strategy(strategy_name), costs)
    machine = Machine(hypervisor=hyp, console=None)
    recorder = Recorder()
    machine.events.subscribe(recorder)
    image = scenario_image(scenario_name)
    machine.load(image)
    for symbol, value in (patch or {}).items():
        machine.uc.mem_write(image.symbols[symbol], value.to_bytes(8, "little"))
    return machine, hyp, recorder


def finish(machine: Machine, recorder: Recorder, run: Callable[[], object]) -> Verdict:
    """Run to the end and classify; an emulator error (a strategy that raised, a runaway guest)
    becomes the verdict's `error`."""
    try:
        run()
    except EmuError as err:
        return recorder.verdict(machine, error=err.message)
    return recorder.verdict(machine)


def run_scenario(scenario_name: str, strategy_name: str, *, costs: dict[str, PhaseCost] | None = None,
                 max_insns: int = MAX_INSNS) -> Verdict:
    machine, _, recorder = build(scenario_name, strategy_name, costs=costs)
    return finish(machine, recorder, lambda: machine.run(max_insns))
