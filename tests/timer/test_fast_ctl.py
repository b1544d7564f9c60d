"""MRS CNTV_CTL_EL0 / CNTP_CTL_EL0 answered by the native counter hook as constants (ENABLE, IMASK,
ISTATUS), republished at every timer register write and, through a watch, at the exact cycle
where ISTATUS flips (for masked timers too, whose line never changes): every value polled must be
exactly what the Python model gives (fast reads switched off), with the same instruction count,
across deadlines passing mid-poll, ENABLE toggled, CVAL/TVAL rewritten, a WFI sleep, and the EL0
(CNTKCTL_EL1) and EL1 (CNTHCTL_EL2.EL1PCEN) access controls, whose traps must still be taken."""

from __future__ import annotations

import pytest

from emu.machine import TIMER_FAST_CTLS, Machine
from tests.conftest import image_of
from tests.timer import fastpath
from tests.timer.fastpath import OFF, OUT, words
from tests.timer.test_fast_counter import LOWER_KERNEL

ISTATUS = 4


def polls(label: str, n: int, body: str = "") -> str:
    """`n` iterations storing CNTV_CTL_EL0 then CNTP_CTL_EL0 to the buffer at x3; `body` runs at
    the end of each iteration (x1 is the iterations left)."""
    return fastpath.mrs_loop(label, n, "cntv_ctl_el0", "cntp_ctl_el0", body)


# Mid-poll changes: at 800 iterations left CNTV's TVAL is rewritten (ISTATUS back to 0, flipping
# again later), at 600 CNTP is disabled, at 500 re-enabled with a CVAL written from the count.
CHANGES = """
    cmp x1, #800
    b.ne {label}_c1
    mov x0, #{tv2}
    msr cntv_tval_el0, x0
{label}_c1:
    cmp x1, #600
    b.ne {label}_c2
    msr cntp_ctl_el0, xzr
{label}_c2:
    cmp x1, #500
    b.ne {label}_c3
    mrs x0, cntpct_el0
    add x0, x0, #{tp2}
    msr cntp_cval_el0, x0
    mov x0, #{ctl}
    msr cntp_ctl_el0, x0
{label}_c3:
"""

# At EL2 (IRQs masked): both timers enabled with IMASK = ctl >> 1, deadlines `tv` and `tp`
# ticks ahead; poll through them with the changes above; then a WFI that sleeps to CNTP's
# deadline (CNTP unmasked), CNTV's deadline shortly after it, and poll again.
EL2_KERNEL = """
    ldr x3, ={out:#x}
    mov x9, #0
    mov x0, #{tv}
    msr cntv_tval_el0, x0
    mov x0, #{ctl}
    msr cntv_ctl_el0, x0
    mov x0, #{tp}
    msr cntp_tval_el0, x0
    mov x0, #{ctl}
    msr cntp_ctl_el0, x0
{first}
    mov x0, #1
    msr cntp_ctl_el0, x0
    mov x0, #3000
    msr cntp_tval_el0, x0
    mov x0, #{tv3}
    msr cntv_tval_el0, x0
    wfi
{second}
""" + OFF


def el2_kernel(tv: int, tp: int, ctl: int) -> str:
    return EL2_KERNEL.format(out=OUT, tv=tv, tp=tp, ctl=ctl, tv3=3000 + tv // 4,
                             first=polls("a", 1200, CHANGES.format(label="a", tv2=tv // 2 + 7, tp2=tp // 3 + 5,
                                                                    ctl=ctl)),
                             second=polls("b", 300))


def run(source: str, fast: bool, *, functional: bool = False, el: int = 2, pmu_counters: int = 6,
        size: int = 3200 * 8) -> tuple[bytes, int, int]:
    """The buffer the guest wrote, its instruction count, and how many MRS of them Python saw."""
    return fastpath.run(source, fast, TIMER_FAST_CTLS.values(), functional=functional, el=el, pmu_counters=pmu_counters,
                        size=size)


def test_native_sites_are_used() -> None:
    m = Machine()
    fast = m.processor.instrument.fast_reads
    assert fast[m.sysregs.by_name("CNTP_CTL_EL0").encoding] == 27
    assert fast[m.sysregs.by_name("CNTV_CTL_EL0").encoding] == 28
    m = Machine(pmu_counters=28)  # PMCR_EL0.N = 28 needs entry 27: the CTLs stay in Python
    assert m.sysregs.by_name("CNTP_CTL_EL0").encoding not in m.processor.instrument.fast_reads
    assert m.sysregs.by_name("CNTVCT_EL0").encoding in m.processor.instrument.fast_reads
    m = Machine(functional=True)
    assert m.sysregs.by_name("CNTV_CTL_EL0").encoding not in m.processor.instrument.fast_reads


@pytest.mark.parametrize("ctl", [1, 3])  # IMASK 0 (line asserted, PSTATE.I masks it) and 1
@pytest.mark.parametrize("tv,tp", [(40, 90), (41, 61), (43, 150), (47, 97), (53, 77), (60, 60), (71, 200),
                                   (120, 33)])
def test_el2_polls_equal_python_polls(ctl: int, tv: int, tp: int) -> None:
    source = el2_kernel(tv, tp, ctl)
    fast, fast_insns, fast_python = run(source, True)
    slow, slow_insns, slow_python = run(source, False)
    assert fast_insns == slow_insns
    assert fast == slow
    assert slow_python == 2 * (1200 + 300)
    assert fast_python == 0
    values = words(fast)
    n = 2 * (1200 + 300)
    assert values[n - 1] and not any(values[n:])
    vctl, pctl = values[0:2400:2], values[1:2400:2]
    assert {v & 3 for v in vctl} == {ctl}
    # CNTV: ISTATUS rises, falls at the TVAL rewrite (iteration 400), rises again
    flips = [i for i in range(1, 1200) if (vctl[i] ^ vctl[i - 1]) & ISTATUS]
    assert len(flips) == 3 and flips[1] == 401
    # CNTP: rises, cleared with ENABLE at iteration 600, rises again after the re-enable
    assert pctl[0] & ISTATUS == 0 and pctl[599] & ISTATUS and pctl[601] == 0
    assert pctl[1199] == ctl | ISTATUS
    after = values[2400:n]  # after the WFI: CNTP fired, CNTV's deadline passes during the poll
    assert all(v == 1 | ISTATUS for v in after[1::2])
    assert after[0] == ctl and after[-2] == ctl | ISTATUS


def test_functional_mode_keeps_python() -> None:
    source = el2_kernel(50, 80, 3)
    fast, fast_insns, fast_python = run(source, True, functional=True)
    slow, slow_insns, _ = run(source, False, functional=True)
    assert (fast, fast_insns) == (slow, slow_insns)
    assert fast_python == 2 * 1500


SETUP = """
    mov x0, #{tv}
    msr cntv_tval_el0, x0
    mov x0, #1
    msr cntv_ctl_el0, x0
    mov x0, #{tp}
    msr cntp_tval_el0, x0
    mov x0, #3
    msr cntp_ctl_el0, x0
    eret
guest:"""


@pytest.mark.parametrize("spsr,cntkctl,cnthctl", [
    (0x3C0, 0, 3),      # EL0, both CTLs trapped to EL1
    (0x3C0, 0x100, 3),  # EL0, CNTV allowed (EL0VTEN), CNTP trapped
    (0x3C0, 0x200, 3),  # EL0, CNTP allowed (EL0PTEN), CNTV trapped
    (0x3C0, 0x300, 3),  # EL0, both allowed
    (0x3C0, 0x300, 1),  # EL0, CNTP trapped to EL2 (CNTHCTL_EL2.EL1PCEN = 0)
    (0x3C5, 0, 3),      # EL1, both allowed
    (0x3C5, 0, 1),      # EL1, CNTP trapped to EL2
])
@pytest.mark.parametrize("tv,tp", [(150, 220), (151, 101)])
def test_lower_el_access_controls(spsr: int, cntkctl: int, cnthctl: int, tv: int, tp: int) -> None:
    source = LOWER_KERNEL.replace("    eret\nguest:", SETUP.format(tv=tv, tp=tp)).format(
        cnthctl=cnthctl, cntkctl=cntkctl, spsr=spsr, out=OUT, loop=polls("loop", 1000),
        exit="svc #0" if spsr == 0x3C0 else "hvc #0")
    fast, fast_insns, fast_python = run(source, True, size=4000 * 8)
    slow, slow_insns, slow_python = run(source, False, size=4000 * 8)
    assert fast_insns == slow_insns
    assert fast == slow
    values = words(fast)
    traps = [v for v in values if v >> 26 == 0x18]  # EC 0x18: trapped MSR/MRS
    p_ok = (spsr == 0x3C5 or cntkctl & 0x200) and cnthctl & 2
    v_ok = spsr == 0x3C5 or cntkctl & 0x100
    assert len(traps) == 1000 * ((not p_ok) + (not v_ok))
    assert slow_python == 2000
    assert fast_python == len(traps)  # only the trapped reads reach Python
    read = [v for v in values if v >> 26 != 0x18 and v]
    if v_ok:
        assert 1 in read and 1 | ISTATUS in read  # CNTV's ISTATUS flipped during the poll
    if p_ok:
        assert 3 in read and 3 | ISTATUS in read  # and masked CNTP's


POLL = """
    ldr x0, ={ticks}
    msr cntv_tval_el0, x0
    mov x0, #3
    msr cntv_ctl_el0, x0
wait:
    isb
    mrs x0, cntv_ctl_el0
    tbz x0, #2, wait
""" + OFF


def test_istatus_poll_speed(capsys: pytest.CaptureFixture[str]) -> None:
    """Printed, not asserted: instructions per second of an ISTATUS polling loop."""
    text = fastpath.loop_speeds(POLL, TIMER_FAST_CTLS.values(), "ISTATUS poll, CNTV_CTL_EL0")
    with capsys.disabled():
        print(text)


def test_native_ctl_read_overridden_by_a_user_register() -> None:
    m = Machine()
    m.load(image_of("    mrs x1, cntv_ctl_el0\n    mrs x2, cntp_ctl_el0\n" + OFF))
    m.run(10_000)
    assert m.cpu.x(1) == 0 and m.cpu.x(2) == 0
    m.sysreg("CNTV_CTL_EL0", read=lambda ctx: 0xABC)
    m.reset()
    m.run(10_000)
    assert m.cpu.x(1) == 0xABC
    assert m.sysregs.by_name("CNTV_CTL_EL0").encoding not in m.processor.instrument.fast_reads
    assert m.sysregs.by_name("CNTP_CTL_EL0").encoding in m.processor.instrument.fast_reads
