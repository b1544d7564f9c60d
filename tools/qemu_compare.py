#!/usr/bin/env python3
"""Run the test kernels on emu and on QEMU 7.2 and compare consoles and exit statuses.

    python tools/qemu_compare.py [KERNEL ...] [--timeout SECONDS] [--jobs N]

KERNEL is a name (`hello`) or a path (`asm/hello.S`); by default every asm/*.S runs. On emu a
kernel runs in this process (Machine with the `@el` and `@max-insns` of its header; an EmuError
is a result with its exit status). On QEMU it runs through tools/qemu_run.run_image with the
`@semihosting` and `@el` of its header, from guest_images/NAME.bin when that holds what the
source assembles to, else from a freshly assembled temporary image; its console is stdout,
followed by stderr for `@semihosting` kernels (docs/qemu.md, "Intended differences between emu
and QEMU"). QEMU runs `--jobs` kernels at a time while emu runs them one by one.

Verdicts, one table row per kernel:
  same           equal consoles (byte for byte) and equal exit statuses;
  differs-known  the kernel has `@qemu-differs`: emu prints NAME.expected and exits with `@exit`,
                 QEMU's console differs from NAME.expected and its exit status is emu's;
  DIFFERS        anything else (a `@qemu-differs` kernel is never `same`: it is DIFFERS when
                 QEMU prints NAME.expected, as the mark is then stale).
Exit status: 0 when no kernel DIFFERS, 1 when one does, 3 when QEMU is not installed, 64-74 for
a kernel that cannot be read or assembled (docs/exit-status.md).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run from a checkout without installing emu

from emu.board.asm import display_path  # noqa: E402
from emu.board.loader import Image, load_image  # noqa: E402
from emu.board.manifest import IMAGE_DIR, SOURCE_DIR, KernelMeta, read_metadata  # noqa: E402
from emu.errors import EmuError, UsageError  # noqa: E402
from emu.machine import KERNEL_MAX_INSNS, Machine  # noqa: E402
from tools.qemu_run import DEFAULT_TIMEOUT, kernel_console, qemu_available, run_image  # noqa: E402

PROG = "qemu_compare"
JOBS = 2  # QEMU runs at a time
NO_QEMU = 3  # exit status when qemu-system-aarch64 is missing
SAME, KNOWN, DIFFERS = "same", "differs-known", "DIFFERS"
REASON_WIDTH = 60  # a differs-known row shows this much of its @qemu-differs reason


@dataclass(frozen=True)
class Kernel:
    """A test kernel: its header metadata, NAME.expected and the image it assembles to."""

    name: str
    meta: KernelMeta
    expected: bytes
    image: Image


@dataclass(frozen=True)
class Outcome:
    """Console bytes and exit status of one run (None: QEMU was killed at the timeout)."""

    console: bytes
    exit_status: int | None

    @property
    def status_text(self) -> str:
        return "timeout" if self.exit_status is None else str(self.exit_status)


@dataclass(frozen=True)
class Comparison:
    """A kernel's runs on emu and on QEMU, and what tells them apart."""

    kernel: Kernel
    emu: Outcome
    qemu: Outcome

    @property
    def problems(self) -> list[str]:
        """Why the verdict is DIFFERS (empty for `same` and `differs-known`)."""
        problems = []
        if self.qemu.exit_status is None:
            problems.append("QEMU timed out")
        elif self.qemu.exit_status != self.emu.exit_status:
            problems.append("exit statuses differ")
        expected, meta = self.kernel.expected, self.kernel.meta
        if not meta.qemu_differs:
            if self.emu.console != self.qemu.console:
                line = _first_different_line(self.emu.console, self.qemu.console)
                problems.append(f"consoles differ from line {line}")
            return problems
        if self.emu.console != expected:
            line = _first_different_line(self.emu.console, expected)
            problems.append(f"emu console differs from .expected from line {line}")
        if self.emu.exit_status != meta.exit:
            problems.append(f"emu exit status is not @exit {meta.exit}")
        if self.qemu.console == expected:
            problems.append("QEMU prints .expected: the @qemu-differs mark is stale")
        return problems

    @property
    def verdict(self) -> str:
        if self.problems:
            return DIFFERS
        return KNOWN if self.kernel.meta.qemu_differs else SAME

    @property
    def ok(self) -> bool:
        return self.verdict != DIFFERS

    @property
    def detail(self) -> str:
        """The problems, or the start of the @qemu-differs reason of a differs-known kernel."""
        if self.verdict == KNOWN:
            reason = "; ".join(self.kernel.meta.qemu_differs)
            return reason if len(reason) <= REASON_WIDTH else reason[: REASON_WIDTH - 3] + "..."
        return "; ".join(self.problems)


def _first_different_line(a: bytes, b: bytes) -> int:
    """The 1-based line where `a` and `b` first differ."""
    index = next((i for i, (x, y) in enumerate(zip(a, b)) if x != y), min(len(a), len(b)))
    return a.count(b"\n", 0, index) + 1


def find_kernels(names: Sequence[str] = ()) -> list[Path]:
    """The sources of the named kernels (a name or a .S path), or of every asm/*.S."""
    if not names:
        return sorted((ROOT / SOURCE_DIR).glob("*.S"))
    sources = [Path(n) if n.endswith((".S", ".s")) else ROOT / SOURCE_DIR / f"{n}.S" for n in names]
    missing = [display_path(s) for s in sources if not s.is_file()]
    if missing:
        raise UsageError(f"no such kernel: {', '.join(missing)}")
    return sources


def load_kernel(source: Path) -> Kernel:
    """Read a kernel's header and NAME.expected and assemble it (EmuError if it cannot)."""
    shown = display_path(source)
    expected = Path(shown).with_suffix(".expected")
    try:
        expected_console = expected.read_bytes()
    except OSError as exc:
        raise UsageError(f"{expected}: cannot read: {exc.strerror}") from exc
    return Kernel(source.stem, read_metadata(shown), expected_console, load_image(shown))


def run_emu(kernel: Kernel) -> Outcome:
    """Run `kernel` on emu in this process; an EmuError ends the run with its exit status."""
    machine = Machine(el=kernel.meta.el)
    try:
        machine.load(kernel.image)
        result = machine.run(kernel.meta.max_insns or KERNEL_MAX_INSNS)
    except EmuError as exc:
        return Outcome(bytes(machine.console), exc.exit_status)
    return Outcome(result.console, result.exit_status)


def run_qemu(kernel: Kernel, timeout: float = DEFAULT_TIMEOUT) -> Outcome:
    """Run `kernel` on QEMU: guest_images/NAME.bin if it is up to date, else a fresh image."""
    [(_, code)] = kernel.image.segments  # an assembled kernel is one segment
    committed = ROOT / IMAGE_DIR / f"{kernel.name}.bin"
    if committed.is_file() and committed.read_bytes() == code:
        return _run_qemu_image(kernel, committed, timeout)
    with tempfile.TemporaryDirectory(prefix=f"{PROG}.") as directory:
        fresh = Path(directory) / committed.name
        fresh.write_bytes(code)
        return _run_qemu_image(kernel, fresh, timeout)


def _run_qemu_image(kernel: Kernel, image: Path, timeout: float) -> Outcome:
    semihosting = kernel.meta.semihosting
    result = run_image(image, semihosting=semihosting, el=kernel.meta.el, timeout=timeout)
    return Outcome(kernel_console(result, semihosting), result.exit_status)


def compare(
    kernels: Sequence[Kernel], *, timeout: float = DEFAULT_TIMEOUT, jobs: int = JOBS
) -> list[Comparison]:
    """Run every kernel on QEMU (`jobs` at a time, in threads) and meanwhile on emu."""
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        on_qemu = [pool.submit(run_qemu, kernel, timeout) for kernel in kernels]
        on_emu = [run_emu(kernel) for kernel in kernels]
        return [
            Comparison(kernel, emu, qemu.result())
            for kernel, emu, qemu in zip(kernels, on_emu, on_qemu, strict=True)
        ]


def render_table(comparisons: Sequence[Comparison]) -> str:
    """A plain-text table, one row per kernel, and a summary line."""
    rows = [("kernel", "emu", "QEMU", "verdict", "detail")] + [
        (c.kernel.name, c.emu.status_text, c.qemu.status_text, c.verdict, c.detail)
        for c in comparisons
    ]
    widths = [max(len(row[column]) for row in rows) for column in range(4)]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(row, [*widths, 0])).rstrip()
             for row in rows]
    counts = {v: sum(c.verdict == v for c in comparisons) for v in (SAME, KNOWN, DIFFERS)}
    lines.append(f"{len(comparisons)} kernel(s): " + ", ".join(f"{n} {v}" for v, n in counts.items()))
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog=PROG, description=__doc__.split("\n\n")[0])
    parser.add_argument("kernels", nargs="*", metavar="KERNEL",
                        help="kernel name or .S path (default: every asm/*.S)")
    parser.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT,
                        help=f"seconds per QEMU run (default {DEFAULT_TIMEOUT:g})")
    parser.add_argument("--jobs", type=int, default=JOBS,
                        help=f"QEMU runs at a time (default {JOBS})")
    args = parser.parse_args(argv)
    if args.jobs < 1:
        parser.error("--jobs must be at least 1")
    if not qemu_available():
        print(f"{PROG}: qemu-system-aarch64 is not installed (Debian: qemu-system-arm)",
              file=sys.stderr)
        return NO_QEMU
    try:
        kernels = [load_kernel(source) for source in find_kernels(args.kernels)]
    except EmuError as exc:
        print(f"{PROG}: {exc.report()}", file=sys.stderr)
        return exc.exit_status
    comparisons = compare(kernels, timeout=args.timeout, jobs=args.jobs)
    print(render_table(comparisons))
    return 0 if all(c.ok for c in comparisons) else 1


if __name__ == "__main__":
    sys.exit(main())
