"""The branch predictor: 2-bit counters for conditional branches, a last-target table for BR/BLR."""

from __future__ import annotations

import random

from emu.timing.classify import BranchKind
from emu.timing.predictor import DIRECTION_ENTRIES, TARGET_ENTRIES, BranchPredictor

IMM, REG, RET, ERET = BranchKind.IMMEDIATE, BranchKind.REGISTER, BranchKind.RETURN, BranchKind.ERET
PC = 0x4008_0100


def cond(p: BranchPredictor, taken: bool, pc: int = PC) -> bool:
    return p.predict_and_update(pc, IMM, taken, pc - 0x40 if taken else pc + 4, conditional=True)


def test_a_loop_branch_mispredicts_twice_to_learn_and_once_at_the_exit() -> None:
    p = BranchPredictor()
    outcomes = [True] * 10 + [False]
    assert [cond(p, t) for t in outcomes] == [True, True] + [False] * 8 + [True]
    # the counter saturated at 3 and fell to 2 at the exit: the next run predicts taken at once
    assert [cond(p, t) for t in outcomes] == [False] * 10 + [True]


def test_counters_saturate_and_start_strongly_not_taken() -> None:
    p = BranchPredictor()
    assert [cond(p, False) for _ in range(5)] == [False] * 5
    assert [cond(p, t) for t in (True, True, False, True)] == [True, True, True, True]


def test_counters_are_indexed_by_pc_modulo_the_table() -> None:
    p = BranchPredictor()
    alias = PC + 4 * DIRECTION_ENTRIES
    cond(p, True)
    cond(p, True)
    assert cond(p, True, pc=alias) is False  # trained by the branch at PC
    assert cond(p, True, pc=PC + 4) is True  # a neighbour has its own counter


def test_unconditional_immediate_returns_and_eret_are_always_predicted() -> None:
    p = BranchPredictor()
    for target in (0x1000, 0x2000, 0x3000):
        assert p.predict_and_update(PC, IMM, True, target) is False
        assert p.predict_and_update(PC, RET, True, target) is False
        assert p.predict_and_update(PC, ERET, True, target) is False


def test_indirect_branches_use_the_last_target() -> None:
    p = BranchPredictor()
    assert p.predict_and_update(PC, REG, True, 0x5000) is True  # never seen
    assert p.predict_and_update(PC, REG, True, 0x5000) is False
    assert p.predict_and_update(PC, REG, True, 0x6000) is True  # target changed
    assert p.predict_and_update(PC, REG, True, 0x6000) is False
    alias = PC + 4 * TARGET_ENTRIES
    assert p.predict_and_update(alias, REG, True, 0x6000) is True  # the tag is the full PC
    assert p.predict_and_update(PC, REG, True, 0x6000) is True  # evicted by the alias


def test_deterministic() -> None:
    rng = random.Random(7)
    trace = [(rng.randrange(0, 1 << 20) * 4, rng.choice((IMM, REG, RET)), rng.random() < 0.6,
              rng.randrange(1 << 20) * 4, rng.random() < 0.5) for _ in range(5000)]
    runs = []
    for _ in range(2):
        p = BranchPredictor()
        runs.append([p.predict_and_update(pc, k, t, tg, conditional=c and k is IMM)
                     for pc, k, t, tg, c in trace])
    assert runs[0] == runs[1]
    assert 0 < sum(runs[0]) < len(trace)
