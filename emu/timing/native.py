"""ctypes face of the native block hook in _native.c.

The hook counts instructions a translated block at a time (AArch64 instructions are 4 bytes,
so a block of `size` bytes is `size // 4` instructions) and stops Unicorn before a block that
would cross `limit`, before a block at a misaligned address, before any block while `poll` is set, and before any block whose PSTATE
(EL, I, F) selects a set bit of `take_mask` (an interrupt is pending and would be taken there).
"""

from __future__ import annotations

import ctypes
import enum
import importlib.util
from typing import Callable

from unicorn import UC_HOOK_BLOCK, Uc
from unicorn.arm64_const import UC_ARM64_REG_PSTATE
from unicorn.unicorn_py3.unicorn import uclib

from emu.errors import InternalError


class StopReason(enum.IntEnum):
    NONE = 0
    LIMIT = 1
    IRQ = 2
    POLL = 3
    PC_ALIGN = 4


class NativeState(ctypes.Structure):
    """Mirror of emu_native_state in _native.c (same order, same widths)."""

    _fields_ = [
        ("insns", ctypes.c_uint64),
        ("limit", ctypes.c_uint64),
        ("block_start", ctypes.c_uint64),
        ("block_insns", ctypes.c_uint64),
        ("take_mask", ctypes.c_uint64),
        ("stop_reason", ctypes.c_uint64),
        ("poll", ctypes.c_uint64),
        ("pstate_regid", ctypes.c_uint64),
        ("reg_read", ctypes.c_void_p),
        ("emu_stop", ctypes.c_void_p),
        ("new_block", ctypes.c_void_p),
        ("seen", ctypes.c_void_p),
        ("seen_cap", ctypes.c_uint64),
        ("seen_count", ctypes.c_uint64),
    ]


NewBlock = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_uint64, ctypes.c_uint32)


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

    `on_new_block(address, size)` runs in Python the first time a block address executes (a
    translation-time decode, in effect); returning True stops the run before that block, so
    that hooks it added take effect when the block is translated again."""

    def __init__(self, uc: Uc, on_new_block: Callable[[int, int], bool] | None = None) -> None:
        self._lib = _library()
        self.state = NativeState()
        self.state.limit = 2**64 - 1
        self.state.pstate_regid = UC_ARM64_REG_PSTATE
        self.state.reg_read = ctypes.cast(uclib.uc_reg_read, ctypes.c_void_p).value
        self.state.emu_stop = ctypes.cast(uclib.uc_emu_stop, ctypes.c_void_p).value
        if on_new_block is not None:
            self._new_block = NewBlock(lambda address, size: int(bool(on_new_block(address, size))))
            self.state.new_block = ctypes.cast(self._new_block, ctypes.c_void_p).value
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
        """Treat every block as new again (after a reset or a change to the code in RAM)."""
        self._lib.emu_native_forget_blocks(ctypes.byref(self.state))

    @property
    def insns(self) -> int:
        return self.state.insns

    def take_stop_reason(self) -> StopReason:
        """Why the hook stopped the last run (and forget it)."""
        reason = StopReason(self.state.stop_reason)
        self.state.stop_reason = StopReason.NONE
        return reason

    def unretire_tail(self, pc: int) -> None:
        """A synchronous exception or abort ended the current block at `pc` (the address after
        the last instruction that retired): take back the block's instructions that did not run."""
        start, n = self.state.block_start, self.state.block_insns
        if start <= pc <= start + 4 * n:
            ran = (pc - start) // 4
            self.state.insns -= n - ran
            self.state.block_insns = ran
