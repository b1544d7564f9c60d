#!/usr/bin/env python3
"""Write README.md's "The 2014 thread, reproduced" tables from `emu scenarios` and `emu race`.

    python tools/thread_report.py            # rewrite the block between the markers
    python tools/thread_report.py --check    # exit 1 if README.md's block is not what the tools say

The block holds only what the commands print (as Markdown); the prose around it explains it.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from emu.hyp.strategies import STRATEGIES  # noqa: E402
from emu.race.explorer import Spec, sweep  # noqa: E402
from emu.race.scenarios import SCENARIOS, run_scenario, scenario  # noqa: E402

START, END = "<!-- thread-report:start -->", "<!-- thread-report:end -->"
# The sweeps the README discusses: (scenario, strategy, window or None for the scenario's).
SWEEPS = (
    ("host-only", "always-forward", None),
    ("host-and-guest", "toggle-naive", None),
    ("host-and-guest", "toggle-naive", "host_back:guest_yield"),
    ("host-and-guest", "active-state", None),
    ("host-and-guest", "partitioned", None),
    ("guest-overflow-at-exit", "partitioned", None),
)


def matrix() -> list[str]:
    names = [s for s in STRATEGIES if ":" not in s]
    lines = ["`emu scenarios` (outcome per cell; `ok` = every overflow handled by its owner, nothing spurious):", "",
             "| scenario | " + " | ".join(names) + " |", "|---|" + "---|" * len(names)]
    for sc in SCENARIOS:
        cells = []
        for st in names:
            v = run_scenario(sc, st)
            detail = f" (host {v.host_handled}/{v.host_raised}, guest {v.guest_delivered}/{v.guest_raised}" + (
                f", {v.guest_spurious} spurious" if v.guest_spurious else "") + ")"
            cells.append(v.outcome() + detail)
        lines.append(f"| {sc} | " + " | ".join(cells) + " |")
    return lines


def race(sc_name: str, st_name: str, window: str | None) -> list[str]:
    sc = scenario(sc_name)
    spec = Spec(sc_name, st_name, window or sc.window, sc.event)
    result = sweep(spec)
    flag = "" if window is None else f" --window {window}"
    whose = "guest" if spec.event == "guest-overflow" else "host"
    lines = [f"`emu race {sc_name} --strategy {st_name}{flag}` ({len(result.points)} points, a {whose} "
             f"counter overflow placed at each):", "",
             "| outcome | points | from | to | cycles |", "|---|---|---|---|---|"]
    for r in result.ranges:
        lines.append(f"| {r['outcome']} | {r['points']} | {r['first']}: {r['first_at']} | {r['last']}: {r['last_at']} "
                     f"| {r['first_cycle']}-{r['last_cycle']} |")
    return lines


def block() -> str:
    lines = [START, ""] + matrix()
    for sc_name, st_name, window in SWEEPS:
        lines += [""] + race(sc_name, st_name, window)
    return "\n".join(lines + ["", END])


def main() -> int:
    parser = argparse.ArgumentParser(prog="thread_report", description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args()
    readme = ROOT / "README.md"
    text = readme.read_text()
    if START not in text or END not in text:
        print(f"thread_report: README.md lacks the markers {START} ... {END}", file=sys.stderr)
        return 2
    head, rest = text.split(START, 1)
    _, tail = rest.split(END, 1)
    new = head + block() + tail
    if args.check:
        if new != text:
            print("thread_report: README.md's thread tables are out of date; run python tools/thread_report.py",
                  file=sys.stderr)
            return 1
        print("thread_report: README.md is up to date")
        return 0
    readme.write_text(new)
    print("thread_report: README.md rewritten")
    return 0


if __name__ == "__main__":
    sys.exit(main())
