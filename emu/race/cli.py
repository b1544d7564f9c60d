"""`emu scenarios` and `emu race`: the strategy x scenario matrix and the race explorer, for
people (rich tables, a progress bar) and for programs (--json)."""

from __future__ import annotations

import argparse
import json
import sys
import time
from typing import Any

from emu.errors import UsageError
from emu.hyp.strategies import STRATEGIES
from emu.hyp.strategies import strategy as make_strategy
from emu.race.scenarios import EVENTS, SCENARIOS, build, finish, run_scenario, scenario


def add_parsers(sub: Any) -> None:
    sc = sub.add_parser("scenarios", help="every strategy x every KVM PMU scenario: the verdicts")
    sc.add_argument("--json", action="store_true", help="a JSON list, one object per cell")
    sc.add_argument("--costs", action="store_true",
                    help="the world-switch phase costs and each strategy's null-hypercall round trip")
    race = sub.add_parser("race", help="sweep a host counter overflow across a window of a scenario")
    race.add_argument("scenario", help=f"one of: {', '.join(SCENARIOS)}")
    race.add_argument("--strategy", required=True, help=f"one of: {', '.join(STRATEGIES)}, or FILE.py:Class")
    race.add_argument("--window", metavar="FROM:TO", help="labels of the image or phase names (default: the scenario's)")
    race.add_argument("--event", choices=EVENTS,
                      help="what happens at each point: a host or guest counter overflow, or SPI 48 raised "
                           "(default: the scenario's)")
    race.add_argument("--by", choices=("insn", "cycle"), default="insn",
                      help="count outcomes per point (insn, default) or per emulated cycle (cycle)")
    race.add_argument("--jobs", type=int, default=1, help="points run at a time (forked processes)")
    race.add_argument("--dask", metavar="ADDRESS", help="run the points on this Dask scheduler instead")
    race.add_argument("--json", action="store_true", help="every point's verdict as JSON")
    race.add_argument("--plot", metavar="OUT.png", help="draw outcome against offset (matplotlib)")


# -- emu scenarios ---------------------------------------------------------------------------------

def scenarios_main(args: argparse.Namespace) -> int:
    if args.costs:
        return _costs(args.json)
    cells = []
    for sc_name in SCENARIOS:
        for st_name in STRATEGIES:
            if ":" in st_name:
                continue
            verdict = run_scenario(sc_name, st_name)
            cells.append({"strategy": st_name, "scenario": sc_name, **verdict.as_dict(), "outcome": verdict.outcome()})
    if args.json:
        print(json.dumps(cells, indent=1))
        return 0
    from rich.console import Console
    from rich.table import Table

    table = Table(title="KVM PMU scenarios: verdict per strategy (r/h/l: raised/handled/lost; r/d/m: "
                        "raised/delivered/missed; delays in cycles, the longest)")
    for col in ("scenario", "strategy", "outcome", "host r/h/l", "host delay",
                "guest r/d/m", "guest delay", "guest spurious", "left active"):
        table.add_column(col, overflow="fold")
    for c in cells:
        table.add_row(c["scenario"], c["strategy"], c["outcome"] if not c["error"] else f"error: {c['error']}",
                      f"{c['host_raised']}/{c['host_handled']}/{c['host_lost']}", str(c["host_delay_max"]),
                      f"{c['guest_raised']}/{c['guest_delivered']}/{c['guest_missed']}", str(c["guest_delay_max"]),
                      str(c["guest_spurious"]), str(c["left_active"]))
    Console(width=160).print(table)
    return 0


ROUND_TRIPS = 200


def round_trip(strategy_name: str) -> tuple[float, float]:
    """A null hypercall round trip under `strategy_name`: the guest-only scenario with perf off,
    ROUND_TRIPS yields of an empty slice. Returns (emulated cycles per round trip, measured from the
    guest's HVC to its return; wall-clock round trips per second)."""
    patch = {"guest_runs": ROUND_TRIPS, "guest_work": 1, "guest_perf": 0, "host_between": 1, "quiet": 1}
    machine, _, recorder = build("guest-only", strategy_name, patch=patch)
    exits: list[int] = []
    spans: list[int] = []
    machine.events.subscribe(lambda e: _span(e, exits, spans))
    start = time.perf_counter()
    finish(machine, recorder, lambda: machine.run(10_000_000))
    wall = time.perf_counter() - start
    cycles = sum(spans) / len(spans) if spans else 0.0
    return cycles, len(spans) / wall if wall else 0.0


def _span(event: Any, exits: list[int], spans: list[int]) -> None:
    if event.name != "hyp.world":
        return
    if event.fields["world"] == "hyp" and event.fields.get("exit") == "HVC":
        exits.append(event.fields["cycle"])
    elif event.fields["world"] == "guest" and exits:
        spans.append(event.fields["cycle"] - exits.pop())


def _costs(as_json: bool) -> int:
    from emu.hyp.world import ENTRY_PHASES, EXIT_PHASES, load_costs

    costs = load_costs()
    rows = [{"strategy": name, "round_trip_cycles": round(c, 1), "round_trips_per_second": round(r)}
            for name in STRATEGIES if ":" not in name for c, r in [round_trip(name)]]
    if as_json:
        print(json.dumps({"phases": {k: {"el": v.el, "cycles": v.cycles} for k, v in costs.items()},
                          "round_trips": rows}, indent=1))
        return 0
    from rich.console import Console
    from rich.table import Table

    console = Console(width=120)
    phases = Table(title="World-switch phases (emu/hyp/costs.toml)")
    for col in ("phase", "side", "EL", "cycles"):
        phases.add_column(col)
    for side, names in (("entry", ENTRY_PHASES), ("exit", EXIT_PHASES)):
        for name in names:
            phases.add_row(name, side, str(costs[name].el), str(costs[name].cycles))
    console.print(phases)
    trips = Table(title=f"Null hypercall round trip, guest HVC to guest ({ROUND_TRIPS} in a row, host loop included)")
    for col in ("strategy", "emulated cycles", "round trips / s (wall clock)"):
        trips.add_column(col)
    for row in rows:
        trips.add_row(str(row["strategy"]), f"{row['round_trip_cycles']:.0f}", f"{row['round_trips_per_second']:,}")
    console.print(trips)
    return 0


# -- emu race ---------------------------------------------------------------------------------------

def race_main(args: argparse.Namespace) -> int:
    from emu.race.explorer import Spec, dumps, sweep

    sc = scenario(args.scenario)
    make_strategy(args.strategy)  # an unknown name fails here, listing the valid ones
    if args.jobs < 1:
        raise UsageError(f"--jobs must be 1 or more, not {args.jobs}")
    spec = Spec(sc.name, args.strategy, args.window or sc.window, args.event or sc.event)
    show_progress = sys.stderr.isatty() and not args.json
    if show_progress:
        from rich.progress import Progress

        with Progress(transient=True) as bar:
            task = bar.add_task(f"{sc.name} / {args.strategy}", total=None)
            result = sweep(spec, jobs=args.jobs, dask=args.dask,
                           progress=lambda n: bar.update(task, advance=n))
    else:
        result = sweep(spec, jobs=args.jobs, dask=args.dask)
    if args.plot:
        plot(result, args.plot, by=args.by)
    if args.json:
        print(dumps(result))
        return 0
    from rich.console import Console
    from rich.table import Table

    console = Console(width=140)
    unit = "cycles" if args.by == "cycle" else "points"
    what = {"guest-overflow": "a guest counter overflow", "host-overflow": "a host counter overflow",
            "spi": "SPI 48"}[spec.event]
    table = Table(title=f"{sc.name} under {args.strategy}: {what} placed at each point of "
                        f"{spec.window} ({len(result.points)} points; no overflow placed: {result.reference.outcome()})")
    for col in ("outcome", unit, "from (offset: where)", "to (offset: where)", "cycles"):
        table.add_column(col)
    weights = _weights(result) if args.by == "cycle" else [1] * len(result.points)
    for r in result.ranges:
        n = sum(weights[r["first"]:r["last"] + 1])
        outcome = str(r["outcome"]) if not r["error"] else f"error: {r['error']}"
        table.add_row(outcome, str(n), f"{r['first']}: {r['first_at']}", f"{r['last']}: {r['last_at']}",
                      f"{r['first_cycle']}-{r['last_cycle']}")
    console.print(table)
    totals: dict[str, int] = {}
    for point, verdict in zip(result.points, result.verdicts):
        totals[verdict.outcome()] = totals.get(verdict.outcome(), 0) + weights[point.offset]
    console.print(f"totals ({unit}): " + ", ".join(f"{k} {v}" for k, v in totals.items()))
    return 0


def _weights(result: Any) -> list[int]:
    """--by cycle: an overflow at any cycle after the previous point and up to this one is seen
    when this point's instruction or phase completes, so each point stands for those cycles."""
    weights = []
    previous = None
    for point in result.points:
        weights.append(1 if previous is None else max(0, point.cycle - previous))
        previous = point.cycle
    return weights


def plot(result: Any, path: str, *, by: str = "insn") -> None:
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        raise UsageError("--plot needs matplotlib: pip install 'emu[race]'") from None
    outcomes = sorted({v.outcome() for v in result.verdicts})
    xs = [p.cycle if by == "cycle" else p.offset for p in result.points]
    ys = [outcomes.index(v.outcome()) for v in result.verdicts]
    fig, ax = plt.subplots(figsize=(10, 1.5 + 0.5 * len(outcomes)))
    ax.step(xs, ys, where="post")
    ax.scatter(xs, ys, s=8)
    ax.set_yticks(range(len(outcomes)), outcomes)
    ax.set_xlabel("emulated cycle" if by == "cycle" else "point offset in the window")
    for p in result.points:
        if p.phase:
            ax.axvline(p.cycle if by == "cycle" else p.offset, color="0.85", linewidth=0.5, zorder=0)
    ax.set_title(f"{result.spec.scenario} / {result.spec.strategy}: outcome of a host overflow placed at each point")
    fig.tight_layout()
    try:
        fig.savefig(path)
    except OSError as err:
        raise UsageError(f"cannot write the plot {path}: {err}") from None
    finally:
        plt.close(fig)
