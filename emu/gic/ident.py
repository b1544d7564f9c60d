"""Identification registers shared by GICD and GICR (IHI 0069 12.1.2, 12.9.14 GICD_IIDR,
12.9.26 GICD_PIDR2), with the values QEMU 7.2 reports.

IIDR: Implementer 0x43B (Arm, JEP106), Revision 0, Variant 0, ProductID 0; QEMU 7.2 reports
the same ("an ARM r0p0 with a zero ProductID").
"""

from __future__ import annotations

IIDR = 0x0000_043B
ARCH_REV = 3  # PIDR2.ArchRev: GICv3
ID_FIRST, ID_END = 0xFFD0, 0x1_0000
PIDR0_GICD, PIDR0_GICR = 0x92, 0x93

# PIDR4-7, PIDR0-3, CIDR0-3 at 0xFFD0-0xFFFC; PIDR0 is the block's part number, PIDR2 bits [3:0]
# are JEP106 (0xB: Arm, JEDEC used) and [7:4] ArchRev.
_IDS = (0x44, 0x00, 0x00, 0x00, None, 0xB4, 0x0B | ARCH_REV << 4, 0x00, 0x0D, 0xF0, 0x05, 0xB1)


def id_register(offset: int, pidr0: int) -> int:
    """The 32-bit ID register at `offset` (ID_FIRST <= offset < ID_END, 4-aligned)."""
    value = _IDS[(offset - ID_FIRST) // 4]
    return pidr0 if value is None else value
