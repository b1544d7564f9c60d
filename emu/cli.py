"""The `emu` command: `emu run FILE`, `emu asm FILE`, `emu scenarios`, `emu race SCENARIO`.

Exit status: the guest's own (PSCI SYSTEM_OFF: 0; semihosting SYS_EXIT: its code), or one of the
emulator's statuses in emu.errors (docs/exit-status.md) with a one-paragraph message on stderr.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from emu.board import virt
from emu.errors import EmuError, InternalError, UsageError

if TYPE_CHECKING:
    from emu.hyp import Hypervisor


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(f"{message} (see `emu {self.prog.split()[-1]} --help`)")


def _int(text: str) -> int:
    try:
        return int(text.replace("_", ""), 0)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="emu", description="A cycle-approximate AArch64 emulator (EL0-EL2) on Unicorn.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    run = sub.add_parser("run", help="run a test kernel (.S, ELF or raw image); console on stdout")
    run.add_argument("image", type=Path, nargs="?",
                     help="AArch64 assembly (.S), an ELF, or a raw image (not needed with --dumpdtb)")
    run.add_argument("--max-insns", type=_int, default=None,
                     help="instruction budget (default: 1,000,000,000)")
    run.add_argument("--el", type=int, choices=(1, 2), default=2,
                     help="exception level at reset: 2 (default, PSCI over SMC) or 1 (PSCI over HVC)")
    run.add_argument("--ram", type=_int, default=virt.DEFAULT_RAM_MIB, metavar="MiB", help="RAM size in MiB")
    run.add_argument("--no-reboot", action="store_true", help="end the run on PSCI SYSTEM_RESET (exit 0)")
    run.add_argument("-I", "--include", type=Path, action="append", default=[],
                     help="extra include directory for .S files")
    run.add_argument("--cost-model", type=Path, metavar="FILE.toml",
                     help="instruction costs in cycles (default: emu/timing/a57.toml, a Cortex-A57); "
                          "a file may set only some keys")
    run.add_argument("--gic-state", action="store_true",
                     help="when the run stops (for any reason), print the GIC's state table on stderr")
    run.add_argument("--pmu-skid", type=_int, default=0, metavar="N",
                     help="deliver PMU overflow interrupts N instructions after the overflow (default 0)")
    run.add_argument("--cpu-pmuv3p5", choices=("on", "off"), default=None,
                     help="FEAT_PMUv3p5: 64-bit event counters (PMCR_EL0.LP, MDCR_EL2.HLP), "
                          "ID_AA64DFR0_EL1.PMUVer = 6 (default: off, PMUv3p1 as the kernels expect; "
                          "see docs/decisions.md)")
    run.add_argument("--hypervisor", metavar="MODULE:CLASS",
                     help="a Python EL2: an emu.hyp.Hypervisor subclass, as package.module:Class or "
                          "path/to/file.py:Class; the image then starts at EL1 under it")
    run.add_argument("--append", metavar="ARGS", default=None,
                     help="the kernel command line, in the device tree's /chosen/bootargs (as QEMU's -append)")
    run.add_argument("--dtb", type=Path, metavar="FILE", help="hand the guest this device tree blob instead of emu's")
    run.add_argument("--dumpdtb", type=Path, metavar="FILE",
                     help="write the device tree emu would hand the guest to FILE and exit (as -machine dumpdtb)")
    run.add_argument("--gdb", metavar="HOST:PORT",
                     help="serve gdb's remote protocol on HOST:PORT (loopback only; port 0 picks one): "
                          "wait at the entry point for `target remote HOST:PORT`")
    run.add_argument("--strategy", metavar="NAME",
                     help="run under the KVM-shaped Python EL2 (emu.hyp.world) with this PMU strategy "
                          "(an image with a `guest_start` label, as asm/scenarios/)")
    run.add_argument("--trace", type=Path, metavar="FILE",
                     help="write a Tarmac-like trace, one line per retired instruction (docs/tracing.md)")
    run.add_argument("--events", type=Path, metavar="FILE.jsonl",
                     help="write every event of the run (exceptions, phases, IRQ lines, GIC, sysregs) as JSON lines")
    run.add_argument("--timeline", type=Path, metavar="FILE.json",
                     help="write a Chrome trace-event timeline (open it in ui.perfetto.dev or chrome://tracing)")
    sub.add_parser("bench", help="speed as ratios to raw Unicorn (see emu/bench.py); options after it",
                   add_help=False)
    from emu.race.cli import add_parsers

    add_parsers(sub)
    step = sub.add_parser("step", help="step through a kernel at a prompt (or a script of commands)")
    step.add_argument("image", type=Path, help="AArch64 assembly (.S), an ELF, or a raw image")
    step.add_argument("--script", metavar="FILE", help="read the commands from FILE ('-': standard input)")
    step.add_argument("--strategy", help="run under the KVM-shaped Python EL2 with this PMU strategy")
    step.add_argument("--hypervisor", metavar="MODULE:CLASS", help="a Python EL2 (as for emu run)")
    step.add_argument("--el", type=int, choices=(1, 2), default=2)
    step.add_argument("--max-insns", type=_int, default=None)
    step.add_argument("-I", "--include", type=Path, action="append", default=[])
    asm = sub.add_parser("asm", help="assemble a .S file into a raw image")
    asm.add_argument("source", type=Path)
    asm.add_argument("-o", "--output", type=Path, required=True)
    asm.add_argument("-I", "--include", type=Path, action="append", default=[])
    return parser


def _run(args: argparse.Namespace) -> int:
    from emu.board.loader import load_image
    from emu.machine import DEFAULT_MAX_INSNS, DEFAULT_PMUV3P5, Machine, console_to_stdout

    from emu.timing.costmodel import load_cost_model

    if args.strategy and args.hypervisor:
        raise UsageError("--strategy and --hypervisor both name the Python EL2: give one")
    hypervisor = _load_hypervisor(args.hypervisor) if args.hypervisor else None
    if args.strategy:
        from emu.hyp.strategies import strategy
        from emu.hyp.world import KvmHypervisor

        hypervisor = KvmHypervisor(strategy(args.strategy))
    if args.image is None and args.dumpdtb is None:
        raise UsageError("the following arguments are required: image (see `emu run --help`)")
    cost_model = load_cost_model(args.cost_model) if args.cost_model else None
    dtb = None
    if args.dtb is not None:
        from emu.board.devicetree import load_blob

        try:
            blob = args.dtb.read_bytes()
        except OSError as err:
            raise UsageError(f"cannot read the device tree {args.dtb}: {err.strerror}") from None
        dtb = load_blob(blob, str(args.dtb), args.append)
    machine = Machine(ram_mib=args.ram, el=args.el, console=console_to_stdout, no_reboot=args.no_reboot,
                      hypervisor=hypervisor, cost_model=cost_model, pmu_skid=args.pmu_skid,
                      bootargs=args.append or "", dtb=dtb,
                      pmuv3p5=DEFAULT_PMUV3P5 if args.cpu_pmuv3p5 is None else args.cpu_pmuv3p5 == "on")
    if args.dumpdtb is not None:
        try:
            args.dumpdtb.write_bytes(machine.dtb)
        except OSError as err:
            raise UsageError(f"cannot write the device tree to {args.dumpdtb}: {err.strerror}") from None
        return 0
    machine.load(load_image(args.image, ram_size=machine.ram_size, include_dirs=args.include or None))
    tracing = None
    if args.trace or args.events or args.timeline:
        from emu.debug.trace import Tracing

        tracing = Tracing.open(machine, trace=args.trace, events=args.events, timeline=args.timeline)
    try:
        if args.gdb:
            from emu.debug.gdbstub import serve

            return serve(machine, args.gdb, max_insns=args.max_insns or DEFAULT_MAX_INSNS)
        return machine.run(args.max_insns or DEFAULT_MAX_INSNS).exit_status
    finally:
        if tracing is not None:
            tracing.close()
        if args.gic_state:
            from emu.gic.view import format_state

            sys.stdout.flush()
            print(format_state(machine.gic, machine.cpuif, machine.vcpuif), file=sys.stderr)


def _step(args: argparse.Namespace) -> int:
    from emu.board.loader import load_image
    from emu.debug.repl import run_session
    from emu.debug.stepper import Stepper
    from emu.machine import DEFAULT_MAX_INSNS, Machine

    hypervisor: Hypervisor | None = None
    if args.strategy and args.hypervisor:
        raise UsageError("--strategy and --hypervisor both name the Python EL2: give one")
    if args.strategy:
        from emu.hyp.strategies import strategy
        from emu.hyp.world import KvmHypervisor

        hypervisor = KvmHypervisor(strategy(args.strategy))
    elif args.hypervisor:
        hypervisor = _load_hypervisor(args.hypervisor)
    lines = None
    if args.script == "-":
        lines = sys.stdin.read().splitlines()
    elif args.script:
        try:
            lines = Path(args.script).read_text().splitlines()
        except OSError as err:
            raise UsageError(f"cannot read the script {args.script}: {err.strerror}") from None
    machine = Machine(el=args.el, hypervisor=hypervisor, console=console_to_stdout_lines)
    image = load_image(args.image, ram_size=machine.ram_size, include_dirs=args.include or None)
    machine.load(image)
    stepper = Stepper(machine, max_insns=args.max_insns or DEFAULT_MAX_INSNS)
    return run_session(stepper, dict(image.symbols), lines)


def console_to_stdout_lines(data: bytes) -> None:
    """The stepper's console: the guest's bytes, shown as they come (prefixed lines would
    garble a prompt less, but this keeps them exact)."""
    sys.stdout.write(data.decode(errors="replace"))
    sys.stdout.flush()


def _load_hypervisor(spec: str) -> "Hypervisor":
    """Instantiate `package.module:Class` or `file.py:Class` (a Hypervisor subclass)."""
    from emu.hyp import Hypervisor
    from emu.plugins import load_class

    return load_class(spec, Hypervisor, "--hypervisor")()


def _asm(args: argparse.Namespace) -> int:
    from emu.board.asm import assemble_file

    program = assemble_file(args.source, include_dirs=args.include or None)
    args.output.write_bytes(program.code)
    return 0


def main(argv: list[str] | None = None) -> int:
    """Entry point of the console script; never lets a traceback reach the user."""
    try:
        argv = sys.argv[1:] if argv is None else argv
        if argv[:1] == ["bench"]:
            from emu.bench import main as bench

            return bench(argv[1:])
        args = _parser().parse_args(argv)
        if args.command == "step":
            return _step(args)
        if args.command in ("scenarios", "race"):
            from emu.race.cli import race_main, scenarios_main

            return {"scenarios": scenarios_main, "race": race_main}[args.command](args)
        return {"run": _run, "asm": _asm}[args.command](args)
    except EmuError as err:
        sys.stdout.flush()
        print(err.report(), file=sys.stderr)
        return err.exit_status
    except KeyboardInterrupt:
        print("emu: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # the reader of the console went away (`emu run ... | head`)
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 141  # 128 + SIGPIPE, as a shell reports a process killed by it
    except Exception as err:  # a bug in emu: still one paragraph, with a distinct status
        report = InternalError(f"{type(err).__name__}: {err}. This is a bug in emu; please report it with the image.")
        print(report.report(), file=sys.stderr)
        return report.exit_status


if __name__ == "__main__":
    sys.exit(main())
