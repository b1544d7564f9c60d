"""decode_block(): static event totals of real blocks, and the instruction where a count crosses."""

from __future__ import annotations

import random
import struct
from pathlib import Path

import pytest
from keystone import KS_ARCH_ARM64, KS_MODE_LITTLE_ENDIAN, Ks

from emu.arch.pmuv3 import INSTRUCTION_EVENTS, Event
from emu.timing.blockinfo import decode_block
from emu.timing.classify import BranchKind, InsnClass
from emu.timing.costmodel import default_cost_model, load_cost_model

E = Event
_ks = Ks(KS_ARCH_ARM64, KS_MODE_LITTLE_ENDIAN)
MODEL = default_cost_model()


def words(source: str) -> list[int]:
    code, _ = _ks.asm(source, 0x4008_0000)
    assert code is not None
    return list(struct.unpack(f"<{len(code) // 4}I", bytes(code)))


LOOP = """
    ldr x0, [x1], #8
    add x2, x2, x0, lsl #2
    stp x0, x2, [sp, #-16]!
    mul x3, x4, x5
    subs x6, x6, #1
    b.ne #-20
"""


def test_loop_body_totals() -> None:
    block = decode_block(words(LOOP), MODEL)
    assert block.n == 6
    assert block.cycles_each == (4, 2, 1, 3, 1, 1)
    assert block.cycles == 12  # the taken branch's extra cycle depends on the outcome
    assert block.totals == {
        E.INST_RETIRED: 6, E.INST_SPEC: 6, E.CPU_CYCLES: 12, E.LD_RETIRED: 1, E.ST_RETIRED: 1,
        E.MEM_ACCESS: 3, E.BR_IMMED_RETIRED: 1, E.BR_RETURN_RETIRED: 0, E.BR_RETIRED: 1,
        E.BR_PRED: 1, E.PC_WRITE_RETIRED: 0, E.EXC_RETURN: 0, E.BR_MIS_PRED: 0,
        # beyond one cycle each: load 3, shifted add 1, mul 2 (back end); the branch's taken
        # bubble is charged with its outcome
        E.STALL_FRONTEND: 0, E.STALL_BACKEND: 6,
    }
    assert set(block.totals) == set(INSTRUCTION_EVENTS)
    assert block.last is not None and block.last.conditional
    assert block.last.cls is InsnClass.BRANCH_COND


def test_prefix_sums_and_first_crossing() -> None:
    block = decode_block(words(LOOP), MODEL)
    assert [block.prefix(E.CPU_CYCLES, k) for k in range(7)] == [0, 4, 6, 7, 10, 11, 12]
    assert [block.prefix(E.MEM_ACCESS, k) for k in range(7)] == [0, 1, 1, 3, 3, 3, 3]
    assert block.first_crossing(E.CPU_CYCLES, 1) == 1  # the load's 4 cycles cross 1..4
    assert block.first_crossing(E.CPU_CYCLES, 4) == 1
    assert block.first_crossing(E.CPU_CYCLES, 5) == 2
    assert block.first_crossing(E.CPU_CYCLES, 8) == 4
    assert block.first_crossing(E.CPU_CYCLES, 12) == 6
    assert block.first_crossing(E.CPU_CYCLES, 13) is None
    assert block.first_crossing(E.INST_RETIRED, 3) == 3
    assert block.first_crossing(E.ST_RETIRED, 1) == 3
    assert block.first_crossing(E.MEM_ACCESS, 2) == 3  # the pair's two accesses
    assert block.first_crossing(E.BR_RETIRED, 1) == 6
    assert block.first_crossing(E.PC_WRITE_RETIRED, 1) is None
    assert block.first_crossing(E.LD_RETIRED, 0) == 0


def test_call_return_and_indirect_blocks() -> None:
    call = decode_block(words("mov x0, #1\nbl #0x100"), MODEL)
    assert call.cycles == 1 + 1 + MODEL.branch_taken_extra  # always taken: charged statically
    assert (call.totals[E.PC_WRITE_RETIRED], call.totals[E.BR_IMMED_RETIRED]) == (1, 1)
    ret = decode_block(words("ldp x29, x30, [sp], #16\nret"), MODEL)
    assert ret.totals[E.BR_RETURN_RETIRED] == 1 and ret.totals[E.BR_RETIRED] == 1
    assert ret.totals[E.PC_WRITE_RETIRED] == 1 and ret.totals[E.LD_RETIRED] == 1
    assert ret.last is not None and ret.last.branch is BranchKind.RETURN
    indirect = decode_block(words("blr x8"), MODEL)
    assert indirect.totals[E.BR_IMMED_RETIRED] == 0 and indirect.totals[E.BR_RETIRED] == 1


def test_exception_return_block() -> None:
    block = decode_block(words("msr elr_el2, x0\nisb\neret"), MODEL)
    assert block.cycles == MODEL.cost(InsnClass.SYSREG) + MODEL.cost(InsnClass.BARRIER) + \
        MODEL.exception_return
    assert block.totals[E.EXC_RETURN] == 1 and block.totals[E.PC_WRITE_RETIRED] == 1
    assert block.totals[E.BR_RETIRED] == 0 and block.totals[E.BR_PRED] == 0


def test_exception_generating_block() -> None:
    block = decode_block(words("mov x0, #0x84000000\nhvc #0"), MODEL)
    assert block.last is not None and block.last.cls is InsnClass.EXC_GEN
    assert block.totals[E.PC_WRITE_RETIRED] == 0 and block.totals[E.BR_RETIRED] == 0


def test_costs_come_from_the_model(tmp_path: Path) -> None:
    path = tmp_path / "slow.toml"
    path.write_text("load = 10\nmul = 7\nbranch_cond = 2\n")
    block = decode_block(words(LOOP), load_cost_model(path))
    assert block.cycles_each == (10, 2, 1, 7, 1, 2)
    assert block.first_crossing(E.CPU_CYCLES, 11) == 2


def test_empty_block() -> None:
    block = decode_block([], MODEL)
    assert (block.n, block.cycles, block.last) == (0, 0, None)
    assert block.first_crossing(E.INST_RETIRED, 1) is None


@pytest.mark.parametrize("seed", range(3))
def test_prefixes_add_up_for_random_blocks(seed: int) -> None:
    """Prefix sums are non-decreasing, end at the totals, and first_crossing inverts them."""
    rng = random.Random(seed)
    block = decode_block([rng.getrandbits(32) for _ in range(40)], MODEL)
    for event in INSTRUCTION_EVENTS:
        row = [block.prefix(event, k) for k in range(block.n + 1)]
        assert row[0] == 0 and row[-1] == block.totals[event]
        assert row == sorted(row)
        for remaining in range(1, row[-1] + 2):
            k = block.first_crossing(event, remaining)
            if remaining > row[-1]:
                assert k is None
            else:
                assert k is not None and row[k] >= remaining and (k == 0 or row[k - 1] < remaining)
    assert block.totals[E.INST_RETIRED] == block.totals[E.INST_SPEC] == 40


STALLS = """
    ldr x0, [x1]
    udiv x2, x3, x4
    isb
    dmb ish
    fadd d0, d1, d2
    mrs x5, nzcv
    add x6, x6, #1
    bl #8
"""


def test_stall_cycles_split_the_cycles_above_one_per_instruction() -> None:
    block = decode_block(words(STALLS), MODEL)
    fe = [block.prefix(E.STALL_FRONTEND, k + 1) - block.prefix(E.STALL_FRONTEND, k) for k in range(block.n)]
    be = [block.prefix(E.STALL_BACKEND, k + 1) - block.prefix(E.STALL_BACKEND, k) for k in range(block.n)]
    # ldr 4, udiv 12, isb 14, dmb 14, fadd 3, mrs 1, add 1, bl 1 + the taken bubble 1
    assert fe == [0, 0, 13, 0, 0, 0, 0, 1]
    assert be == [3, 11, 0, 13, 2, 0, 0, 0]
    assert block.totals[E.INST_RETIRED] + sum(fe) + sum(be) == block.cycles


def test_stall_cycles_follow_a_user_cost_model(tmp_path: Path) -> None:
    path = tmp_path / "model.toml"
    path.write_text("int = 3\nbranch = 2\nsysreg = 0\n")
    block = decode_block(words(STALLS), load_cost_model(path))
    assert block.totals[E.STALL_FRONTEND] == 13 + 1 + 1  # isb, bl (cost 2) + its bubble
    assert block.totals[E.STALL_BACKEND] == 3 + 11 + 13 + 2 + 2  # ... and the add (cost 3)
    # the MRS costs 0: no stall, and the exact identity no longer holds (it is <=)
    assert block.totals[E.STALL_FRONTEND] + block.totals[E.STALL_BACKEND] <= block.cycles
    assert block.totals[E.INST_RETIRED] + 15 + 31 == block.cycles + 1  # the MRS's missing cycle
