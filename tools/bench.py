#!/usr/bin/env python3
"""Throughput of `emu run` on asm/loop10m.S as a ratio to raw Unicorn on the same kernel.

Both run in this process, alternately, `--repeat` times; the ratio of the medians is printed.
Raw Unicorn gets the same image at the same address, the same CPU model and no hooks at all,
and runs the 10,000,000-instruction loop (from the entry to the instruction after the loop);
emu runs the whole kernel (the loop plus 15 instructions of set-up, console and power-off).
The machine is noisy: compare ratios taken in one run, never absolute times.

    python3 tools/bench.py [--repeat 5] [--kernel asm/loop10m.S]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

from unicorn import UC_ARCH_ARM64, UC_MODE_ARM, Uc
from unicorn.arm64_const import UC_CPU_ARM64_A57

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from emu.board import virt  # noqa: E402
from emu.board.loader import Image, load_image  # noqa: E402
from emu.machine import Machine  # noqa: E402

LOOP_LABEL = "lm_loop"


def time_emu(image: Image) -> tuple[float, int]:
    machine = Machine()
    machine.load(image)
    start = time.perf_counter()
    result = machine.run()
    return time.perf_counter() - start, result.insns


def time_raw(image: Image, until: int) -> float:
    uc = Uc(UC_ARCH_ARM64, UC_MODE_ARM, UC_CPU_ARM64_A57)
    uc.mem_map(virt.RAM_BASE, virt.DEFAULT_RAM_MIB << 20)
    for addr, data in image.segments:
        uc.mem_write(addr, data)
    start = time.perf_counter()
    uc.emu_start(image.entry, until)
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--kernel", type=Path, default=ROOT / "asm" / "loop10m.S")
    args = parser.parse_args()
    image = load_image(args.kernel)
    until = image.symbols[LOOP_LABEL] + 8  # the instruction after `b.ne lm_loop`
    emu_times, raw_times, insns = [], [], 0
    for _ in range(args.repeat):
        raw_times.append(time_raw(image, until))
        seconds, insns = time_emu(image)
        emu_times.append(seconds)
    emu_s, raw_s = statistics.median(emu_times), statistics.median(raw_times)
    print(f"kernel            {args.kernel.relative_to(ROOT) if args.kernel.is_relative_to(ROOT) else args.kernel}")
    print(f"emu instructions  {insns:,}")
    print(f"emu run           {emu_s:.3f} s median of {args.repeat} ({insns / emu_s / 1e6:.0f} MIPS)")
    print(f"raw Unicorn       {raw_s:.3f} s median of {args.repeat} ({10_000_000 / raw_s / 1e6:.0f} MIPS, no hooks)")
    print(f"ratio             {(insns / emu_s) / (10_000_000 / raw_s):.2f} x raw Unicorn (instructions per second)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
