"""Speed of emu as ratios to raw Unicorn on the same kernels, in one process and one run.

For each kernel, `--repeat` alternating runs of: raw Unicorn (same image, address and CPU model,
no hooks, from the entry to the kernel's `bench_end` label), emu in functional mode (instructions
counted, no events or cycles), and emu cycle-approximate (the cost model and per-EL event totals;
the kernels enable the PMU). Medians are compared; the machine is noisy, so only ratios taken in
one run mean anything. Timing is never asserted in tests.

Kernels (default):
  (a) asm/bench_loop.S     50,000,000 instructions of a load/store/ALU loop, PMU counting
                           INST_RETIRED, BR_RETIRED and CPU_CYCLES;
  (b) asm/bench_pmccntr.S  a PMCCNTR_EL0 read every 10 instructions (100,000 reads): the cost of
                           one hooked PMU register access is (emu - raw) / reads;
  (c) asm/bench_calls.S    1,000,000 calls of a leaf function with a stack frame, SCTLR_EL2.SA
                           set: the cost of the SP alignment check;
  and asm/loop10m.S, the 2-instruction loop that is the per-block overhead's worst case.

    emu bench [--repeat 3] [--json] [KERNEL.S ...]       (or python3 tools/bench.py ...)

The kernels live in the repository's asm/; run it from a checkout.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from emu.board import virt
from emu.board.loader import Image, load_image
from emu.core.cpu import Cpu
from emu.errors import UsageError
from emu.machine import Machine

ROOT = Path(__file__).resolve().parent.parent

END_LABEL = "bench_end"
SMC0 = bytes.fromhex("030000d4")
MRS_PMCCNTR = bytes.fromhex("02 9d 3b d5")  # mrs x2, pmccntr_el0
DEFAULT_KERNELS = ("asm/bench_loop.S", "asm/bench_pmccntr.S", "asm/bench_calls.S", "asm/loop10m.S")


@dataclass(frozen=True)
class Row:
    kernel: str
    instructions: int
    raw_mips: float
    functional_mips: float
    cycle_mips: float
    functional_ratio: float
    cycle_ratio: float
    hooked_accesses: int
    us_per_access: float | None


def time_emu(image: Image, functional: bool) -> tuple[float, int]:
    machine = Machine(functional=functional)
    machine.load(image)
    start = time.perf_counter()
    result = machine.run(max_insns=10**9)
    return time.perf_counter() - start, result.insns


def time_raw(image: Image, until: int) -> float:
    """Raw Unicorn with no hook at all, started at EL2h like emu (emu.core.cpu.Cpu only sets
    registers: SCR_EL3, PSTATE)."""
    cpu = Cpu()
    cpu.uc.mem_map(virt.RAM_BASE, virt.DEFAULT_RAM_MIB << 20)
    for addr, data in image.segments:
        cpu.uc.mem_write(addr, data)
    cpu.reset(image.entry, 2)
    start = time.perf_counter()
    cpu.uc.emu_start(image.entry, until)
    return time.perf_counter() - start


def tail_insns(image: Image, start: int) -> int:
    """Straight-line instructions from `start` up to and including the first `smc #0`."""
    base, code = image.segments[0]
    offset = code.index(SMC0, start - base)
    while (base + offset) % 4:
        offset = code.index(SMC0, offset + 1)
    return (base + offset - start) // 4 + 1


def measure(kernel: Path, repeat: int) -> Row:
    image = load_image(kernel)
    until = image.symbols[END_LABEL]
    raw, functional, cycle = [], [], []
    insns = 0
    for _ in range(repeat):
        raw.append(time_raw(image, until))
        functional.append(time_emu(image, True)[0])
        seconds, insns = time_emu(image, False)
        cycle.append(seconds)
    raw_s, fun_s, cyc_s = (statistics.median(x) for x in (raw, functional, cycle))
    raw_mips = (insns - tail_insns(image, until)) / raw_s / 1e6
    fun_mips, cyc_mips = insns / fun_s / 1e6, insns / cyc_s / 1e6
    accesses = _loop_iterations(kernel) if MRS_PMCCNTR in image.segments[0][1] else 0
    per_access = (cyc_s - raw_s) / accesses * 1e6 if accesses else None
    return Row(kernel.name, insns, raw_mips, fun_mips, cyc_mips, fun_mips / raw_mips, cyc_mips / raw_mips,
               accesses, per_access)


def _loop_iterations(kernel: Path) -> int:
    """The hooked reads of bench_pmccntr: one per loop iteration (its `ldr x1, =N`)."""
    for line in kernel.read_text().splitlines():
        if line.strip().startswith("ldr     x1, ="):
            return int(line.split("=")[1].split()[0], 0)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="emu bench", description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--json", action="store_true", help="print the rows as JSON")
    parser.add_argument("kernels", nargs="*", type=Path, default=[ROOT / k for k in DEFAULT_KERNELS])
    args = parser.parse_args(argv)
    missing = [str(k) for k in args.kernels if not k.is_file()]
    if missing:
        raise UsageError(f"emu bench needs the kernels of a checkout of emu; not found: {', '.join(missing)}")
    rows = [measure(kernel, args.repeat) for kernel in args.kernels]
    if args.json:
        print(json.dumps([asdict(row) for row in rows], indent=2))
        return 0
    print(f"medians of {args.repeat} alternating runs; ratio = emu MIPS / raw Unicorn MIPS")
    print(f"{'kernel':20} {'insns':>12} {'raw MIPS':>9} {'functional':>17} {'cycle-approx':>17} {'us/access':>9}")
    for r in rows:
        access = f"{r.us_per_access:9.2f}" if r.us_per_access is not None else f"{'-':>9}"
        print(f"{r.kernel:20} {r.instructions:>12,} {r.raw_mips:9.0f} {r.functional_mips:8.0f} ({r.functional_ratio:4.2f}x)"
              f" {r.cycle_mips:8.0f} ({r.cycle_ratio:4.2f}x) {access}")
    return 0

