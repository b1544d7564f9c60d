"""GICD registers (IHI 0069 12.9): reset values, widths, RAZ/WI."""

from __future__ import annotations

import pytest

from emu.gic import GICv3

CTLR, TYPER, IIDR, PIDR2 = 0x0, 0x4, 0x8, 0xFFE8
IGROUPR, ISENABLER, ICENABLER, ISPENDR, ICPENDR, ISACTIVER, ICACTIVER = (
    0x80, 0x100, 0x180, 0x200, 0x280, 0x300, 0x380)
IPRIORITYR, ICFGR, IROUTER = 0x400, 0xC00, 0x6000


def test_reset_values(gic: GICv3) -> None:
    d = gic.distributor
    assert d.read(CTLR, 4) == 0x50  # ARE (bit 4) and DS (bit 6) RAO, groups disabled, RWP 0
    assert d.read(TYPER, 4) == (1 << 25) | (1 << 24) | (9 << 19) | 8  # No1N, A3V, IDbits, ITLines
    assert d.read(IIDR, 4) == 0x43B
    assert (d.read(PIDR2, 4) >> 4) & 0xF == 3
    assert d.read(PIDR2, 4) == 0x3B
    for base in (IGROUPR, ISENABLER, ICENABLER, ISPENDR, ICPENDR, ISACTIVER, ICACTIVER):
        assert d.read(base + 4, 4) == 0
    assert d.read(IPRIORITYR + 32, 4) == 0
    assert d.read(ICFGR + 8, 4) == 0  # SPIs level-sensitive
    assert d.read(IROUTER + 8 * 32, 8) == 0


def test_itlinesnumber_follows_spi_count() -> None:
    assert GICv3(num_spis=96).distributor.read(TYPER, 4) & 0x1F == 3
    with pytest.raises(ValueError):
        GICv3(num_spis=100)


def test_ctlr_writes_only_group_enables(gic: GICv3) -> None:
    d = gic.distributor
    d.write(CTLR, 4, 0xFFFF_FFFF)
    assert d.read(CTLR, 4) == 0x53
    assert gic.group_enabled == [True, True]
    d.write(CTLR, 4, 0)
    assert d.read(CTLR, 4) == 0x50


def test_set_clear_pairs_are_one_state(gic: GICv3) -> None:
    d = gic.distributor
    d.write(ISENABLER + 4, 4, 0x8000_0001)
    assert d.read(ICENABLER + 4, 4) == 0x8000_0001
    assert gic.irqs[32].enabled and gic.irqs[63].enabled
    d.write(ICENABLER + 4, 4, 0x1)
    assert d.read(ISENABLER + 4, 4) == 0x8000_0000
    d.write(ISPENDR + 4, 4, 0x2)
    assert d.read(ICPENDR + 4, 4) == 0x2
    d.write(ICPENDR + 4, 4, 0x2)
    assert d.read(ISPENDR + 4, 4) == 0
    d.write(ISACTIVER + 4, 4, 0x4)
    assert d.read(ICACTIVER + 4, 4) == 0x4
    d.write(ICACTIVER + 4, 4, 0x4)
    assert d.read(ISACTIVER + 4, 4) == 0
    d.write(IGROUPR + 4, 4, 0xF0F0_F0F0)
    assert d.read(IGROUPR + 4, 4) == 0xF0F0_F0F0


def test_ispendr_reads_an_asserted_level_line(gic: GICv3) -> None:
    gic.line(40).raise_()
    assert gic.distributor.read(ISPENDR + 4, 4) == 1 << 8
    gic.distributor.write(ICPENDR + 4, 4, 1 << 8)
    assert gic.distributor.read(ISPENDR + 4, 4) == 1 << 8


def test_sgi_ppi_bits_are_raz_wi_with_affinity_routing(gic: GICv3) -> None:
    d = gic.distributor
    for base in (IGROUPR, ISENABLER, ISPENDR, ISACTIVER):
        d.write(base, 4, 0xFFFF_FFFF)
        assert d.read(base, 4) == 0
    d.write(IPRIORITYR, 4, 0xFFFF_FFFF)
    d.write(ICFGR + 4, 4, 0xFFFF_FFFF)
    assert d.read(IPRIORITYR, 4) == 0 and d.read(ICFGR + 4, 4) == 0
    assert not any(s.enabled or s.pending or s.active or s.priority for s in gic.irqs[:32])
    assert all(not s.edge for s in gic.irqs[16:32])


def test_bits_beyond_itlinesnumber_are_raz_wi() -> None:
    gic = GICv3(num_spis=32)
    gic.distributor.write(ISENABLER + 8, 4, 0xFFFF_FFFF)
    assert gic.distributor.read(ISENABLER + 8, 4) == 0
    gic.distributor.write(IROUTER + 8 * 64, 8, 0x1)
    assert gic.distributor.read(IROUTER + 8 * 64, 8) == 0


def test_ipriorityr_bytes_and_words(gic: GICv3) -> None:
    d = gic.distributor
    d.write(IPRIORITYR + 33, 1, 0xA0)
    assert d.read(IPRIORITYR + 32, 4) == 0x0000_A000
    assert d.read(IPRIORITYR + 33, 1) == 0xA0
    d.write(IPRIORITYR + 36, 4, 0x1020_3040)
    assert [d.read(IPRIORITYR + 36 + i, 1) for i in range(4)] == [0x40, 0x30, 0x20, 0x10]
    assert gic.irqs[39].priority == 0x10


def test_unimplemented_priority_bits_are_raz_wi(gic: GICv3) -> None:
    d = gic.distributor
    d.write(IPRIORITYR + 32, 4, 0xFFFF_FFFF)
    assert d.read(IPRIORITYR + 32, 4) == 0xF8F8_F8F8
    d.write(IPRIORITYR + 40, 1, 0x07)
    assert d.read(IPRIORITYR + 40, 1) == 0


def test_icfgr_spis_edge_bits(gic: GICv3) -> None:
    d = gic.distributor
    d.write(ICFGR + 8, 4, 0xFFFF_FFFF)  # INTIDs 32-47: odd bits are Int_config[1], even bits RES0
    assert d.read(ICFGR + 8, 4) == 0xAAAA_AAAA
    assert all(s.edge for s in gic.irqs[32:48]) and not gic.irqs[48].edge


def test_irouter_64_bit_and_halves(gic: GICv3) -> None:
    d = gic.distributor
    off = IROUTER + 8 * 33
    d.write(off, 8, 0xFFFF_FFFF_FFFF_FFFF)
    assert d.read(off, 8) == 0xFF_00FF_FFFF  # RES0 bits and IRM (No1N = 1) RAZ/WI
    assert d.read(off, 4) == 0x00FF_FFFF and d.read(off + 4, 4) == 0xFF
    d.write(off + 4, 4, 0)
    assert d.read(off, 8) == 0x00FF_FFFF
    d.write(off, 4, 0)
    assert d.read(off, 8) == 0


@pytest.mark.parametrize("offset", [0xC, 0x10, 0x40, 0x800, 0xD00, 0xE00, 0xF00, 0x5000, 0x6000, 0xFFCC])
def test_reserved_and_unmodelled_offsets_are_raz_wi(gic: GICv3, offset: int) -> None:
    d = gic.distributor
    d.write(offset, 4, 0xFFFF_FFFF)
    assert d.read(offset, 4) == 0


@pytest.mark.parametrize("offset,size", [(CTLR, 1), (CTLR, 2), (CTLR, 8), (ISENABLER + 4, 1), (ISENABLER + 6, 2),
                                         (IPRIORITYR + 32, 2), (IPRIORITYR + 34, 4), (IROUTER + 8 * 32 + 2, 4)])
def test_wrong_width_or_unaligned_accesses_are_raz_wi(gic: GICv3, offset: int, size: int) -> None:
    d = gic.distributor
    before = [(s.enabled, s.priority, s.router) for s in gic.irqs]
    d.write(offset, size, 0xFFFF_FFFF_FFFF_FFFF)
    assert d.read(offset, size) == 0
    assert [(s.enabled, s.priority, s.router) for s in gic.irqs] == before
    assert d.read(CTLR, 4) == 0x50
