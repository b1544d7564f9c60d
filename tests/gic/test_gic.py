"""Input lines, hppi, acknowledge/deactivate and the nIRQ output (IHI 0069 4.1, 4.7)."""

from __future__ import annotations

import pytest

from emu.gic import GICv3, Lifecycle

ISPENDR, ICPENDR, ICACTIVER = 0x200, 0x280, 0x380
SGI_ISPENDR0 = 0x1_0200


def enable(gic: GICv3, intid: int, priority: int = 0, group: int = 1) -> None:
    """Group, priority and enable through the registers, as a guest does."""
    frame, base = (gic.redistributor, 0x1_0000) if intid < 32 else (gic.distributor, 0)
    word, bit = 4 * (intid // 32), 1 << (intid % 32)
    frame.write(base + 0x80 + word, 4, (frame.read(base + 0x80 + word, 4) & ~bit) | (bit if group else 0))
    frame.write(base + 0x400 + intid, 1, priority)
    frame.write(base + 0x100 + word, 4, bit)
    gic.distributor.write(0, 4, 0x3)


def test_line_is_for_ppis_and_spis_only(gic: GICv3) -> None:
    assert gic.line(23) is gic.line(23)
    for intid in (0, 15, gic.num_irqs):
        with pytest.raises(ValueError):
            gic.line(intid)


def test_level_repends_while_line_stays_high_after_deactivation(gic: GICv3) -> None:
    enable(gic, 23)
    gic.line(23).raise_()
    assert gic.hppi() == (23, 0) and gic.irq_out.level
    gic.acknowledge(23)
    assert gic.irqs[23].lifecycle is Lifecycle.ACTIVE_PENDING
    assert gic.hppi() is None and not gic.irq_out.level  # active blocks re-delivery
    gic.deactivate(23)
    assert gic.hppi() == (23, 0) and gic.irq_out.level
    gic.acknowledge(23)
    gic.line(23).lower()
    gic.deactivate(23)
    assert gic.hppi() is None and not gic.irq_out.level
    assert gic.irqs[23].lifecycle is Lifecycle.INACTIVE


def test_edge_spi_latches_and_does_not_repend(gic: GICv3) -> None:
    gic.distributor.write(0xC00 + 8, 4, 0x2)  # INTID 32 edge
    enable(gic, 32)
    line = gic.line(32)
    line.raise_()
    line.lower()
    assert gic.hppi() == (32, 0)
    gic.acknowledge(32)
    assert gic.hppi() is None
    line.raise_()  # edge while active: active and pending, still not delivered
    assert gic.irqs[32].lifecycle is Lifecycle.ACTIVE_PENDING and gic.hppi() is None
    gic.deactivate(32)
    assert gic.hppi() == (32, 0)
    gic.acknowledge(32)
    gic.deactivate(32)
    assert gic.hppi() is None  # line still high, but edge-triggered


def test_ispendr_and_icpendr_drive_delivery(gic: GICv3) -> None:
    enable(gic, 40)
    gic.distributor.write(ISPENDR + 4, 4, 1 << 8)
    assert gic.hppi() == (40, 0) and gic.irq_out.level
    gic.distributor.write(ICPENDR + 4, 4, 1 << 8)
    assert gic.hppi() is None and not gic.irq_out.level
    gic.redistributor.write(SGI_ISPENDR0, 4, 1 << 3)  # SGIs pended through GICR_ISPENDR0
    enable(gic, 3)
    assert gic.hppi() == (3, 0)


def test_icactiver_clears_active_and_rearms_level(gic: GICv3) -> None:
    enable(gic, 50)
    gic.line(50).raise_()
    gic.acknowledge(50)
    assert gic.hppi() is None
    gic.distributor.write(ICACTIVER + 4, 4, 1 << 18)
    assert gic.hppi() == (50, 0)


def test_hppi_orders_by_priority_then_lowest_intid(gic: GICv3) -> None:
    for intid, priority in ((40, 0x80), (35, 0x80), (60, 0x40), (20, 0x40)):
        enable(gic, intid, priority)
        gic.line(intid).raise_()
    assert gic.hppi() == (20, 0x40)
    gic.acknowledge(20)
    assert gic.hppi() == (60, 0x40)
    gic.acknowledge(60)
    assert gic.hppi() == (35, 0x80)


def test_hppi_needs_enable_group_enable_and_matching_group(gic: GICv3) -> None:
    enable(gic, 33, group=0)
    gic.line(33).raise_()
    assert gic.hppi(1) is None and gic.hppi(0) == (33, 0)
    assert not gic.irq_out.level  # Group 0 (FIQ) is never signalled on nIRQ
    enable(gic, 34)
    gic.line(34).raise_()
    assert gic.hppi(1) == (34, 0)
    gic.distributor.write(0, 4, 0x1)  # EnableGrp1 off
    assert gic.hppi(1) is None and not gic.irq_out.level
    gic.distributor.write(0, 4, 0x3)
    gic.distributor.write(0x180 + 4, 4, 1 << 2)  # ICENABLER: INTID 34
    assert gic.hppi(1) is None


def test_spi_routed_to_another_affinity_is_not_delivered(gic: GICv3) -> None:
    enable(gic, 36)
    gic.line(36).raise_()
    gic.distributor.write(0x6000 + 8 * 36, 8, 0x100)  # Aff1 = 1: no such PE
    assert gic.hppi() is None
    gic.distributor.write(0x6000 + 8 * 36, 8, 0)
    assert gic.hppi() == (36, 0)


def test_irq_out_compares_with_threshold(gic: GICv3) -> None:
    enable(gic, 45, priority=0x80)
    gic.line(45).raise_()
    assert gic.threshold == 0xFF and gic.irq_out.level
    gic.threshold = 0x80  # equal priority does not beat the mask
    assert not gic.irq_out.level
    gic.threshold = 0x88
    assert gic.irq_out.level
    gic.distributor.write(0x400 + 45, 1, 0x90)  # a priority change alone re-evaluates nIRQ
    assert not gic.irq_out.level


def test_irq_out_notifies_listeners_on_change_only(gic: GICv3) -> None:
    seen: list[bool] = []
    gic.irq_out.connect(seen.append)
    enable(gic, 16)
    gic.line(16).raise_()
    gic.line(16).raise_()
    gic.line(16).lower()
    assert seen == [True, False]


def test_out_of_range_acknowledge_and_deactivate_are_ignored(gic: GICv3) -> None:
    gic.acknowledge(1023)
    gic.deactivate(-1)
    gic.deactivate(5000)
    gic.deactivate(40)  # not active
    assert not any(s.active for s in gic.irqs)
