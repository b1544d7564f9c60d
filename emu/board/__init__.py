"""The QEMU `virt` board: memory map, PL011, PSCI firmware, semihosting, image loading."""
