"""Decode a translated block once: its static events and where inside it a counter crosses.

`decode_block(words, model)` classifies every instruction and adds up what the block's
instructions contribute to each event of emu.arch.pmuv3.INSTRUCTION_EVENTS when all of them
retire. Those totals are what the native hook adds per block execution. What depends on the
outcome of the last instruction is left out, for the caller to charge once it knows where the
block went (`BlockInfo.last` says what that instruction is):
- a conditional branch (B.cond, CBZ/CBNZ, TBZ/TBNZ) that is taken: PC_WRITE_RETIRED + 1 and
  CostModel.branch_taken_extra cycles;
- any branch the predictor got wrong (in the native hook, emu/timing/_native.c): BR_MIS_PRED + 1 and
  CostModel.branch_mispredict_penalty cycles.
A translated block ends at its first branch, so only its last instruction can be one; a
conditional branch anywhere else would be counted as not taken.

Per-event static contributions of one instruction (Arm ARM D11.11, see classify.py):
INST_RETIRED and INST_SPEC 1; CPU_CYCLES its class cost, plus branch_taken_extra for the
branches that always write the PC (B, BL, BR, BLR, RET); LD_RETIRED, ST_RETIRED, MEM_ACCESS
from the instruction; BR_IMMED_RETIRED for B, BL, B.cond, CBZ, TBZ (taken or not);
BR_RETURN_RETIRED for RET; BR_RETIRED and BR_PRED for every branch (taken or not, exception
returns excluded); PC_WRITE_RETIRED for B, BL, BR, BLR, RET and ERET; EXC_RETURN for ERET;
BR_MIS_PRED 0.

STALL_FRONTEND / STALL_BACKEND (a documented approximation: emu has no pipeline, so a "stall
cycle" is a cycle the cost model charges beyond the one issue cycle of each instruction):
- an instruction's class cost above 1 (max(0, cost - 1)) is a back-end stall for the classes
  whose cost is execution latency or waiting for the memory system: SHIFT_EXTEND, MUL, DIV,
  LOAD, STORE, LOAD_PAIR, STORE_PAIR, SYSREG, FP_SIMD, the barriers other than ISB (DMB, DSB,
  SB, SSBB/PSSBB, CLREX), and INT, NOP, UNKNOWN, WFI (cost 1, 1, 1 and 0 in a57.toml: no
  stall unless a user model raises them);
- it is a front-end stall (the pipeline refetches or waits for a fetch redirect) for ISB (a
  context synchronization event), ERET (the exception return refetches at ELR), the branch
  classes BRANCH, BRANCH_REG, BRANCH_COND and EXC_GEN (SVC, HVC, SMC, BRK, HLT);
- branch_taken_extra of B, BL, BR, BLR and RET is a front-end stall (a fetch bubble), and so
  are, charged by the native hook with the outcome, the taken conditional branch's
  branch_taken_extra and every branch_mispredict_penalty.
So STALL_FRONTEND + STALL_BACKEND <= CPU_CYCLES at every EL at all times, and
INST_RETIRED + STALL_FRONTEND + STALL_BACKEND == CPU_CYCLES exactly for code that retires no
zero-cost instruction (WFI) and takes no exception: the exception-entry cycles (charged by the
exception model outside any instruction) and the cycles a Python EL2 spends are in CPU_CYCLES
but in neither stall event.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from itertools import accumulate
from types import MappingProxyType

from emu.arch.pmuv3 import INSTRUCTION_EVENTS, Event
from emu.timing.classify import BranchKind, InsnClass, InsnInfo, classify
from emu.timing.costmodel import CostModel

_BRANCHES = (BranchKind.IMMEDIATE, BranchKind.REGISTER, BranchKind.RETURN)
# Classes whose cycles above the issue cycle are front-end stalls (the others: back-end).
_FRONTEND_CLASSES = frozenset({
    InsnClass.BRANCH, InsnClass.BRANCH_REG, InsnClass.BRANCH_COND, InsnClass.EXC_GEN, InsnClass.ERET,
})


@dataclass(frozen=True, slots=True)
class BlockInfo:
    """A decoded block: per-instruction classes and cycles, per-event prefix sums."""

    insns: tuple[InsnInfo, ...]
    cycles_each: tuple[int, ...]  # static cycles of each instruction
    prefixes: Mapping[Event, tuple[int, ...]]  # prefixes[e][k]: events of the first k

    @property
    def n(self) -> int:
        return len(self.insns)

    @property
    def cycles(self) -> int:
        """Static cycles of the whole block (CPU_CYCLES without the outcome-dependent parts)."""
        return self.prefixes[Event.CPU_CYCLES][-1]

    @property
    def last(self) -> InsnInfo | None:
        """The last instruction, whose outcome the caller charges (None for an empty block)."""
        return self.insns[-1] if self.insns else None

    @property
    def totals(self) -> dict[Event, int]:
        """Static events of the whole block, for every event of INSTRUCTION_EVENTS."""
        return {event: row[-1] for event, row in self.prefixes.items()}

    def prefix(self, event: Event, k: int) -> int:
        """`event`s retired by the first k instructions (0 <= k <= n)."""
        return self.prefixes[event][k]

    def first_crossing(self, event: Event, remaining: int) -> int | None:
        """The smallest k such that the first k instructions retire at least `remaining`
        `event`s (0 when `remaining` <= 0), or None if the whole block retires fewer."""
        if remaining <= 0:
            return 0
        row = self.prefixes[event]
        k = bisect_left(row, remaining)
        return k if k < len(row) else None


@cache
def _event_row(info: InsnInfo, cycles: int, frontend: int, backend: int) -> tuple[int, ...]:
    """The static events one instruction contributes when it retires, in INSTRUCTION_EVENTS
    order (see the module doc). InsnInfo values are shared, so this is computed a few times."""
    branch = info.branch
    is_branch = int(branch in _BRANCHES)
    events = {
        Event.INST_RETIRED: 1,
        Event.INST_SPEC: 1,
        Event.CPU_CYCLES: cycles,
        Event.LD_RETIRED: info.loads,
        Event.ST_RETIRED: info.stores,
        Event.MEM_ACCESS: info.mem_accesses,
        Event.BR_IMMED_RETIRED: int(branch is BranchKind.IMMEDIATE),
        Event.BR_RETURN_RETIRED: int(branch is BranchKind.RETURN),
        Event.BR_RETIRED: is_branch,
        Event.BR_PRED: is_branch,
        Event.PC_WRITE_RETIRED: int(info.writes_pc_always),
        Event.EXC_RETURN: int(branch is BranchKind.ERET),
        Event.BR_MIS_PRED: 0,
        Event.STALL_FRONTEND: frontend,
        Event.STALL_BACKEND: backend,
    }
    return tuple(events[event] for event in INSTRUCTION_EVENTS)


def _taken_extra(info: InsnInfo, model: CostModel) -> int:
    """The taken-branch bubble of a branch that always writes the PC (not ERET)."""
    if info.writes_pc_always and info.branch is not BranchKind.ERET:
        return model.branch_taken_extra
    return 0


def _static_cycles(info: InsnInfo, model: CostModel) -> int:
    """The cycles of one instruction that do not depend on its outcome."""
    return model.cost(info.cls) + _taken_extra(info, model)


def stall_cycles(info: InsnInfo, model: CostModel) -> tuple[int, int]:
    """(STALL_FRONTEND, STALL_BACKEND) of one instruction, outcome aside (see the module doc)."""
    above = max(0, model.cost(info.cls) - 1)
    if info.cls in _FRONTEND_CLASSES or info.refetch:
        return above + _taken_extra(info, model), 0
    return _taken_extra(info, model), above


def decode_block(words: Sequence[int], model: CostModel) -> BlockInfo:
    """Classify the instructions of a block and sum their static events."""
    insns = tuple(classify(word) for word in words)
    cycles_each = tuple(_static_cycles(info, model) for info in insns)
    rows = [_event_row(info, cycles, *stall_cycles(info, model)) for info, cycles in zip(insns, cycles_each)]
    columns = zip(*rows) if rows else ((),) * len(INSTRUCTION_EVENTS)
    prefixes = {event: tuple(accumulate(column, initial=0))
                for event, column in zip(INSTRUCTION_EVENTS, columns)}
    return BlockInfo(insns, cycles_each, MappingProxyType(prefixes))
