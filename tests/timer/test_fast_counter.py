"""MRS CNTVCT_EL0 / CNTPCT_EL0 answered by the native counter hook (the PMU's fast path): every
read must give exactly what the Python model gives (fast reads switched off), across CNTVOFF_EL2
writes, WFI sleeps to a timer deadline, and the EL0 (CNTKCTL_EL1) and EL1 (CNTHCTL_EL2) access
controls, whose traps must still be taken exactly as before."""

from __future__ import annotations

import pytest

from emu.machine import TIMER_FAST_COUNTERS, Machine
from emu.timer import GenericTimer
from tests.conftest import image_of
from tests.timer import fastpath
from tests.timer.fastpath import OFF, OUT, words

MASK64 = (1 << 64) - 1


def reads(label: str, n: int) -> str:
    """`n` iterations reading CNTVCT_EL0 then CNTPCT_EL0 into the buffer at x3."""
    return fastpath.mrs_loop(label, n, "cntvct_el0", "cntpct_el0")


# At EL2: reads, a CNTVOFF_EL2 write, reads, a WFI that sleeps to the EL1 physical timer's
# deadline (IRQs masked, so it only wakes the core), reads.
EL2_KERNEL = f"""
    ldr x3, ={OUT:#x}
    mov x9, #0
{reads("a", 1500)}
    ldr x0, =0x123456789abc
    msr cntvoff_el2, x0
{reads("b", 1000)}
    mrs x0, cntpct_el0
    ldr x2, =100003
    add x0, x0, x2
    msr cntp_cval_el0, x0
    mov x0, #1
    msr cntp_ctl_el0, x0
    wfi
    msr cntp_ctl_el0, xzr
{reads("c", 1000)}
    ldr x0, =0x10000000000
    msr cntvoff_el2, x0          // the virtual count wraps below zero
{reads("d", 500)}
""" + OFF

# From EL2 to EL1 (spsr 0x3c5) or EL0 (spsr 0x3c0) with the given CNTKCTL_EL1 and CNTHCTL_EL2;
# a trapped MRS stores its ESR in place of the value and is skipped; an SVC from EL0 or an HVC
# from EL1 powers off.
LOWER_KERNEL = """
    adr x0, vec1
    msr vbar_el1, x0
    adr x0, vec2
    msr vbar_el2, x0
    ldr x0, =0x80000000          // HCR_EL2.RW
    msr hcr_el2, x0
    mov x0, #{cnthctl}
    msr cnthctl_el2, x0
    mov x0, #{cntkctl}
    msr cntkctl_el1, x0
    ldr x0, =0xfedcba987
    msr cntvoff_el2, x0
    mov x0, #{spsr}
    msr spsr_el2, x0
    adr x0, guest
    msr elr_el2, x0
    ldr x3, ={out:#x}
    mov x9, #0
    eret
guest:
{loop}
    {exit}

    .balign 2048
vec1:
    .skip 0x400
    mrs x10, esr_el1
    lsr x11, x10, #26
    cmp x11, #0x15               // SVC: the end
    b.eq off
    str x10, [x3, x9]
    add x9, x9, #8
    mrs x10, elr_el1
    add x10, x10, #4
    msr elr_el1, x10
    eret

    .balign 2048
vec2:
    .skip 0x400
    mrs x10, esr_el2
    lsr x11, x10, #26
    cmp x11, #0x16               // HVC: the end
    b.eq off
    str x10, [x3, x9]
    add x9, x9, #8
    mrs x10, elr_el2
    add x10, x10, #4
    msr elr_el2, x10
    eret
off:
    ldr x0, =0x84000008
    smc #0
"""


def run(source: str, fast: bool, *, functional: bool = False, el: int = 2, pmu_counters: int = 6,
        size: int = 9000 * 8) -> tuple[bytes, int, int]:
    """The buffer the guest wrote, its instruction count, and how many MRS of them Python saw."""
    return fastpath.run(source, fast, TIMER_FAST_COUNTERS.values(), functional=functional, el=el, pmu_counters=pmu_counters,
                        size=size)


def test_native_sites_are_used() -> None:
    m = Machine()
    fast = m.processor.instrument.fast_reads
    assert fast[m.sysregs.by_name("CNTPCT_EL0").encoding] == 29
    assert fast[m.sysregs.by_name("CNTVCT_EL0").encoding] == 30
    # PMCR_EL0.N = 30 needs entry 29: the counters stay in Python
    m = Machine(pmu_counters=30)
    assert m.sysregs.by_name("CNTVCT_EL0").encoding not in m.processor.instrument.fast_reads


@pytest.mark.parametrize("functional", [False, True])
def test_el2_reads_equal_python_reads(functional: bool) -> None:
    fast, fast_insns, fast_python = run(EL2_KERNEL, True, functional=functional)
    slow, slow_insns, slow_python = run(EL2_KERNEL, False, functional=functional)
    assert fast_insns == slow_insns
    assert fast == slow
    assert slow_python >= 8000
    assert fast_python == (slow_python if functional else 0)
    values = words(fast)
    n = 2 * (1500 + 1000 + 1000 + 500)
    assert values[n - 1] and not any(values[n:])  # every read stored, nothing else
    vct, pct = values[0:n:2], values[1:n:2]
    assert all(b >= a for a, b in zip(pct, pct[1:]))  # the physical count never goes back
    assert len(set(pct)) > 1000  # and it moved
    for i, offset in ((1, 0), (1499, 0), (1501, 0x123456789ABC), (3499, 0x123456789ABC), (3501, 1 << 40),
                      (3999, 1 << 40)):  # CNTVCT_EL0 is read between two reads of CNTPCT_EL0
        assert (pct[i - 1] - offset) & MASK64 <= vct[i] <= (pct[i] - offset) & MASK64
    assert pct[2500] - pct[2499] >= 100003  # the WFI slept to the deadline


def test_pmu_counters_beyond_28_keep_the_python_path() -> None:
    fast, _, _ = run(EL2_KERNEL, True, pmu_counters=30)
    slow, _, _ = run(EL2_KERNEL, False)
    assert fast == slow


@pytest.mark.parametrize("spsr,cntkctl,cnthctl", [
    (0x3C0, 0, 3),  # EL0, both counters trapped to EL1
    (0x3C0, 1, 3),  # EL0, CNTPCT allowed (EL0PCTEN), CNTVCT trapped
    (0x3C0, 2, 3),  # EL0, CNTVCT allowed (EL0VCTEN), CNTPCT trapped
    (0x3C0, 3, 3),  # EL0, both allowed
    (0x3C0, 3, 2),  # EL0, CNTPCT trapped to EL2 (CNTHCTL_EL2.EL1PCTEN = 0)
    (0x3C5, 0, 3),  # EL1, both allowed
    (0x3C5, 0, 2),  # EL1, CNTPCT trapped to EL2
])
@pytest.mark.parametrize("functional", [False, True])
def test_lower_el_access_controls(spsr: int, cntkctl: int, cnthctl: int, functional: bool) -> None:
    source = LOWER_KERNEL.format(cnthctl=cnthctl, cntkctl=cntkctl, spsr=spsr, out=OUT, loop=reads("loop", 1000),
                           exit="svc #0" if spsr == 0x3C0 else "hvc #0")
    fast, fast_insns, fast_python = run(source, True, functional=functional, size=4000 * 8)
    slow, slow_insns, slow_python = run(source, False, functional=functional, size=4000 * 8)
    assert fast_insns == slow_insns
    assert fast == slow
    values = words(fast)
    traps = [v for v in values if v >> 26 == 0x18]  # EC 0x18: trapped MSR/MRS
    pct_ok = (spsr == 0x3C5 or cntkctl & 1) and cnthctl & 1
    vct_ok = spsr == 0x3C5 or cntkctl & 2
    # each trapped read adds its ESR after the read: one or two per iteration
    assert len(traps) == 1000 * ((not pct_ok) + (not vct_ok))
    assert slow_python == 2000
    assert fast_python == (2000 if functional else len(traps))  # only the trapped reads reach Python


def test_counter_view_needs_a_power_of_two_cycles_per_tick() -> None:
    class Source:
        def cycles(self) -> int:
            return 1000

    assert GenericTimer(Source()).counter_view(False, 0x11, (0, 0, 0)) is not None
    view = GenericTimer(Source()).counter_view(False, 0x11, (1, 2, 3))
    assert view is not None and (view.value, view.shift, view.prescale, view.base) == (62, 4, 8, (1, 2, 3))
    assert GenericTimer(Source(), clock_hz=62_500_000).counter_view(False, 0x11, (0, 0, 0)) is not None
    assert GenericTimer(Source(), clock_hz=3_000_000_000).counter_view(False, 0x11, (0, 0, 0)) is None
    assert GenericTimer(Source(), clock_hz=100_000_000).counter_view(False, 0x11, (0, 0, 0)) is None


MDELAY = """
    mrs x1, cntvct_el0
    ldr x4, ={ticks}
wait:
    yield
    isb
    mrs x0, cntvct_el0
    sub x0, x0, x1
    cmp x4, x0
    b.hi wait
""" + OFF


def test_mdelay_speed(capsys: pytest.CaptureFixture[str]) -> None:
    """Printed, not asserted: instructions per second of kvm-unit-tests' mdelay loop."""
    text = fastpath.loop_speeds(MDELAY, TIMER_FAST_COUNTERS.values(), "mdelay loop, CNTVCT_EL0")
    with capsys.disabled():
        print(text)


def test_native_counter_read_overridden_by_a_user_register() -> None:
    m = Machine()
    m.load(image_of("    mrs x1, cntvct_el0\n    mrs x2, cntpct_el0\n" + OFF))
    m.run(10_000)
    assert m.cpu.x(1) == 0 and m.cpu.x(2) <= 1  # natively read, at cycle 0 and one MRS later
    m.sysreg("CNTVCT_EL0", read=lambda ctx: 0xABC)
    m.reset()
    m.run(10_000)
    assert m.cpu.x(1) == 0xABC
    assert m.sysregs.by_name("CNTVCT_EL0").encoding not in m.processor.instrument.fast_reads
    assert m.sysregs.by_name("CNTPCT_EL0").encoding in m.processor.instrument.fast_reads
