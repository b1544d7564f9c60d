"""Run-loop stops: budget, exception loops, WFI with nothing to wake it, reset, AArch32."""

from __future__ import annotations

import pytest

from emu.errors import AArch32Unsupported, BudgetExhausted, ExceptionLoop, GuestHalted
from emu.machine import Machine
from tests.conftest import image_of, machine_for

OFF = "    ldr x0, =0x84000008\n    smc #0\n"


def test_budget_exhausted_reports_pc_el_and_instruction() -> None:
    m = machine_for("spin:\n    add x0, x0, #1\n    b spin\n")
    with pytest.raises(BudgetExhausted) as info:
        m.run(1000)
    text = info.value.report()
    assert "budget of 1000 instructions" in text
    assert "in EL2h" in text and "PC=0x4008000" in text
    assert "'add x0, x0, #1' (0x91000400)" in text or "'b #0x40080000'" in text
    assert info.value.exit_status == 71


def test_fault_with_no_vector_table_is_an_exception_loop() -> None:
    m = machine_for("    ldr x1, =0x0b000000\n    ldr x2, [x1]\n")
    with pytest.raises(ExceptionLoop) as info:
        m.run(1000)
    text = info.value.report()
    assert "VBAR_EL2 = 0x0" in text
    assert "SYNC EC=0x21 ESR=0x86000010 from EL2 to EL2 at ELR=0x200 FAR=0x200" in text
    assert info.value.exit_status == 72


def test_wfi_forever_is_reported() -> None:
    m = machine_for("    wfi\n" + OFF)
    with pytest.raises(GuestHalted, match="WFI with no interrupt pending"):
        m.run(1000)


def test_system_reset_restarts_and_no_reboot_ends() -> None:
    # RAM outside the image survives a reset (as on QEMU); the image and registers do not.
    src = """
    ldr x1, =0x41000000
    ldr x2, [x1]
    add x3, x2, #1
    str x3, [x1]
    cbnz x2, second
    mov x20, #1
    ldr x0, =0x84000009
    smc #0
second:
    mov x21, x20
""" + OFF
    m = machine_for(src)
    result = m.run(1000)
    assert result.reason == "system-off" and result.exit_status == 0
    assert m.cpu.x(21) == 0  # X20 was cleared by the reset
    assert m.uc.mem_read(0x4100_0000, 1) == b"\x02"
    assert result.insns == 8 + 8  # both passes count: 8 instructions up to each SMC

    m2 = Machine(no_reboot=True)
    m2.load(image_of(src))
    assert m2.run(1000).reason == "system-reset"


def test_aarch32_is_refused() -> None:
    src = """
    ldr x0, =0x10
    msr spsr_el2, x0
"""
    m = machine_for(src)
    with pytest.raises(AArch32Unsupported, match="M\\[4\\] = 1"):
        m.run(1000)


def test_x0_holds_the_device_tree_at_reset() -> None:
    m = machine_for("    ldr w1, [x0]\n" + "    mov x21, x0\n" + OFF)
    m.run(1000)
    assert m.cpu.x(21) == 0x4400_0000
    assert m.cpu.x(1) == 0xEDFE0DD0  # 0xd00dfeed, big-endian in memory
