"""User-defined system registers and MMIO devices: the public extension point.

    machine = Machine(hypervisor=MyHyp())

    impdef = machine.sysreg("S3_0_C15_C2_0", reset=0x1234)     # a plain storage register

    @machine.sysreg("S3_1_C15_C2_0", reset=0, el=(1, 2), trap_to=2, on="read",
                    when=lambda ctx: ctx.hcr_el2 >> 30 & 1)
    def cpuactlr(ctx, value=None):                            # MRS: value is None
        if value is None:
            return ctx.register.value | 1
        ctx.register.value = value & 0xFF                      # MSR

    machine.mmio(0x0A00_0000, 0x1000, MyDevice(), name="mydev")

Registers
---------
`Machine.sysreg(reg, ...)` (= `define` below) defines the register `reg` (a name emu knows,
such as "TPIDR_EL1" or "PMCR_EL0", a generic "S<op0>_<op1>_C<n>_C<m>_<op2>", or an
(op0, op1, CRn, CRm, op2) tuple) and returns its `CustomRegister`. The register replaces
whatever had the encoding before: an UNDEFINED encoding becomes defined, and a register Unicorn
implements natively (TPIDR_EL1, CONTEXTIDR_EL1) or one emu emulates in Python (the PMU, the GIC
CPU interface, the ID registers) is overridden: every MRS and MSR of the encoding, in code
already run too, then reaches the Python register.

- Storage: `register.value` starts at `reset` and goes back to it at every machine reset. With
  no functions an MRS returns it and an MSR sets it.
- Functions: calling the register with a function (so `@machine.sysreg(...)` works as a
  decorator) makes `fn(ctx, value)` answer every access: `value` is None for an MRS, which
  returns the value read (None: `register.value`); for an MSR it is the value written, and a
  None return stores it in `register.value` (an int return stores that int instead, for masks).
  `read=f(ctx)` and `write=g(ctx, value)` give the two directions separately, with the same
  return conventions. A function may keep any state of its own.
- Access rights: `el` (both directions), `read_el`, `write_el` are the ELs that may access the
  register; an access from any other EL is UNDEFINED (EC 0x00, taken where UNDEFINED
  instructions go). The default follows the architecture's encoding of the lowest EL in op1:
  op1 = 3: EL0-EL2; op1 = 4 or 5: EL2; op1 = 6 (EL3): none; any other op1: EL1-EL2.
- Trap rule: `trap(ctx)` returns the EL the access traps to (1, 2, "EL1", "EL2") or None /
  0 / False for no trap; the trap is EC 0x18 with the full ISS (Op0, Op2, Op1, CRn, Rt, CRm,
  Direction), ELR = the instruction, exactly as emu's own registers trap (the router's
  TRAP_EL1 / TRAP_EL2 decisions and emu.core.syndromes.refused_system_access). A trap to EL2
  reaches a Python hypervisor's `handle_exit` as a GuestExit, otherwise VBAR_EL2. The
  declarative form `trap_to=2, when=lambda ctx: ..., on="read" | "write" | "both"` traps the
  accesses of `on` from the ELs below `trap_to` for which `when(ctx)` is true (always without
  `when`); a trap to EL2 only happens when EL2 exists. The access rights come first: an EL not
  allowed is UNDEFINED whatever the trap rule says. A rule that names an EL at or below the
  access's own EL, or EL2 on a machine without EL2, is an error (below).
- `ctx` is a `RegisterContext`: the EL, the direction, HCR_EL2 (also as `ctx.hcr`), MDCR_EL2,
  the PC of the MRS/MSR, the register and the machine.

Registers can be added or overridden before a run, between runs, or from inside one (a
hypervisor's handle_exit, another register's function); code translated before is
re-examined once (its blocks are retranslated with the new hook in them).

Devices
-------
`Machine.mmio(base, size, device, name=...)` (= `attach_device`) maps an object with
`read(offset, size) -> int` and `write(offset, size, value)` at [base, base + size), or two
functions `read=` / `write=` (missing: reads as zero, writes ignored). base and size must be
4 KiB aligned (Unicorn maps pages); a range that overlaps RAM or another device is refused with
a UsageError. The device sees what Unicorn hands MMIO regions: naturally aligned accesses of 1,
2 or 4 bytes (docs/decisions.md, "MMIO widths reaching GICD and GICR").

Errors in user code
-------------------
A register function, trap rule or device function that raises (anything but an EmuError, which
passes through unchanged) stops the run with `UserHookError` (exit status 78): one paragraph
naming the register (or device), the guest PC, and the exception's type and text, no traceback.
Unicorn does not update the PC before an MMIO access, so for a device the PC is found again from
the current block: the first load or store in it whose address, computed from the registers at
the time of the failing access, covers the address accessed (exact unless an earlier access of
the same block used the same address; with the MMU on it falls back to the block's start).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable, NoReturn, Optional, Protocol, Union

from emu.arch.sysregs import Encoding
from emu.arch.sysregs import name as generic_name
from emu.bus import Region
from emu.errors import EmuError, UsageError, UserHookError
from emu.sysreg.desc import AccessContext, Decision, SysReg

if TYPE_CHECKING:
    from emu.machine import Machine

MASK64 = (1 << 64) - 1
PAGE = 0x1000

RegisterSpec = Union[str, Encoding]
AccessFn = Callable[["RegisterContext", Optional[int]], Optional[int]]
ReadFn = Callable[["RegisterContext"], Optional[int]]
WriteFn = Callable[["RegisterContext", int], Optional[int]]
TrapRule = Callable[["RegisterContext"], Union[int, str, None]]
Condition = Callable[["RegisterContext"], object]

_GENERIC = re.compile(r"S([0-3])_([0-7])_C([0-9]|1[0-5])_C([0-9]|1[0-5])_([0-7])", re.IGNORECASE)
_TRAP_NAMES = {"EL1": 1, "EL2": 2}
_DIRECTIONS = ("read", "write", "both")


@dataclass(frozen=True)
class RegisterContext:
    """What a register function or trap rule sees about the access."""

    el: int  # PSTATE.EL of the MRS/MSR
    is_read: bool  # MRS (True) or MSR (False)
    hcr_el2: int  # 0 when there is no EL2
    mdcr_el2: int
    pc: int  # the address of the MRS/MSR
    register: "CustomRegister"
    machine: "Machine"

    @property
    def hcr(self) -> int:
        return self.hcr_el2

    @property
    def is_write(self) -> bool:
        return not self.is_read


def resolve(spec: RegisterSpec, machine: "Machine") -> tuple[str, Encoding]:
    """The name and encoding of `spec`: an (op0, op1, CRn, CRm, op2) tuple, a generic
    S<op0>_<op1>_C<n>_C<m>_<op2> name, a register emu emulates in Python (its registry), or
    any register name the assembler knows (TPIDR_EL1, CONTEXTIDR_EL1, ...)."""
    if isinstance(spec, tuple):
        if len(spec) != 5 or not all(isinstance(f, int) and not isinstance(f, bool) for f in spec):
            raise UsageError(f"a system register encoding is (op0, op1, CRn, CRm, op2), not {spec!r}")
        enc: Encoding = (spec[0], spec[1], spec[2], spec[3], spec[4])
        limits = (4, 8, 16, 16, 8)
        if any(not 0 <= f < lim for f, lim in zip(enc, limits)):
            raise UsageError(f"{spec!r} is not an (op0, op1, CRn, CRm, op2) encoding "
                             "(op0 < 4, op1 < 8, CRn < 16, CRm < 16, op2 < 8)")
        _check_register_space(enc, repr(spec))
        known = machine.sysregs.get(enc)
        return (known.name if known is not None else generic_name(enc)), enc
    if not isinstance(spec, str) or not spec:
        raise UsageError(f"a system register is a name or an (op0, op1, CRn, CRm, op2) tuple, not {spec!r}")
    text = spec.strip()
    found = _GENERIC.fullmatch(text)
    if found:
        op0, op1, crn, crm, op2 = (int(g) for g in found.groups())
        enc = (op0, op1, crn, crm, op2)
        _check_register_space(enc, spec)
        known = machine.sysregs.get(enc)
        return (known.name if known is not None else generic_name(enc)), enc
    upper = text.upper()
    try:
        return upper, machine.sysregs.by_name(upper).encoding
    except KeyError:
        pass
    enc2 = _assembled_encoding(text)
    if enc2 is None:
        raise UsageError(f"{spec!r} is not a system register name emu or its assembler knows; "
                         "use S<op0>_<op1>_C<n>_C<m>_<op2> or an (op0, op1, CRn, CRm, op2) tuple")
    return upper, enc2


def _check_register_space(enc: Encoding, spelled: str) -> None:
    if enc[0] not in (2, 3):
        raise UsageError(f"{spelled}: MRS and MSR reach op0 = 2 or 3 only, not op0 = {enc[0]}")


def _assembled_encoding(name: str) -> Encoding | None:
    """The encoding of `mrs x0, <name>` as keystone assembles it (None if it does not)."""
    import struct

    from keystone import KS_ARCH_ARM64, KS_MODE_LITTLE_ENDIAN, Ks, KsError

    from emu.arch import decode

    if not re.fullmatch(r"[A-Za-z][A-Za-z0-9_]*", name):
        return None
    try:
        code, _ = Ks(KS_ARCH_ARM64, KS_MODE_LITTLE_ENDIAN).asm(f"mrs x0, {name}")
    except KsError:
        return None
    if not code or len(code) != 4:
        return None
    insn = decode.system_insn(struct.unpack("<I", bytes(code))[0])
    return insn.encoding if insn is not None and insn.is_read else None


def default_els(enc: Encoding) -> tuple[int, ...]:
    """The ELs that may access an encoding by default: the lowest EL op1 encodes, up to EL2."""
    return {3: (0, 1, 2), 4: (2,), 5: (2,), 6: ()}.get(enc[1], (1, 2))


def _els(value: object, what: str) -> frozenset[int]:
    items: tuple[object, ...] = (value,) if isinstance(value, int) else tuple(value)  # type: ignore[arg-type]
    if any(not isinstance(el, int) or isinstance(el, bool) or el not in (0, 1, 2) for el in items):
        raise UsageError(f"{what} must be exception levels among 0, 1 and 2, not {value!r}")
    return frozenset(items)  # type: ignore[arg-type]


def _one_line(err: BaseException) -> str:
    text = " ".join(str(err).split())
    return f"{type(err).__name__}: {text}" if text else type(err).__name__


class CustomRegister:
    """A user-defined system register (see the module's documentation)."""

    def __init__(self, machine: "Machine", name: str, encoding: Encoding, *, reset: int,
                 read_els: frozenset[int], write_els: frozenset[int], fn: AccessFn | None,
                 read: ReadFn | None, write: WriteFn | None, trap: TrapRule | None) -> None:
        self.machine = machine
        self.name = name
        self.encoding = encoding
        self.reset = reset & MASK64
        self.value = self.reset
        self.read_els = read_els
        self.write_els = write_els
        self.fn = fn
        self.read = read
        self.write = write
        self.trap = trap

    def __call__(self, fn: AccessFn) -> "CustomRegister":
        """Use `fn(ctx, value)` for every access (the decorator form); returns the register."""
        if not callable(fn):
            raise UsageError(f"{self.name}: a register function must be callable, not {fn!r}")
        self.fn = fn
        return self

    def __repr__(self) -> str:
        return f"CustomRegister({self.name}, {generic_name(self.encoding)}, value=0x{self.value:x})"

    def reset_state(self) -> None:
        self.value = self.reset

    def descriptor(self) -> SysReg:
        """The registry's descriptor: its access check and functions call this register's."""
        return SysReg(self.name, self.encoding, self.reset, self._access, self._read, self._write)

    # -- what the router calls -----------------------------------------------------------------
    def _context(self, actx: AccessContext) -> RegisterContext:
        return RegisterContext(actx.el, actx.is_read, actx.hcr_el2, actx.mdcr_el2, self.machine.cpu.pc, self,
                               self.machine)

    def _access(self, actx: AccessContext) -> Decision:
        if actx.el not in (self.read_els if actx.is_read else self.write_els):
            return Decision.UNDEFINED
        if self.trap is None:
            return Decision.OK
        target = self._guarded("trap rule", self.trap, self._context(actx))
        if target is None or target is False or target == 0:
            return Decision.OK
        el = _TRAP_NAMES.get(target.upper()) if isinstance(target, str) else target
        if not isinstance(el, int) or isinstance(el, bool) or el not in (1, 2):
            self._fail("trap rule", f"returned {target!r}; a trap rule returns 1, 2, 'EL1', 'EL2' or None")
        if el <= actx.el:
            self._fail("trap rule", f"returned EL{el} for an access at EL{actx.el}; a trap goes to a higher EL")
        if el == 2 and not self.machine.processor.el2_present:
            self._fail("trap rule", "returned EL2, but this machine has no EL2")
        return Decision.TRAP_EL2 if el == 2 else Decision.TRAP_EL1

    def _read(self, actx: AccessContext) -> int:
        ctx = self._context(actx)
        if self.read is not None:
            value = self._guarded("read function", self.read, ctx)
        elif self.fn is not None:
            value = self._guarded("function", self.fn, ctx, None)
        else:
            return self.value
        if value is None:
            return self.value
        if not isinstance(value, int) or isinstance(value, bool):
            self._fail("read function" if self.read else "function", f"returned {value!r}, not an int")
        return int(value) & MASK64

    def _write(self, actx: AccessContext, value: int) -> None:
        what = "write function" if self.write is not None else "function"
        user = self.write if self.write is not None else self.fn
        stored = value
        if user is not None:
            ctx = self._context(actx)
            result = self._guarded(what, user, ctx, value)
            if result is not None:
                if not isinstance(result, int) or isinstance(result, bool):
                    self._fail(what, f"returned {result!r}, not an int or None")
                stored = int(result)
        self.value = stored & MASK64

    def _guarded(self, what: str, fn: Callable[..., object], *args: object) -> object:
        try:
            return fn(*args)
        except EmuError:
            raise
        except Exception as err:
            self._fail(what, f"raised {_one_line(err)}")

    def _fail(self, what: str, detail: str) -> NoReturn:
        raise UserHookError(self.machine.processor.report(
            f"the {what} of system register {self.name} ({generic_name(self.encoding)}) {detail}."))


def define(machine: "Machine", reg: RegisterSpec, fn: AccessFn | None = None, *, reset: int = 0,
           el: object = None, read_el: object = None, write_el: object = None,
           read: ReadFn | None = None, write: WriteFn | None = None, trap: TrapRule | None = None,
           trap_to: int | str | None = None, when: Condition | None = None, on: str = "both",
           name: str | None = None) -> CustomRegister:
    """Define or override the system register `reg` on `machine` (see the module's documentation)."""
    reg_name, enc = resolve(reg, machine)
    if name is not None:
        if not isinstance(name, str) or not name:
            raise UsageError(f"a register name must be a non-empty string, not {name!r}")
        reg_name = name
    if not isinstance(reset, int) or isinstance(reset, bool):
        raise UsageError(f"{reg_name}: reset must be an int, not {reset!r}")
    for label, f in (("fn", fn), ("read", read), ("write", write), ("trap", trap), ("when", when)):
        if f is not None and not callable(f):
            raise UsageError(f"{reg_name}: {label} must be callable, not {f!r}")
    if fn is not None and (read is not None or write is not None):
        raise UsageError(f"{reg_name}: give one function for both directions or read=/write=, not both")
    if on not in _DIRECTIONS:
        raise UsageError(f"{reg_name}: on must be one of {', '.join(_DIRECTIONS)}, not {on!r}")
    if trap_to is not None:
        if trap is not None:
            raise UsageError(f"{reg_name}: give a trap rule (trap=) or its declarative form (trap_to=), not both")
        target = _TRAP_NAMES.get(trap_to.upper()) if isinstance(trap_to, str) else trap_to
        if target not in (1, 2) or isinstance(target, bool):
            raise UsageError(f"{reg_name}: trap_to must be 1, 2, 'EL1' or 'EL2', not {trap_to!r}")
        trap = _declarative_rule(target, when, on, machine.processor.el2_present)
    elif when is not None or on != "both":
        raise UsageError(f"{reg_name}: when= and on= describe a trap_to= rule; give trap_to too")
    base = default_els(enc) if el is None else el
    custom = CustomRegister(
        machine, reg_name, enc, reset=reset,
        read_els=_els(base if read_el is None else read_el, "read_el" if read_el is not None else "el"),
        write_els=_els(base if write_el is None else write_el, "write_el" if write_el is not None else "el"),
        fn=fn, read=read, write=write, trap=trap)
    try:
        machine.install_sysreg(custom)
    except ValueError as err:  # the name is already another encoding's
        raise UsageError(str(err)) from None
    return custom


def _declarative_rule(target: int, when: Condition | None, on: str, el2_present: bool) -> TrapRule:
    def rule(ctx: RegisterContext) -> int | None:
        if on != "both" and (on == "read") != ctx.is_read:
            return None
        if ctx.el >= target or (target == 2 and not el2_present):
            return None
        return target if when is None or when(ctx) else None

    return rule


# -- MMIO devices ------------------------------------------------------------------------------
class DeviceLike(Protocol):
    def read(self, offset: int, size: int) -> int: ...

    def write(self, offset: int, size: int, value: int) -> None: ...


class _Functions:
    """A device made of two functions (a missing one reads as zero / ignores writes)."""

    def __init__(self, read: Callable[[int, int], int] | None, write: Callable[[int, int, int], object] | None) -> None:
        self._read, self._write = read, write

    def read(self, offset: int, size: int) -> int:
        return 0 if self._read is None else self._read(offset, size)

    def write(self, offset: int, size: int, value: int) -> None:
        if self._write is not None:
            self._write(offset, size, value)


class GuardedDevice:
    """Calls the user's device; whatever it raises stops the run with a UserHookError."""

    def __init__(self, machine: "Machine", name: str, base: int, device: DeviceLike) -> None:
        self.machine, self.name, self.base, self.device = machine, name, base, device

    def read(self, offset: int, size: int) -> int:
        if self.machine.processor.error is not None:
            return 0
        try:
            value = self.device.read(offset, size)
        except EmuError as err:
            self.machine.processor.fail(err)
            return 0
        except Exception as err:
            self._fail("read", offset, size, f"raised {_one_line(err)}")
            return 0
        if not isinstance(value, int) or isinstance(value, bool):
            self._fail("read", offset, size, f"returned {value!r}, not an int")
            return 0
        return value & ((1 << 8 * size) - 1)

    def write(self, offset: int, size: int, value: int) -> None:
        if self.machine.processor.error is not None:
            return
        try:
            self.device.write(offset, size, value)
        except EmuError as err:
            self.machine.processor.fail(err)
        except Exception as err:
            self._fail("write", offset, size, f"raised {_one_line(err)}")

    def _fail(self, what: str, offset: int, size: int, detail: str) -> None:
        from emu.arch import pstate as ps

        address = self.base + offset
        cpu = self.machine.cpu
        pc = guest_pc_of_access(self.machine, address)
        self.machine.processor.fail(UserHookError(
            f"the {what} function of MMIO device {self.name} at 0x{self.base:x} {detail} "
            f"(a {size}-byte {what} at offset 0x{offset:x}, address 0x{address:x}). "
            f"Stopped at guest PC=0x{pc:x} in {ps.mode_name(cpu.pstate)}."))


def guest_pc_of_access(machine: "Machine", address: int) -> int:
    """The load or store of the current block that accesses `address` (see the module's notes)."""
    from emu.core.address import effective_address

    state = machine.processor.counter.state
    start, n = int(state.block_start), int(state.block_insns)
    for pc in range(start, start + 4 * n, 4):
        ea = effective_address(machine.cpu, pc)
        if ea is not None and ea <= address < ea + 16:
            return pc
    return start if n else machine.cpu.pc


def attach_device(machine: "Machine", base: int, size: int, device: DeviceLike | None = None, *,
                  name: str = "mmio", read: Callable[[int, int], int] | None = None,
                  write: Callable[[int, int, int], object] | None = None) -> Region:
    """Map a user MMIO device at [base, base + size) (see the module's documentation)."""
    for label, number in (("base", base), ("size", size)):
        if not isinstance(number, int) or isinstance(number, bool):
            raise UsageError(f"MMIO device {name}: {label} must be an int, not {number!r}")
    if size <= 0 or base < 0 or base % PAGE or size % PAGE:
        raise UsageError(f"MMIO device {name}: base 0x{base:x} and size 0x{size:x} must be positive multiples "
                         "of 4 KiB (Unicorn maps whole pages)")
    if device is not None and (read is not None or write is not None):
        raise UsageError(f"MMIO device {name}: give a device object or read=/write= functions, not both")
    if device is None:
        if read is None and write is None:
            raise UsageError(f"MMIO device {name}: give a device object or read=/write= functions")
        device = _Functions(read, write)
    elif not (callable(getattr(device, "read", None)) and callable(getattr(device, "write", None))):
        raise UsageError(f"MMIO device {name}: {device!r} has no read(offset, size) and write(offset, size, value)")
    from emu.board import virt

    ram_end = virt.RAM_BASE + machine.ram_size
    if base < ram_end and virt.RAM_BASE < base + size:
        raise UsageError(f"MMIO device {name} at 0x{base:x}-0x{base + size:x} overlaps RAM "
                         f"[0x{virt.RAM_BASE:x}, 0x{ram_end:x})")
    for other in machine.bus.regions:
        if base < other.base + other.size and other.base < base + size:
            raise UsageError(f"MMIO device {name} at 0x{base:x}-0x{base + size:x} overlaps {other.name} "
                             f"at 0x{other.base:x}-0x{other.base + other.size:x}")
    for begin, end, _perms in machine.uc.mem_regions():
        if base <= end and begin < base + size:
            raise UsageError(f"MMIO device {name} at 0x{base:x}-0x{base + size:x} overlaps memory already "
                             f"mapped at 0x{begin:x}-0x{end + 1:x}")
    return machine.bus.attach(base, size, name, GuardedDevice(machine, name, base, device))
