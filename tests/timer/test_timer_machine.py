"""The generic timer on the running machine: time is emulated cycles, the line rises right after
the instruction that brings the count to CVAL, and WFI skips to the next timer event."""

from __future__ import annotations

from tests.conftest import machine_for

OFF = "    ldr x0, =0x84000008\n    smc #0\n"
PROGRAM = """
    mrs x1, cntpct_el0
    ldr x5, ={ticks}
    add x2, x1, x5
    msr cntp_cval_el0, x2
    mov x0, #1                 // ENABLE, not masked
    msr cntp_ctl_el0, x0
{wait}
    mrs x3, cntp_ctl_el0
    mrs x4, cntpct_el0
""" + OFF

POLL = """poll:
    mrs x0, cntp_ctl_el0
    tbz x0, #2, poll           // ISTATUS"""


def test_polling_sees_istatus_when_the_count_reaches_cval() -> None:
    m = machine_for(PROGRAM.format(ticks=50, wait=POLL))
    rises: list[int] = []
    m.timer.el1_physical.irq.connect(lambda level: rises.append(m.time.cycles()) if level else None)
    assert m.run(1_000_000).reason == "system-off"
    assert m.cpu.x(3) == 0b101  # ENABLE | ISTATUS
    assert m.cpu.x(4) >= m.cpu.x(2) > m.cpu.x(1)
    assert len(rises) == 1
    assert m.timer.clock.ticks(rises[0]) == m.cpu.x(2)  # the line rose on the tick that reached CVAL
    assert m.timer.clock.ticks(rises[0] - 1) == m.cpu.x(2) - 1


def test_wfi_skips_to_the_timer_event() -> None:
    m = machine_for(PROGRAM.format(ticks=1_000_000, wait="    wfi"))
    result = m.run(1_000)
    assert result.reason == "system-off" and result.insns < 50
    assert m.cpu.x(3) == 0b101
    assert m.cpu.x(4) == m.cpu.x(2)  # time jumped exactly to the event


def test_two_runs_give_the_same_counts() -> None:
    values = []
    for _ in range(2):
        m = machine_for(PROGRAM.format(ticks=77, wait=POLL))
        m.run(1_000_000)
        values.append((m.cpu.x(1), m.cpu.x(2), m.cpu.x(4), m.processor.insns))
    assert values[0] == values[1]
