#!/usr/bin/env python3
"""Race explorer throughput: points per second of one sweep, without its reference run.

    python tools/race_bench.py [SCENARIO] [--strategy S] [--window FROM:TO] [--jobs N]

Prints the window size, the instructions and phases each point runs after the window start (from
the reference run), the reference run's time and the sweep's points per second.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from emu.race.explorer import Spec, run_points, select_window, timeline  # noqa: E402
from emu.race.scenarios import scenario, scenario_image  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(prog="race_bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("scenario", nargs="?", default="host-and-guest")
    parser.add_argument("--strategy", default="toggle-naive")
    parser.add_argument("--window")
    parser.add_argument("--jobs", type=int, default=1)
    args = parser.parse_args()
    sc = scenario(args.scenario)
    spec = Spec(sc.name, args.strategy, args.window or sc.window, sc.event)
    scenario_image(sc.name)  # assemble outside the timings
    t0 = time.perf_counter()
    points, _ = timeline(spec)
    window = select_window(points, spec.window, dict(scenario_image(sc.name).symbols))
    t1 = time.perf_counter()
    run_points(spec, window, args.jobs)
    t2 = time.perf_counter()
    tail = points[points.index(next(p for p in points if p.insns == window[0].insns)):]
    insns = points[-1].insns - window[0].insns
    phases = sum(1 for p in tail if p.phase)
    print(f"{sc.name} / {args.strategy}, window {spec.window}: {len(window)} points; each runs up to "
          f"{insns} instructions and {phases} phases after the window start")
    print(f"reference run {t1 - t0:.3f} s; sweep {t2 - t1:.3f} s with --jobs {args.jobs}: "
          f"{len(window) / (t2 - t1):.0f} points per second")
    return 0


if __name__ == "__main__":
    sys.exit(main())
