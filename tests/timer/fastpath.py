"""Shared by the timer fast-path tests: run a guest with the native reads of some timer
registers on or off, and count the MRS of them that reached Python."""

from __future__ import annotations

import time
from collections.abc import Iterable

from emu.arch.decode import SysInsn
from emu.core.syndromes import Context
from emu.machine import Machine
from emu.sysreg.router import Outcome
from tests.conftest import image_of

OUT = 0x4100_0000
OFF = "    ldr x0, =0x84000008\n    smc #0\n"


def mrs_loop(label: str, n: int, first: str, second: str, body: str = "") -> str:
    """`n` iterations storing an MRS of `first` and one of `second` to the buffer at x3 (offset
    x9), with work between the two that varies the cycles (a load, an alternating branch);
    `body` runs at the end of each iteration (x1 is the iterations left)."""
    return f"""
    mov x1, #{n}
{label}:
    mrs x4, {first}
    str x4, [x3, x9]
    add x9, x9, #8
    ldr x6, [x3]
    tbz x1, #0, {label}_skip
    add x6, x6, x6
    mul x6, x6, x1
{label}_skip:
    mrs x5, {second}
    str x5, [x3, x9]
    add x9, x9, #8
{body}
    subs x1, x1, #1
    b.ne {label}
"""


def python_path(machine: Machine, names: Iterable[str]) -> None:
    """Take the native read sites of `names` away: every MRS of them goes through Python."""
    for name in names:
        machine.processor.instrument.fast_reads.pop(machine.sysregs.by_name(name).encoding, None)


def run(source: str, fast: bool, names: Iterable[str], *, functional: bool = False, el: int = 2,
        pmu_counters: int = 6, size: int) -> tuple[bytes, int, int]:
    """The `size` bytes the guest wrote at OUT, its instruction count, and how many MRS of
    `names` Python saw."""
    names = tuple(names)
    machine = Machine(el=el, functional=functional, pmu_counters=pmu_counters)
    if not fast:
        python_path(machine, names)
    watched = {machine.sysregs.by_name(name).encoding for name in names}
    python_reads = 0
    inner = machine.system_register

    def system_register(ctx: Context, insn: SysInsn, value: int) -> Outcome:
        nonlocal python_reads
        python_reads += insn.encoding in watched and insn.is_read
        return inner(ctx, insn, value)

    machine.system_register = system_register  # type: ignore[method-assign]
    machine.load(image_of(source))
    result = machine.run(5_000_000)
    assert result.reason == "system-off"
    return bytes(machine.uc.mem_read(OUT, size)), result.insns, python_reads


def words(data: bytes) -> list[int]:
    return [int.from_bytes(data[i:i + 8], "little") for i in range(0, len(data), 8)]


def loop_speeds(kernel: str, names: Iterable[str], what: str) -> str:
    """Lines giving instructions per second of `kernel` (formatted with `ticks`) with the
    Python and the native reads of `names`: printed by the tests, never asserted."""
    names = tuple(names)
    lines = []
    for fast, ticks in ((False, 30_000), (True, 1_000_000)):
        machine = Machine()
        if not fast:
            python_path(machine, names)
        machine.load(image_of(kernel.format(ticks=ticks)))
        start = time.perf_counter()
        result = machine.run(100_000_000)
        elapsed = time.perf_counter() - start
        lines.append(f"{what}, {'native' if fast else 'Python'} reads: {result.insns} instructions "
                     f"in {elapsed:.3f} s = {result.insns / elapsed:,.0f} instructions/s")
    return "\n" + "\n".join(lines)
