"""The flattened device tree that describes the board to the guest (Devicetree Specification
v0.4; the bindings QEMU 7.2's hw/arm/virt.c uses). Built with the `fdt` package.

This is the first cut: the nodes a kernel needs to find RAM, the console, PSCI, the GIC, the
timer and the PMU. The node-by-node comparison with QEMU's own tree is a later issue (boot like
QEMU's virt); docs/qemu.md records where QEMU puts the blob for a raw image.
"""

from __future__ import annotations

import fdt

from emu.board import psci, virt

GIC_PHANDLE, CLOCK_PHANDLE = 0x8002, 0x8000
# Interrupt specifiers: <type number flags>; type 1 = PPI, 0 = SPI; flags 4 = level high,
# 0x104 = level high on CPU 0 (GICv3 bindings).
PPI, SPI, LEVEL_HIGH, PPI_CPU0_LEVEL_HIGH = 1, 0, 4, 0x104
UART_SPI = 1
PPI_MAINTENANCE, PPI_PMU = 9, 7
PPI_TIMERS = (13, 14, 11, 10)  # secure phys, non-secure phys, virtual, hypervisor phys


def dtb_address(ram_size: int) -> int:
    """Where QEMU's virt puts the DTB for a raw image: RAM base + min(RAM / 2, 128 MiB)."""
    return virt.RAM_BASE + min(ram_size // 2, 128 << 20)


def _node(name: str, *props: fdt.items.Property) -> fdt.Node:
    node = fdt.Node(name)
    for prop in props:
        node.append(prop)
    return node


def build(ram_size: int, *, psci_conduit: str, bootargs: str = "") -> bytes:
    """The DTB blob (version 17) for a board with `ram_size` bytes of RAM."""
    uart = f"pl011@{virt.UART0_BASE:x}"
    root = _node(
        "/",
        fdt.PropWords("#address-cells", 2),
        fdt.PropWords("#size-cells", 2),
        fdt.PropStrings("compatible", "linux,dummy-virt"),
        fdt.PropStrings("model", "linux,dummy-virt"),
        fdt.PropWords("interrupt-parent", GIC_PHANDLE),
    )
    root.append(_node(
        "psci",
        fdt.PropStrings("compatible", "arm,psci-1.0", "arm,psci-0.2", "arm,psci"),
        fdt.PropStrings("method", psci_conduit),
        fdt.PropWords("cpu_suspend", psci.CPU_SUSPEND_64),
        fdt.PropWords("cpu_off", psci.CPU_OFF),
        fdt.PropWords("cpu_on", psci.CPU_ON_64),
    ))
    root.append(_node(
        f"memory@{virt.RAM_BASE:x}",
        fdt.PropStrings("device_type", "memory"),
        fdt.PropWords("reg", 0, virt.RAM_BASE, ram_size >> 32, ram_size & 0xFFFF_FFFF),
    ))
    root.append(_node(
        "apb-pclk",
        fdt.PropWords("phandle", CLOCK_PHANDLE),
        fdt.PropStrings("clock-output-names", "clk24mhz"),
        fdt.PropWords("clock-frequency", 24_000_000),
        fdt.PropWords("#clock-cells", 0),
        fdt.PropStrings("compatible", "fixed-clock"),
    ))
    root.append(_node(
        uart,
        fdt.PropStrings("clock-names", "uartclk", "apb_pclk"),
        fdt.PropWords("clocks", CLOCK_PHANDLE, CLOCK_PHANDLE),
        fdt.PropWords("interrupts", SPI, UART_SPI, LEVEL_HIGH),
        fdt.PropWords("reg", 0, virt.UART0_BASE, 0, virt.UART0_SIZE),
        fdt.PropStrings("compatible", "arm,pl011", "arm,primecell"),
    ))
    root.append(_node(
        f"intc@{virt.GICD_BASE:x}",
        fdt.PropWords("phandle", GIC_PHANDLE),
        fdt.PropWords("interrupts", PPI, PPI_MAINTENANCE, LEVEL_HIGH),
        fdt.PropWords("reg", 0, virt.GICD_BASE, 0, virt.GICD_SIZE, 0, virt.GICR_BASE, 0, virt.GICR_SIZE),
        fdt.PropWords("#redistributor-regions", 1),
        fdt.PropStrings("compatible", "arm,gic-v3"),
        fdt.Property("interrupt-controller"),
        fdt.PropWords("#interrupt-cells", 3),
    ))
    root.append(_node(
        "pmu",
        fdt.PropWords("interrupts", PPI, PPI_PMU, PPI_CPU0_LEVEL_HIGH),
        fdt.PropStrings("compatible", "arm,armv8-pmuv3"),
    ))
    timer_irqs = [w for ppi in PPI_TIMERS for w in (PPI, ppi, PPI_CPU0_LEVEL_HIGH)]
    root.append(_node(
        "timer",
        fdt.PropWords("interrupts", *timer_irqs),
        fdt.Property("always-on"),
        fdt.PropStrings("compatible", "arm,armv8-timer", "arm,armv7-timer"),
    ))
    cpus = _node("cpus", fdt.PropWords("#size-cells", 0), fdt.PropWords("#address-cells", 1))
    cpus.append(_node(
        "cpu@0",
        fdt.PropStrings("enable-method", "psci"),
        fdt.PropWords("reg", 0),
        fdt.PropStrings("compatible", "arm,cortex-a57"),
        fdt.PropStrings("device_type", "cpu"),
    ))
    root.append(cpus)
    chosen = _node("chosen", fdt.PropStrings("stdout-path", f"/{uart}"))
    if bootargs:
        chosen.append(fdt.PropStrings("bootargs", bootargs))
    root.append(chosen)
    tree = fdt.FDT()
    tree.root = root
    return tree.to_dtb(version=17)
