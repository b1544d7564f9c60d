"""GICv3.reset (PSCI SYSTEM_RESET): configuration back to reset values, lines keep their level."""

from __future__ import annotations

from emu.gic import GICv3

GICD_CTLR, GICD_ISENABLER1, GICD_IPRIORITYR8 = 0x0000, 0x0104, 0x0420
GICR_WAKER = 0x0014


def test_reset_restores_configuration_and_keeps_lines() -> None:
    gic = GICv3()
    gic.distributor.write(GICD_CTLR, 4, 0x2)
    gic.distributor.write(GICD_ISENABLER1, 4, 1)  # INTID 32
    gic.distributor.write(GICD_IPRIORITYR8, 1, 0x80)
    gic.redistributor.write(GICR_WAKER, 4, 0)
    gic.line(33).set(True)
    gic.reset()
    assert gic.distributor.read(GICD_CTLR, 4) & 0x3 == 0
    assert gic.distributor.read(GICD_ISENABLER1, 4) == 0
    assert gic.distributor.read(GICD_IPRIORITYR8, 1) == 0
    assert gic.redistributor.read(GICR_WAKER, 4) & 0x6 == 0x6
    assert gic.irqs[33].line and gic.irqs[33].pending  # level-sensitive, line still high
    assert not gic.irq_out.level
