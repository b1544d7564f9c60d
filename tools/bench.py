#!/usr/bin/env python3
"""Throughput of `emu run` on loop kernels as a ratio to raw Unicorn on the same kernel.

For each kernel, both run in this process, alternately, `--repeat` times; the ratio of the
medians is printed. Raw Unicorn gets the same image at the same address, the same CPU model and
no hooks at all, and runs from the entry to the kernel's `bench_end` label (the loop); emu runs
the whole kernel (the loop plus a few instructions of set-up, console and power-off) and the
ratio compares instructions per second. The machine is noisy: compare ratios taken in one run,
never absolute times.

    python3 tools/bench.py [--repeat 5] [KERNEL.S ...]   (default: asm/loop10m.S asm/loop_mix.S)
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

END_LABEL = "bench_end"
SMC0 = bytes.fromhex("030000d4")
DEFAULT_KERNELS = ("asm/loop10m.S", "asm/loop_mix.S")


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


def tail_insns(image: Image, start: int) -> int:
    """Straight-line instructions from `start` up to and including the first `smc #0`."""
    base, code = image.segments[0]
    offset = code.index(SMC0, start - base)
    while (base + offset) % 4:
        offset = code.index(SMC0, offset + 1)
    return (base + offset - start) // 4 + 1


def measure(kernel: Path, repeat: int) -> None:
    image = load_image(kernel)
    until = image.symbols[END_LABEL]
    emu_times, raw_times, insns = [], [], 0
    for _ in range(repeat):
        raw_times.append(time_raw(image, until))
        seconds, insns = time_emu(image)
        emu_times.append(seconds)
    emu_s, raw_s = statistics.median(emu_times), statistics.median(raw_times)
    emu_mips = insns / emu_s / 1e6
    raw_mips = (insns - tail_insns(image, until)) / raw_s / 1e6
    print(f"{kernel.name:14} emu {insns:>11,} insns {emu_s:7.3f} s {emu_mips:6.0f} MIPS | "
          f"raw Unicorn {raw_s:7.3f} s {raw_mips:6.0f} MIPS | ratio {emu_mips / raw_mips:.2f}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("kernels", nargs="*", type=Path, default=[ROOT / k for k in DEFAULT_KERNELS])
    args = parser.parse_args()
    print(f"medians of {args.repeat} alternating runs; ratio = emu MIPS / raw Unicorn MIPS")
    for kernel in args.kernels:
        measure(kernel, args.repeat)
    return 0


if __name__ == "__main__":
    sys.exit(main())
