#!/usr/bin/env python3
"""Build the C test kernels: every c/NAME.c with the runtime of c/runtime/ into NAME.elf and NAME.bin.

    python tools/build_c.py [NAME ...] [--out DIR] [--cc aarch64-linux-gnu-gcc]

NAME is a kernel name (`pmu_irq`) or a path (`c/pmu_irq.c`); by default every c/*.c is built.
Output (default build/c/): NAME.elf, linked at 0x4008_0000 by c/runtime/link.ld (what `emu run`
loads by its program headers), and NAME.bin, the same bytes as a raw image from 0x4008_0000
(`objcopy -O binary`; what QEMU's -kernel takes, docs/kernels.md "C kernels"). The compiler is
Debian's gcc-aarch64-linux-gnu, used freestanding: no libc, no FP/SIMD (-mgeneral-regs-only,
so no CPTR/CPACR set-up is needed), no unaligned accesses (-mstrict-align: with the MMU off every
data access is to Device memory). Importable: ``build(names, out_dir) -> list[Path]`` (the ELFs).
Exit status: 0 built, 1 a compile or link error, 3 the cross compiler is not installed.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SOURCE_DIR = ROOT / "c"
RUNTIME_DIR = SOURCE_DIR / "runtime"
RUNTIME_SOURCES = ("start.S", "lib.c")
DEFAULT_OUT = ROOT / "build" / "c"
CROSS_PREFIX = "aarch64-linux-gnu-"
CC = CROSS_PREFIX + "gcc"
NO_COMPILER = 3

CFLAGS = (
    "-march=armv8-a", "-mgeneral-regs-only", "-mstrict-align", "-O2", "-g",
    "-ffreestanding", "-fno-builtin", "-fno-tree-loop-distribute-patterns",
    "-fno-stack-protector", "-fno-pie", "-fno-pic", "-fno-asynchronous-unwind-tables",
    "-fno-unwind-tables", "-Wall", "-Wextra", "-Werror", "-std=gnu11",
)
LDFLAGS = ("-nostdlib", "-static", "-no-pie", "-Wl,--build-id=none", "-Wl,-z,norelro",
           "-Wl,--no-warn-rwx-segments")


class BuildError(Exception):
    """A kernel did not compile or link (the message holds the compiler's output)."""


class CompilerMissing(BuildError):
    """The cross compiler is not on PATH."""


def compiler_available(cc: str = CC) -> bool:
    return shutil.which(cc) is not None


def find_sources(names: Sequence[str] = ()) -> list[Path]:
    """c/NAME.c for each name (or path), or every c/*.c."""
    if not names:
        return sorted(SOURCE_DIR.glob("*.c"))
    sources = [Path(n) if n.endswith(".c") else SOURCE_DIR / f"{n}.c" for n in names]
    missing = [str(s) for s in sources if not s.is_file()]
    if missing:
        raise BuildError(f"no such C kernel: {', '.join(missing)}")
    return sources


def _run(cmd: list[str]) -> None:
    proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, check=False)
    if proc.returncode != 0:
        raise BuildError(f"{' '.join(cmd)}\n{proc.stdout}")


def build_one(source: Path, out_dir: Path, cc: str = CC) -> Path:
    """Compile and link `source` with the runtime; write NAME.elf and NAME.bin; return the ELF."""
    elf = out_dir / f"{source.stem}.elf"
    runtime = [str(RUNTIME_DIR / name) for name in RUNTIME_SOURCES]
    _run([cc, *CFLAGS, *LDFLAGS, f"-I{RUNTIME_DIR}", "-T", str(RUNTIME_DIR / "link.ld"),
          "-o", str(elf), *runtime, str(source)])
    objcopy = cc[: -len("gcc")] + "objcopy" if cc.endswith("gcc") else CROSS_PREFIX + "objcopy"
    _run([objcopy, "-O", "binary", str(elf), str(out_dir / f"{source.stem}.bin")])
    return elf


def build(names: Sequence[str] = (), out_dir: Path = DEFAULT_OUT, cc: str = CC) -> list[Path]:
    """Build the named kernels (default: all) into out_dir; return their ELF paths."""
    if not compiler_available(cc):
        raise CompilerMissing(
            f"{cc} is not installed: install Debian's gcc-aarch64-linux-gnu "
            "(apt-get install gcc-aarch64-linux-gnu; .ci/run does)")
    out_dir.mkdir(parents=True, exist_ok=True)
    return [build_one(source, out_dir, cc) for source in find_sources(names)]


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="build_c", description=__doc__.split("\n\n")[0])
    ap.add_argument("names", nargs="*", metavar="NAME", help="kernel name or c/NAME.c (default: all)")
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output directory (default build/c)")
    ap.add_argument("--cc", default=CC, help=f"cross compiler (default {CC})")
    args = ap.parse_args(argv)
    try:
        elfs = build(args.names, args.out, args.cc)
    except CompilerMissing as exc:
        print(f"build_c: {exc}", file=sys.stderr)
        return NO_COMPILER
    except BuildError as exc:
        print(f"build_c: {exc}", file=sys.stderr)
        return 1
    for elf in elfs:
        print(elf.relative_to(ROOT) if elf.is_relative_to(ROOT) else elf)
    return 0


if __name__ == "__main__":
    sys.exit(main())
