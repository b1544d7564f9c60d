"""The distributor, GICD (IHI 0069 12.9), at GICD_BASE, 64 KiB.

With DS = 1 and affinity routing always on (GICD_CTLR.ARE RAO/WI, as QEMU 7.2): the per-INTID
registers show SPIs only (the bits of INTIDs 0-31 are RAZ/WI, the redistributor owns them),
GICD_IROUTER<n> routes SPIs, GICD_ITARGETSR, GICD_SGIR, GICD_{C,S}PENDSGIR, GICD_IGRPMODR and
GICD_NSACR are RAZ/WI. Registers are 32-bit except IPRIORITYR (byte-accessible too) and IROUTER
(64-bit, or 32-bit halves); other widths, unaligned and reserved offsets are RAZ/WI.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .bank import Bank
from .ident import ID_END, ID_FIRST, IIDR, PIDR0_GICD, id_register
from .state import PRIVATE_COUNT

if TYPE_CHECKING:
    from .gic import GICv3

CTLR, TYPER, IIDR_OFFSET, IROUTER = 0x0000, 0x0004, 0x0008, 0x6000
CTLR_ENABLE_GRP0, CTLR_ENABLE_GRP1, CTLR_ARE, CTLR_DS = 1 << 0, 1 << 1, 1 << 4, 1 << 6
# GICD_TYPER fields (IHI 0069 12.9.38): IDbits = 9 (10-bit INTIDs, no LPIs: LPIS = 0, unlike QEMU's
# virt with its ITS), A3V = 1, No1N = 1 (1-of-N SPI routing not supported: IROUTER.IRM RAZ/WI),
# SecurityExtn = 0 (DS = 1), CPUNumber = 0 (affinity routing).
TYPER_IDBITS, TYPER_A3V, TYPER_NO1N = 9 << 19, 1 << 24, 1 << 25
IROUTER_AFFINITY = 0xFF_00FF_FFFF  # Aff3, Aff2, Aff1, Aff0 of GICD_IROUTER<n> (IRM RAZ/WI)


class Distributor:
    """GICD over the GIC's INTID states."""

    def __init__(self, gic: GICv3) -> None:
        self._gic = gic
        self._bank = Bank(gic.irqs, range(PRIVATE_COUNT, gic.num_irqs), gic.priority_mask)

    def read(self, offset: int, size: int) -> int:
        if self._bank.covers(offset):
            return self._bank.read(offset, size)
        if self._irouter(offset) is not None:
            return self._read_irouter(offset, size)
        if size != 4 or offset % 4:
            return 0
        if offset == CTLR:
            enabled = self._gic.group_enabled
            return CTLR_ARE | CTLR_DS | enabled[0] * CTLR_ENABLE_GRP0 | enabled[1] * CTLR_ENABLE_GRP1
        if offset == TYPER:
            return TYPER_NO1N | TYPER_A3V | TYPER_IDBITS | (self._gic.num_irqs // 32 - 1)
        if offset == IIDR_OFFSET:
            return IIDR
        if ID_FIRST <= offset < ID_END:
            return id_register(offset, PIDR0_GICD)
        return 0

    def write(self, offset: int, size: int, value: int) -> None:
        if self._bank.covers(offset):
            self._bank.write(offset, size, value)
        elif self._irouter(offset) is not None:
            self._write_irouter(offset, size, value)
        elif offset == CTLR and size == 4:
            self._gic.group_enabled[:] = [bool(value & CTLR_ENABLE_GRP0), bool(value & CTLR_ENABLE_GRP1)]
        self._gic.update()

    def _irouter(self, offset: int) -> int | None:
        """The SPI whose GICD_IROUTER<n> holds `offset`, if any."""
        intid = (offset - IROUTER) // 8
        return intid if PRIVATE_COUNT <= intid < self._gic.num_irqs and offset >= IROUTER else None

    def _read_irouter(self, offset: int, size: int) -> int:
        intid = self._irouter(offset)
        if intid is None or size not in (4, 8) or offset % size:
            return 0
        return (self._gic.irqs[intid].router >> 8 * (offset % 8)) & ((1 << 8 * size) - 1)

    def _write_irouter(self, offset: int, size: int, value: int) -> None:
        intid = self._irouter(offset)
        if intid is None or size not in (4, 8) or offset % size:
            return
        s = self._gic.irqs[intid]
        shift, mask = 8 * (offset % 8), (1 << 8 * size) - 1
        s.router = ((s.router & ~(mask << shift)) | (value & mask) << shift) & IROUTER_AFFINITY
