"""The redistributor of the one PE, GICR (IHI 0069 12.10, 12.11), at GICR_BASE, 128 KiB: RD_base,
then SGI_base at +0x1_0000 with the SGI/PPI registers (the same layout as GICD, in `bank`).

No LPIs (GICR_CTLR RAZ/WI, GICR_TYPER.PLPIS = 0). GICR_IGRPMODR0 and GICR_NSACR are RAZ/WI (DS = 1).
GICR_ICFGR0 reads 0xAAAA_AAAA (SGIs edge-triggered, RO); GICR_ICFGR1 is writable, PPIs level at
reset, as QEMU 7.2. Widths and reserved offsets as in `distributor`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .bank import Bank
from .ident import ID_END, ID_FIRST, IIDR, PIDR0_GICR, id_register
from .state import PRIVATE_COUNT

if TYPE_CHECKING:
    from .gic import GICv3

CTLR, IIDR_OFFSET, TYPER, WAKER, SGI_BASE = 0x0000, 0x0004, 0x0008, 0x0014, 0x1_0000
# GICR_TYPER (IHI 0069 12.10.33): Affinity_Value [63:32] = 0.0.0.0, Processor_Number [23:8] = 0,
# Last [4] = 1 (the only redistributor).
TYPER_VALUE = 1 << 4
WAKER_PROCESSOR_SLEEP, WAKER_CHILDREN_ASLEEP = 1 << 1, 1 << 2


class Redistributor:
    """GICR over the GIC's INTID states 0-31.

    GICR_WAKER (IHI 0069 12.10.40): ProcessorSleep resets to 1; ChildrenAsleep follows it at once
    (nothing is ever in flight), so software that clears ProcessorSleep and polls ChildrenAsleep
    sees 0 on its first read. As in QEMU 7.2, ProcessorSleep = 1 does not stop the redistributor
    from forwarding interrupts (the spec has it assert WakeRequest instead; a single PE that is
    running has no one to wake it)."""

    def __init__(self, gic: GICv3) -> None:
        self._gic = gic
        self._bank = Bank(gic.irqs, range(PRIVATE_COUNT), gic.priority_mask)
        self.processor_sleep = True

    def read(self, offset: int, size: int) -> int:
        if offset >= SGI_BASE:
            sgi_offset = offset - SGI_BASE
            return self._bank.read(sgi_offset, size) if self._bank.covers(sgi_offset) else 0
        if offset in (TYPER, TYPER + 4) and size in (4, 8) and offset % size == 0:
            return (TYPER_VALUE >> 8 * (offset - TYPER)) & ((1 << 8 * size) - 1)
        if size != 4 or offset % 4:
            return 0
        if offset == IIDR_OFFSET:
            return IIDR
        if offset == WAKER:
            return (WAKER_PROCESSOR_SLEEP | WAKER_CHILDREN_ASLEEP) if self.processor_sleep else 0
        if ID_FIRST <= offset < ID_END:
            return id_register(offset, PIDR0_GICR)
        return 0

    def write(self, offset: int, size: int, value: int) -> None:
        if offset >= SGI_BASE:
            sgi_offset = offset - SGI_BASE
            if self._bank.covers(sgi_offset):
                self._bank.write(sgi_offset, size, value)
                self._gic.update()
        elif offset == WAKER and size == 4:
            self.processor_sleep = bool(value & WAKER_PROCESSOR_SLEEP)
