#!/usr/bin/env python3
"""Run a raw AArch64 image on QEMU's virt board exactly as docs/PLATFORM.md prescribes.

Importable::

    from tools.qemu_run import run_image
    console, status = run_image("out/hello.bin")            # unpacks as a 2-tuple
    result = run_image("out/semihosting.bin", semihosting=True, timeout=5)
    result.console, result.exit_status, result.timed_out, result.stderr

and a CLI::

    python tools/qemu_run.py IMAGE.bin [--semihosting] [--el 1] [--timeout 10] [--no-reboot]
    python tools/qemu_run.py asm/hello.S --bin out/hello.bin --check

The CLI copies the console to stdout byte for byte and exits with QEMU's exit status (124 when
the timeout expired). Given a kernel source (.S) it reads the metadata header (``// @exit N``,
``// @semihosting``, ``// @el 1``, ``// @qemu-differs: ...``) with emu.board.manifest to choose
the options (a malformed header is an error, status 65); ``--check`` compares console and exit
status with NAME.expected / @exit and exits 0 (equal), 1 (differs) or 2 (differs, and the kernel
is marked @qemu-differs: a known QEMU deviation from the Arm ARM). A .S is assembled with
emu.board.asm (an assembly error exits with status 65) unless ``--bin`` names an existing image.
See docs/qemu.md for what QEMU does at entry, on exit and on aborts.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator, Sequence

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run from a checkout without installing emu

from emu.board.asm import assemble_file  # noqa: E402
from emu.board.manifest import KernelMeta, read_metadata  # noqa: E402
from emu.errors import EmuError  # noqa: E402

QEMU_BINARY = "qemu-system-aarch64"
TIMEOUT_EXIT_STATUS = 124  # CLI exit status when QEMU had to be killed (as timeout(1))
CHECK_KNOWN_DEVIATION = 2  # --check: mismatch in a kernel marked `// @qemu-differs: ...`
DEFAULT_TIMEOUT = 10.0


def qemu_command(
    image: str | os.PathLike[str],
    *,
    semihosting: bool = False,
    el: int = 2,
    ram_mb: int = 128,
    no_reboot: bool = False,
    qemu: str = QEMU_BINARY,
    extra: Sequence[str] = (),
) -> list[str]:
    """The QEMU command line of docs/PLATFORM.md for ``image``.

    ``el=2`` (default) gives ``-M virt,virtualization=on,gic-version=3``: the image is entered
    at EL2h and the PSCI conduit is SMC. ``el=1`` drops ``virtualization=on``: entry at EL1h,
    PSCI conduit HVC.
    """
    if el not in (1, 2):
        raise ValueError(f"el must be 1 or 2, not {el!r}")
    machine = "virt,virtualization=on,gic-version=3" if el == 2 else "virt,gic-version=3"
    cmd = [
        qemu,
        "-M", machine,
        "-cpu", "cortex-a57",
        "-m", str(ram_mb),
        "-icount", "shift=0",
        "-nographic",
        "-monitor", "none",
        "-serial", "stdio",
    ]
    if semihosting:
        cmd.append("-semihosting")
    if no_reboot:
        cmd.append("-no-reboot")
    cmd += list(extra)
    cmd += ["-kernel", os.fspath(image)]
    return cmd


@dataclass(frozen=True)
class QemuResult:
    """Outcome of one QEMU run. Iterating yields ``(console, exit_status)``.

    ``exit_status`` is None when the run was killed at the timeout (``timed_out`` is then True
    and ``console`` holds what was printed until then).
    """

    console: bytes
    exit_status: int | None
    timed_out: bool = False
    stderr: bytes = b""
    command: tuple[str, ...] = field(default=(), repr=False)

    def __iter__(self) -> Iterator[object]:
        yield self.console
        yield self.exit_status


def qemu_available(qemu: str = QEMU_BINARY) -> bool:
    """True if the QEMU binary is on PATH (or is an existing path)."""
    return shutil.which(qemu) is not None


def run_image(
    image: str | os.PathLike[str],
    *,
    semihosting: bool = False,
    el: int = 2,
    timeout: float = DEFAULT_TIMEOUT,
    ram_mb: int = 128,
    no_reboot: bool = False,
    qemu: str = QEMU_BINARY,
    extra: Sequence[str] = (),
) -> QemuResult:
    """Run ``image`` (a raw binary, loaded at 0x4008_0000) on QEMU and collect console + status.

    stdin is /dev/null; stdout is the PL011 console; stderr is kept apart (with -semihosting,
    QEMU writes SYS_WRITEC/SYS_WRITE0 output there). On timeout QEMU is killed and the partial
    console returned with ``timed_out=True``.
    """
    if not Path(image).is_file():
        raise FileNotFoundError(image)
    cmd = qemu_command(
        image, semihosting=semihosting, el=el, ram_mb=ram_mb, no_reboot=no_reboot,
        qemu=qemu, extra=extra,
    )
    proc = subprocess.Popen(
        cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
        return QemuResult(out, None, True, err, tuple(cmd))
    return QemuResult(out, proc.returncode, False, err, tuple(cmd))


def kernel_console(result: QemuResult, semihosting: bool) -> bytes:
    """What a kernel printed: stdout, then stderr when run with -semihosting.

    QEMU writes semihosting console output (SYS_WRITEC/SYS_WRITE0) to its stderr; the
    semihosting kernels print through semihosting only, so their console is stdout + stderr.
    """
    return result.console + result.stderr if semihosting else result.console


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("image", help="raw image (.bin), or a kernel source (.S) with --bin/--check")
    ap.add_argument("--semihosting", action="store_true", help="add -semihosting")
    ap.add_argument("--el", type=int, choices=(1, 2), default=None,
                    help="entry EL: 2 (virtualization=on, default) or 1")
    ap.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT, help="seconds (default 10)")
    ap.add_argument("--no-reboot", action="store_true", help="add -no-reboot")
    ap.add_argument("--qemu", default=QEMU_BINARY, help="QEMU binary")
    ap.add_argument("--bin", help="for a .S: the raw image to run (assembled if absent)")
    ap.add_argument("--check", action="store_true",
                    help="for a .S: compare with NAME.expected and @exit; exit 0 if equal")
    ap.add_argument("--print-command", action="store_true", help="print the QEMU command line")
    args = ap.parse_args(argv)

    image = Path(args.image)
    meta = KernelMeta()
    temporary: Path | None = None
    if image.suffix in (".S", ".s"):
        source = image
        # an existing --bin was built by tools/build_images.py: run it as it is
        prebuilt = args.bin is not None and Path(args.bin).exists()
        if args.bin:
            image = Path(args.bin)
        else:
            image = temporary = Path(tempfile.gettempdir()) / (
                f"{source.stem}.qemu_run.{os.getpid()}.bin")
        try:
            meta = read_metadata(source)
            if not prebuilt:
                image.write_bytes(assemble_file(source).code)
        except EmuError as exc:
            print(f"qemu_run: {exc.report()}", file=sys.stderr)
            return exc.exit_status
    elif args.check:
        ap.error("--check needs a kernel source (.S)")
    el = args.el if args.el is not None else meta.el
    semihosting = args.semihosting or meta.semihosting

    if args.print_command:
        print(" ".join(qemu_command(image, semihosting=semihosting, el=el,
                                    no_reboot=args.no_reboot, qemu=args.qemu)), file=sys.stderr)
    try:
        res = run_image(image, semihosting=semihosting, el=el, timeout=args.timeout,
                        no_reboot=args.no_reboot, qemu=args.qemu)
    finally:
        if temporary is not None:
            temporary.unlink(missing_ok=True)
    sys.stdout.buffer.write(res.console)
    sys.stdout.buffer.flush()
    if res.stderr:
        sys.stderr.buffer.write(res.stderr)
    status = TIMEOUT_EXIT_STATUS if res.timed_out else int(res.exit_status or 0)
    if res.timed_out:
        print(f"qemu_run: timeout after {args.timeout}s", file=sys.stderr)

    if args.check:
        expected_path = Path(args.image).with_suffix(".expected")
        expected = expected_path.read_bytes()
        console = kernel_console(res, semihosting)
        ok = console == expected and not res.timed_out and res.exit_status == meta.exit
        if not ok:
            print(f"qemu_run: MISMATCH (exit {status}, expected {meta.exit}; console "
                  f"{'equal' if console == expected else 'differs'})", file=sys.stderr)
            if meta.qemu_differs:
                print("qemu_run: known QEMU deviation: " + "; ".join(meta.qemu_differs),
                      file=sys.stderr)
                return CHECK_KNOWN_DEVIATION
            return 1
        return 0
    return status


if __name__ == "__main__":
    sys.exit(main())
