"""ctypes face of the native block hook in _native.c (see its header comment).

The hook keeps per-EL totals of the events instructions generate (`SLOTS`), charged a block at
a time from records that Python fills the first time a (address, size) block runs, and stops
the run before a block that would reach a watch, so that the caller can run up to the exact
instruction (budgets, deadlines, PMU counter overflows).
"""

from __future__ import annotations

import ctypes
import enum
import importlib.util
from typing import Callable

from unicorn import UC_HOOK_BLOCK, Uc, arm64_const
from unicorn.arm64_const import UC_ARM64_REG_PC, UC_ARM64_REG_PSTATE, UC_ARM64_REG_SP, UC_ARM64_REG_X29, UC_ARM64_REG_X30
from unicorn.unicorn_py3.unicorn import uclib

from emu.arch.pmuv3 import INSTRUCTION_EVENTS, Event
from emu.errors import InternalError

X_REGIDS = tuple(getattr(arm64_const, f"UC_ARM64_REG_X{n}") for n in range(29)) + (UC_ARM64_REG_X29, UC_ARM64_REG_X30)
NSLOTS = 16
NWATCH = 40
PRED_ENTRIES = 1024
TARGET_ENTRIES = 256
NO_ADDRESS = 2**64 - 1
EL_UNKNOWN = 3

# Slot of each event in the per-block records and per-EL totals. The C side hard-codes the
# four the branch tail charges (CPU_CYCLES = 1, PC_WRITE_RETIRED = 5, BR_MIS_PRED = 9,
# STALL_FRONTEND = 13).
SLOTS: dict[Event, int] = {event: i for i, event in enumerate(INSTRUCTION_EVENTS)}
SLOTS[Event.EXC_TAKEN] = len(INSTRUCTION_EVENTS)
assert len(SLOTS) <= NSLOTS
assert (SLOTS[Event.INST_RETIRED], SLOTS[Event.CPU_CYCLES], SLOTS[Event.PC_WRITE_RETIRED],
        SLOTS[Event.BR_MIS_PRED], SLOTS[Event.STALL_FRONTEND]) == (0, 1, 5, 9, 13)


class StopReason(enum.IntEnum):
    NONE = 0
    WATCH = 1
    IRQ = 2
    POLL = 3
    PC_ALIGN = 4


class Tail(enum.IntEnum):
    """What the outcome of a block's last instruction changes (charged at the next block)."""

    NONE = 0
    COND = 1  # conditional branch: taken or not, predicted or not
    INDIRECT = 2  # BR, BLR, RET: target predicted or not


class NativeBlock(ctypes.Structure):
    _fields_ = [
        ("address", ctypes.c_uint64),
        ("size", ctypes.c_uint64),
        ("branch_pc", ctypes.c_uint64),
        ("tail", ctypes.c_uint32),
        ("ends_in_eret", ctypes.c_uint32),
        ("taken_cycles", ctypes.c_uint32),
        ("nz", ctypes.c_uint32),
        ("ev", ctypes.c_uint32 * NSLOTS),
        ("slots", ctypes.c_uint8 * NSLOTS),
        ("prefix", ctypes.c_void_p),
        ("cond_target", ctypes.c_uint64),
        ("branch_word", ctypes.c_uint32),
        ("sp_mask", ctypes.c_uint32),
    ]


NFAST = 32  # PMEVCNTR0..30_EL0, then PMCCNTR_EL0


class FastCounter(ctypes.Structure):
    """emu_fast_counter: a PMU counter as the native MRS hook reads it."""

    _fields_ = [
        ("ok_els", ctypes.c_uint64),
        ("slot", ctypes.c_uint64),
        ("el_mask", ctypes.c_uint64),
        ("value", ctypes.c_uint64),
        ("base", ctypes.c_uint64 * 3),
        ("shift", ctypes.c_uint64),
        ("prescale", ctypes.c_uint64),
        ("mask", ctypes.c_uint64),
    ]


class Watch(ctypes.Structure):
    _fields_ = [
        ("slot", ctypes.c_uint64),
        ("el_mask", ctypes.c_uint64),
        ("remaining", ctypes.c_uint64),
    ]


class NativeState(ctypes.Structure):
    """Mirror of struct emu_native_state in _native.c (same order, same widths)."""

    _fields_ = [
        ("insns", ctypes.c_uint64),
        ("block_start", ctypes.c_uint64),
        ("block_insns", ctypes.c_uint64),
        ("take_mask", ctypes.c_uint64),
        ("stop_reason", ctypes.c_uint64),
        ("poll", ctypes.c_uint64),
        ("pstate_regid", ctypes.c_uint64),
        ("el", ctypes.c_uint64),
        ("reg_read", ctypes.c_void_p),
        ("emu_stop", ctypes.c_void_p),
        ("new_block", ctypes.c_void_p),
        ("reg_write", ctypes.c_void_p),
        ("pc_regid", ctypes.c_uint64),
        ("uc", ctypes.c_void_p),
        ("x_regids", ctypes.c_uint64 * 31),
        ("fired", ctypes.c_uint64),
        ("pass_address", ctypes.c_uint64),
        ("stop_after_pass", ctypes.c_uint64),
        ("prev", ctypes.POINTER(NativeBlock)),
        ("prev_el", ctypes.c_uint64),
        ("stop_block", ctypes.POINTER(NativeBlock)),
        ("last", ctypes.POINTER(NativeBlock)),
        ("counting", ctypes.c_uint64),
        ("nactive", ctypes.c_uint64),
        ("active", ctypes.c_uint64 * NWATCH),
        ("mispredict_penalty", ctypes.c_uint64),
        ("totals", (ctypes.c_uint64 * NSLOTS) * 3),
        ("watch", Watch * NWATCH),
        ("direction", ctypes.c_uint8 * PRED_ENTRIES),
        ("target", (ctypes.c_uint64 * 2) * TARGET_ENTRIES),
        ("fast", FastCounter * NFAST),
        ("table", ctypes.c_void_p),
        ("cap", ctypes.c_uint64),
        ("count", ctypes.c_uint64),
        ("step_stop", ctypes.c_uint64),
        ("sp_regid", ctypes.c_uint64),
        ("sp_check", ctypes.c_void_p),
    ]


Fallback = ctypes.CFUNCTYPE(None, ctypes.c_uint64)


class MrsSite(ctypes.Structure):
    """emu_mrs_site: one hooked MRS of a PMU counter."""

    _fields_ = [
        ("s", ctypes.c_void_p),
        ("counter", ctypes.c_uint64),
        ("rt_regid", ctypes.c_uint64),
        ("rt_is_zr", ctypes.c_uint64),
        ("fallback", ctypes.c_void_p),
    ]


NewBlock = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_uint64, ctypes.c_uint32, ctypes.POINTER(NativeBlock))
NewBlockHandler = Callable[[int, int, NativeBlock], bool]
SpCheck = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_uint64, ctypes.c_uint32, ctypes.POINTER(NativeBlock))


def _library() -> ctypes.CDLL:
    spec = importlib.util.find_spec("emu.timing._native")
    if spec is None or spec.origin is None:
        raise InternalError(
            "the native block hook emu/timing/_native is not built; install the package with "
            "`pip install -e .` (it needs a C compiler) so that setuptools compiles it"
        )
    return ctypes.CDLL(spec.origin)


class BlockCounter:
    """Installs the native UC_HOOK_BLOCK on one Unicorn engine and exposes its state.

    `on_new_block(address, size, record)` runs in Python the first time a (address, size)
    block executes: it fills `record` (events, tail) and returns True to stop the run before
    the block (so that hooks it added take effect when the block is translated again).
    `on_sp_check(address, size, record)` runs when the block starts with an SP that one of its
    loads or stores would find misaligned (record.sp_mask); True stops the run before it."""

    def __init__(self, uc: Uc, on_new_block: NewBlockHandler | None = None,
                 on_sp_check: NewBlockHandler | None = None) -> None:
        self._lib = _library()
        self.state = NativeState()
        self.state.pstate_regid = UC_ARM64_REG_PSTATE
        self.state.pass_address = NO_ADDRESS
        self.state.step_stop = NO_ADDRESS
        self.state.el = EL_UNKNOWN
        self.state.reg_read = ctypes.cast(uclib.uc_reg_read, ctypes.c_void_p).value
        self.state.emu_stop = ctypes.cast(uclib.uc_emu_stop, ctypes.c_void_p).value
        self.state.reg_write = ctypes.cast(uclib.uc_reg_write, ctypes.c_void_p).value
        self.state.pc_regid = UC_ARM64_REG_PC
        self.state.uc = uc._uch.value
        for n, regid in enumerate(X_REGIDS):
            self.state.x_regids[n] = regid
        if on_new_block is not None:
            self._new_block = NewBlock(lambda address, size, record: int(bool(on_new_block(address, size, record[0]))))
            self.state.new_block = ctypes.cast(self._new_block, ctypes.c_void_p).value
        self.state.sp_regid = UC_ARM64_REG_SP
        if on_sp_check is not None:
            self._sp_check = SpCheck(lambda address, size, record: int(bool(on_sp_check(address, size, record[0]))))
            self.state.sp_check = ctypes.cast(self._sp_check, ctypes.c_void_p).value
        self._handle = ctypes.c_size_t()
        hook = ctypes.cast(self._lib.emu_block_hook, ctypes.c_void_p)
        status = uclib.uc_hook_add(
            uc._uch, ctypes.byref(self._handle), UC_HOOK_BLOCK, hook,
            ctypes.cast(ctypes.pointer(self.state), ctypes.c_void_p), 1, 0,
        )
        if status != 0:
            raise InternalError(f"uc_hook_add for the native block hook failed with status {status}")

    def __del__(self) -> None:
        lib = getattr(self, "_lib", None)
        if lib is not None:
            lib.emu_native_forget_blocks(ctypes.byref(self.state))

    def forget_blocks(self) -> None:
        """Drop every block record (after the code in RAM changed)."""
        self._lib.emu_native_forget_blocks(ctypes.byref(self.state))

    @property
    def insns(self) -> int:
        return self.state.insns

    def total(self, el: int, slot: int) -> int:
        return self.state.totals[el][slot]

    def charge(self, el: int, slot: int, n: int) -> None:
        """Charge events that happen outside blocks (exception entry), watches included."""
        self._lib.emu_charge(ctypes.byref(self.state), ctypes.c_uint64(el), ctypes.c_uint64(slot), ctypes.c_uint64(n))

    def uncharge(self, el: int, slot: int, n: int) -> None:
        """Take back events of instructions that were charged but did not retire."""
        self._lib.emu_uncharge(ctypes.byref(self.state), ctypes.c_uint64(el), ctypes.c_uint64(slot), ctypes.c_uint64(n))

    def take_stop_reason(self) -> StopReason:
        """Why the hook stopped the last run (and forget it)."""
        reason = StopReason(self.state.stop_reason)
        self.state.stop_reason = StopReason.NONE
        return reason

    def take_fired(self) -> int:
        fired = self.state.fired
        self.state.fired = 0
        return fired

    def set_watches(self, watches: dict[int, tuple[int, int, int]]) -> None:
        """Arm exactly these watches: {index: (slot, el_mask, remaining)}."""
        for n, (index, (slot, el_mask, remaining)) in enumerate(sorted(watches.items())):
            w = self.state.watch[index]
            # A distance of 2^64 or more (a chained pair, or a 64-bit cycle counter, at 0) is
            # as good as never within any run; 0 would mean "now".
            w.slot, w.el_mask, w.remaining = slot, el_mask, min(remaining, NO_ADDRESS)
            self.state.active[n] = index
        self.state.nactive = len(watches)

    def unretire(self, ran: int, prefix: ctypes.Array[ctypes.c_uint32]) -> None:
        """The last block charged stopped after `ran` instructions; `prefix` is its (n + 1) x
        NSLOTS table of prefix sums."""
        self._lib.emu_unretire(ctypes.byref(self.state), ctypes.c_uint64(ran), prefix)

    def retire_to(self, k: int, prefix: ctypes.Array[ctypes.c_uint32]) -> None:
        """The last block charged has retired its first `k` instructions (Python completed one)."""
        self._lib.emu_retire_to(ctypes.byref(self.state), ctypes.c_uint64(k), prefix)

    def mrs_hook(self) -> int:
        """Address of emu_mrs_counter_hook (a UC_HOOK_CODE callback taking an MrsSite)."""
        return ctypes.cast(self._lib.emu_mrs_counter_hook, ctypes.c_void_p).value or 0

    def settle(self, address: int) -> None:
        """At a block boundary, before Python moves the PC: the previous block went to `address`."""
        self._lib.emu_settle(ctypes.byref(self.state), ctypes.c_uint64(address))

    def redirect(self) -> None:
        """Python changed the PC (an exception, a call answered): the previous block's branch
        outcome is not to be charged, and the EL must be read again."""
        self.state.prev = None
        self.state.el = EL_UNKNOWN
