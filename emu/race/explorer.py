"""The race explorer: place an event (a host counter overflow) at every point of a window of a
scenario, run each to the end, and classify the outcome (docs/world-switch.md, "Race explorer").

A *point* is a place in the run where the event can be placed: after an instruction retires (the
next instruction's address names it) or after a world-switch phase (its cycles spent). A
reference run without the event lists the points in order, with a code hook that records without
stopping (so the timeline is the one of a free run). The window is the points from the first time
FROM is reached to the first time TO is reached after it; FROM and TO are labels of the image or
phase names.

Each point runs in a child process forked from a machine stopped at the window start: the
snapshot is the whole process (Unicorn's context and memory, the device models, the hypervisor),
copy-on-write. `jobs` children run at a time. With `dask`, the points are split in chunks and each
chunk runs as a Dask task that does the same from its own machine; the same points give the same
verdicts, serially, in the pool or on the cluster, because a run depends only on its inputs.
"""

from __future__ import annotations

import gc
import json
import os
import pickle
import select
from dataclasses import asdict, dataclass, field, replace
from typing import Any, Callable, Sequence

from unicorn import UC_HOOK_CODE

from emu.errors import EmuError, UsageError
from emu.events import Event
from emu.hyp.world import PHASES, KvmHypervisor, PhaseCost
from emu.machine import Machine
from emu.race.scenarios import MAX_INSNS, build, finish, scenario, scenario_image
from emu.race.verdict import Verdict


class WindowError(EmuError):
    """The window cannot be swept (labels missing, empty, reversed, never executed)."""

    exit_status = 77
    kind = "bad window"


@dataclass(frozen=True)
class Point:
    """Where an event can be placed: after `insns` instructions, and after the phase `seq` if
    `phase` is set. `pc` is the next instruction's address (insn points), `label` the nearest
    label at or before it, `cycle` the emulated time of the point in the reference run."""

    offset: int  # index in the window
    insns: int
    phase: str | None
    seq: int | None
    pc: int | None
    label: str
    cycle: int
    after_seq: int = 0  # world-switch phases completed before the point

    def where(self) -> str:
        return f"phase {self.phase}" if self.phase else self.label


@dataclass
class Spec:
    """Everything a sweep depends on (picklable: it travels to pool and Dask workers)."""

    scenario: str
    strategy: str
    window: str
    event: str = "host-overflow"  # or "guest-overflow", "spi"
    costs: dict[str, PhaseCost] | None = None
    max_insns: int = MAX_INSNS


@dataclass
class Sweep:
    spec: Spec
    points: list[Point]
    verdicts: list[Verdict]
    reference: Verdict
    ranges: list[dict[str, Any]] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "scenario": self.spec.scenario, "strategy": self.spec.strategy, "window": self.spec.window,
            "event": self.spec.event,
            "points": len(self.points), "reference": self.reference.as_dict(),
            "ranges": self.ranges,
            "results": [dict(asdict(p), outcome=v.outcome(), verdict=v.as_dict())
                        for p, v in zip(self.points, self.verdicts)],
        }


# -- the reference run and the window ------------------------------------------------------------

def _nearest_label(symbols: dict[str, int], pc: int) -> str:
    best, best_addr = "?", -1
    for name, addr in symbols.items():
        if best_addr < addr <= pc and not name.startswith("lib_"):
            best, best_addr = name, addr
    return best if pc == best_addr else f"{best}+0x{pc - best_addr:x}"


def timeline(spec: Spec) -> tuple[list[Point], Verdict]:
    """The reference run: every point of the whole run, in order, and its verdict."""
    sc = scenario(spec.scenario)
    machine, hyp, recorder = build(spec.scenario, spec.strategy, costs=spec.costs, patch=sc.race_patch)
    image = machine.image
    assert image is not None
    symbols = dict(image.symbols)
    state = machine.processor.counter.state
    raw: list[tuple[int, str | None, int | None, int | None, int, int]] = []

    def on_code(_uc: object, addr: int, _size: int, _ud: object) -> None:
        n = state.insns - state.block_insns + (addr - state.block_start) // 4
        if raw and raw[-1][0] == n and raw[-1][1] is None:
            raw.pop()  # the instruction hooked there did not run (an exception came first)
        raw.append((n, None, None, addr, machine.time.cycles(), hyp.phase_seq))

    def on_event(event: Event) -> None:
        if event.name == "hyp.phase_end":
            seq = event.fields["seq"]
            raw.append((event.insns, event.fields["phase"], seq, None, event.fields["cycle"], seq + 1))

    machine.uc.hook_add(UC_HOOK_CODE, on_code)
    machine.events.subscribe(on_event)
    reference = finish(machine, recorder, lambda: machine.run(spec.max_insns))
    points = [Point(i, n, phase, seq, pc, phase or _nearest_label(symbols, pc or 0), cycle, after)
              for i, (n, phase, seq, pc, cycle, after) in enumerate(raw)]
    # An instruction point names the state after `n` instructions; the hook saw the instruction
    # about to run, so its "after" count is n (instructions before it).
    return points, reference


def select_window(points: list[Point], window: str, symbols: dict[str, int]) -> list[Point]:
    """The points from the first FROM to the first TO after it (inclusive)."""
    if window.count(":") != 1:
        raise UsageError(f"--window takes FROM:TO (labels or phase names), not {window!r}")
    start_name, end_name = window.split(":")

    def matcher(name: str) -> Callable[[Point], bool]:
        if name in PHASES:
            return lambda p: p.phase == name
        if name in symbols:
            addr = symbols[name]
            return lambda p: p.phase is None and p.pc == addr
        raise WindowError(f"the window bound {name!r} is neither a label of the scenario's image nor a phase "
                          f"({', '.join(PHASES)})")

    is_start, is_end = matcher(start_name), matcher(end_name)
    first = next((i for i, p in enumerate(points) if is_start(p)), None)
    if first is None:
        raise WindowError(f"the window start {start_name!r} is never reached in this scenario and strategy")
    last = next((i for i in range(first, len(points)) if is_end(points[i])), None)
    if last is None:
        earlier = any(is_end(p) for p in points[:first])
        raise WindowError(f"the window end {end_name!r} is never reached after {start_name!r}"
                          + (" (it only comes before it: the window is reversed)" if earlier else ""))
    if last == first:
        raise WindowError(f"the window {window!r} is empty: it starts and ends at the same point")
    return [replace(p, offset=i) for i, p in enumerate(points[first:last + 1])]


# -- one point -------------------------------------------------------------------------------------

def _arm(machine: Machine, hyp: KvmHypervisor, point: Point, event: str = "host-overflow") -> None:
    """Place the event at `point` in a machine that has not reached it yet."""
    # An instruction point comes after `insns` instructions and `after_seq` phases: when an
    # exception (an IRQ exit) is taken at that instruction count, the point may lie before or
    # after its phases, and the phase count tells which.
    target = point.seq + 1 if point.seq is not None else point.after_seq
    done: list[bool] = []

    def inject() -> None:
        if not done:
            done.append(True)
            if event == "guest-overflow":
                hyp.inject_guest_overflow()
            elif event == "spi":
                hyp.inject_spi()
            else:
                hyp.inject_host_overflow()

    def on_phase(_name: str) -> None:
        if hyp.phase_seq == target and machine.processor.insns >= point.insns:
            inject()
    hyp.phase_hooks.append(on_phase)
    if point.phase is None:
        def at_count() -> None:
            if hyp.phase_seq >= target:
                inject()
        machine.deadlines.at(point.insns, at_count)


class _Stop(EmuError):
    """Ends the parent's run once its children are done (an EmuError, so that hooks pass it on)."""


def run_points(spec: Spec, points: Sequence[Point], jobs: int = 1,
               progress: Callable[[int], None] | None = None) -> list[Verdict]:
    """Verdicts of `points` (all in one window, in order), each from a child forked at the
    window start; `jobs` at a time."""
    if not points:
        return []
    sc = scenario(spec.scenario)
    machine, hyp, recorder = build(spec.scenario, spec.strategy, costs=spec.costs, patch=sc.race_patch)
    start = points[0]
    results: dict[int, Verdict] = {}
    child_point: list[Point] = []

    def fork_all() -> None:
        gc.freeze()  # keep the collector from touching (and so copying) the parent's heap pages
        pending = list(points)
        running: dict[int, tuple[int, int, bytearray]] = {}  # fd -> (pid, offset, buffer)
        while pending or running:
            while pending and len(running) < max(1, jobs):
                point = pending.pop(0)
                r, w = os.pipe()
                pid = os.fork()
                if pid == 0:  # the child: place the event, return into the run
                    gc.disable()
                    os.close(r)
                    child_point.append(point)
                    _child_fd.append(w)
                    _arm(machine, hyp, point, spec.event)
                    return
                os.close(w)
                running[r] = (pid, point.offset, bytearray())
            ready, _, _ = select.select(list(running), [], [])
            for fd in ready:
                chunk = os.read(fd, 65536)
                if chunk:
                    running[fd][2].extend(chunk)
                    continue
                pid, offset, data = running.pop(fd)
                os.close(fd)
                os.waitpid(pid, 0)
                results[offset] = pickle.loads(bytes(data)) if data else Verdict(error="the point's process died")
                if progress is not None:
                    progress(1)
        raise _Stop("the sweep is done")

    _schedule_at(machine, hyp, start, fork_all)
    try:
        machine.run(spec.max_insns)
        verdict = recorder.verdict(machine)
    except _Stop:
        return [results[p.offset] for p in points]
    except EmuError as err:
        verdict = recorder.verdict(machine, error=err.message)
    if child_point:  # the child's run ended: send its verdict and leave without cleanup
        os.write(_child_fd[0], pickle.dumps(verdict))
        os._exit(0)
    raise WindowError(f"the run ended before the window start ({start.where()}, after {start.insns} instructions)")


_child_fd: list[int] = []


def _schedule_at(machine: Machine, hyp: KvmHypervisor, start: Point, action: Callable[[], None]) -> None:
    """Run `action` just before `start` (so that the event can still be placed at `start`)."""
    if start.phase is None:
        if start.insns == 0:
            raise WindowError("a window cannot start before the first instruction")
        machine.deadlines.at(start.insns - 1, action) if start.insns > 1 else machine.deadlines.at(0, action)
        return

    fired: list[bool] = []

    def on_phase(_name: str) -> None:
        if not fired and hyp.phase_seq == start.seq:  # the phase before `start` just ended
            fired.append(True)
            action()
    hyp.phase_hooks.append(on_phase)


# -- the sweep --------------------------------------------------------------------------------------

def sweep(spec: Spec, *, jobs: int = 1, dask: str | Any | None = None, chunk: int = 64,
          progress: Callable[[int], None] | None = None) -> Sweep:
    all_points, reference = timeline(spec)
    window = select_window(all_points, spec.window, dict(scenario_image(spec.scenario).symbols))
    if dask is not None:
        verdicts = _run_dask(spec, window, dask, chunk, progress)
    else:
        verdicts = run_points(spec, window, jobs, progress)
    result = Sweep(spec, window, verdicts, reference)
    result.ranges = outcome_ranges(window, verdicts)
    return result


def _run_dask(spec: Spec, points: list[Point], address: str | Any, chunk: int,
              progress: Callable[[int], None] | None) -> list[Verdict]:
    from distributed import Client, as_completed

    client = address if isinstance(address, Client) else Client(address)
    chunks = [points[i:i + chunk] for i in range(0, len(points), chunk)]
    futures = {client.submit(run_points, spec, c, 1, pure=False): i for i, c in enumerate(chunks)}
    out: list[list[Verdict] | None] = [None] * len(chunks)
    for future in as_completed(futures):
        out[futures[future]] = future.result()
        if progress is not None:
            progress(len(chunks[futures[future]]))
    if not isinstance(address, Client):
        client.close()
    return [v for part in out for v in (part or [])]


def outcome_ranges(points: Sequence[Point], verdicts: Sequence[Verdict]) -> list[dict[str, Any]]:
    """Runs of consecutive points with the same outcome: where each starts and ends."""
    ranges: list[dict[str, Any]] = []
    for point, verdict in zip(points, verdicts):
        outcome = verdict.outcome()
        if ranges and ranges[-1]["outcome"] == outcome:
            r = ranges[-1]
            r["points"] += 1
            r["last"], r["last_at"], r["last_cycle"] = point.offset, point.where(), point.cycle
        else:
            ranges.append({"outcome": outcome, "points": 1, "first": point.offset, "first_at": point.where(),
                           "first_cycle": point.cycle, "last": point.offset, "last_at": point.where(),
                           "last_cycle": point.cycle,
                           "error": verdict.error})
    return ranges


def summary(result: Sweep) -> dict[str, int]:
    counts: dict[str, int] = {}
    for v in result.verdicts:
        counts[v.outcome()] = counts.get(v.outcome(), 0) + 1
    return counts


def dumps(result: Sweep) -> str:
    return json.dumps(result.as_json(), indent=1)


__all__ = ["Spec", "Sweep", "Point", "WindowError", "sweep", "timeline", "select_window", "run_points",
           "outcome_ranges", "summary", "dumps"]
