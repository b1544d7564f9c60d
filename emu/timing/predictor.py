"""A simple, deterministic branch predictor: what BR_MIS_PRED and the mispredict penalty count.

- Conditional branches (B.cond, BC.cond, CBZ/CBNZ, TBZ/TBNZ): a table of DIRECTION_ENTRIES 2-bit
  saturating counters indexed by (PC >> 2) mod DIRECTION_ENTRIES, all starting at 0 (strongly
  not taken); predicted taken when the counter is 2 or 3; the counter moves one step towards the
  outcome (the classic bimodal predictor, J. E. Smith, "A Study of Branch Prediction
  Strategies", ISCA 1981).
- Indirect branches (BR, BLR and their PAuth forms): a last-target table of TARGET_ENTRIES
  entries indexed by (PC >> 2) mod TARGET_ENTRIES and tagged with the full PC; predicted when the
  entry holds this PC and this target, and then (re)written.
- Unconditional immediate branches (B, BL): always predicted (the target is in the instruction).
- Returns (RET, RETAA/RETAB): always predicted, as by a return stack that never overflows (the
  Cortex-A57 has one; a real, finite return stack is not modelled).
- Exception returns (ERET): never counted as mispredicted; their refetch is `exception_return`.

The table sizes and indexing are those of the native hook (emu/timing/_native.c), which keeps
the same state for blocks executed in C.
"""

from __future__ import annotations

from emu.timing.classify import BranchKind

DIRECTION_ENTRIES = 1024
TARGET_ENTRIES = 256


class BranchPredictor:
    def __init__(self) -> None:
        self._counters = bytearray(DIRECTION_ENTRIES)
        self._targets: list[tuple[int, int] | None] = [None] * TARGET_ENTRIES

    def predict_and_update(self, pc: int, kind: BranchKind, taken: bool, target: int, *,
                           conditional: bool = False) -> bool:
        """Predict the branch at `pc` (of `kind`; `conditional` for B.cond, CBZ, TBZ), learn
        its outcome (`taken`, and `target` when taken) and say whether it was mispredicted."""
        if conditional:
            index = (pc >> 2) % DIRECTION_ENTRIES
            counter = self._counters[index]
            if taken:
                self._counters[index] = min(counter + 1, 3)
            else:
                self._counters[index] = max(counter - 1, 0)
            return (counter >= 2) != taken
        if kind is BranchKind.REGISTER:
            index = (pc >> 2) % TARGET_ENTRIES
            entry = (pc, target)
            if self._targets[index] == entry:
                return False
            self._targets[index] = entry
            return True
        return False
