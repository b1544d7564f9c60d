"""The memory map and interrupt numbers of QEMU's `virt` board (../shared/docs/PLATFORM.md)."""

from __future__ import annotations

GICD_BASE, GICD_SIZE = 0x0800_0000, 0x1_0000
GICR_BASE, GICR_SIZE = 0x080A_0000, 0x2_0000
UART0_BASE, UART0_SIZE = 0x0900_0000, 0x1000
RAM_BASE = 0x4000_0000
DEFAULT_RAM_MIB = 128
MAX_RAM_MIB = 3072  # keeps RAM below 4 GiB: 0x4000_0000 + 3 GiB
