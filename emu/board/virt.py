"""The memory map and interrupt numbers of QEMU's `virt` board (../shared/docs/PLATFORM.md)."""

from __future__ import annotations

GICD_BASE, GICD_SIZE = 0x0800_0000, 0x1_0000
GICR_BASE, GICR_SIZE = 0x080A_0000, 0x2_0000
UART0_BASE, UART0_SIZE = 0x0900_0000, 0x1000
RAM_BASE = 0x4000_0000
DEFAULT_RAM_MIB = 128
MAX_RAM_MIB = 3072  # keeps RAM below 4 GiB: 0x4000_0000 + 3 GiB

# Interrupt IDs of the board's devices (PPIs are INTID 16 + PPI number).
INTID_PMU = 23  # PPI 7
INTID_EL1_PHYS_TIMER = 30  # PPI 14
INTID_EL1_VIRT_TIMER = 27  # PPI 11
INTID_EL2_PHYS_TIMER = 26  # PPI 10
INTID_MAINTENANCE = 25  # PPI 9
