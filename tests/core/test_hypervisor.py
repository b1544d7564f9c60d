"""The Python EL2 backend: exits reach a Hypervisor object with the syndromes EL2 would see."""

from __future__ import annotations

from emu.arch import sysregs as sr
from emu.arch.esr import EC
from emu.core.exceptions import Kind
from emu.hyp import GuestExit, Hypervisor
from tests.conftest import machine_for


class Recorder(Hypervisor):
    """Traps WFI and SCTLR_EL1 writes, answers `hvc #1` with X0 = 42, records every exit."""

    def __init__(self) -> None:
        self.exits: list[GuestExit] = []
        self.esr_el2_seen: list[int] = []

    def reset(self) -> None:
        hcr = sr.HCR_RW | sr.HCR_TWI | sr.HCR_TVM | sr.HCR_IMO
        self.machine.cpu.write_sysreg(sr.HCR_EL2, hcr)

    def handle_exit(self, exit: GuestExit) -> None:
        self.exits.append(exit)
        cpu = self.machine.cpu
        if exit.esr is not None:
            self.esr_el2_seen.append(cpu.read_sysreg(sr.ESR_EL2))
        if exit.kind is Kind.IRQ:
            self.machine.irq.lower()
            return
        if exit.ec == EC.HVC64 and cpu.x(0) == 1:
            cpu.set_x(0, 42)
            return
        if exit.ec in (EC.WFX, EC.SYS64):
            cpu.pc = exit.elr + 4  # emulate by skipping the trapped instruction
            return
        super().handle_exit(exit)  # PSCI over HVC, or a clean error


GUEST = """
    mov x0, #1
    hvc #1
    mov x19, x0
    wfi
    msr sctlr_el1, x19
    mov x1, #0
spin:
    add x1, x1, #1
    cmp x1, #100
    b.ne spin
    ldr x0, =0x84000008
    hvc #0
"""


def test_exits_reach_the_python_hypervisor() -> None:
    hyp = Recorder()
    m = machine_for(GUEST, hypervisor=hyp)
    m.deadlines.at(30, m.irq.raise_)
    result = m.run(100_000)
    assert result.reason == "system-off"
    assert m.cpu.el == 1  # the guest never left EL1: EL2 is Python
    assert m.cpu.x(19) == 42
    kinds = [(e.kind, e.ec) for e in hyp.exits]
    assert kinds == [
        (Kind.SYNC, EC.HVC64), (Kind.SYNC, EC.WFX), (Kind.SYNC, EC.SYS64), (Kind.IRQ, None), (Kind.SYNC, EC.HVC64),
    ]
    hvc, wfi, msr, irq, _off = hyp.exits
    assert hvc.esr == 0x5A00_0001 and hvc.elr == 0x4008_0008
    assert wfi.esr == 0x07E0_0000 and wfi.elr == 0x4008_000C
    # MSR SCTLR_EL1, X19: Op0=3 Op2=0 Op1=0 CRn=1 Rt=19 CRm=0 write
    assert msr.esr == 0x6230_0400 | (19 << 5) and msr.elr == 0x4008_0010
    assert irq.esr is None and irq.spsr & 0xF == 0b0101  # from EL1h
    assert hyp.esr_el2_seen == [0x5A00_0001, 0x07E0_0000, 0x6230_0660, 0x5A00_0000]


def test_unhandled_exit_is_a_clean_error() -> None:
    import pytest

    from emu.errors import InternalError

    m = machine_for("    hvc #7\n", hypervisor=Hypervisor())
    with pytest.raises(InternalError, match="does not handle this exit: ESR_EL2=0x5a000007"):
        m.run(1000)
