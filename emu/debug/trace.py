"""Traces of a run: a Tarmac-like instruction trace, the event stream as JSON lines, and (in
emu.debug.timeline) a Chrome trace-event timeline. Nothing here is installed unless asked:
without a tracer the machine has no code hook and its event stream no listener.

Instruction trace (`InstructionTrace`, `emu run --trace FILE`): one line per retired instruction,

    <cycle> clk EL<n> IT <pc> <opcode> <disassembly>[ ; <reg>=0x<value> ...]

- `<cycle>`: the emulated CPU cycle at which the instruction starts (decimal; the cost model's
  cycles at all ELs plus WFI sleep, as `Machine.time.cycles()`; in functional mode one per
  instruction).
- `EL<n>`: the Exception level it executed at (PSTATE.EL; a Python EL2 runs no instructions, so
  its host and guest both show EL1: the events and the timeline tell the worlds apart).
- `IT`: an instruction that retired (the only kind of line).
- `<pc>`: 16 hex digits; `<opcode>`: the instruction word, 8 hex digits; `<disassembly>`:
  Capstone's mnemonic and operands.
- ` ; ` then the registers the instruction wrote, as `name=0x<hex>` separated by spaces, in the
  order x0-x30, sp, nzcv (PSTATE.NZCV as 4 bits, N = 8 ... V = 1); nothing after the disassembly
  when it wrote none. They are found by comparing X0-X30, SP and NZCV before the instruction with
  their values before the next one (or, when the instruction hands over to an exception or the
  Python EL2, at that moment). SP is left out when the instruction changed the PE mode (an ERET,
  an exception entry): the SP there is another bank, not a write.

Instructions that do not retire (a fault, an undefined instruction, a trapped access, semihosting's
`hlt`) get no line, so the line count equals `RunResult.insns`.

Event log (`EventLog`, `emu run --events FILE.jsonl`): one JSON object per line per event of
`Machine.events`, in publication order:

    {"name": "gic.ack", "insns": 840, "cycle": 9123, "fields": {"intid": 23, "virtual": true}}

`insns` is the retired-instruction count when it happened, `cycle` the event's own `cycle` field
if it has one, else `Machine.time.cycles()` then; `fields` are the event's fields, made JSON-safe
(enums by name, dataclasses such as exception.taken's `taken` as objects, bytes as hex, anything
else as its str). docs/tracing.md lists the events.
"""

from __future__ import annotations

import ctypes
import dataclasses
import enum
import json
import struct
from pathlib import Path
from typing import IO, Any

from capstone import CS_ARCH_ARM64, CS_MODE_ARM, Cs
from unicorn import UC_HOOK_CODE
from unicorn import arm64_const as r
from unicorn.unicorn_py3.unicorn import uclib

from emu.arch.pmuv3 import Event as PmuEvent
from emu.errors import UsageError
from emu.events import Event
from emu.machine import Machine
from emu.timing.native import SLOTS

REGISTER_NAMES = tuple(f"x{n}" for n in range(31)) + ("sp", "nzcv")
_REGIDS = (tuple(getattr(r, f"UC_ARM64_REG_X{n}") for n in range(29))
           + (r.UC_ARM64_REG_X29, r.UC_ARM64_REG_X30, r.UC_ARM64_REG_SP, r.UC_ARM64_REG_NZCV, r.UC_ARM64_REG_PSTATE))
_SP, _NZCV, _PSTATE = 31, 32, 33


def cycles_before(machine: Machine, address: int) -> int:
    """The emulated cycle at which the instruction at `address` of the block being run starts
    (the native hook charges a block whole at its start: take back its part from `address` on)."""
    state = machine.processor.counter.state
    now = machine.time.cycles()
    block = state.last
    if not block:
        return now
    b = block.contents
    start, n = state.block_start, state.block_insns
    if b.address != start or not start <= address < start + 4 * n:
        return now
    info = machine.processor.timing.get(b.address, b.size)
    if info is None:
        return now
    slot = SLOTS[PmuEvent.CPU_CYCLES] if state.counting else SLOTS[PmuEvent.INST_RETIRED]
    row = info.prefix[slot]
    return now - (row[n] - row[(address - start) // 4])


def retired_before(machine: Machine, address: int) -> int:
    """Instructions retired before the one at `address` of the block being run."""
    state = machine.processor.counter.state
    start, n = state.block_start, state.block_insns
    if start <= address < start + 4 * n:
        return int(state.insns - n + (address - start) // 4)
    return int(state.insns)


class _Registers:
    """X0-X30, SP, NZCV and PSTATE in one uc_reg_read_batch."""

    def __init__(self, machine: Machine) -> None:
        count = len(_REGIDS)
        self._uch = machine.uc._uch
        self._ids = (ctypes.c_int * count)(*_REGIDS)
        self._values = (ctypes.c_uint64 * count)()
        self._pointers = (ctypes.c_void_p * count)(*(ctypes.addressof(self._values) + 8 * i for i in range(count)))
        self._count = count
        self._read = uclib.uc_reg_read_batch

    def read(self) -> tuple[int, ...]:
        self._read(self._uch, self._ids, self._pointers, self._count)
        return tuple(self._values)


@dataclasses.dataclass
class _Pending:
    pc: int
    el: int
    word: int | None
    retired: int  # instructions retired before it
    cycle: int
    regs: tuple[int, ...]


class InstructionTrace:
    """A UC_HOOK_CODE over every address writing one line per retired instruction to `out`
    (format in the module docstring). `install()` before running, `finish()` after."""

    def __init__(self, machine: Machine, out: IO[str]) -> None:
        self.machine = machine
        self.out = out
        self.lines = 0
        self._regs = _Registers(machine)
        self._disasm = Cs(CS_ARCH_ARM64, CS_MODE_ARM)
        self._text: dict[tuple[int, int], str] = {}
        self._pending: _Pending | None = None
        self._hook: int | None = None

    def install(self) -> None:
        if self._hook is not None:
            return
        self._hook = self.machine.uc.hook_add(UC_HOOK_CODE, self._on_code, None, 1, 0)
        self.machine.events.subscribe(self._on_event)

    def finish(self) -> None:
        """After the run: the last instruction's line, if it retired; the hook is removed."""
        if self._pending is not None and self.machine.processor.insns > self._pending.retired:
            self._emit(self._pending, self._regs.read())
        self._pending = None
        if self._hook is not None:
            self.machine.uc.hook_del(self._hook)
            self._hook = None
        self.out.flush()

    # -- hooks ---------------------------------------------------------------------------------
    def _on_code(self, _uc: Any, address: int, _size: int, _ud: Any) -> None:
        m = self.machine
        regs = self._regs.read()
        retired = retired_before(m, address)
        pending = self._pending
        if pending is not None and retired > pending.retired:
            self._emit(pending, regs)
        # else the pending instruction did not retire (a fault, a stop before it): no line
        self._pending = _Pending(address, regs[_PSTATE] >> 2 & 3, m.cpu.read_u32(address), retired,
                                 cycles_before(m, address), regs)

    def _on_event(self, event: Event) -> None:
        """Before an exception handler or a Python EL2 changes the registers: the instruction
        that led there is complete (if it retired)."""
        if event.name in ("exception.taken", "hyp.exit", "machine.reset"):
            pending = self._pending
            self._pending = None
            if pending is not None and event.insns > pending.retired:
                regs = pending.regs if event.name == "machine.reset" else self._regs.read()
                self._emit(pending, regs)

    # -- lines ---------------------------------------------------------------------------------
    def _emit(self, p: _Pending, after: tuple[int, ...]) -> None:
        before = p.regs
        writes = [f"{REGISTER_NAMES[i]}=0x{after[i]:x}" for i in range(_SP) if after[i] != before[i]]
        if after[_SP] != before[_SP] and (after[_PSTATE] & 0xF) == (before[_PSTATE] & 0xF):
            writes.append(f"sp=0x{after[_SP]:x}")
        if (after[_NZCV] ^ before[_NZCV]) >> 28 & 0xF:
            writes.append(f"nzcv=0x{after[_NZCV] >> 28 & 0xF:x}")
        line = f"{p.cycle} clk EL{p.el} IT {p.pc:016x} {self._opcode(p)} {self._disassemble(p)}"
        if writes:
            line += " ; " + " ".join(writes)
        self.out.write(line + "\n")
        self.lines += 1

    @staticmethod
    def _opcode(p: _Pending) -> str:
        return "????????" if p.word is None else f"{p.word:08x}"

    def _disassemble(self, p: _Pending) -> str:
        if p.word is None:
            return "(nothing mapped)"
        key = (p.pc, p.word)
        text = self._text.get(key)
        if text is None:
            found = list(self._disasm.disasm(struct.pack("<I", p.word), p.pc, 1))
            text = f"{found[0].mnemonic} {found[0].op_str}".strip() if found else f".word 0x{p.word:08x}"
            self._text[key] = text
        return text


def json_safe(value: Any) -> Any:
    """A value as JSON can hold it: enums by name, dataclasses as objects, bytes as hex, tuples
    as lists, other objects as their str."""
    if isinstance(value, enum.Enum):
        return value.name
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: json_safe(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, (bytes, bytearray)):
        return value.hex()
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [json_safe(v) for v in value]
    return str(value)


class EventLog:
    """Every event of the machine's stream as one JSON line on `out` (format in the module
    docstring). Counter reads the native hook would answer go through Python while it listens, so
    that each access to a register emulated in Python is a `sysreg.access` event."""

    def __init__(self, machine: Machine, out: IO[str]) -> None:
        self.machine = machine
        self.out = out
        self.count = 0
        self._installed = False

    def install(self) -> None:
        if self._installed:
            return
        self._installed = True
        self.machine.fast_counter_reads = False
        self.machine.events.subscribe(self._on_event)

    def _on_event(self, event: Event) -> None:
        cycle = event.fields.get("cycle")
        record = {"name": event.name, "insns": event.insns,
                  "cycle": cycle if isinstance(cycle, int) else self.machine.time.cycles(),
                  "fields": json_safe(event.fields)}
        self.out.write(json.dumps(record, separators=(",", ":")) + "\n")
        self.count += 1

    def finish(self) -> None:
        self.out.flush()



class Tracing:
    """The tracers `emu run` asked for, writing to their files; `close()` after the run (whatever
    way it ended) finishes each and closes its file."""

    def __init__(self) -> None:
        self.trace: InstructionTrace | None = None
        self.events: EventLog | None = None
        self.timeline: Any = None  # emu.debug.timeline.Timeline
        self._files: list[IO[str]] = []

    @classmethod
    def open(cls, machine: Machine, *, trace: Path | None = None, events: Path | None = None,
             timeline: Path | None = None) -> "Tracing":
        """Open the files (an unwritable path is a UsageError) and install the tracers."""
        from emu.debug.timeline import Timeline

        tracing = cls()
        try:
            if trace is not None:
                tracing.trace = InstructionTrace(machine, tracing._open(trace, "--trace"))
            if events is not None:
                tracing.events = EventLog(machine, tracing._open(events, "--events"))
            if timeline is not None:
                tracing.timeline = Timeline(machine, tracing._open(timeline, "--timeline"))
        except UsageError:
            tracing.close()
            raise
        for tracer in (tracing.events, tracing.timeline, tracing.trace):
            if tracer is not None:
                tracer.install()
        return tracing

    def _open(self, path: Path, option: str) -> IO[str]:
        try:
            out = open(path, "w", encoding="utf-8", buffering=1 << 20)
        except OSError as err:
            raise UsageError(f"{option}: cannot write {path}: {err.strerror or err}") from None
        self._files.append(out)
        return out

    def close(self) -> None:
        for tracer in (self.trace, self.events, self.timeline):
            if tracer is not None:
                tracer.finish()
        self.trace = self.events = self.timeline = None
        for out in self._files:
            out.close()
        self._files = []


__all__ = ["InstructionTrace", "EventLog", "Tracing", "json_safe", "cycles_before", "retired_before", "REGISTER_NAMES"]
