"""Block records: what each translated block contributes to the event totals, decoded once.

The first time a (address, size) block runs, the native hook asks `BlockTiming.fill` for its
record: the static events of its instructions (emu.timing.blockinfo: INST_RETIRED, CPU_CYCLES
from the cost model, loads, stores, branches...) and what its last instruction's outcome
changes (a conditional or indirect branch, charged by the hook with the predictor in C).
The per-instruction prefix sums stay here in Python, for the two places that
need to look inside a block: an exception in the middle of it (take back what did not retire)
and a watch reached inside it (find the exact instruction).
"""

from __future__ import annotations

import ctypes
import struct
from dataclasses import dataclass, field

from unicorn import Uc, UcError

from emu.arch.decode import ERET
from emu.timing.blockinfo import decode_block
from emu.timing.classify import BranchKind, InsnInfo
from emu.timing.costmodel import CostModel
from emu.timing.native import NSLOTS, SLOTS, NativeBlock, Tail


@dataclass(frozen=True)
class DecodedBlock:
    """Per-slot prefix sums: prefix[slot][k] = events of the first k instructions."""

    address: int
    size: int
    prefix: tuple[tuple[int, ...], ...]
    table: ctypes.Array[ctypes.c_uint32] = field(init=False, repr=False, compare=False)
    ev: ctypes.Array[ctypes.c_uint32] = field(init=False, repr=False, compare=False)
    slots: ctypes.Array[ctypes.c_uint8] = field(init=False, repr=False, compare=False)
    nz: int = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        rows = self.n + 1
        table = (ctypes.c_uint32 * (rows * NSLOTS))()
        for slot, sums in enumerate(self.prefix):
            for k, total in enumerate(sums):
                table[k * NSLOTS + slot] = total
        object.__setattr__(self, "table", table)  # the native hook's view (emu_unretire)
        # The record's ev[] and slots[] as the native hook reads them, ready to copy (a forked
        # race child fills many records for blocks its parent decoded).
        ev = (ctypes.c_uint32 * NSLOTS)(*(sums[-1] for sums in self.prefix))
        nonzero = [slot for slot in range(NSLOTS) if ev[slot]]
        object.__setattr__(self, "ev", ev)
        object.__setattr__(self, "slots", (ctypes.c_uint8 * NSLOTS)(*nonzero))
        object.__setattr__(self, "nz", len(nonzero))

    @property
    def n(self) -> int:
        return self.size // 4

    def first_crossing(self, slot: int, remaining: int) -> int:
        """The fewest leading instructions whose `slot` events reach `remaining` (0 if it is 0;
        the whole block if they never do)."""
        row = self.prefix[slot]
        for k, total in enumerate(row):
            if total >= remaining:
                return k
        return self.n


# Decoded blocks by (address, size, code words), per cost model, shared by every machine of the
# process: a race sweep's forked children inherit what the reference run decoded.
# (A CostModel is frozen and hashable; a process sees one or two of them.)
_SHARED: dict[CostModel, dict[tuple[int, int, tuple[int, ...]], tuple[DecodedBlock, Tail]]] = {}


class BlockTiming:
    """Decodes blocks for the native hook (classes, events and costs from the cost model) and
    remembers them."""

    def __init__(self, uc: Uc, model: CostModel) -> None:
        self._uc = uc
        self.model = model
        self._blocks: dict[tuple[int, int], DecodedBlock] = {}
        self._shared = _SHARED.setdefault(model, {})

    def get(self, address: int, size: int) -> DecodedBlock | None:
        return self._blocks.get((address, size))

    def fill(self, address: int, size: int, record: NativeBlock) -> DecodedBlock:
        """Decode the block and write its record for the native hook."""
        n = size // 4
        try:
            words = struct.unpack(f"<{n}I", bytes(self._uc.mem_read(address, 4 * n)))
        except UcError:
            words = ()
        key = (address, size, words)
        shared = self._shared.get(key)
        if shared is None:
            info = decode_block(words, self.model)
            prefix = [tuple([0] * (n + 1))] * NSLOTS
            for event, row in info.prefixes.items():
                prefix[SLOTS[event]] = row if len(row) == n + 1 else tuple([0] * (n + 1))
            shared = self._shared[key] = (DecodedBlock(address, size, tuple(prefix)), _tail(info.last))
        block, tail = shared
        ctypes.memmove(record.ev, block.ev, ctypes.sizeof(block.ev))
        ctypes.memmove(record.slots, block.slots, ctypes.sizeof(block.slots))
        record.nz = block.nz
        record.tail = tail
        record.taken_cycles = self.model.branch_taken_extra
        record.branch_pc = address + size - 4
        record.ends_in_eret = int(bool(words) and words[-1] == ERET)
        record.prefix = ctypes.addressof(block.table)
        if record.tail == Tail.COND:
            record.branch_word = words[-1]
            record.cond_target = conditional_target(words[-1], address + size - 4)
        self._blocks[(address, size)] = block
        return block


def conditional_target(word: int, pc: int) -> int:
    """Where B.cond, CBZ/CBNZ (imm19) or TBZ/TBNZ (imm14) at `pc` branches when taken (C6.2)."""
    if word & 0x7E00_0000 == 0x3600_0000:  # TBZ, TBNZ
        offset = (word >> 5) & 0x3FFF
        offset -= (offset & 0x2000) << 1
    else:
        offset = (word >> 5) & 0x7FFFF
        offset -= (offset & 0x40000) << 1
    return (pc + 4 * offset) & 0xFFFF_FFFF_FFFF_FFFF


def _tail(last: InsnInfo | None) -> Tail:
    """A conditional branch's direction and an indirect branch's target are predicted at run
    time; RET is taken as always predicted (the A57's return stack), like direct branches."""
    if last is None or last.branch is None:
        return Tail.NONE
    if last.conditional:
        return Tail.COND
    return Tail.INDIRECT if last.branch is BranchKind.REGISTER else Tail.NONE
