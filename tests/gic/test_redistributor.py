"""GICR RD_base and SGI_base registers (IHI 0069 12.10, 12.11)."""

from __future__ import annotations

import pytest

from emu.gic import GICv3

CTLR, IIDR, TYPER, WAKER, PIDR2 = 0x0, 0x4, 0x8, 0x14, 0xFFE8
SGI = 0x1_0000
IGROUPR0, ISENABLER0, ICENABLER0, ISPENDR0, ICPENDR0, ISACTIVER0, ICACTIVER0 = (
    SGI + 0x80, SGI + 0x100, SGI + 0x180, SGI + 0x200, SGI + 0x280, SGI + 0x300, SGI + 0x380)
IPRIORITYR0, ICFGR0, ICFGR1 = SGI + 0x400, SGI + 0xC00, SGI + 0xC04


def test_rd_base_reset_values(gic: GICv3) -> None:
    r = gic.redistributor
    assert r.read(CTLR, 4) == 0
    assert r.read(IIDR, 4) == 0x43B
    assert r.read(TYPER, 8) == 0x10  # Last, affinity 0.0.0.0, processor number 0
    assert r.read(TYPER, 4) == 0x10 and r.read(TYPER + 4, 4) == 0
    assert r.read(WAKER, 4) == 0x6  # ProcessorSleep and ChildrenAsleep
    assert r.read(PIDR2, 4) == 0x3B
    assert r.read(PIDR2 - 8, 4) == 0x93  # PIDR0: redistributor


def test_sgi_base_reset_values(gic: GICv3) -> None:
    r = gic.redistributor
    for offset in (IGROUPR0, ISENABLER0, ICENABLER0, ISPENDR0, ICPENDR0, ISACTIVER0, ICACTIVER0, IPRIORITYR0):
        assert r.read(offset, 4) == 0
    assert r.read(ICFGR0, 4) == 0xAAAA_AAAA
    assert r.read(ICFGR1, 4) == 0


def test_waker_handshake(gic: GICv3) -> None:
    r = gic.redistributor
    r.write(WAKER, 4, 0)  # clear ProcessorSleep, then poll ChildrenAsleep
    assert r.read(WAKER, 4) & 0x4 == 0
    assert r.read(WAKER, 4) == 0
    r.write(WAKER, 4, 0x2)
    assert r.read(WAKER, 4) == 0x6
    r.write(WAKER, 4, 0x4 | 0x1)  # ChildrenAsleep is RO; bit 0 RAZ/WI here
    assert r.read(WAKER, 4) == 0


def test_icfgr0_is_read_only_and_icfgr1_configures_ppis(gic: GICv3) -> None:
    r = gic.redistributor
    r.write(ICFGR0, 4, 0)
    assert r.read(ICFGR0, 4) == 0xAAAA_AAAA
    r.write(ICFGR1, 4, 0x8000_0002)  # PPI 16 and PPI 31 edge
    assert r.read(ICFGR1, 4) == 0x8000_0002
    assert gic.irqs[16].edge and gic.irqs[31].edge and not gic.irqs[17].edge


def test_sgi_frame_state_registers(gic: GICv3) -> None:
    r = gic.redistributor
    r.write(ISENABLER0, 4, 0x0200_0001)
    assert r.read(ICENABLER0, 4) == 0x0200_0001
    r.write(ISPENDR0, 4, 0x1)
    assert r.read(ICPENDR0, 4) == 0x1
    r.write(ISACTIVER0, 4, 0x0200_0000)
    r.write(ICACTIVER0, 4, 0x0200_0000)
    assert r.read(ISACTIVER0, 4) == 0
    r.write(IGROUPR0, 4, 0xFFFF_FFFF)
    assert r.read(IGROUPR0, 4) == 0xFFFF_FFFF
    r.write(IPRIORITYR0 + 25, 1, 0xFF)
    assert r.read(IPRIORITYR0 + 24, 4) == 0xF800
    assert r.read(SGI + 0x420, 4) == 0  # beyond IPRIORITYR7


def test_sgi_frame_does_not_reach_spis(gic: GICv3) -> None:
    gic.redistributor.write(ISENABLER0 + 4, 4, 0xFFFF_FFFF)
    assert not any(s.enabled for s in gic.irqs[32:])


@pytest.mark.parametrize("offset", [0x10, 0x18, 0x70, 0x1000, 0xFFCC, SGI + 0x0, SGI + 0xD00, SGI + 0xE00, SGI + 0xF000])
def test_reserved_offsets_are_raz_wi(gic: GICv3, offset: int) -> None:
    r = gic.redistributor
    r.write(offset, 4, 0xFFFF_FFFF)
    assert r.read(offset, 4) == 0
    assert r.read(WAKER, 4) == 0x6
