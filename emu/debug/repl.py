"""`emu step FILE`: a prompt over the Stepper, interactive (readline history) or scripted.

Commands (one per line; `help` lists them):
    s [N]          step N instructions (default 1)
    n              step over a BL/BLR (run to the next instruction), else like s
    i N | cy N     run N instructions | N cycles
    phase          run to the end of the next world-switch phase (a Python EL2)
    el             run to the next exception-level change
    irq            run to the next exception or interrupt taken
    sysreg NAME    run to the next MRS/MSR of NAME (or S<op0>_<op1>_C<n>_C<m>_<op2>)
    b LABEL|ADDR   set a breakpoint          d LABEL|ADDR   delete it
    w|rw|aw ADDR [LEN]  watch LEN bytes (8) of RAM for writes | reads | any access: stop
                   before the instruction that makes it        dw ADDR [LEN]  delete those
    c              continue (to a breakpoint or the end)
    until LABEL|ADDR   run to an address
    regs | pmu | gic   show registers, PMU state, GIC and list registers
    x ADDR [N]     show N 64-bit words of memory
    q              quit
"""

from __future__ import annotations

import shlex
import sys
from typing import Callable, TextIO

from emu.debug.stepper import Stepper, StopReport, gic_state, pmu_state
from emu.errors import UsageError

HELP = __doc__.split("Commands (one per line; `help` lists them):\n", 1)[1].rstrip()


class Repl:
    def __init__(self, stepper: Stepper, out: TextIO, symbols: dict[str, int]) -> None:
        self.stepper = stepper
        self.out = out
        self.symbols = symbols
        self.commands: dict[str, Callable[[list[str]], StopReport | None]] = {
            "s": self._step, "step": self._step, "n": self._next, "i": self._insns, "cy": self._cycles,
            "phase": lambda a: self.stepper.until_phase(), "el": lambda a: self.stepper.until_el_change(),
            "irq": lambda a: self.stepper.until_exception(), "sysreg": self._sysreg, "b": self._break,
            "d": self._delete, "w": self._watch("write"), "rw": self._watch("read"),
            "aw": self._watch("access"), "dw": self._unwatch, "c": lambda a: self.stepper.cont(), "until": self._until, "regs": self._regs,
            "pmu": lambda a: self._print(pmu_state(self.stepper.machine)),
            "gic": lambda a: self._print(gic_state(self.stepper.machine)), "x": self._examine,
            "help": lambda a: self._print(HELP),
        }

    def _print(self, text: str) -> None:
        print(text, file=self.out)

    def execute(self, line: str) -> bool:
        """Run one command line; False when the session should end."""
        try:
            words = shlex.split(line)
        except ValueError as err:
            self._print(f"cannot parse {line!r}: {err}")
            return True
        if not words:
            return True
        name, args = words[0], words[1:]
        if name in ("q", "quit", "exit"):
            return False
        command = self.commands.get(name)
        if command is None:
            self._print(f"unknown command {name!r}\n{HELP}")
            return True
        try:
            report = command(args)
        except UsageError as err:
            self._print(err.message)
            return True
        if report is not None:
            self._print(report.describe())
        return True

    # -- commands -----------------------------------------------------------------------------------
    def _count(self, args: list[str], default: int = 1) -> int:
        if not args:
            return default
        try:
            value = int(args[0], 0)
        except ValueError:
            raise UsageError(f"not a number: {args[0]!r}") from None
        if value < 1:
            raise UsageError(f"the count must be 1 or more, not {value}")
        return value

    def _step(self, args: list[str]) -> StopReport:
        return self.stepper.step(self._count(args))

    def _next(self, args: list[str]) -> StopReport:
        m = self.stepper.machine
        word = m.cpu.read_u32(m.cpu.pc) or 0
        is_call = word & 0xFC00_0000 == 0x9400_0000 or word & 0xFFFF_FC1F == 0xD63F_0000  # BL, BLR
        return self.stepper.until_address(m.cpu.pc + 4) if is_call else self.stepper.step()

    def _insns(self, args: list[str]) -> StopReport:
        return self.stepper.run_insns(self._count(args, 0) if args else self._missing("i N"))

    def _cycles(self, args: list[str]) -> StopReport:
        return self.stepper.run_cycles(self._count(args, 0) if args else self._missing("cy N"))

    def _missing(self, usage: str) -> int:
        raise UsageError(f"usage: {usage}")

    def _sysreg(self, args: list[str]) -> StopReport:
        if len(args) != 1:
            raise UsageError("usage: sysreg NAME")
        return self.stepper.until_sysreg(args[0])

    def address(self, text: str) -> int:
        if text in self.symbols:
            return self.symbols[text]
        try:
            return int(text, 0)
        except ValueError:
            raise UsageError(f"no label {text!r} in the image, and not an address") from None

    def _break(self, args: list[str]) -> None:
        if len(args) != 1:
            raise UsageError("usage: b LABEL|ADDR")
        address = self.address(args[0])
        self.stepper.add_breakpoint(address)
        self._print(f"breakpoint at 0x{address:x}")

    def _delete(self, args: list[str]) -> None:
        if len(args) != 1:
            raise UsageError("usage: d LABEL|ADDR")
        address = self.address(args[0])
        if address not in self.stepper.breakpoints:
            raise UsageError(f"no breakpoint at 0x{address:x}")
        self.stepper.remove_breakpoint(address)
        self._print(f"deleted the breakpoint at 0x{address:x}")

    def _watch_range(self, args: list[str], usage: str) -> tuple[int, int]:
        if not 1 <= len(args) <= 2:
            raise UsageError(f"usage: {usage} ADDR [LEN]")
        return self.address(args[0]), self._count(args[1:], 8)

    def _watch(self, kind: str) -> Callable[[list[str]], None]:
        def command(args: list[str]) -> None:
            address, length = self._watch_range(args, {"write": "w", "read": "rw", "access": "aw"}[kind])
            self.stepper.add_watchpoint(address, length, kind)
            self._print(f"{kind} watchpoint on {length} byte(s) at 0x{address:x}")
        return command

    def _unwatch(self, args: list[str]) -> None:
        address, length = self._watch_range(args, "dw")
        removed = [kind for kind in ("write", "read", "access")
                   if self.stepper.remove_watchpoint(address, length, kind)]
        if not removed:
            raise UsageError(f"no watchpoint on {length} byte(s) at 0x{address:x}")
        self._print(f"deleted the {' and '.join(removed)} watchpoint(s) at 0x{address:x}")

    def _until(self, args: list[str]) -> StopReport:
        if len(args) != 1:
            raise UsageError("usage: until LABEL|ADDR")
        return self.stepper.until_address(self.address(args[0]))

    def _regs(self, args: list[str]) -> None:
        regs = self.stepper.registers()
        names = list(regs)
        for i in range(0, len(names), 4):
            self._print("  ".join(f"{n:>4}=0x{regs[n]:016x}" for n in names[i:i + 4]))

    def _examine(self, args: list[str]) -> None:
        if not args:
            raise UsageError("usage: x ADDR [N]")
        address = self.address(args[0])
        count = self._count(args[1:], 1)
        from unicorn import UcError
        for i in range(min(count, 64)):
            try:
                word = int.from_bytes(self.stepper.machine.uc.mem_read(address + 8 * i, 8), "little")
            except UcError:
                raise UsageError(f"nothing mapped at 0x{address + 8 * i:x}") from None
            self._print(f"0x{address + 8 * i:x}: 0x{word:016x}")


def run_session(stepper: Stepper, symbols: dict[str, int], lines: list[str] | None, out: TextIO = sys.stdout,
                echo: bool = True) -> int:
    """Run commands from `lines` (a script; echoed after a `(emu) ` prompt) or interactively
    from the terminal. Returns the guest's exit status if it ended, else 0."""
    repl = Repl(stepper, out, symbols)
    print(stepper.start().describe(), file=out)
    try:
        if lines is not None:
            for line in lines:
                if echo:
                    print(f"(emu) {line.rstrip()}", file=out)
                if not repl.execute(line):
                    break
        else:
            _interactive(repl)
    finally:
        stepper.close()
    last = stepper.last
    return last.exit_status if last is not None and last.exit_status is not None else 0


def _interactive(repl: Repl) -> None:
    try:
        import readline  # noqa: F401  (history and line editing for input())
    except ImportError:  # pragma: no cover - not on every platform
        pass
    while True:
        try:
            line = input("(emu) ")
        except EOFError:
            print(file=repl.out)
            return
        except KeyboardInterrupt:
            print("^C", file=repl.out)
            continue
        if not repl.execute(line):
            return
