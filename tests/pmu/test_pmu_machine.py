"""The PMU on the running machine: exact counts read by MRS and overflow flagged right after
the instruction whose count wraps the counter (watches armed in the native hook)."""

from __future__ import annotations

import pytest

from tests.conftest import machine_for, symbols_of

# INST_RETIRED (0x08) with NSH (bit 27): count at EL2, where the kernel runs.
SETUP = """
    ldr x0, =0x08000008
    msr pmevtyper0_el0, x0
    ldr x0, ={preset}
    msr pmevcntr0_el0, x0
    mov x0, #1
    msr pmintenset_el1, x0
    msr pmcntenset_el0, x0
    msr pmcr_el0, x0            // E: counting starts; this MSR is the first instruction counted
"""
BODY = "".join(f"i{n}:\n    add x5, x5, #1\n" for n in range(40))
OFF = "    ldr x0, =0x84000008\n    smc #0\n"


@pytest.mark.parametrize("k", [1, 2, 3, 7, 16, 17, 30])
def test_overflow_is_flagged_after_the_exact_instruction(k: int) -> None:
    src = SETUP.format(preset=2**32 - k) + BODY + OFF
    m = machine_for(src)
    rises: list[tuple[int, int]] = []
    m.pmu_irq.connect(lambda level: rises.append((m.processor.insns, m.cpu.pc)) if level else None)
    m.run(10_000)
    # Counted: the enabling MSR, then i0, i1, ...; the k-th counted instruction wraps the counter.
    expected_pc = symbols_of(src)[f"i{k - 1}"]  # the line rises before this one runs
    assert len(rises) == 1
    assert rises[0][1] == expected_pc
    assert m.pmu.pmovsset & 1


def test_exact_counts_read_back() -> None:
    src = SETUP.format(preset=0) + """
    ldr x1, [x5, #0]
    str x1, [x5, #8]
    ldp x2, x3, [x5, #16]
    b next
next:
    mrs x20, pmevcntr0_el0
""" + OFF
    m = machine_for(src.replace("ldr x1, [x5, #0]", "ldr x5, =0x41000000\n    ldr x1, [x5, #0]"))
    m.run(10_000)
    # the MSR PMCR, ldr x5 (literal), ldr, str, ldp, b = 6 before the MRS
    assert m.cpu.x(20) == 6


@pytest.mark.parametrize("skid", [1, 3, 10])
def test_skid_delays_the_request_by_exact_instructions(skid: int) -> None:
    from emu.machine import Machine
    from tests.conftest import image_of

    src = SETUP.format(preset=2**32 - 5) + BODY + OFF
    m = Machine(pmu_skid=skid)
    m.load(image_of(src))
    overflow: list[int] = []
    request: list[int] = []
    m.pmu_overflow.connect(lambda level: overflow.append(m.processor.insns) if level else None)
    m.pmu_irq.connect(lambda level: request.append(m.processor.insns) if level else None)
    m.run(10_000)
    assert len(overflow) == 1 and request == [overflow[0] + skid]
